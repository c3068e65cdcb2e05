"""The seller's order queue costs the same in a store of 10,000 orders and of 1,000,000 (issue 14).

    .venv/bin/python bench/seller_list.py            # 10,000 and 1,000,000 orders
    .venv/bin/python bench/seller_list.py --quick    # 1,000 and 20,000: a check of the harness

The database (RESCIND_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/
rescind_seller_list) is dropped and made anew, migrated and filled by set-based SQL in one
go: two stores on one platform, a small and a big one, with the same shape of orders (placed
over a year; the newest 2 % await shipment, a tenth of those with a pending cancellation
request and 3 % with a pending change request; the next 3 % on their way; of the older ones
0.5 % shipment canceled, 2 % in dispute, 8 % closed, the rest completed) and their running
deadlines and open disputes.

Then each tab and sort of /seller/orders/ is read through Django's test client as the store's
seller: the first page, and a deep page (a cursor at 90 % of the tab, or earlier so that a full
page follows it). Each time is the median of --repeat reads after one warm-up, the two stores
read in turns. The ratio big/small of each must be at most 1.5. The plans
(EXPLAIN ANALYZE) of the big store's deep pages are printed. Exit 1 when a ratio is above 1.5.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from urllib.parse import urlparse

URL = os.environ.get("RESCIND_DATABASE_URL") or \
    "postgres://postgres@127.0.0.1:5432/rescind_seller_list"
os.environ["RESCIND_DATABASE_URL"] = URL
os.environ.pop("RESCIND_DEMO_MODE", None)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rescind.settings")
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "src"))

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from rescind.aftersale.models import CancellationRequest  # noqa: E402
from rescind.orders.models import Order  # noqa: E402
from rescind.orders.seller_queue import (  # noqa: E402
    DEADLINE_COLUMN,
    Cursor,
    cursor_token,
    queue_page,
    queue_query,
    tab_filter,
)

BUYERS = 20_000
LIMIT = 1.5
PAGE = 25  # web.seller_queue_page.PAGE_SIZE
VIEWS = [("awaiting_answer", "deadline"), ("awaiting_answer", "date"), ("to_ship", "deadline"),
         ("to_ship", "date"), ("shipment_canceled", "deadline"), ("shipment_canceled", "date"),
         ("in_dispute", "deadline"), ("in_dispute", "date"), ("completed", "date"),
         ("closed", "date"), ("all", "date")]


def database_reset() -> None:
    import psycopg

    url = urlparse(URL)
    name = url.path.lstrip("/")
    with psycopg.connect(host=url.hostname, port=url.port or 5432,
                         user=url.username or "postgres", dbname="postgres",
                         autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')


DATASET = """
INSERT INTO auth_user (id, password, is_superuser, username, first_name, last_name, email,
                       is_staff, is_active, date_joined)
SELECT i, '!', false, CASE WHEN i <= {B} THEN 'buyer' || i ELSE 'seller' || (i - {B}) END,
       '', '', '', false, true, now() - interval '400 days'
FROM generate_series(1, {B} + 2) i;
INSERT INTO rescind_orders_store (id, name, currency, shipping_fee)
VALUES (1, 'Small store', 'USD', 300), (2, 'Big store', 'USD', 300);
INSERT INTO rescind_orders_store_sellers (store_id, user_id) VALUES (1, {B} + 1), (2, {B} + 2);
INSERT INTO rescind_orders_product (id, name, unit_price, currency, option_choices, store_id)
SELECT i, 'Product ' || i, 1000 + i * 100, 'USD', '{{}}', (i - 1) / 4 + 1
FROM generate_series(1, 8) i;

CREATE TEMP TABLE po AS
SELECT i AS id, CASE WHEN i <= {SMALL} THEN 1 ELSE 2 END AS store_id,
       (CASE WHEN i <= {SMALL} THEN i ELSE i - {SMALL} END)::float8
         / CASE WHEN i <= {SMALL} THEN {SMALL} ELSE {BIG} END AS age,
       random() AS fate, random() AS r2, (1 + (i::bigint * 7919) % {B})::int AS buyer_id
