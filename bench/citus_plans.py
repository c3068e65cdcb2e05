"""The plans Citus makes for the hot paths (docs/deployment.md, "Citus"): every statement a path
sends, captured while it runs on a distributed database, then EXPLAINed on the coordinator.

    RESCIND_BENCH_CITUS_URL=postgres://postgres@127.0.0.1:9700/rescind \\
    RESCIND_DATABASE_URL=postgres://postgres@127.0.0.1:9700/rescind_plans_citus \\
        .venv/bin/python bench/citus_plans.py [--show N]

The database named there is dropped, made anew on the coordinator and distributed (32 shards a
table). Each statement is classed from its plan: `one shard` (a Citus Adaptive scan of one task
on an order's shard: a router plan), `reference` (one task on reference tables only), `fan-out`
(several tasks), `coordinator` (no Citus scan: the tables kept on the coordinator). Exits 1 if a
statement of a single-order path (everything but the worker's scan and the lists) fans out.
`--show N` prints the whole plan of the first N one-shard statements of each path.
"""

from __future__ import annotations

import argparse
import re
import sys
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from service_floor import database_reset, engine_name  # sets Django up

from rescind.accounts.models import ApiToken
from rescind.aftersale.services import cancellation_approve, cancellation_request
from rescind.citus import ORDER_KEYED, ORDER_TABLE
from rescind.notifications.services import notify_entries
from rescind.orders.models import Deadline, Product, Store, TimelineEntry
from rescind.orders.services import CheckoutItem, checkout_create, payment_capture
from rescind.refunds.models import Refund
from rescind.refunds.services import refund_submit
from rescind.scheduler import deadline_fire, deadlines_fire_due

ORDER_TABLES = {ORDER_TABLE, *ORDER_KEYED}
SKIP = re.compile(r"^\s*(SAVEPOINT|RELEASE|ROLLBACK|BEGIN|COMMIT|SET)\b", re.I)
# Paths and statements that read many orders by nature: their fan-out is expected, not a
# fault. The worker's scan asks every shard what is due; a checkout's orders (R1: one per
# store) live on several shards, so capture reads them from each.
FAN_OUT_BY_DESIGN = {"worker: find what is due"}
FAN_OUT_STATEMENTS = re.compile(r'WHERE "rescind_orders_order"\."checkout_id" = \d+')


def market():
    users = get_user_model().objects
    buyer = users.create_user("plans-buyer", email="buyer@plans.example")
    seller = users.create_user("plans-seller", email="seller@plans.example")
    store = Store.objects.create(name="Plans", shipping_fee=300)
    store.sellers.add(seller)
    product = Product.objects.create(store=store, name="Thing", unit_price=1250)
    return buyer, seller, product


def paid_order(buyer, product, at: datetime):
    checkout = checkout_create(buyer=buyer, items=[CheckoutItem(product.pk, 2, {})],
                               payment_method="bank_card", now=at)
    payment_capture(payment_id=checkout.payment.pk, buyer=buyer, now=at)
    return checkout.orders.get()


def captured(run) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        run()
    return [q["sql"] for q in queries.captured_queries if not SKIP.match(q["sql"])]


def plan_of(sql: str) -> str:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {sql}")
        text = "\n".join(row[0] for row in cursor.fetchall())
        transaction.set_rollback(True)
    return text


def tables_in(sql: str) -> set[str]:
    return set(re.findall(r'"(rescind_\w+|auth_\w+|django_\w+)"', sql))


def verdict(sql: str, plan: str) -> str:
    counts = [int(n) for n in re.findall(r"Task Count: (\d+)", plan)]
    if not counts:
        return "coordinator"
    if max(counts) > 1:
        return "fan-out"
    return "one shard" if tables_in(sql) & ORDER_TABLES else "reference"


