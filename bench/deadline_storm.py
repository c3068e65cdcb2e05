"""Benchmark 3 of issue 7, the deadline storm: N orders whose seller-response deadline passes
at the same instant, taken to their end state by worker processes running the real firing code,
against a set-based raw SQL floor making the same writes, in the same run. Also the workers'
memory through the storm (benchmark 4).

    RESCIND_DATABASE_URL=postgres://postgres@127.0.0.1:5432/rescind_storm \\
        .venv/bin/python bench/deadline_storm.py --orders 100000
    RESCIND_DATABASE_URL=sqlite:////tmp/rescind_storm.sqlite3 \\
        .venv/bin/python bench/deadline_storm.py --orders 100000
    RESCIND_BENCH_CITUS_URL=postgres://postgres@127.0.0.1:9700/rescind \\
    RESCIND_DATABASE_URL=postgres://postgres@127.0.0.1:9700/rescind_storm \\
        .venv/bin/python bench/deadline_storm.py --orders 20000 --citus

The database named there is dropped and made anew. Every run makes a fresh set of N orders,
each paid and awaiting shipment with a pending cancellation request, its seller's reminder
already sent and its `seller_response` deadline due a minute ago: the rows the services write
for that history (one order is built through them, then copied in bulk). Then:

- raw floor: worker processes (two on PostgreSQL, one on SQLite, which has no SKIP LOCKED)
  fire the deadlines in batches with set-based SQL: claim due deadlines (`FOR UPDATE SKIP
  LOCKED`) and mark them fired, close the orders, approve the requests, void the orders' other
  deadlines, insert the refunds, the timeline rows and the task rows. On Citus (`--citus`)
  a statement per table, each worker claiming its own orders (bench/storm_citus.py).
- service: as many processes run `RescindWorker` passes (the real `deadlines_fire_due`, the
  auto-approval service) until nothing is due.

End state, for both: the order closed by the auto-approval, its refund created, its timeline
written and its notification and refund-submission tasks enqueued, which is how the issue
states it. The workers here run no tasks, so the tasks stay queued: running them (the sandbox
gateway, the notification fan-out) is other work, which the floor does not do either. Each
run is then checked by query: every order transitioned exactly once; the script exits 1 if
not. The ratio is service / raw per run, the median of `--repeat` runs.

Also printed: the CPU time per order of the workers and their PostgreSQL backends (read from
/proc), whose ratio is what the throughput ratio tends to when no process waits for a core (on
a shared two-core machine the service, a dozen round trips per order, waits far more than the
floor's few statements per batch); and each service worker's RSS, sampled every
`--sample-every` seconds: its peak, and its growth over the second half of the run (the most
RSS in the second half minus the RSS at the midpoint), which is near zero when memory stays
flat. `--profile PATH` instead profiles the service's firing in this process with cProfile.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import statistics
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rescind.settings")
os.environ.pop("RESCIND_DEMO_MODE", None)  # the real clock: the deadlines passed a minute ago
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "src"))

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management.color import no_style  # noqa: E402
from django.db import connection, connections, transaction  # noqa: E402
from django.db.models import F  # noqa: E402
from django_tasks_db.models import DBTaskResult  # noqa: E402
from service_floor import database_reset, engine_name  # noqa: E402
from storm_citus import raw_batch_citus  # noqa: E402

from rescind.aftersale.models import CancellationRequest  # noqa: E402
from rescind.aftersale.services import cancellation_request  # noqa: E402
from rescind.config import calendar, policy  # noqa: E402
from rescind.domain.cancellation import decide_auto_approve  # noqa: E402
from rescind.domain.events import RefundCreated, responsible_side_of  # noqa: E402
from rescind.domain.refunds import refund_start_by  # noqa: E402
from rescind.domain.states import OrderState, apply_transition  # noqa: E402
from rescind.notifications.models import EmailMessage, Notification, WebhookDelivery  # noqa: E402
from rescind.orders.models import (  # noqa: E402
    Checkout,
    Deadline,
    Order,
    OrderLine,
    Payment,
    Product,
    Store,
    TimelineEntry,
)
from rescind.orders.recording import order_facts  # noqa: E402
from rescind.orders.services import CheckoutItem, checkout_create, payment_capture  # noqa: E402
from rescind.refunds.models import Refund, SandboxOperation  # noqa: E402
from rescind.scheduler import deadlines_fire_due  # noqa: E402
from rescind.worker import RescindWorker  # noqa: E402

HOUR = timedelta(hours=1)
TARGET = 0.1  # issue 7: the service reaches at least a tenth of the floor's transitions/s
NOTIFY_TASK = "rescind.notifications.tasks.notify_task"
REFUND_TASK = "rescind.refunds.tasks.refund_submit_task"
# Every table a storm writes: cleared before each set is made.
STORM_MODELS = [Checkout, Payment, Order, OrderLine, TimelineEntry, Deadline, CancellationRequest,
                Refund, SandboxOperation, DBTaskResult, Notification, EmailMessage,
                WebhookDelivery]


# --- the database and one order built through the services ----------------------------------

def market_make():
    users = get_user_model().objects
    buyer = users.create_user("storm-buyer", email="buyer@storm.example")
    seller = users.create_user("storm-seller", email="seller@storm.example")
    store = Store.objects.create(name="Storm", shipping_fee=300)
    store.sellers.add(seller)
    product = Product.objects.create(store=store, name="Thing", unit_price=1250)
    return buyer, product


def template_order(due_at: datetime) -> Order:
    """One order through the real services, so that its rows are exactly theirs: paid, a
    cancellation request whose seller-response deadline is `due_at`, the seller's reminder
    fired by the scheduler. Earlier task rows are dropped: they ran long ago."""
    buyer, product = market_make()
    requested_at = due_at - policy().r10_seller_response_window
    paid_at = requested_at - 25 * HOUR
    checkout = checkout_create(buyer=buyer, items=[CheckoutItem(product.pk, 2, {})],
                               payment_method="bank_card", now=paid_at)
    payment_capture(payment_id=checkout.payment.pk, buyer=buyer, now=paid_at)
    order = checkout.orders.get()
    cancellation_request(order_id=order.pk, user=buyer, reason="no_longer_needed",
                         report_supplier=False, now=requested_at)
    reminder = order.deadlines.get(kind=Deadline.Kind.SELLER_RESPONSE_REMINDER)
    assert deadlines_fire_due(now=reminder.due_at) == 1, "the reminder should fire alone"
    assert order.deadlines.get(kind=Deadline.Kind.SELLER_RESPONSE).due_at == due_at
    DBTaskResult.objects.all().delete()
    return order


def _db_row(obj) -> dict:
    """A model instance as the column values its INSERT would send."""
    return {f.column: f.get_db_prep_save(getattr(obj, f.attname), connection)
            for f in obj._meta.concrete_fields}


def snapshot(order: Order) -> dict:
    """The template's rows, table by table, as column -> database value."""
    payment = Payment.objects.get(checkout_id=order.checkout_id)
    return {
        Checkout: [_db_row(order.checkout)],
        Payment: [_db_row(payment)],
        Order: [_db_row(order)],
        OrderLine: [_db_row(r) for r in order.lines.order_by("pk")],
        TimelineEntry: [_db_row(r) for r in order.timeline.order_by("pk")],
        Deadline: [_db_row(r) for r in order.deadlines.order_by("pk")],
        CancellationRequest: [_db_row(r) for r in order.cancellation_requests.order_by("pk")],
        SandboxOperation: [_db_row(SandboxOperation.objects.get(key=payment.capture_key))],
    }


