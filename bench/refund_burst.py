"""Issue 16 item 3, the refund burst: 1,000 refunds created at once reach the (sandbox) gateway
at a quarter at least of the rate of the same run's floor, with a deadline storm due alongside;
no refund waits behind the storm longer than one of its firing batches.

    RESCIND_DATABASE_URL=postgres://postgres@127.0.0.1:5432/rescind_burst \\
        .venv/bin/python bench/refund_burst.py --refunds 1000 --storm 20000
    RESCIND_DATABASE_URL=sqlite:////tmp/rescind_burst.sqlite3 .venv/bin/python bench/refund_burst.py

The database named there is dropped and made anew. Each run, in worker processes (two on
PostgreSQL, one on SQLite), started together:

- floor: `--refunds` tasks of a no-op "gateway call" on the refunds queue, run by
  django-tasks-db's own claim-and-complete loop (claim `FOR UPDATE SKIP LOCKED`, mark running,
  call, mark done), nothing else.
- service: the storm orders of bench/deadline_storm.py, `--refunds` + `--storm` of them due at
  once. The first `--refunds` are fired first (in this process, before the clock starts): their
  orders close and their refunds wait, each with its submission task queued. Then the workers
  run real `RescindWorker` passes, which fire the other `--storm` deadlines meanwhile, until
  every refund of the burst was sent to the sandbox gateway (state processing).

Figures: refunds per second, the floor's and the service's (from "go" to the last refund's
`started_at`), and their ratio, the median of `--repeat` runs; the storm's firing batches in
that time (each timed), and the longest stretch without a refund reaching the gateway while
refunds of the burst were still waiting, to compare with the longest batch. Exits 1 if a
refund of the burst was not sent exactly once (one sandbox refund operation each).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rescind.settings")
os.environ.pop("RESCIND_DEMO_MODE", None)
# The notification tasks the passes run send e-mails: kept in memory, off the pipe to the parent.
os.environ["RESCIND_EMAIL_BACKEND"] = "django.core.mail.backends.locmem.EmailBackend"
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "src"))

import django  # noqa: E402

django.setup()

from deadline_storm import snapshot, storm_clear, storm_make, template_order  # noqa: E402
from django.db import connections  # noqa: E402
from django_tasks import task  # noqa: E402
from django_tasks_db.models import DBTaskResult  # noqa: E402
from service_floor import database_reset  # noqa: E402

import rescind.scheduler as scheduler  # noqa: E402
from rescind.refunds.models import Refund, SandboxOperation  # noqa: E402
from rescind.refunds.tasks import PRIORITY, QUEUE  # noqa: E402
from rescind.scheduler import deadlines_fire_due  # noqa: E402
from rescind.statements import tasks_enqueue  # noqa: E402
from rescind.worker import RescindWorker  # noqa: E402

TARGET = 0.25


@task(queue_name=QUEUE, priority=PRIORITY)
def gateway_noop(refund_id: int) -> None:
    """The floor's task: a gateway call that does nothing."""


def floor_work() -> dict:
    began = time.perf_counter()
    RescindWorker(interval=0).tasks_run(max_tasks=None, queues=(QUEUE,))
    return {"seconds": time.perf_counter() - began}


def service_work(burst: list[int]) -> dict:
    """Worker passes until no refund of the burst is pending; each firing batch timed."""
    batches: list[tuple[float, float]] = []
    fire = scheduler._batch_fire

    def timed(*args, **kwargs):
        began = time.time()
        try:
            return fire(*args, **kwargs)
        finally:
            batches.append((began, time.time()))

    scheduler._batch_fire = timed
    worker, passes = RescindWorker(interval=0), 0
    while Refund.objects.filter(pk__in=burst, state="pending").exists():
        worker.run_once()
        passes += 1
    return {"batches": batches, "passes": passes}


def child(variant: str) -> None:
    connections["default"].ensure_connection()
    burst = json.loads(sys.stdin.readline()) if variant == "service" else []
    print("ready", flush=True)
    sys.stdin.readline()
    report = service_work(burst) if variant == "service" else floor_work()
    print(json.dumps(report), flush=True)


def run_processes(variant: str, processes: int, burst: list[int]) -> tuple[float, list[dict]]:
    """Start the workers, wait until each is connected, start them together. Returns the
    instant of "go" (epoch seconds) and each worker's report."""
    connections.close_all()
    command = [sys.executable, os.path.abspath(__file__), "--child", variant]
    workers = [subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                text=True) for _ in range(processes)]
    for worker in workers:
        if variant == "service":
            worker.stdin.write(json.dumps(burst) + "\n")
            worker.stdin.flush()
        assert worker.stdout.readline().strip() == "ready", f"{variant} worker did not start"
    go = time.time()
    for worker in workers:
        worker.stdin.write("go\n")
        worker.stdin.flush()
    reports = [json.loads(w.stdout.read().strip().splitlines()[-1]) for w in workers]
    assert all(w.wait() == 0 for w in workers), f"a {variant} worker failed"
    return go, reports


