"""Issue 17: `rescind simulate --decisions-only`, a million generated orders through the pure
domain functions in under 10 minutes on this 2-core machine.

    .venv/bin/python bench/simulate_decisions.py --orders 1000000 --processes 2

Runs the same history (seed 1) twice in one run: first a tenth of it in one process, for the
per-process rate, then all of it over `--processes` processes. Prints orders per second for
each, the speed-up of the processes over one (a ratio within the run), the whole run's time
against the 10-minute target, and the invariant violations found (there must be none).
Exits 1 if the target is missed or an invariant broke.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

import django

# The policy's reasons are marked for translation (gettext_noop), which asks Django's settings;
# the decisions themselves touch no database.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rescind.settings")
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "src"))
django.setup()

from rescind.domain.policy import Policy  # noqa: E402
from rescind.simulation.memory import memory_run  # noqa: E402

TARGET_SECONDS = 600


def timed(orders: int, processes: int) -> tuple[float, int, int]:
    started = time.monotonic()
    result = memory_run(seed=1, orders=orders, policy=Policy(), processes=processes)
    return time.monotonic() - started, result.tally.orders, len(result.violations)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--json", help="write the figures here")
    args = parser.parse_args()
    one_time, one_orders, one_bad = timed(max(1, args.orders // 10), 1)
    all_time, all_orders, all_bad = timed(args.orders, args.processes)
    figures = {
        "orders": all_orders, "processes": args.processes, "seconds": round(all_time, 1),
        "orders_per_second": round(all_orders / all_time),
        "one_process_orders": one_orders, "one_process_seconds": round(one_time, 1),
        "one_process_orders_per_second": round(one_orders / one_time),
        "speedup": round((all_orders / all_time) / (one_orders / one_time), 2),
        "target_seconds": TARGET_SECONDS, "violations": one_bad + all_bad,
        "load": round(os.getloadavg()[0], 1), "cpus": os.cpu_count(),
    }
    print(f"one process:     {one_orders:>9,} orders in {one_time:7.1f} s "
          f"({figures['one_process_orders_per_second']:,} orders/s)")
    print(f"{args.processes} processes:    {all_orders:>9,} orders in {all_time:7.1f} s "
          f"({figures['orders_per_second']:,} orders/s), speed-up {figures['speedup']}x")
    print(f"target: {TARGET_SECONDS} s for the whole run: "
          f"{'met' if all_time < TARGET_SECONDS else 'MISSED'} "
          f"({all_time / TARGET_SECONDS:.0%} of it); invariant violations: "
          f"{figures['violations']}; load {figures['load']} on {figures['cpus']} CPUs")
    if args.json:
        with open(args.json, "w") as out:
            json.dump(figures, out, indent=2)
    return 0 if all_time < TARGET_SECONDS and not figures["violations"] else 1


if __name__ == "__main__":
    sys.exit(main())