FROM generate_series(1, {SMALL} + {BIG}) i;
ALTER TABLE po ADD COLUMN placed_at timestamptz, ADD COLUMN state text;
UPDATE po SET placed_at = now() - (1 - age) * interval '365 days' - r2 * interval '1 minute',
  state = CASE WHEN age > 0.998 THEN 'awaiting_payment'
               WHEN age > 0.98 THEN 'awaiting_shipment'
               WHEN age > 0.95 THEN 'awaiting_delivery'
               WHEN fate < 0.005 THEN 'shipment_canceled'
               WHEN fate < 0.025 THEN 'in_dispute'
               WHEN fate < 0.105 THEN 'closed' ELSE 'completed' END;

INSERT INTO rescind_orders_checkout (id, created_at, buyer_id)
SELECT id, placed_at, buyer_id FROM po;
INSERT INTO rescind_orders_order (id, state, close_reason, responsible_side, currency,
  items_total, shipping_fee, discount_total, total, refunded, payment_method, placed_at,
  paid_at, ship_by, closed_at, buyer_id, checkout_id, store_id, delivered_at, dispute_from,
  completed_at)
SELECT id, state, CASE WHEN state = 'closed' THEN 'cancelled_on_request' ELSE '' END,
       CASE WHEN state = 'closed' THEN 'buyer' ELSE '' END, 'USD', 2500, 300, 0, 2800,
       CASE WHEN state = 'closed' THEN 2800 ELSE 0 END, 'bank_card', placed_at,
       CASE WHEN state <> 'awaiting_payment' THEN placed_at + interval '10 minutes' END,
       CASE WHEN state <> 'awaiting_payment' THEN placed_at + interval '9 days' END,
       CASE WHEN state = 'closed' THEN placed_at + interval '2 days' END,
       buyer_id, id, store_id,
       CASE WHEN state IN ('completed', 'in_dispute') THEN placed_at + interval '12 days' END,
       CASE WHEN state = 'shipment_canceled' THEN now() + r2 * interval '7 days' END,
       CASE WHEN state = 'completed' THEN placed_at + interval '13 days' END
FROM po;
INSERT INTO rescind_orders_orderline (product_name, options, quantity, unit_price, discount,
                                      order_id, product_id)
SELECT 'Product ' || (id % 4 + 1), '{{}}', 1 + id % 3, 1250, 0, id,
       (store_id - 1) * 4 + 1 + id % 4
FROM po;
INSERT INTO rescind_aftersale_cancellationrequest (reason, side, report_supplier, state,
  requested_at, respond_by, decided_at, decision_note, refusal_reason, order_id)
SELECT 'no_longer_needed', 'buyer', false, 'pending',
       least(placed_at + interval '25 hours', now()),
       least(placed_at + interval '25 hours', now()) + interval '72 hours', NULL, '', '', id
FROM po WHERE state = 'awaiting_shipment' AND r2 < 0.10;
INSERT INTO rescind_aftersale_changerequest (lines, delivery, currency, price_before,
  price_after, state, requested_at, respond_by, decided_at, decision_note, confirm_by,
  charge_reference, charged_at, applied_at, order_id)
SELECT '[]', NULL, 'USD', 2800, 2800, 'pending', placed_at + interval '1 hour',
       placed_at + interval '73 hours', NULL, '', NULL, '', NULL, NULL, id
FROM po WHERE state = 'awaiting_shipment' AND r2 >= 0.10 AND r2 < 0.13;
INSERT INTO rescind_disputes_dispute (reason, description, currency, claim, return_item,
  evidence, beside_cancellation, state, opened_at, respond_by, escalate_by, confirm_by,
  escalated_at, seller_note, proposal, proposal_return, refund, return_required, decided_at,
  decided_by, decision_note, return_carrier, return_tracking, resolved_at, version, order_id)
SELECT 'not_as_described', '', 'USD', 2800, false, '[]', false,
       CASE WHEN id % 2 = 0 THEN 'awaiting_seller' ELSE 'escalated' END,
       now() - r2 * interval '10 days', now() - r2 * interval '10 days' + interval '15 days',
       NULL, NULL, NULL, '', NULL, false, NULL, false, NULL, '', '', '', '', NULL, 0, id
FROM po WHERE state = 'in_dispute';
UPDATE rescind_orders_order o SET dispute_seller_due = CASE
    WHEN d.state = 'awaiting_seller' THEN d.respond_by ELSE '3000-01-01 00:00+00' END
FROM rescind_disputes_dispute d WHERE d.order_id = o.id;
INSERT INTO rescind_orders_deadline (kind, due_at, subject_id, fired_at, voided_at, order_id)
SELECT 'handling_time', placed_at + interval '9 days', NULL::bigint, NULL::timestamptz,
       NULL::timestamptz, id