def storm_clear() -> None:
    tables = [m._meta.db_table for m in STORM_MODELS]
    connection.ops.execute_sql_flush(connection.ops.sql_flush(
        no_style(), tables, reset_sequences=True, allow_cascade=True))


def _copies(model, rows: list[dict], count: int):
    """`count` copies of one order's rows of `model`: copy i belongs to order, checkout and
    payment i + 1; ids follow on; the capture's keys are made unique per copy."""
    per = len(rows)
    for i in range(count):
        n = i + 1
        for j, row in enumerate(rows):
            row = dict(row, id=i * per + j + 1)
            for column in ("order_id", "checkout_id", "payment_id"):
                if column in row:
                    row[column] = n
            if model is Payment:
                row["capture_key"] = f"capture-{n}-{row['amount']}"
                row["gateway_reference"] = f"sbx_capture_{n:016x}"
            elif model is SandboxOperation:
                row["key"] = f"capture-{n}-{row['amount']}"
                row["reference"] = f"sbx_capture_{n:016x}"
            yield row


def _insert(model, columns: list[str], rows) -> None:
    table = model._meta.db_table
    quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor, \
                cursor.cursor.copy(f"COPY {table} ({quoted}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([row[c] for c in columns])
    else:
        marks = ", ".join("%s" for _ in columns)
        with connection.cursor() as cursor:
            cursor.executemany(f"INSERT INTO {table} ({quoted}) VALUES ({marks})",
                               ([row[c] for c in columns] for row in rows))


def storm_make(template: dict, count: int) -> None:
    """A fresh set of `count` orders: every storm table cleared, the template copied in bulk
    (COPY on PostgreSQL, executemany on SQLite), sequences moved past the ids, then analysed."""
    storm_clear()
    with transaction.atomic():
        for model, rows in template.items():
            _insert(model, list(rows[0]), _copies(model, rows, count))
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), list(template)):
                cursor.execute(sql)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":  # what autovacuum would have done by then
            tables = ", ".join(m._meta.db_table for m in STORM_MODELS)
            cursor.execute(f"VACUUM ANALYZE {tables}")
        else:
            cursor.execute("ANALYZE")


