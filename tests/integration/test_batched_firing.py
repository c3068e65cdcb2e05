"""A storm's batched firing writes exactly the rows the single-order path writes (issue 16).

The scheduler hands the seller-response deadlines of a batch to `cancellations_auto_approve`
(facts read and rows written for all the orders at once, orders.batch); with `BATCHED` empty
it fires each through its per-order handler, `cancellation_auto_approve`, as before. For any
mix of orders (payment methods, quantities, coupons shared by two orders of a checkout, a
request its deadline no longer applies to), both ways leave the same rows: orders, requests,
refunds, timeline, deadlines, queued tasks and, once those tasks ran, notifications and
e-mails. Ids differ between the two runs (sequences move on), so rows are compared with each
id replaced by what it names: a timeline entry by its order, kind and rank, a refund by its
order and rank.
"""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

from django.db import transaction
from django_tasks_db.models import DBTaskResult
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rescind.aftersale.models import CancellationRequest
from rescind.aftersale.services import cancellation_request
from rescind.coupons.models import Coupon
from rescind.notifications.models import EmailMessage, Notification
from rescind.notifications.services import notify_entries
from rescind.orders.models import Deadline, Order, TimelineEntry
from rescind.orders.services import CheckoutItem, checkout_create, payment_capture
from rescind.refunds.models import Refund
from rescind.scheduler import BATCHED, deadlines_fire_due
from tests.conftest import DAY, HOUR, T0

REQUESTED = T0 + 25 * HOUR
RESPOND_BY = REQUESTED + 72 * HOUR  # policy.r10_seller_response_window
NOTIFY = "rescind.notifications.tasks.notify_task"

checkouts = st.lists(st.fixed_dictionaries({
    "method": st.sampled_from(["bank_card", "e_wallet", "bank_transfer"]),
    "shirts": st.integers(1, 3),
    "mugs": st.integers(0, 2),  # a second order in the other store, of the same checkout
    "coupon": st.sampled_from([None, "platform", "seller"]),
    "not_due": st.booleans(),  # the request answerable longer than its deadline says
}), min_size=1, max_size=4)


def _orders_make(market, specs) -> list[int]:
    """Each spec a checkout paid at T0 whose orders all got a cancellation request 25 h later;
    the seller reminders already fired."""
    ids = []
    for n, spec in enumerate(specs):
        codes = []
        if spec["coupon"]:
            code = f"STORM{n}{spec['coupon'][0].upper()}"
            Coupon.objects.create(code=code, kind=spec["coupon"], amount=500,
                                  store=market.store if spec["coupon"] == "seller" else None,
                                  expires_at=T0 + 30 * DAY, owner=market.buyer)
            codes.append(code)
        items = [CheckoutItem(market.product.pk, spec["shirts"], {"colour": "red"})]
        if spec["mugs"]:
            items.append(CheckoutItem(market.other_product.pk, spec["mugs"], {}))
        checkout = checkout_create(buyer=market.buyer, items=items,
                                   payment_method=spec["method"], now=T0, coupon_codes=codes)
        payment_capture(payment_id=checkout.payment.pk, buyer=market.buyer, now=T0)
        for order in checkout.orders.order_by("pk"):
            cancellation_request(order_id=order.pk, user=market.buyer, reason="no_longer_needed",
                                 report_supplier=False, now=REQUESTED)
            if spec["not_due"]:
                order.cancellation_requests.update(respond_by=RESPOND_BY + DAY)
            ids.append(order.pk)
    deadlines_fire_due(now=RESPOND_BY - HOUR)  # the reminders
    return ids


def _names(order_ids: list[int]) -> dict[tuple[str, int], tuple]:
    """What each id of a row written by the firing names, the same in both runs."""
    names: dict[tuple[str, int], tuple] = {}
    for model, key in ((TimelineEntry, "kind"), (Refund, "cause")):
        rank: dict[tuple, int] = {}
        for pk, order_id, value in model.objects.filter(order_id__in=order_ids).order_by(
                "order_id", key, "pk").values_list("pk", "order_id", key):
            n = rank[(order_id, value)] = rank.get((order_id, value), 0) + 1
            names[(model.__name__, pk)] = (model.__name__, order_id, value, n)
    return names