def paths(buyer, seller, product) -> list[tuple[str, object]]:
    """(name, callable) of each hot path, in the order a life of an order takes them."""
    now = datetime.now(UTC)
    state: dict = {}
    token = ApiToken.issue(buyer, name="plans")
    client = Client()

    def checkout():
        state["checkout"] = checkout_create(
            buyer=buyer, items=[CheckoutItem(product.pk, 2, {})], payment_method="bank_card",
            now=now - timedelta(days=2))

    def capture():
        payment_capture(payment_id=state["checkout"].payment.pk, buyer=buyer,
                        now=now - timedelta(days=2))
        state["order"] = state["checkout"].orders.get()

    def request():
        cancellation_request(order_id=state["order"].pk, user=buyer, reason="no_longer_needed",
                             report_supplier=False, now=now - timedelta(days=1))

    def approve():
        cancellation_approve(order_id=state["order"].pk, user=seller, now=now)

    def submit():
        refund = Refund.objects.get(order_id=state["order"].pk)
        refund_submit(refund_id=refund.pk, order_id=refund.order_id, now=now)

    def notify():
        entries = list(TimelineEntry.objects.filter(order_id=state["order"].pk)
                       .values_list("pk", flat=True))
        notify_entries(entry_ids=entries, order_id=state["order"].pk, now=now)

    def order_api():
        answer = client.get(f"/api/v1/orders/{state['order'].pk}",
                            HTTP_AUTHORIZATION=f"Bearer {token}")
        assert answer.status_code == 200, answer.content

    def order_page():
        client.force_login(buyer)
        answer = client.get(f"/orders/{state['order'].pk}/")
        assert answer.status_code == 200, answer.status_code

    due = paid_order(buyer, product, now - timedelta(days=30))
    deadline = Deadline.objects.filter(order_id=due.pk, fired_at__isnull=True,
                                       voided_at__isnull=True).order_by("due_at").first()

    def fire_one():
        deadline_fire(deadline_id=deadline.pk, order_id=due.pk, now=now)

    paid_order(buyer, product, now - timedelta(days=30))

    def scan():
        deadlines_fire_due(now=now)

    return [("checkout", checkout), ("payment capture", capture),
            ("buyer requests cancellation", request), ("seller approves", approve),
            ("task: refund submission", submit), ("task: notifications", notify),
            ("API: order detail", order_api), ("page: buyer's order", order_page),
            ("worker: fire one deadline", fire_one), ("worker: find what is due", scan)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--show", type=int, default=1,
                        help="whole plans shown of each path's one-shard statements")
    args = parser.parse_args()
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    database_reset(citus=True)
    if engine_name() != "citus":
        sys.exit("not distributed: RESCIND_DATABASE_URL must be on the Citus coordinator")
    buyer, seller, product = market()
    faults = []
    print(f"{'path':<30} {'statements':>10} {'one shard':>9} {'reference':>9} "
          f"{'coordinator':>11} {'fan-out':>7}")
    shown: list[str] = []
    for name, run in paths(buyer, seller, product):
        found: dict[str, list[str]] = {}
        examples: list[tuple[str, str]] = []
        for sql in captured(run):
            plan = plan_of(sql)
            kind = verdict(sql, plan)
            found.setdefault(kind, []).append(sql)
            if kind == "one shard" and len(examples) < args.show:
                examples.append((sql, plan))
        counts = {k: len(v) for k, v in found.items()}
        print(f"{name:<30} {sum(counts.values()):>10} {counts.get('one shard', 0):>9} "
              f"{counts.get('reference', 0):>9} {counts.get('coordinator', 0):>11} "
              f"{counts.get('fan-out', 0):>7}", flush=True)
        for sql in found.get("fan-out", []):
            shown.append(f"[{name}] fan-out: {sql[:300]}")
            if name not in FAN_OUT_BY_DESIGN and not FAN_OUT_STATEMENTS.search(sql):
                faults.append((name, sql))
        shown += [f"[{name}] one shard: {sql[:300]}\n{plan}" for sql, plan in examples]
    print()
    print("\n\n".join(shown))
    if faults:
        print(f"\n{len(faults)} statement(s) of single-order paths fan out", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