# --- the end state, checked by query ----------------------------------------------------------

def storm_check(count: int, others: int) -> dict[str, tuple[int, int]]:
    """Every order transitioned exactly once: name -> (found, expected). `others`: how many
    deadlines an order has besides its seller response and its reminder (all voided at the
    end: those voided at payment, those the close voids)."""
    closed = Order.objects.filter(state="closed", close_reason="cancelled_on_request")
    seller_response = Deadline.objects.filter(kind=Deadline.Kind.SELLER_RESPONSE)
    approvals = TimelineEntry.objects.filter(kind="CancellationAutoApproved")
    tasks = DBTaskResult.objects.filter(status="READY")
    refund_ids = set(Refund.objects.values_list("pk", flat=True))
    refund_args = [a["args"][0] for a in tasks.filter(task_path=REFUND_TASK)
                   .values_list("args_kwargs", flat=True)]
    entries_of: dict[int, set[int]] = {}
    for pk, order_id in TimelineEntry.objects.filter(
            kind__in=["CancellationAutoApproved", "RefundCreated"]).values_list("pk", "order_id"):
        entries_of.setdefault(order_id, set()).add(pk)
    notify_args = sorted(sorted(a["args"][0]) for a in tasks.filter(task_path=NOTIFY_TASK)
                         .values_list("args_kwargs", flat=True))
    return {
        "orders closed on request": (closed.count(), count),
        "orders refunded in full": (closed.filter(refunded=F("total")).count(), count),
        "orders with one refund": (Refund.objects.values("order_id").distinct().count(), count),
        "refunds": (len(refund_ids), count),
        "requests auto-approved": (CancellationRequest.objects.filter(
            state="auto_approved").count(), count),
        "requests still pending": (CancellationRequest.objects.filter(state="pending").count(), 0),
        "approval entries": (approvals.count(), count),
        "orders with an approval entry": (approvals.values("order_id").distinct().count(), count),
        "refund-created entries": (TimelineEntry.objects.filter(kind="RefundCreated").count(),
                                   count),
        "seller-response deadlines fired, not voided": (seller_response.filter(
            fired_at__isnull=False, voided_at__isnull=True).count(), count),
        "other deadlines voided, not fired": (Deadline.objects.exclude(
            kind__in=[Deadline.Kind.SELLER_RESPONSE, Deadline.Kind.SELLER_RESPONSE_REMINDER])
            .filter(fired_at__isnull=True, voided_at__isnull=False).count(), others * count),
        # R23: each refund's start deadline runs on after the order closed.
        "refund start deadlines open, one per refund": (Deadline.objects.filter(
            kind=Deadline.Kind.REFUND_START, subject_id__in=refund_ids, fired_at__isnull=True,
            voided_at__isnull=True).count(), count),
        "other deadlines still open": (Deadline.objects.filter(
            fired_at__isnull=True, voided_at__isnull=True).exclude(
            kind=Deadline.Kind.REFUND_START).count(), 0),
        "refund tasks, one per refund": (len(refund_args) if sorted(refund_args) == sorted(
            refund_ids) else -1, count),
        "notify tasks, one per order's two entries": (
            len(notify_args) if notify_args == sorted(sorted(e) for e in entries_of.values())
            else -1, count),
        "tasks in all": (DBTaskResult.objects.count(), 2 * count),
    }


