"""The hot paths bench/query_plans.py runs against its data set, each through the real code:
services, worker passes, and HTTP requests through Django's test client (middleware, auth,
idempotency, pages with their context processors). `setup` picks the rows to act on and logs
users in outside the capture; `act` is what gets captured."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Count
from django.test import Client
from plans_dataset import bench_token

from rescind.aftersale.models import CancellationRequest
from rescind.disputes.firing import disputes_fire_due
from rescind.orders.models import Order, Store
from rescind.orders.recording import order_facts, order_lock
from rescind.pruning import PASS_BATCHES, Retention, prune_pass
from rescind.refunds.models import Refund, SandboxFault
from rescind.scheduler import deadlines_fire_due
from rescind.worker import RescindWorker, tasks_requeue_abandoned

HOUR = timedelta(hours=1)


@dataclass
class Scenario:
    key: str
    name: str
    description: str
    act: Callable[[dict], None]
    setup: Callable[[datetime], dict] = lambda now: {}
    hot: bool = True
    context: dict = field(default_factory=dict)

    def prepare(self, now: datetime) -> None:
        self.context = self.setup(now)

    def run(self, now: datetime) -> None:
        self.act(self.context)


def _expect(response, status: int) -> None:
    assert response.status_code == status, (status, response.content[:500])


def _api(user_id: int) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {bench_token(user_id)}")


def _logged_in(user_id: int) -> Client:
    client = Client()
    client.force_login(get_user_model().objects.get(pk=user_id))
    return client


def _post(client: Client, path: str, body: dict, key: str):
    return client.post(path, data=json.dumps(body), content_type="application/json",
                       headers={"Idempotency-Key": key})


def _seller_of(store_id: int) -> int:
    return Store.objects.get(pk=store_id).sellers.values_list("pk", flat=True).first()


def _busiest(column: str) -> int:
    return (Order.objects.values(column).annotate(n=Count("pk")).order_by("-n")
            .values_list(column, flat=True).first())


def _support_id() -> int:
    return get_user_model().objects.filter(is_staff=True).order_by("pk").values_list(
        "pk", flat=True).first()


def _lock_targets(now: datetime) -> dict:
    return {"ids": [Order.objects.filter(state=state).order_by("-pk").values_list(
        "pk", flat=True).first() for state in ("awaiting_shipment", "awaiting_delivery")]}


def _lock_and_read(context: dict) -> None:
    for order_id in context["ids"]:
        with transaction.atomic():
            order_facts(order_lock(order_id))


def _request_target(now: datetime) -> dict:
    order = (Order.objects.filter(state="awaiting_shipment", paid_at__lte=now - 25 * HOUR)
             .exclude(cancellation_requests__state="pending").order_by("-pk").first())
    return {"order": order.pk, "client": _api(order.buyer_id)}


def _request(context: dict) -> None:
    _expect(_post(context["client"], f"/api/v1/orders/{context['order']}/cancellation-request",
                  {"reason": "no_longer_needed", "report_supplier": False}, "bench-request"),
            201)


def _approve_target(now: datetime) -> dict:
    pending = (CancellationRequest.objects.filter(state="pending", respond_by__gt=now + HOUR)
               .select_related("order").order_by("-pk").first())
    return {"order": pending.order_id, "client": _api(_seller_of(pending.order.store_id))}


def _approve(context: dict) -> None:
    _expect(_post(context["client"],
                  f"/api/v1/orders/{context['order']}/cancellation-request/approve",
                  {"note": ""}, "bench-approve"), 200)


def _deadlines(context: dict) -> None:
    fired = deadlines_fire_due(now=datetime.now(UTC))
    assert fired > 0, "the data set has a backlog of due deadlines"


def _disputes(context: dict) -> None:
    fired = disputes_fire_due(now=datetime.now(UTC))
    assert fired > 0, "the data set has dispute deadlines due"


def _sweep(context: dict) -> None:
    requeued = tasks_requeue_abandoned(
        lease=timedelta(seconds=settings.RESCIND_TASK_LEASE_SECONDS))
    assert requeued == 3, requeued


def _gateway_failing(now: datetime) -> dict:
    """The sandbox refuses the next two refunds: the retry path runs too."""
    SandboxFault.objects.update_or_create(operation="refund",
                                          defaults={"remaining": 2, "mode": "error"})
    return {}


def _tasks(context: dict) -> None:
    RescindWorker(worker_id="bench-plans").tasks_run(max_tasks=20_000)


def _prune(context: dict) -> None:
    """One worker pass's share of the pruning: the data set spans 180 days, so every kind has
    rows past its retention."""
    result = prune_pass(now=datetime.now(UTC), retention=Retention.configured(),
                        batch_size=settings.RESCIND_PRUNE_BATCH_SIZE, max_batches=PASS_BATCHES)
    assert sum(result.removed.values()) > 0, result.removed


def _buyer_lists(now: datetime) -> dict:
    buyer = _busiest("buyer_id")
    return {"api": _api(buyer), "web": _logged_in(buyer)}


def _seller_lists(now: datetime) -> dict:
    seller = _seller_of(_busiest("store_id"))
    return {"api": _api(seller), "web": _logged_in(seller)}


def _api_lists(context: dict) -> None:
    _expect(context["api"].get("/api/v1/orders?limit=50"), 200)
    _expect(context["api"].get("/api/v1/orders?limit=50&offset=50"), 200)
    _expect(context["api"].get("/api/v1/orders?limit=50&state=awaiting_shipment"), 200)


def _detail_target(now: datetime) -> dict:
    refund = Refund.objects.select_related("order").order_by("-pk").first()
    return {"order": refund.order_id, "api": _api(refund.order.buyer_id)}


def _detail(context: dict) -> None:
    _expect(context["api"].get(f"/api/v1/orders/{context['order']}"), 200)


def _buyer_pages(context: dict) -> None:
    _expect(context["web"].get("/orders/"), 200)


def _seller_pages(context: dict) -> None:
    _expect(context["web"].get("/seller/orders/"), 200)
    _expect(context["web"].get("/seller/requests/"), 200)


def _inbox(context: dict) -> None:
    _expect(context["api"].get("/api/v1/notifications"), 200)
    _expect(context["web"].get("/inbox/"), 200)


def _support(now: datetime) -> dict:
    support = _support_id()
    return {"api": _api(support), "web": _logged_in(support)}


def _support_queue(context: dict) -> None:
    _expect(context["web"].get("/support/disputes/"), 200)
    _expect(context["api"].get("/api/v1/support/disputes"), 200)


def _metrics(context: dict) -> None:
    _expect(context["api"].get("/api/v1/metrics/stores"), 200)


SCENARIOS = [
    Scenario("A", "order lock and order_facts",
             "orders/recording.py: lock an awaiting-shipment and an awaiting-delivery order and "
             "read their facts", _lock_and_read, _lock_targets),
    Scenario("B", "buyer requests cancellation (API POST, Idempotency-Key)",
             "token auth, idempotency claim, cancellation_request, the order detail answer",
             _request, _request_target),
    Scenario("C", "seller approves (API POST)",
             "cancellation_approve: close, refund, coupons, deadlines voided, the answer",
             _approve, _approve_target),
    Scenario("D", "worker: due deadlines (scheduler.deadlines_fire_due)",
             "the due scan, then each firing: auto-approvals, reminders, refund checks",
             _deadlines),
    Scenario("E", "worker: dispute deadlines (disputes.firing)",
             "the due scan over open disputes, then each escalation", _disputes),
    Scenario("F", "worker: abandoned-task sweep (worker.tasks_requeue_abandoned)",
             "RUNNING task rows claimed longer ago than the lease", _sweep),
    Scenario("G", "worker: task queue (claim, notify, refund submit/retry/check)",
             "django-tasks-db claim (FOR UPDATE SKIP LOCKED), every task the passes above "
             "queued, with the sandbox refusing two refunds", _tasks, _gateway_failing),
    Scenario("H", "order list by buyer (API)", "GET /api/v1/orders as the busiest buyer",
             _api_lists, _buyer_lists),
    Scenario("I", "order list by store (API)",
             "GET /api/v1/orders as the seller of the busiest store", _api_lists, _seller_lists),
    Scenario("J", "order detail (API)", "GET /api/v1/orders/{id} of a refunded order",
             _detail, _detail_target),
    Scenario("K", "order list page by buyer (web)", "/orders/ with the unread badge",
             _buyer_pages, _buyer_lists),
    Scenario("L", "order list pages by store (web)", "/seller/orders/ and /seller/requests/",
             _seller_pages, _seller_lists),
    Scenario("M", "inbox and unread badge", "GET /api/v1/notifications and /inbox/ as the "
             "busiest store's seller", _inbox, _seller_lists),
    Scenario("N", "support dispute queue", "/support/disputes/ and GET /api/v1/support/disputes",
             _support_queue, _support),
    Scenario("O", "store metrics, support, last 30 days (report)",
             "GET /api/v1/metrics/stores over every store", _metrics, _support, hot=False),
    Scenario("P", "store metrics, one seller, last 30 days (report)",
             "GET /api/v1/metrics/stores for the busiest store", _metrics, _seller_lists,
             hot=False),
    Scenario("Q", "worker: pruning (rescind.pruning)",
             "one pass's batches of finished task rows, e-mail and webhook logs and idempotency "
             "records past their retention", _prune),
]