FROM po WHERE state = 'awaiting_shipment'
UNION ALL
SELECT 'seller_response', respond_by, NULL, NULL, NULL, order_id
FROM rescind_aftersale_cancellationrequest
UNION ALL
SELECT 'change_request_response', respond_by, NULL, NULL, NULL, order_id
FROM rescind_aftersale_changerequest
UNION ALL
SELECT 'shipment_canceled_reply', dispute_from, NULL, NULL, NULL, id
FROM rescind_orders_order WHERE state = 'shipment_canceled';
SELECT setval(pg_get_serial_sequence('auth_user', 'id'), {B} + 2);
SELECT setval(pg_get_serial_sequence('rescind_orders_order', 'id'), {SMALL} + {BIG});
"""


def dataset_fill(small: int, big: int) -> float:
    began = time.monotonic()
    sql = DATASET.format(B=BUYERS, SMALL=small, BIG=big)
    with connection.cursor() as cursor:
        for statement in sql.split(";\n"):
            if statement.strip():
                cursor.execute(statement)
    connection.commit() if not connection.get_autocommit() else None
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    return time.monotonic() - began


def deep_cursor(store_id: int, tab: str, sort: str) -> str | None:
    """The cursor at 90 % of the tab (read once with OFFSET, outside the timings); None when
    the tab has no full page after its first row."""
    if tab == "awaiting_answer" and sort == "deadline":
        rows = CancellationRequest.objects.filter(state="pending", order__store_id=store_id,
                                                  order__state="awaiting_shipment")
        fields, key_field, id_field = ["respond_by", "order_id"], "respond_by", "order_id"
    else:
        rows = Order.objects.filter(tab_filter(tab), store_id=store_id)
        key_field = DEADLINE_COLUMN[tab] if sort == "deadline" else "placed_at"
        fields = [key_field, "pk"] if sort == "deadline" else ["-placed_at", "-pk"]
        id_field = "pk"
    count = rows.count()
    # At 90 %, or earlier if a full page would not follow it: pages of equal length compared.
    position = min(int(count * 0.9), count - PAGE - 1)
    if position < 1:
        return None
    row = rows.order_by(*fields).values(key_field, id_field)[position]
    return cursor_token(Cursor(row[key_field], row[id_field]), tab, sort)


def page_times(clients: dict[int, Client], urls: dict[int, str],
               repeat: int) -> dict[int, tuple[float, float]]:
    """The median and the least time of each store's page, read in turns (small, big, small,
    big...) so that the machine's load, which varies, weighs on both alike; one warm-up read
    each first."""
    times: dict[int, list[float]] = {store_id: [] for store_id in urls}
    for round_ in range(repeat + 1):
        for store_id, url in urls.items():
            began = time.perf_counter()
            response = clients[store_id].get(url)
            elapsed = (time.perf_counter() - began) * 1000
            assert response.status_code == 200, (url, response.status_code)
            if round_:
                times[store_id].append(elapsed)
    return {store_id: (statistics.median(t), min(t)) for store_id, t in times.items()}


def page_buffers(client: Client, url: str) -> tuple[int, float]:
    """(shared buffers hit or read, SQL execution ms) of every statement the page sends, each
    run again under EXPLAIN (ANALYZE, BUFFERS): the database's work, which the machine's load
    does not change."""
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    buffers, executed = 0, 0.0
    with connection.cursor() as cursor:
        for statement in captured.captured_queries:
            if not statement["sql"].lstrip().upper().startswith("SELECT"):
                continue
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + statement["sql"])
            plan = cursor.fetchone()[0]
            plan = (json.loads(plan) if isinstance(plan, str) else plan)[0]
            buffers += plan["Plan"].get("Shared Hit Blocks", 0) + plan["Plan"].get(
                "Shared Read Blocks", 0)
            executed += plan["Execution Time"]
    return buffers, executed


def plans(store_id: int, tab: str, sort: str, cursor: str | None) -> list[str]:
    """EXPLAIN ANALYZE of the statements that read the page of orders."""
    query = queue_query(tab=tab, sort=sort, search=None, cursor=cursor, limit=25)
    with CaptureQueriesContext(connection) as captured:
        queue_page([store_id], query)
    out = []
    with connection.cursor() as cursor:
        for statement in captured.captured_queries:
            cursor.execute("EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON) "
                           + statement["sql"])
            out.append("\n".join(row[0] for row in cursor.fetchall()))
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="1,000 and 20,000 orders")
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--big", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", help="write the figures here")
    parser.add_argument("--reuse", action="store_true",
                        help="keep the data set of the last run if it has these sizes")
    args = parser.parse_args()
    if args.quick:
        args.small, args.big = 1_000, 20_000
    settings.ALLOWED_HOSTS = ["*"]
    settings.DEBUG = False
    if args.reuse and Order.objects.filter(store_id=2).count() == args.big:
        print(f"data set: stores of {args.small:,} and {args.big:,} orders, reused")
    else:
        database_reset()
        connection.close()
        call_command("migrate", verbosity=0)
        filled = dataset_fill(args.small, args.big)
        print(f"data set: stores of {args.small:,} and {args.big:,} orders filled in "
              f"{filled:.0f} s")
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    clients = {}
    for store_id in (1, 2):
        clients[store_id] = Client()
        clients[store_id].force_login(get_user_model().objects.get(pk=BUYERS + store_id))
    results, worst, worst_buffers = [], 0.0, 0.0
    print("page time: median of --repeat reads (ms), its ratio big/small and the ratio of the "
          "least reads; buffers: shared buffers hit or read by the page's statements, and "
          "their SQL execution time (ms)")
    print(f"{'tab':<18} {'sort':<9} {'page':<6} {'small':>8} {'big':>8} {'ratio':>5} "
          f"{'least':>6} {'buf s':>6} {'buf b':>6} {'ratio':>5} {'sql s':>6} {'sql b':>6}")
    for tab, sort in VIEWS:
        cursors = {store_id: deep_cursor(store_id, tab, sort) for store_id in (1, 2)}
        for page in ("first", "deep"):
            if page == "deep" and None in cursors.values():
                continue
            urls = {store_id: f"/seller/orders/?tab={tab}&sort={sort}"
                    + (f"&after={cursors[store_id]}" if page == "deep" else "")
                    for store_id in (1, 2)}
            times = page_times(clients, urls, args.repeat)
            ratio = times[2][0] / times[1][0]
            least_ratio = times[2][1] / times[1][1]
            work = {store_id: page_buffers(clients[store_id], urls[store_id]) for store_id in urls}
            buffer_ratio = work[2][0] / work[1][0]
            worst = max(worst, ratio)
            worst_buffers = max(worst_buffers, buffer_ratio)
            results.append({"tab": tab, "sort": sort, "page": page, "small_ms": times[1][0],
                            "big_ms": times[2][0], "ratio": ratio, "small_least_ms": times[1][1],
                            "big_least_ms": times[2][1], "least_ratio": least_ratio,
                            "small_buffers": work[1][0], "big_buffers": work[2][0],
                            "buffer_ratio": buffer_ratio, "small_sql_ms": work[1][1],
                            "big_sql_ms": work[2][1]})
            print(f"{tab:<18} {sort:<9} {page:<6} {times[1][0]:>8.1f} {times[2][0]:>8.1f} "
                  f"{ratio:>5.2f} {least_ratio:>6.2f} {work[1][0]:>6} {work[2][0]:>6} "
                  f"{buffer_ratio:>5.2f} {work[1][1]:>6.2f} {work[2][1]:>6.2f}"
                  f"{'  ABOVE 1.5' if ratio > LIMIT else ''}", flush=True)
    print(f"worst ratio big/small: page time {worst:.2f} (limit {LIMIT}), buffers "
          f"{worst_buffers:.2f}")
    explained = {}
    for tab, sort in VIEWS:
        cursor = deep_cursor(2, tab, sort)
        explained[f"{tab}/{sort}"] = plans(2, tab, sort, cursor)
        print(f"\n-- plan, big store, {tab} by {sort}, deep page:")
        for text in explained[f"{tab}/{sort}"]:
            print(text)
    if args.json:
        with open(args.json, "w") as out:
            json.dump({"small": args.small, "big": args.big, "repeat": args.repeat,
                       "pages": results, "worst_ratio": worst,
                       "worst_buffer_ratio": worst_buffers, "plans": explained}, out,
                      indent=1)
    return 0 if worst <= LIMIT else 1


if __name__ == "__main__":
    sys.exit(main())