# --- the two ways, each in worker processes ---------------------------------------------------

class FiringOnlyWorker(RescindWorker):
    """`rescind worker`'s pass without running tasks: the storm is measured to its end state,
    the tasks enqueued, and the floor runs no tasks either."""

    def tasks_run(self, max_tasks: int = 100) -> None:
        pass


def service_fire() -> int:
    worker, fired = FiringOnlyWorker(interval=0), 0
    while True:
        done = worker.run_once()
        fired += done
        if not done:
            return fired


def _floor_writes(now: datetime) -> dict:
    """What the auto-approval decides for the storm's orders at `now`, once, from the domain:
    every order of the set is alike, so the floor may write constants."""
    order = Order.objects.filter(state="awaiting_shipment").order_by("pk").first()
    events = decide_auto_approve(order_facts(order), now=now, policy=policy(),
                                 calendar=calendar())
    state, close_reason = apply_transition(OrderState(order.state), events[0].transition)
    refund = next(e for e in events if isinstance(e, RefundCreated))
    side = responsible_side_of(events[0])
    return {"state": state.value, "close_reason": close_reason.value,
            "side": side.value if side else "", "cause": events[0].kind,
            "arrive_by": refund.arrive_by,
            "start_by": refund_start_by(decided_at=now, policy=policy(), calendar=calendar()),
            "entries": [(e.kind, json.dumps(e.params())) for e in events]}


def _in(ids: list[int]) -> str:
    return ", ".join(str(int(i)) for i in ids)


TASK_COLUMNS = ("id, status, enqueued_at, args_kwargs, priority, task_path, worker_ids, "
                "queue_name, backend_name, run_after, exception_class_path, traceback")
REFUND_COLUMNS = ("order_id, payment_id, amount, currency, method, state, idempotency_key, "
                  "cause, created_at, start_by, arrive_by, attempts, last_error, "
                  "gateway_reference, instrument, failure_code, failure_message")
DUE = ("SELECT id FROM rescind_orders_deadline WHERE fired_at IS NULL AND voided_at IS NULL "
       "AND due_at <= %(now)s ORDER BY due_at LIMIT %(size)s")

RAW_POSTGRESQL = f"""
WITH fired AS (
    UPDATE rescind_orders_deadline SET fired_at = %(now)s
    WHERE id IN ({DUE} FOR UPDATE SKIP LOCKED) RETURNING id, order_id
), closed AS (
    UPDATE rescind_orders_order o SET state = %(state)s, close_reason = %(close_reason)s,
        closed_at = %(now)s, responsible_side = %(side)s, refunded = o.refunded + o.total
    FROM fired WHERE o.id = fired.order_id RETURNING o.id, o.checkout_id, o.total, o.currency
), approved AS (
    UPDATE rescind_aftersale_cancellationrequest r SET state = 'auto_approved',
        decided_at = %(now)s
    FROM fired WHERE r.order_id = fired.order_id AND r.state = 'pending'
), voided AS (
    UPDATE rescind_orders_deadline d SET voided_at = %(now)s FROM fired
    WHERE d.order_id = fired.order_id AND d.id NOT IN (SELECT id FROM fired)
        AND d.fired_at IS NULL AND d.voided_at IS NULL AND d.kind <> 'refund_check'
), refunds AS (
    INSERT INTO rescind_refunds_refund ({REFUND_COLUMNS})
    SELECT c.id, p.id, c.total, c.currency, p.method, 'pending', gen_random_uuid(), %(cause)s,
        %(now)s, %(start_by)s, %(arrive_by)s, 0, '', '', p.instrument, '', ''
    FROM closed c JOIN rescind_orders_payment p ON p.checkout_id = c.checkout_id
    RETURNING id, order_id
), starts AS (
    INSERT INTO rescind_orders_deadline (order_id, kind, due_at, subject_id)
    SELECT order_id, 'refund_start', %(start_by)s, id FROM refunds
), entries AS (
    INSERT INTO rescind_orders_timelineentry (order_id, at, kind, actor, actor_user_id, params)
    SELECT c.id, %(now)s, e.kind, 'platform', NULL, e.params::jsonb
    FROM closed c CROSS JOIN (VALUES (%(kind_1)s, %(params_1)s), (%(kind_2)s, %(params_2)s))
        AS e(kind, params)
    RETURNING id, order_id
), tasks AS (
    INSERT INTO django_tasks_database_dbtaskresult ({TASK_COLUMNS})
    SELECT gen_random_uuid(), 'READY', %(now)s, jsonb_build_object('args', jsonb_build_array(a),
        'kwargs', '{{}}'::jsonb), 0, t.path, '[]', 'default', 'default', %(never)s, '', ''
    FROM (SELECT %(notify)s AS path, jsonb_agg(id ORDER BY id) AS a FROM entries
          GROUP BY order_id
          UNION ALL SELECT %(refund)s, to_jsonb(id) FROM refunds) AS t
)
SELECT count(*) FROM fired
"""