def one_run(template: dict, args) -> dict:
    # The floor: no-op gateway calls through the task queue's own loop.
    storm_clear()
    tasks_enqueue(gateway_noop, [(i,) for i in range(args.refunds)])
    go, reports = run_processes("floor", args.processes, [])
    floor_seconds = max(r["seconds"] for r in reports)
    assert DBTaskResult.objects.filter(status="SUCCESSFUL").count() == args.refunds, \
        "the floor did not run every task"
    # The service: the burst's refunds waiting, the storm due alongside.
    storm_make(template, args.refunds + args.storm)
    now = datetime.now(UTC)
    fired = 0
    while fired < args.refunds:
        fired += deadlines_fire_due(now=now, limit=args.refunds - fired)
    burst = list(Refund.objects.filter(state="pending").values_list("pk", flat=True))
    assert len(burst) == args.refunds
    go, reports = run_processes("service", args.processes, burst)
    started = sorted(s.timestamp() for s in Refund.objects.filter(pk__in=burst)
                     .values_list("started_at", flat=True))
    once = SandboxOperation.objects.filter(kind="refund").values("key").distinct().count()
    checked = (Refund.objects.filter(pk__in=burst, state="processing").count() == args.refunds
               and SandboxOperation.objects.filter(kind="refund").count() >= args.refunds
               and once == SandboxOperation.objects.filter(kind="refund").count())
    service_seconds = started[-1] - go
    gaps = [b - a for a, b in zip([go, *started], started, strict=False)]
    batches = [end - begin for r in reports for begin, end in r["batches"]]
    during = [end - begin for r in reports for begin, end in r["batches"] if begin < started[-1]]
    figures = {
        "floor_seconds": floor_seconds, "floor_per_second": args.refunds / floor_seconds,
        "service_seconds": service_seconds,
        "service_per_second": args.refunds / service_seconds,
        "first_refund_seconds": started[0] - go, "longest_gap_seconds": max(gaps),
        "storm_batches": len(batches), "storm_batches_during_burst": len(during),
        "batch_median_seconds": statistics.median(batches) if batches else None,
        "batch_max_seconds": max(batches) if batches else None,
        "checked": checked,
    }
    figures["ratio"] = figures["service_per_second"] / figures["floor_per_second"]
    print(f"  floor: {args.refunds} no-op gateway tasks in {floor_seconds:.2f} s = "
          f"{figures['floor_per_second']:.0f}/s; service: the burst's last refund reached the "
          f"gateway after {service_seconds:.2f} s = {figures['service_per_second']:.0f}/s "
          f"(first after {figures['first_refund_seconds']:.2f} s, longest gap "
          f"{figures['longest_gap_seconds']:.3f} s); storm batches fired meanwhile "
          f"{len(during)}, in the run {len(batches)} (median "
          f"{figures['batch_median_seconds'] or 0:.3f} s, longest "
          f"{figures['batch_max_seconds'] or 0:.3f} s); ratio {figures['ratio']:.3f}; "
          f"{'sent exactly once' if checked else 'CHECK FAILED'}", flush=True)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--refunds", type=int, default=1000)
    parser.add_argument("--storm", type=int, default=20_000,
                        help="deadlines due alongside the burst")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--processes", type=int, default=None,
                        help="worker processes: default 2 on PostgreSQL, 1 on SQLite")
    parser.add_argument("--json", default=None, help="write the figures here")
    parser.add_argument("--child", choices=["floor", "service"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return
    engine = connections["default"].vendor
    args.processes = args.processes or (2 if engine == "postgresql" else 1)
    database_reset()
    template = snapshot(template_order(due_at=datetime.now(UTC) - timedelta(minutes=1)))
    print(f"{engine}: {args.refunds} refunds at once, {args.storm} deadlines due alongside, "
          f"{args.processes} worker process(es), median of {args.repeat}", flush=True)
    runs = []
    for i in range(args.repeat):
        print(f"run {i + 1}:", flush=True)
        runs.append(one_run(template, args))
    median = {key: statistics.median(r[key] for r in runs) for key in (
        "floor_per_second", "service_per_second", "ratio", "first_refund_seconds",
        "longest_gap_seconds")}
    longest_batch = max((r["batch_max_seconds"] or 0) for r in runs)
    longest_gap = max(r["longest_gap_seconds"] for r in runs)
    print(f"\n{'':>10} {'floor /s':>9} {'service /s':>11} {'ratio':>6} {'target':>8}")
    print(f"{engine:>10} {median['floor_per_second']:>9.0f} {median['service_per_second']:>11.0f}"
          f" {median['ratio']:>6.3f} {'>= ' + str(TARGET):>8}  "
          f"{'met' if median['ratio'] >= TARGET else 'NOT met'}")
    print(f"longest wait between two refunds reaching the gateway: {longest_gap:.3f} s; "
          f"longest storm batch: {longest_batch:.3f} s; first refund after "
          f"{median['first_refund_seconds']:.3f} s (median)")
    checked = all(r["checked"] for r in runs)
    if args.json:
        with open(args.json, "w") as out:
            json.dump({"benchmark": "refund_burst", "engine": engine, "refunds": args.refunds,
                       "storm": args.storm, "processes": args.processes,
                       "repeat": args.repeat, **median, "target": TARGET,
                       "target_met": median["ratio"] >= TARGET,
                       "longest_gap_seconds_max": longest_gap,
                       "batch_max_seconds": longest_batch, "checked": checked,
                       "load_average": os.getloadavg(), "runs": runs}, out, indent=2)
    if not checked:
        print("a refund of the burst was not sent exactly once", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
