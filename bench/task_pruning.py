"""Benchmark of issue 16, item 6: the worker's task claim stays flat after a million finished
task rows have been written and pruned.

    RESCIND_DATABASE_URL=postgres://postgres@127.0.0.1:5432/rescind_pruning \\
        nice -n 10 .venv/bin/python bench/task_pruning.py --finished 1000000 --repeat 3
    RESCIND_DATABASE_URL=sqlite:////tmp/rescind_pruning.sqlite3 \\
        .venv/bin/python bench/task_pruning.py --finished 1000000 --repeat 1

The database named there is dropped and made anew. Each repetition, on an empty task table:
1. **fresh**: queue `--claims` tasks of a no-op task and run them with the worker's own loop
   (`RescindWorker.tasks_run`: django-tasks-db's claim, `FOR UPDATE SKIP LOCKED` on PostgreSQL,
   then the task and its completion): claims per second;
2. **grown**: write `--finished` task rows that finished 8 days ago and more (past the 7 days
   they are kept), set-based (one `INSERT ... SELECT` from `generate_series` on PostgreSQL, a
   recursive CTE on SQLite, per 200,000 rows), then the same claims;
3. **pruned**: remove them as the worker does (`rescind.pruning.prune_batch`, batches of
   `RESCIND_PRUNE_BATCH_SIZE`, each its own transaction; every batch timed, since a batch's
   time is how long it holds its locks), then the same claims. No VACUUM: the deleted rows
   stay dead tuples until autovacuum gets to them, as in production.
Before each phase's claims the table is analysed (PostgreSQL), as autovacuum would soon do, so
the claim is planned from what the table holds; its plan is printed.
The ratios grown/fresh and pruned/fresh are taken within each repetition, so the machine's
load cancels out; the figures are medians over `--repeat` repetitions. After each one a query
checks that every written row was pruned, every claimed task succeeded and was kept (it is
younger than its retention), and nothing is left queued; the script exits 1 if not.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rescind.settings")
os.environ.pop("RESCIND_DEMO_MODE", None)
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "src"))

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django_tasks import task  # noqa: E402
from django_tasks_db.models import DBTaskResult, get_date_max  # noqa: E402
from service_floor import database_reset  # noqa: E402

from rescind.pruning import (  # noqa: E402
    PASS_BATCHES,
    Retention,
    prune_batch,
    prune_cutoffs,
    prune_pass,
)
from rescind.worker import RescindWorker  # noqa: E402

TABLE = DBTaskResult._meta.db_table
CHUNK = 200_000  # rows per INSERT statement


@task()
def noop() -> None:
    """The task the claims run: nothing, so only the claim and the completion are timed."""


def claim_plan() -> str:
    """How PostgreSQL would find the next task now: the scan node of the claim's plan
    (django-tasks-db's query, as its worker builds it)."""
    claim = (DBTaskResult.objects.ready().filter(backend_name="default")
             .filter(queue_name__in=["default"]).select_for_update(skip_locked=True)[:1])
    with transaction.atomic(), connection.cursor() as cursor:
        sql, params = claim.query.sql_with_params()
        cursor.execute("EXPLAIN " + sql, params)
        lines = [row[0].strip(" ->") for row in cursor.fetchall()]
    return next(line.split("  (")[0] for line in lines if "Scan" in line)


def claims_measure(count: int) -> tuple[float, str]:
    """Queue `count` no-op tasks (one multi-row INSERT), then run them all with the worker's
    own task loop: claims (and completions) per second, and on PostgreSQL the claim's plan.
    The table is analysed first (on PostgreSQL), so every phase is planned from what the table
    holds: on statistics of the empty table, a fresh queue is read by a sequential scan."""
    DBTaskResult.objects.bulk_create([
        DBTaskResult(task_path=noop.module_path, args_kwargs={"args": [], "kwargs": {}},
                     backend_name="default", queue_name="default", run_after=get_date_max())
        for _ in range(count)])
    plan = ""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {TABLE}")
        plan = claim_plan()
    worker = RescindWorker(worker_id="bench-claims")
    began = time.perf_counter()
    worker.tasks_run(max_tasks=count)
    elapsed = time.perf_counter() - began
    left = DBTaskResult.objects.filter(status="READY").count()
    assert left == 0, f"{left} queued task(s) were not claimed"
    return count / elapsed, plan


FINISHED_SQL = {
    "postgresql": f"""
        INSERT INTO {TABLE} (id, status, args_kwargs, priority, task_path, queue_name,
            backend_name, run_after, enqueued_at, started_at, finished_at, return_value,
            exception_class_path, traceback, worker_ids)
        SELECT gen_random_uuid(), 'SUCCESSFUL', jsonb_build_object('args', jsonb_build_array(
                jsonb_build_array(i)), 'kwargs', '{{}}'::jsonb), 0, %(path)s, 'default', 'default',
            '9999-01-01T00:00:00Z', t, t, t, 'true', '', '', '["bench-history"]'
        FROM (SELECT i, %(base)s::timestamptz - i * interval '1 second' AS t
              FROM generate_series(%(first)s, %(last)s) AS i) AS rows""",
    "sqlite": f"""
        WITH RECURSIVE n(i) AS (SELECT %(first)s UNION ALL SELECT i + 1 FROM n
                                WHERE i < %(last)s),
             rows(i, t) AS (SELECT i, strftime('%%Y-%%m-%%d %%H:%%M:%%f', %(base)s,
                                               '-' || i || ' seconds') FROM n)
        INSERT INTO {TABLE} (id, status, args_kwargs, priority, task_path, queue_name,
            backend_name, run_after, enqueued_at, started_at, finished_at, return_value,
            exception_class_path, traceback, worker_ids)
        SELECT lower(hex(randomblob(16))), 'SUCCESSFUL',
            '{{"args": [[' || i || ']], "kwargs": {{}}}}', 0, %(path)s, 'default', 'default',
            '9999-01-01 00:00:00', t, t, t, 'true', '', '', '["bench-history"]'
        FROM rows""",
}


def finished_write(count: int, *, now: datetime) -> float:
    """`count` task rows that succeeded 8 days ago and more, one second apart, set-based;
    seconds taken."""
    base = now - timedelta(days=8)
    base_text = (base.isoformat() if connection.vendor == "postgresql"
                 else base.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f"))
    began = time.perf_counter()
    with connection.cursor() as cursor:
        for first in range(1, count + 1, CHUNK):
            cursor.execute(FINISHED_SQL[connection.vendor],
                           {"path": noop.module_path, "base": base_text, "first": first,
                            "last": min(first + CHUNK - 1, count)})
    return time.perf_counter() - began


def finished_prune(*, now: datetime, batch_size: int) -> dict:
    """Prune the finished task rows batch by batch, as the worker's passes do; each full batch
    timed."""
    cutoff = prune_cutoffs(now=now, retention=Retention.configured())["tasks_succeeded"]
    times, removed = [], 0
    began = time.perf_counter()
    while True:
        started = time.perf_counter()
        count = prune_batch("tasks_succeeded", cutoff, size=batch_size)
        removed += count
        if count < batch_size:  # the last one, with what was left: not a full batch's time
            break
        times.append(time.perf_counter() - started)
    elapsed = time.perf_counter() - began
    started = time.perf_counter()
    idle = prune_pass(now=now, retention=Retention.configured(), batch_size=batch_size,
                      max_batches=PASS_BATCHES)
    idle_ms = (time.perf_counter() - started) * 1000
    assert not any(idle.removed.values()), idle.removed
    return {"removed": removed, "seconds": elapsed, "rows_per_second": removed / elapsed,
            "batches": len(times), "batch_ms_median": statistics.median(times) * 1000,
            "batch_ms_p99": sorted(times)[int(len(times) * 0.99)] * 1000,
            "batch_ms_max": max(times) * 1000, "idle_pass_ms": idle_ms,
            # the batches walk past the rows the earlier ones deleted (until VACUUM): the first
            # and the last tenth of them show whether that slows the later ones
            "batch_ms_first_tenth": statistics.median(times[:max(1, len(times) // 10)]) * 1000,
            "batch_ms_last_tenth": statistics.median(times[-max(1, len(times) // 10):]) * 1000}


def table_facts() -> dict:
    """Rows, and on PostgreSQL the table's size with its indexes and its dead rows."""
    facts = {"rows": DBTaskResult.objects.count()}
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            if connection.pg_version >= 150000:  # this process's counts, not a second old
                cursor.execute("SELECT pg_stat_force_next_flush()")
            cursor.execute("SELECT pg_total_relation_size(%s), n_dead_tup, "
                           "last_autovacuum IS NOT NULL FROM pg_stat_user_tables "
                           "WHERE relname = %s", [TABLE, TABLE])
            size, dead, vacuumed = cursor.fetchone()
        facts.update(mib=size / 2**20, dead_rows=dead, autovacuumed=vacuumed)
    return facts


def one_run(args) -> dict:
    with connection.cursor() as cursor:  # each run starts from a new, empty table
        cursor.execute(f"TRUNCATE {TABLE}" if connection.vendor == "postgresql"
                       else f"DELETE FROM {TABLE}")
    claims_measure(min(200, args.claims))  # warm up: connection, caches
    now = datetime.now(UTC)
    fresh, fresh_plan = claims_measure(args.claims)
    fresh_table = table_facts()
    write_seconds = finished_write(args.finished, now=now)
    grown_table = table_facts()
    grown, grown_plan = claims_measure(args.claims)
    prune = finished_prune(now=datetime.now(UTC), batch_size=settings.RESCIND_PRUNE_BATCH_SIZE)
    pruned_table = table_facts()
    pruned, pruned_plan = claims_measure(args.claims)
    checked = (prune["removed"] == args.finished
               and not DBTaskResult.objects.filter(finished_at__lt=now - timedelta(days=7)).exists()
               and DBTaskResult.objects.filter(status="SUCCESSFUL").count()
               == DBTaskResult.objects.count() == 3 * args.claims + min(200, args.claims))
    run = {"fresh_claims_per_second": fresh, "grown_claims_per_second": grown,
           "pruned_claims_per_second": pruned, "grown_ratio": grown / fresh,
           "pruned_ratio": pruned / fresh, "write_seconds": write_seconds,
           "write_rows_per_second": args.finished / write_seconds, "prune": prune,
           "table": {"fresh": fresh_table, "grown": grown_table, "pruned": pruned_table},
           "claim_plan": {"fresh": fresh_plan, "grown": grown_plan, "pruned": pruned_plan},
           "checked": checked}
    print(f"  claims/s fresh {fresh:.0f}, grown {grown:.0f} ({grown / fresh:.2f}), pruned "
          f"{pruned:.0f} ({pruned / fresh:.2f}); wrote {args.finished:,} rows in "
          f"{write_seconds:.1f} s; pruned {prune['removed']:,} in {prune['seconds']:.1f} s "
          f"({prune['batches']} batches, median {prune['batch_ms_median']:.0f} ms, p99 "
          f"{prune['batch_ms_p99']:.0f} ms, max {prune['batch_ms_max']:.0f} ms; first tenth "
          f"{prune['batch_ms_first_tenth']:.0f} ms, last tenth "
          f"{prune['batch_ms_last_tenth']:.0f} ms); "
          f"checked: {'yes' if checked else 'NO'}", flush=True)
    if connection.vendor == "postgresql":
        print(f"  table: {fresh_table['mib']:.1f} MiB fresh, {grown_table['mib']:.0f} MiB "
              f"grown, {pruned_table['mib']:.0f} MiB pruned with {pruned_table['dead_rows']:,} "
              f"dead rows (autovacuum run: {'yes' if pruned_table['autovacuumed'] else 'no'})",
              flush=True)
        same = fresh_plan == grown_plan == pruned_plan
        print("  the claim's plan: " + (fresh_plan if same else f"fresh {fresh_plan}; grown "
                                        f"{grown_plan}; pruned {pruned_plan}"), flush=True)
    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--finished", type=int, default=1_000_000,
                        help="finished task rows written, then pruned")
    parser.add_argument("--claims", type=int, default=2000, help="tasks claimed per phase")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", type=Path, default=None, help="write the figures here")
    args = parser.parse_args()
    database_reset()
    engine = connection.vendor
    print(f"{engine}: claims of {args.claims} no-op tasks on a fresh task table, after "
          f"{args.finished:,} finished rows were written, and after they were pruned in batches "
          f"of {settings.RESCIND_PRUNE_BATCH_SIZE}; median of {args.repeat}", flush=True)
    runs = []
    for i in range(args.repeat):
        print(f"run {i + 1}:", flush=True)
        runs.append(one_run(args))

    def median(key: str, part: str | None = None) -> float:
        return statistics.median((r[part] if part else r)[key] for r in runs)

    print(f"\n{'':>10} {'fresh /s':>9} {'grown /s':>9} {'ratio':>6} {'pruned /s':>10} "
          f"{'ratio':>6}")
    print(f"{engine:>10} {median('fresh_claims_per_second'):>9.0f} "
          f"{median('grown_claims_per_second'):>9.0f} {median('grown_ratio'):>6.2f} "
          f"{median('pruned_claims_per_second'):>10.0f} {median('pruned_ratio'):>6.2f}")
    print(f"pruning: {median('rows_per_second', 'prune'):.0f} rows/s; a batch of "
          f"{settings.RESCIND_PRUNE_BATCH_SIZE} took {median('batch_ms_median', 'prune'):.0f} ms "
          f"(median), p99 {median('batch_ms_p99', 'prune'):.0f} ms, the longest "
          f"{max(r['prune']['batch_ms_max'] for r in runs):.0f} ms; the first tenth of the "
          f"batches {median('batch_ms_first_tenth', 'prune'):.0f} ms, the last "
          f"{median('batch_ms_last_tenth', 'prune'):.0f} ms; a worker's look with "
          f"nothing to prune {median('idle_pass_ms', 'prune'):.1f} ms")
    checked = all(r["checked"] for r in runs)
    if args.json:
        args.json.write_text(json.dumps({
            "benchmark": "task_pruning", "engine": engine, "finished": args.finished,
            "claims": args.claims, "repeat": args.repeat,
            "batch_size": settings.RESCIND_PRUNE_BATCH_SIZE,
            "grown_ratio": median("grown_ratio"), "pruned_ratio": median("pruned_ratio"),
            "load_average": os.getloadavg(), "checked": checked, "runs": runs}, indent=2))
    if not checked:
        print("CHECK FAILED: rows left over, or a claimed task lost")
        sys.exit(1)


if __name__ == "__main__":
    main()