def raw_batch_postgresql(cursor, params: dict) -> int:
    """One batch of the floor on PostgreSQL: one statement, every write set-based."""
    cursor.execute(RAW_POSTGRESQL, params)
    return cursor.fetchone()[0]


def raw_batch_sqlite(cursor, params: dict) -> int:
    """One batch of the floor on SQLite, which has no data-modifying CTE: a statement per
    table, each set-based over the batch's orders."""
    cursor.execute("UPDATE rescind_orders_deadline SET fired_at = %(now)s "
                   f"WHERE id IN ({DUE}) RETURNING order_id", params)
    ids = [r[0] for r in cursor.fetchall()]
    if not ids:
        return 0
    orders = _in(ids)
    cursor.execute("UPDATE rescind_orders_order SET state = %(state)s, close_reason = "
                   "%(close_reason)s, closed_at = %(now)s, responsible_side = %(side)s, "
                   f"refunded = refunded + total WHERE id IN ({orders})", params)
    cursor.execute("UPDATE rescind_aftersale_cancellationrequest SET state = 'auto_approved', "
                   f"decided_at = %(now)s WHERE state = 'pending' AND order_id IN ({orders})",
                   params)
    cursor.execute("UPDATE rescind_orders_deadline SET voided_at = %(now)s WHERE fired_at IS NULL "
                   f"AND voided_at IS NULL AND kind <> 'refund_check' AND order_id IN ({orders})",
                   params)
    cursor.execute(
        f"INSERT INTO rescind_refunds_refund ({REFUND_COLUMNS}) SELECT o.id, p.id, o.total, "
        "o.currency, p.method, 'pending', lower(hex(randomblob(16))), %(cause)s, %(now)s, "
        "%(start_by)s, %(arrive_by)s, 0, '', '', p.instrument, '', '' FROM "
        "rescind_orders_order o CROSS JOIN "
        f"rescind_orders_payment p WHERE p.checkout_id = o.checkout_id AND o.id IN ({orders}) "
        "RETURNING id, order_id", params)
    refunds_of = cursor.fetchall()
    refunds = [r[0] for r in refunds_of]
    cursor.executemany("INSERT INTO rescind_orders_deadline (order_id, kind, due_at, subject_id) "
                       "VALUES (%s, 'refund_start', %s, %s)",
                       [(order_id, params["start_by"], refund_id)
                        for refund_id, order_id in refunds_of])
    cursor.execute(
        "INSERT INTO rescind_orders_timelineentry (order_id, at, kind, actor, actor_user_id, "
        "params) SELECT o.id, %(now)s, e.kind, 'platform', NULL, e.params FROM "
        "rescind_orders_order o CROSS JOIN (SELECT %(kind_1)s AS kind, %(params_1)s AS params "
        f"UNION ALL SELECT %(kind_2)s, %(params_2)s) AS e WHERE o.id IN ({orders}) "
        "RETURNING id, order_id", params)
    entries: dict[int, list[int]] = {}
    for entry_id, order_id in cursor.fetchall():
        entries.setdefault(order_id, []).append(entry_id)
    tasks = [(params["notify"], sorted(e)) for e in entries.values()] + [
        (params["refund"], r) for r in refunds]
    cursor.executemany(
        f"INSERT INTO django_tasks_database_dbtaskresult ({TASK_COLUMNS}) VALUES (%s, 'READY', "
        "%s, %s, 0, %s, '[]', 'default', 'default', %s, '', '')",
        [(uuid.uuid4().hex, params["now"], json.dumps({"args": [arg], "kwargs": {}}), path,
          params["never"]) for path, arg in tasks])
    return len(ids)


