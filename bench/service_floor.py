"""Benchmark 1 of issue 7: "buyer requests cancellation", the real service against the minimal
raw SQL that makes the same writes, through the same driver, in the same run.

    RESCIND_DATABASE_URL=postgres://postgres@127.0.0.1:5432/rescind_bench \\
        .venv/bin/python bench/service_floor.py --processes 1 2 4
    RESCIND_DATABASE_URL=sqlite:////tmp/rescind_bench.sqlite3 \\
        .venv/bin/python bench/service_floor.py --processes 1
    RESCIND_BENCH_CITUS_URL=postgres://postgres@127.0.0.1:9700/rescind \\
    RESCIND_DATABASE_URL=postgres://postgres@127.0.0.1:9700/rescind_bench \\
        .venv/bin/python bench/service_floor.py --processes 1 2 4 --citus

The database named there is dropped and made anew. Each figure is transactions per second over
`--count` transactions per process, the median of `--repeat` runs; the ratio is service / raw
in the same run, so the machine's load cancels out.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rescind.settings")
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "src"))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))  # tests.citus_cluster

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, connections, transaction  # noqa: E402

from rescind.aftersale.services import cancellation_request  # noqa: E402
from rescind.orders.models import Order, Payment, Product, Store  # noqa: E402
from rescind.orders.services import CheckoutItem, checkout_create  # noqa: E402

PAID_AT = datetime.now(UTC) - timedelta(days=2)


CITUS_URL = os.environ.get("RESCIND_BENCH_CITUS_URL", "")


def database_reset(*, citus: bool = False) -> None:
    """Drop the database named by RESCIND_DATABASE_URL, make it anew and migrate it (every
    benchmark but the query plans starts here).

    With `citus` that database must be on the Citus coordinator of RESCIND_BENCH_CITUS_URL (a
    database there whose workers were added, docs/deployment.md): the new one gets the same
    workers and is distributed once migrated, as `rescind citus distribute` does, with Citus's
    default shard count (32 a table)."""
    if citus and not CITUS_URL:
        sys.exit("--citus needs RESCIND_BENCH_CITUS_URL: the coordinator's database with its "
                 "workers added, e.g. postgres://postgres@127.0.0.1:9700/rescind")
    db = settings.DATABASES["default"]
    if connection.vendor == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(f"{db['NAME']}{suffix}"):
                os.remove(f"{db['NAME']}{suffix}")
    else:
        import psycopg

        admin = psycopg.connect(host=db["HOST"], port=db["PORT"], user=db["USER"],
                                dbname="postgres", autocommit=True)
        admin.execute(f'DROP DATABASE IF EXISTS "{db["NAME"]}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{db["NAME"]}"')
        admin.close()
    if citus:
        from tests.citus_cluster import nodes_add

        nodes_add(CITUS_URL)
    call_command("migrate", verbosity=0)
    if citus:
        from rescind.citus import distribute

        distribute()


def engine_name() -> str:
    """sqlite, postgresql, or citus (PostgreSQL with the schema distributed)."""
    from rescind.citus import citus_state

    return "citus" if citus_state() == "distributed" else connection.vendor


def orders_make(count: int) -> list[int]:
    """Paid orders, two days old (the cancel action is open), made fast: one checkout through
    the service, then copies of its order row marked paid."""
    users = get_user_model().objects
    buyer = users.filter(username="bench-buyer").first() or users.create_user("bench-buyer")
    if not Store.objects.exists():
        store = Store.objects.create(name="Bench", shipping_fee=0)
        Product.objects.create(store=store, name="Thing", unit_price=1000)
    product = Product.objects.get()
    checkout = checkout_create(buyer=buyer, items=[CheckoutItem(product.pk, 1, {})],
                               payment_method="bank_card", now=PAID_AT)
    Payment.objects.filter(checkout=checkout).update(state="captured")
    template = checkout.orders.get()
    rows = [Order(checkout=checkout, store=template.store, buyer=buyer,
                  state="awaiting_shipment", currency="USD", items_total=1000, shipping_fee=0,
                  total=1000, payment_method="bank_card", placed_at=PAID_AT, paid_at=PAID_AT,
                  ship_by=PAID_AT + timedelta(days=9)) for _ in range(count)]
    return [o.pk for o in Order.objects.bulk_create(rows)]


RAW = {
    "lock": "SELECT id FROM rescind_orders_order WHERE id = %s FOR UPDATE",
    "request": "INSERT INTO rescind_aftersale_cancellationrequest (order_id, reason, side, "
               "report_supplier, state, requested_at, respond_by, decision_note, "
               "refusal_reason) "
               "VALUES (%s, 'no_longer_needed', 'buyer', false, 'pending', %s, %s, '', '')",
    "order": "UPDATE rescind_orders_order SET closed_at = NULL WHERE id = %s",
    "timeline": "INSERT INTO rescind_orders_timelineentry (order_id, at, kind, actor, "
                "actor_user_id, params) VALUES (%s, %s, 'CancellationRequested', 'buyer', "
                "NULL, '{}')",
    "deadline": "INSERT INTO rescind_orders_deadline (order_id, kind, due_at) "
                "VALUES (%s, 'seller_response', %s)",
}


def raw_request(order_id: int, now: datetime) -> None:
    lock = RAW["lock"] if connection.vendor == "postgresql" else RAW["lock"][:-len(" FOR UPDATE")]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(lock, [order_id])
        cursor.execute(RAW["request"], [order_id, now, now + timedelta(hours=72)])
        cursor.execute(RAW["order"], [order_id])
        cursor.execute(RAW["timeline"], [order_id, now])
        cursor.execute(RAW["deadline"], [order_id, now + timedelta(hours=72)])


def service_request(order_id: int, now: datetime) -> None:
    cancellation_request(order_id=order_id, user=BUYER[0], reason="no_longer_needed",
                         report_supplier=False, now=now)


BUYER: list = []


def _worker(variant: str, order_ids: list[int], start, results) -> None:
    connections.close_all()  # a forked child must open its own connection
    BUYER.append(get_user_model().objects.get(username="bench-buyer"))
    act = raw_request if variant == "raw" else service_request
    start.wait()
    began = time.perf_counter()
    now = datetime.now(UTC)
    for order_id in order_ids:
        act(order_id, now)
    results.put(time.perf_counter() - began)


def measure(variant: str, processes: int, count: int) -> float:
    """Transactions per second of `processes` processes doing `count` requests each."""
    ids = orders_make(processes * count)
    connections.close_all()
    context = multiprocessing.get_context("fork")
    start, results = context.Barrier(processes + 1), context.Queue()
    workers = [context.Process(target=_worker, args=(variant, ids[i::processes], start, results))
               for i in range(processes)]
    for worker in workers:
        worker.start()
    start.wait()
    began = time.perf_counter()
    for worker in workers:
        worker.join()
    elapsed = time.perf_counter() - began
    assert all(w.exitcode == 0 for w in workers), "a benchmark process failed"
    return processes * count / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--processes", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--count", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", metavar="PATH", help="write the figures here")
    parser.add_argument("--citus", action="store_true", help="distribute the database on the "
                        "Citus coordinator it is on (RESCIND_BENCH_CITUS_URL)")
    args = parser.parse_args()
    database_reset(citus=args.citus)
    engine = engine_name()
    print(f"{engine}: {args.count} transactions per process, median of {args.repeat}")
    print(f"{'processes':>9} {'raw tx/s':>10} {'service tx/s':>13} {'ratio':>6}")
    measure("raw", 1, 20)  # warm up: connections, caches, the first pages of each table
    measure("service", 1, 20)
    figures = []
    for processes in args.processes:
        raw, service = [], []
        for _ in range(args.repeat):  # interleaved, so both see the same machine load
            raw.append(measure("raw", processes, args.count))
            service.append(measure("service", processes, args.count))
        r, s = statistics.median(raw), statistics.median(service)
        print(f"{processes:>9} {r:>10.0f} {s:>13.0f} {s / r:>6.2f}", flush=True)
        figures.append({"processes": processes, "raw_per_second": raw,
                        "service_per_second": service, "ratio_of_medians": s / r})
    if args.json:
        with open(args.json, "w") as out:
            json.dump({"database": engine, "count": args.count, "repeat": args.repeat,
                       "runs": figures}, out, indent=2)


if __name__ == "__main__":
    main()
