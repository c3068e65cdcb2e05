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
Each phase gives claims per second and the CPU time per claim of this process and its
PostgreSQL backend (read from /proc), which a loaded machine disturbs far less than the rate:
it is what the rate tends to when nothing waits for a core. On PostgreSQL, also the buffers
the claim's SELECT touches at the start of each phase (EXPLAIN ANALYZE, BUFFERS): its work, which
no load changes. The ratios grown/fresh and
pruned/fresh (for CPU, fresh/grown: above 1 is faster either way) are taken within each
repetition; the figures are medians over `--repeat` repetitions. After each one a query
checks that every written row was pruned, every claimed task succeeded and was kept (it is
younger than its retention), and nothing is left queued; the script exits 1 if not.
"""

from __future__ import annotations

import argparse
import json
import os
import re
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


def claim_plan() -> tuple[str, int]:
    """How PostgreSQL finds the next task now: the scan node of the claim's plan
    (django-tasks-db's query, as its worker builds it), and the buffers it touched, run under
    EXPLAIN (ANALYZE, BUFFERS) in a transaction rolled back. The buffers are the claim's work,
    which the machine's load does not change."""
    claim = (DBTaskResult.objects.ready().filter(backend_name="default")
             .filter(queue_name__in=["default"]).select_for_update(skip_locked=True)[:1])
    with transaction.atomic(), connection.cursor() as cursor:
        sql, params = claim.query.sql_with_params()
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        lines = [row[0].strip(" ->") for row in cursor.fetchall()]
        transaction.set_rollback(True)
    scan = next(line.split("  (")[0] for line in lines if "Scan" in line)
    found = re.search(r"Buffers: shared hit=(\d+)(?: read=(\d+))?", "\n".join(lines))
    return scan, sum(int(n) for n in found.groups(default="0"))


def backend_pid() -> int | None:
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def cpu_seconds(backend: int | None) -> float:
    """CPU time (user + system) of this process and of its PostgreSQL backend (local)."""
    own = os.times()
    seconds = own.user + own.system
    if backend is not None:
        fields = Path(f"/proc/{backend}/stat").read_text().rsplit(")", 1)[1].split()
        seconds += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return seconds


def claims_measure(count: int, *, priority: int) -> dict:
    """Queue `count` no-op tasks (one multi-row INSERT), then run them all with the worker's
    own task loop: claims (and completions) per second, CPU time per claim of this process and
    its PostgreSQL backend (what the rate tends to when nothing waits for a core), and on
    PostgreSQL the claim's plan. The table is analysed first (on PostgreSQL), so every phase is
    planned from what the table holds: on statistics of the empty table, a fresh queue is read
    by a sequential scan.

    Each phase queues its tasks at a higher `priority` than the phase before: the claim reads
    the queued rows' index in priority order, so a phase's claims do not walk over the index
    entries the earlier phases' claims left dead (until VACUUM), only over their own, as every
    phase does. Without this, the later phases' claim touched 3 to 5 times the buffers of the
    first, whatever the finished rows (docs/benchmarks.md, section 6)."""
    DBTaskResult.objects.bulk_create([
        DBTaskResult(task_path=noop.module_path, args_kwargs={"args": [], "kwargs": {}},
                     backend_name="default", queue_name="default", run_after=get_date_max(),
                     priority=priority)
        for _ in range(count)])
    plan, buffers = "", None
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {TABLE}")
        plan, buffers = claim_plan()
    worker = RescindWorker(worker_id="bench-claims")
    backend = backend_pid()
    began, cpu = time.perf_counter(), cpu_seconds(backend)
    worker.tasks_run(max_tasks=count)
    elapsed, cpu = time.perf_counter() - began, cpu_seconds(backend) - cpu
    assert backend_pid() == backend, "the connection was replaced: its CPU time is lost"
    left = DBTaskResult.objects.filter(status="READY").count()
    assert left == 0, f"{left} queued task(s) were not claimed"
    return {"per_second": count / elapsed, "cpu_us": cpu / count * 1e6, "plan": plan,
            "buffers": buffers}


FINISHED_SQL = {
    "postgresql": f"""
        INSERT INTO {TABLE} (id, status, args_kwargs, priority, task_path, queue_name,
            backend_name, run_after, enqueued_at, started_at, finished_at, return_value,
            exception_class_path, traceback, worker_ids)
        SELECT gen_random_uuid(), 'SUCCESSFUL', jsonb_build_object('args', jsonb_build_array(
                jsonb_build_array(i)), 'kwargs', '{{}}'::jsonb), 0, %(path)s, 'default', 'default',
            '9999-01-01T00:00:00Z', t, t, t, 'true', '', '', '["bench-history"]'
        FROM (SELECT i, %(base)s::timestamptz - i * interval '1 second' AS t
              FROM generate_series(%(first)s::bigint, %(last)s::bigint) AS i) AS rows""",
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
    claims_measure(min(200, args.claims), priority=-1)  # warm up: connection, caches
    now = datetime.now(UTC)
    claims = {"fresh": claims_measure(args.claims, priority=0)}
    table = {"fresh": table_facts()}
    write_seconds = finished_write(args.finished, now=now)
    table["grown"] = table_facts()
    claims["grown"] = claims_measure(args.claims, priority=1)
    prune = finished_prune(now=datetime.now(UTC), batch_size=settings.RESCIND_PRUNE_BATCH_SIZE)
    table["pruned"] = table_facts()
    claims["pruned"] = claims_measure(args.claims, priority=2)
    checked = (prune["removed"] == args.finished
               and not DBTaskResult.objects.filter(finished_at__lt=now - timedelta(days=7)).exists()
               and DBTaskResult.objects.filter(status="SUCCESSFUL").count()
               == DBTaskResult.objects.count() == 3 * args.claims + min(200, args.claims))
    fresh = claims["fresh"]
    run = {"claims": claims, "write_seconds": write_seconds,
           "write_rows_per_second": args.finished / write_seconds, "prune": prune,
           "table": table, "checked": checked}
    for phase in ("grown", "pruned"):  # > 1: faster than on the fresh table
        run[f"{phase}_ratio"] = claims[phase]["per_second"] / fresh["per_second"]
        run[f"{phase}_cpu_ratio"] = fresh["cpu_us"] / claims[phase]["cpu_us"]
    print("  claims/s " + ", ".join(f"{phase} {c['per_second']:.0f}" for phase, c in
                                    claims.items())
          + f" (ratios {run['grown_ratio']:.2f}, {run['pruned_ratio']:.2f}); CPU per claim "
          + ", ".join(f"{phase} {c['cpu_us']:.0f} µs" for phase, c in claims.items())
          + f" (ratios {run['grown_cpu_ratio']:.2f}, {run['pruned_cpu_ratio']:.2f})", flush=True)
    print(f"  wrote {args.finished:,} rows in {write_seconds:.1f} s; pruned {prune['removed']:,} "
          f"in {prune['seconds']:.1f} s ({prune['batches']} batches, median "
          f"{prune['batch_ms_median']:.0f} ms, p99 {prune['batch_ms_p99']:.0f} ms, max "
          f"{prune['batch_ms_max']:.0f} ms; first tenth {prune['batch_ms_first_tenth']:.0f} ms, "
          f"last tenth {prune['batch_ms_last_tenth']:.0f} ms); checked: "
          f"{'yes' if checked else 'NO'}", flush=True)
    if connection.vendor == "postgresql":
        print(f"  table: {table['fresh']['mib']:.1f} MiB fresh, {table['grown']['mib']:.0f} MiB "
              f"grown, {table['pruned']['mib']:.0f} MiB pruned with "
              f"{table['pruned']['dead_rows']:,} dead rows (autovacuum run: "
              f"{'yes' if table['pruned']['autovacuumed'] else 'no'})", flush=True)
        plans = [c["plan"] for c in claims.values()]
        print("  the claim's plan: " + (plans[0] if len(set(plans)) == 1 else
                                        " / ".join(plans) + " (fresh / grown / pruned)")
              + "; buffers it touched: " + ", ".join(f"{phase} {c['buffers']}" for phase, c in
                                                     claims.items()), flush=True)
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
    # One connection for the whole run (the worker loop would replace one older than
    # CONN_MAX_AGE), so its backend's CPU time can be read.
    connection.close()
    connection.settings_dict["CONN_MAX_AGE"] = None
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

    def claims(phase: str, key: str) -> float:
        return statistics.median(r["claims"][phase][key] for r in runs)

    print(f"\n{'':>10} {'fresh':>7} {'grown':>7} {'ratio':>6} {'pruned':>7} {'ratio':>6}")
    print(f"{engine[:10]:>10} " + " ".join(
        f"{claims(phase, 'per_second'):>7.0f}" + (f" {median(phase + '_ratio'):>6.2f}"
                                                  if phase != "fresh" else "")
        for phase in ("fresh", "grown", "pruned")) + "  claims/s")
    print(f"{'':>10} " + " ".join(
        f"{claims(phase, 'cpu_us'):>7.0f}" + (f" {median(phase + '_cpu_ratio'):>6.2f}"
                                              if phase != "fresh" else "")
        for phase in ("fresh", "grown", "pruned")) + "  CPU µs per claim (ratio: fresh / this)")
    if engine == "postgresql":
        print(f"{'':>10} " + " ".join(
            f"{claims(phase, 'buffers'):>7.0f}" + (" " * 7 if phase != "fresh" else "")
            for phase in ("fresh", "grown", "pruned")) + "  buffers the claim touches")
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
            "grown_cpu_ratio": median("grown_cpu_ratio"),
            "pruned_cpu_ratio": median("pruned_cpu_ratio"),
            "load_average": os.getloadavg(), "checked": checked, "runs": runs}, indent=2))
    if not checked:
        print("CHECK FAILED: rows left over, or a claimed task lost")
        sys.exit(1)


if __name__ == "__main__":
    main()