def raw_fire(batch: int, slot: int = 0, slots: int = 1) -> int:
    now = datetime.now(UTC)
    writes = _floor_writes(now)
    at = connection.ops.adapt_datetimefield_value
    (kind_1, params_1), (kind_2, params_2) = writes["entries"]
    params = {"now": at(now), "size": batch, "state": writes["state"],
              "close_reason": writes["close_reason"], "side": writes["side"],
              "cause": writes["cause"], "start_by": at(writes["start_by"]),
              "arrive_by": at(writes["arrive_by"]), "kind_1": kind_1, "params_1": params_1,
              "kind_2": kind_2, "params_2": params_2, "notify": NOTIFY_TASK,
              "refund": REFUND_TASK, "never": at(datetime(9999, 1, 1, tzinfo=UTC)),
              "slot": slot, "slots": slots}
    one_batch = raw_batch_postgresql if connection.vendor == "postgresql" else raw_batch_sqlite
    if engine_name() == "citus":  # this process claims the orders with order_id % slots = slot
        def one_batch(cursor, params):
            return raw_batch_citus(cursor, params, REFUND_COLUMNS, TASK_COLUMNS)
    closed = 0
    while True:
        with transaction.atomic(), connection.cursor() as cursor:
            done = one_batch(cursor, params)
        closed += done
        if not done:
            return closed


def _cpu_seconds(backend_pid: int | None) -> float:
    """CPU time (user + system) of this process and of its PostgreSQL backend, if local."""
    own = os.times()
    seconds = own.user + own.system
    if backend_pid is not None:
        try:
            fields = Path(f"/proc/{backend_pid}/stat").read_text().rsplit(")", 1)[1].split()
            seconds += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, IndexError, ValueError):
            pass
    return seconds


def child(variant: str, batch: int, slot: int, slots: int) -> None:
    """A worker process: connect, say ready, wait for "go", run, report."""
    _floor_writes(datetime.now(UTC))  # warm up both alike: the calendar loads its holidays
    backend = None
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            backend = cursor.fetchone()[0]
    print("ready", flush=True)
    sys.stdin.readline()
    began, cpu = time.perf_counter(), _cpu_seconds(backend)
    done = service_fire() if variant == "service" else raw_fire(batch, slot, slots)
    print(json.dumps({"done": done, "seconds": time.perf_counter() - began,
                      "cpu_seconds": _cpu_seconds(backend) - cpu}), flush=True)


# --- the runs ---------------------------------------------------------------------------------

def _rss_kib(pid: int) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def memory_summary(samples: list[tuple[float, int]]) -> dict:
    """Peak RSS and growth over the second half: the most RSS of the second half minus the RSS
    at the midpoint (MiB). Flat memory shows as a growth near zero."""
    if not samples:
        return {}
    end = samples[-1][0]
    mid = min(samples, key=lambda s: abs(s[0] - end / 2))
    second = [kib for t, kib in samples if t >= mid[0]]
    return {"samples": len(samples), "start_mib": samples[0][1] / 1024,
            "peak_mib": max(k for _, k in samples) / 1024, "mid_mib": mid[1] / 1024,
            "growth_second_half_mib": (max(second) - mid[1]) / 1024}


