"""Issue 17: `rescind simulate` end to end (the real services and worker), timed in-process.

    .venv/bin/python bench/simulate_end_to_end.py --orders 1000
    .venv/bin/python bench/simulate_end_to_end.py --orders 500 --actors 2 \\
        --database postgres://postgres@127.0.0.1:5432/sim_bench

Runs `rescind simulate` (seed 2026 unless told, a fresh SQLite file unless `--database`, an
empty database of its own for PostgreSQL) and prints its wall time, orders per second, the CPU
time of this process and of the actor processes per order, the peak memory and the load
average: on this shared machine the CPU time per order compares runs better than the wall
time. Exits with the command's status (1 on a violation). Not in run_all.py: a run of
thousands of orders takes many minutes.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time

from rich.console import Console


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--orders", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--actors", type=int, default=1)
    parser.add_argument("--database")
    args = parser.parse_args()
    from rescind.simulation.command import simulate

    wall, cpu = time.monotonic(), time.process_time()
    status = simulate(console=Console(), seed=args.seed, orders=args.orders,
                      database=args.database, policy=None, replay=None, only=None,
                      shrink=False, plant=None, out="simulate-bench-failure.json",
                      actors=args.actors)
    wall, cpu = time.monotonic() - wall, time.process_time() - cpu
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    actors_cpu = children.ru_utime + children.ru_stime
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    per_order = 1000 / args.orders
    print(f"{args.orders:,} orders in {wall:.1f} s ({args.orders / wall:.2f} orders/s); CPU "
          f"{cpu * per_order:.0f} ms per order, actors {actors_cpu * per_order:.0f} ms per "
          f"order; peak {peak} MB; load {os.getloadavg()[0]:.1f}")
    return status


if __name__ == "__main__":
    sys.exit(main())