def _rows(order_ids: list[int], coupon_codes: list[str]) -> dict[str, list]:
    names = _names(order_ids)
    entry = lambda pk: names.get(("TimelineEntry", pk), pk)  # noqa: E731
    refund = lambda pk: names.get(("Refund", pk), pk)  # noqa: E731

    def plain(obj, *, drop=()) -> dict:  # every column but the id
        return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields
                if not f.primary_key and f.name not in drop}

    def dedup(key: str) -> str:  # "<entry id>:<channel>:<user id>"
        pk, rest = key.split(":", 1)
        return f"{entry(int(pk))}:{rest}"

    tasks = []
    for task in DBTaskResult.objects.filter(status="READY"):
        arg = task.args_kwargs["args"][0]
        arg = [entry(pk) for pk in arg] if task.task_path == NOTIFY else refund(arg)
        tasks.append((task.task_path, repr(arg), task.priority, task.queue_name))
    by_order = {"order_id__in": order_ids}
    return {
        "orders": [plain(o) for o in Order.objects.filter(pk__in=order_ids).order_by("pk")],
        "requests": sorted(repr(plain(r)) for r in CancellationRequest.objects.filter(**by_order)),
        "refunds": sorted(repr({**plain(r, drop=["idempotency_key"]), "id": refund(r.pk)})
                          for r in Refund.objects.filter(**by_order)),
        "timeline": sorted(repr({**plain(e), "id": entry(e.pk)})
                           for e in TimelineEntry.objects.filter(**by_order)),
        "deadlines": sorted(repr({**plain(d), "subject_id": refund(d.subject_id)
                                  if d.kind == Deadline.Kind.REFUND_START else d.subject_id})
                            for d in Deadline.objects.filter(**by_order)),
        "coupons": [plain(c) for c in Coupon.objects.filter(code__in=coupon_codes)
                    .order_by("code")],
        "tasks": sorted(tasks),
        "notifications": sorted(repr({**plain(n), "dedup_key": dedup(n.dedup_key)})
                                for n in Notification.objects.filter(**by_order)),
        "emails": sorted(repr({**plain(e), "dedup_key": dedup(e.dedup_key)})
                         for e in EmailMessage.objects.filter(dedup_key__regex=r"^\d+:")
                         if names.get(("TimelineEntry", int(e.dedup_key.split(":")[0])))),
    }


def _fire_and_read(order_ids: list[int], coupon_codes: list[str], *, batched: bool) -> dict:
    """Fire what is due at RESPOND_BY one way, run the notification tasks it queued (in the
    order of their entries), read the rows; then roll it all back."""
    sid = transaction.savepoint()
    DBTaskResult.objects.all().delete()
    approve_all, batches = BATCHED[Deadline.Kind.SELLER_RESPONSE], []

    def watched(orders, *, now):  # the batched handler, its calls and failures noted
        batches.append(sorted(o.pk for o in orders))
        try:
            return approve_all(orders, now=now)
        except Exception:
            batches.append("failed")  # the scheduler reran the batch order by order
            raise

    with mock.patch.dict(BATCHED, {Deadline.Kind.SELLER_RESPONSE: watched} if batched else {},
                         clear=True):
        fired = deadlines_fire_due(now=RESPOND_BY)
    names = _names(order_ids)
    for args in sorted((t.args_kwargs["args"][0] for t in DBTaskResult.objects.filter(
            task_path=NOTIFY)), key=lambda ids: [names[("TimelineEntry", pk)] for pk in ids]):
        notify_entries(entry_ids=args, now=RESPOND_BY + timedelta(minutes=1))
    rows = {"fired": fired, "batches": batches, **_rows(order_ids, coupon_codes)}
    transaction.savepoint_rollback(sid)
    return rows


@settings(max_examples=12, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(specs=checkouts)
def test_r10_r21_r22_r25_batched_firing_writes_the_rows_of_the_single_order_path(market, specs):
    sid = transaction.savepoint()
    try:
        # given checkouts of one or two orders, some with a coupon, each order's request past
        # its seller's response deadline (some answerable a day longer: their deadline is
        # refused)
        order_ids = _orders_make(market, specs)
        codes = list(Coupon.objects.filter(code__startswith="STORM")
                     .values_list("code", flat=True))
        # when the due deadlines fire order by order, and (from the same rows) in one batch
        single = _fire_and_read(order_ids, codes, batched=False)
        batched = _fire_and_read(order_ids, codes, batched=True)
        # then both ways fired as many and left the very same rows, table by table
        due = [s for s in specs if not s["not_due"]]
        assert single["fired"] == len(due) + sum(1 for s in due if s["mugs"])
        assert (single["batches"], batched["batches"]) == ([], [sorted(order_ids)])
        for table in set(single) - {"batches"}:
            assert batched[table] == single[table], table
    finally:  # the next example starts from the market alone
        transaction.savepoint_rollback(sid)