def run_processes(variant: str, processes: int, batch: int, sample_every: float) -> dict:
    """Start `processes` workers, wait until each is connected, start them together; returns
    elapsed seconds, what each did, and each one's RSS samples (service only)."""
    connections.close_all()
    command = [sys.executable, os.path.abspath(__file__), "--child", variant, "--batch",
               str(batch)]
    workers = [subprocess.Popen([*command, "--slot", str(i), str(processes)],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
               for i in range(processes)]
    for worker in workers:
        assert worker.stdout.readline().strip() == "ready", f"{variant} worker did not start"
    began = time.perf_counter()
    for worker in workers:
        worker.stdin.write("go\n")
        worker.stdin.flush()
    samples: list[list[tuple[float, int]]] = [[] for _ in workers]
    next_sample = 0.0
    while any(w.poll() is None for w in workers):
        if time.perf_counter() - began >= next_sample:
            for worker, series in zip(workers, samples, strict=True):
                kib = _rss_kib(worker.pid) if worker.poll() is None else None
                if kib is not None:
                    series.append((time.perf_counter() - began, kib))
            next_sample += sample_every
        time.sleep(0.02)
    reports = [json.loads(w.stdout.read().strip().splitlines()[-1]) for w in workers]
    assert all(w.returncode == 0 for w in workers), f"a {variant} worker failed"
    # From "go" to the last worker's last write, as each measures it (not its exit).
    elapsed = max(r["seconds"] for r in reports)
    return {"seconds": elapsed, "done": [r["done"] for r in reports],
            "cpu_seconds": sum(r["cpu_seconds"] for r in reports),
            "memory": [memory_summary(s) for s in samples] if variant == "service" else []}


def check_print(label: str, check: dict[str, tuple[int, int]]) -> bool:
    bad = {name: got for name, got in check.items() if got[0] != got[1]}
    if bad:
        print(f"  {label} check FAILED:")
        for name, (found, expected) in bad.items():
            print(f"    {name}: {found}, expected {expected}")
    else:
        print(f"  {label} check: every order transitioned exactly once "
              f"({len(check)} queries agree)")
    return not bad


def one_run(template: dict, args) -> dict:
    figures: dict = {}
    ok = True
    for variant in ("raw", "service"):
        began = time.perf_counter()
        storm_make(template, args.orders)
        figures[f"{variant}_make_seconds"] = time.perf_counter() - began
        run = run_processes(variant, args.processes, args.batch, args.sample_every)
        figures[f"{variant}_seconds"] = run["seconds"]
        figures[f"{variant}_per_second"] = args.orders / run["seconds"]
        figures[f"{variant}_per_process"] = run["done"]
        figures[f"{variant}_cpu_us_per_order"] = run["cpu_seconds"] / args.orders * 1e6
        if run["memory"]:
            figures["service_memory"] = run["memory"]
        began = time.perf_counter()
        others = sum(row["kind"] not in (Deadline.Kind.SELLER_RESPONSE,
                                          Deadline.Kind.SELLER_RESPONSE_REMINDER)
                     for row in template[Deadline])
        ok = check_print(variant, storm_check(args.orders, others)) and ok
        figures[f"{variant}_check_seconds"] = time.perf_counter() - began
        print(f"  {variant}: made {args.orders} orders in "
              f"{figures[f'{variant}_make_seconds']:.1f} s; fired them in "
              f"{run['seconds']:.1f} s = {args.orders / run['seconds']:.0f}/s "
              f"(per process {run['done']}); checked in "
              f"{figures[f'{variant}_check_seconds']:.1f} s; "
              f"CPU {figures[f'{variant}_cpu_us_per_order']:.0f} µs per order (workers and "
              "their database backends)", flush=True)
    for i, memory in enumerate(figures["service_memory"]):
        print(f"  service worker {i + 1} RSS: start {memory['start_mib']:.1f} MiB, "
              f"peak {memory['peak_mib']:.1f} MiB, at midpoint {memory['mid_mib']:.1f} MiB, "
              f"growth over the second half {memory['growth_second_half_mib']:+.1f} MiB "
              f"({memory['samples']} samples)", flush=True)
    figures["ratio"] = figures["service_per_second"] / figures["raw_per_second"]
    figures["cpu_ratio"] = figures["raw_cpu_us_per_order"] / figures["service_cpu_us_per_order"]
    figures["checked"] = ok
    return figures


def profile_firing(template: dict, count: int, path: Path) -> None:
    """The service's firing in this process under cProfile, over a fresh set of `count`
    orders: the statistics go to `path`, the largest cumulative entries to the screen."""
    storm_make(template, count)
    _floor_writes(datetime.now(UTC))  # warm up, as the workers do
    profile = cProfile.Profile()
    began = time.perf_counter()
    profile.enable()
    fired = service_fire()
    profile.disable()
    elapsed = time.perf_counter() - began
    profile.dump_stats(path)
    print(f"profiled: {fired} firings in {elapsed:.1f} s under cProfile ({fired / elapsed:.0f}/s); "
          f"statistics in {path}")
    pstats.Stats(profile).strip_dirs().sort_stats("cumulative").print_stats(
        r"scheduler|services|closing|recording|statements|coupons|execute\b|wait", 30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--processes", type=int, default=None,
                        help="worker processes: default 2 on PostgreSQL, 1 on SQLite")
    parser.add_argument("--batch", type=int, default=500, help="orders per raw floor batch")
    parser.add_argument("--sample-every", type=float, default=0.5, help="RSS sampling, seconds")
    parser.add_argument("--json", type=Path, default=None, help="write the figures here")
    parser.add_argument("--profile", type=Path, default=None,
                        help="instead: profile the firing of --orders orders in this process "
                             "with cProfile, statistics to this file")
    parser.add_argument("--citus", action="store_true", help="distribute the database on the "
                        "Citus coordinator it is on (RESCIND_BENCH_CITUS_URL)")
    parser.add_argument("--child", choices=["raw", "service"], help=argparse.SUPPRESS)
    parser.add_argument("--slot", type=int, nargs=2, default=[0, 1], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.batch, *args.slot)
        return
    began = time.perf_counter()
    database_reset(citus=args.citus)
    engine = engine_name()
    args.processes = args.processes or (1 if engine == "sqlite" else 2)
    template = snapshot(template_order(due_at=datetime.now(UTC) - timedelta(minutes=1)))
    if args.profile:
        profile_firing(template, args.orders, args.profile)
        return
    print(f"{engine}: {args.orders} orders due at once, {args.processes} worker process(es), "
          f"median of {args.repeat}; set-up {time.perf_counter() - began:.1f} s", flush=True)
    print("  measured: the deadline firing to the end state (order closed, refund created, "
          "timeline written, notification and refund tasks enqueued); the tasks stay queued: "
          "running them (gateway, fan-out) is other work, which the floor does not do either",
          flush=True)
    runs = []
    for i in range(args.repeat):
        print(f"run {i + 1}:", flush=True)
        runs.append(one_run(template, args))
    raw = statistics.median(r["raw_per_second"] for r in runs)
    service = statistics.median(r["service_per_second"] for r in runs)
    ratio = statistics.median(r["ratio"] for r in runs)
    peak = max(m["peak_mib"] for r in runs for m in r["service_memory"])
    growth = max(m["growth_second_half_mib"] for r in runs for m in r["service_memory"])
    print(f"\n{'':>10} {'raw /s':>10} {'service /s':>11} {'ratio':>6} {'target':>7}")
    print(f"{engine:>10} {raw:>10.0f} {service:>11.0f} {ratio:>6.3f} {'>= ' + str(TARGET):>7}"
          f"  {'met' if ratio >= TARGET else 'NOT met'}")
    raw_cpu = statistics.median(r["raw_cpu_us_per_order"] for r in runs)
    service_cpu = statistics.median(r["service_cpu_us_per_order"] for r in runs)
    cpu_ratio = statistics.median(r["cpu_ratio"] for r in runs)
    print(f"CPU per order (workers + their backends): raw {raw_cpu:.0f} µs, service "
          f"{service_cpu:.0f} µs, raw/service {cpu_ratio:.3f} (what the ratio tends to when "
          "neither waits for a core)")
    print(f"worker memory: peak {peak:.1f} MiB, largest growth over a run's second half "
          f"{growth:+.1f} MiB")
    checked = all(r["checked"] for r in runs)
    if args.json:
        args.json.write_text(json.dumps({
            "benchmark": "deadline_storm", "engine": engine, "orders": args.orders,
            "processes": args.processes, "repeat": args.repeat, "raw_batch": args.batch,
            "measured": "deadline firing to the end state; tasks enqueued, not run",
            "raw_per_second": raw, "service_per_second": service, "ratio": ratio,
            "raw_cpu_us_per_order": raw_cpu, "service_cpu_us_per_order": service_cpu,
            "cpu_ratio": cpu_ratio, "load_average": os.getloadavg(),
            "target": TARGET, "target_met": ratio >= TARGET, "worker_peak_rss_mib": peak,
            "worker_rss_growth_second_half_mib": growth, "checked": checked, "runs": runs,
        }, indent=2, default=str))
    if not checked:
        print("the exactly-once check failed", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
