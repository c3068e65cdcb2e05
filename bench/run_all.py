"""Every figure of docs/benchmarks.md in one command (issue 7):

    python3 dev.py bench            # or: .venv/bin/python bench/run_all.py [--quick]

Runs, one after another so they never share the machine with each other:
1. the service floor ratio (bench/service_floor.py) on PostgreSQL at 1, 2 and 4 processes and on
   SQLite in one;
2. the HTTP ratio and the web workers' memory (bench/http_ratio.py) on PostgreSQL, at 1, 2 and 4
   server workers, and on SQLite; the cancellation answering the whole order detail and, on
   `Prefer: return=minimal`, the minimal answer (issue 16 item 2), each against the trivial
   endpoint of the same round;
3. the deadline storm and the workers' memory (bench/deadline_storm.py): 100,000 orders on
   PostgreSQL with two workers, and on SQLite with one;
4. the refund burst (bench/refund_burst.py, issue 16 item 3): 1,000 refunds at once reaching the
   sandbox gateway with 20,000 deadlines due alongside, against the task queue's own loop
   running no-op gateway calls, on PostgreSQL with two workers and on SQLite with one;
5. the task claim before and after 1,000,000 finished task rows were written and pruned
   (bench/task_pruning.py, issue 16 item 6), on PostgreSQL and on SQLite;
6. the query plans of the hot paths on 100,000 orders (bench/query_plans.py), which fails if a hot
   path scans a big table;
7. the seller's order queue in a store of 10,000 and of 1,000,000 orders (bench/seller_list.py,
   issue 14): each tab and sort, first and deep page, ratio big/small at most 1.5;
8. `rescind simulate --decisions-only` on 1,000,000 generated orders in two processes
   (bench/simulate_decisions.py, issue 17), which fails past 10 minutes.
9. only when RESCIND_BENCH_CITUS_URL names a Citus coordinator's database (issue 18): 1-3 on
   plain PostgreSQL and on Citus side by side (bench/citus_compare.py), and the Citus plans
   of every statement of the hot paths (bench/citus_plans.py), which fails if a single-order
   path fans out.
Each script prints its own table; everything printed is also written to var/bench/report.txt
and each script's figures to var/bench/<name>.json. `--quick` runs every step small (a smoke
test of the harness, minutes instead of about 40; its figures are not the recorded ones).

The benchmark databases (rescind_bench, rescind_http, rescind_storm, rescind_burst,
rescind_pruning, rescind_plans, rescind_seller_list on the PostgreSQL of
RESCIND_BENCH_POSTGRES_URL, and files under /tmp for SQLite) are dropped and made anew. Never
point it at a database you want to keep.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "var" / "bench"
PG = os.environ.get("RESCIND_BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432")


def steps(quick: bool) -> list[tuple[str, str, list[str]]]:
    """(name, database URL, script and arguments) of each run, in order."""
    count, repeat = ("60", "1") if quick else ("2000", "3")
    orders = "3000" if quick else "100000"
    pruning = (["--finished", "20000", "--claims", "200"] if quick
               else ["--finished", "1000000", "--claims", "2000"])
    burst = (["--refunds", "100", "--storm", "1000"] if quick
             else ["--refunds", "1000", "--storm", "20000"])
    http = ["--duration", "3", "--repeat", "1"] if quick else ["--duration", "10", "--repeat", "3"]
    return [
        ("floor-postgres", f"{PG}/rescind_bench",
         ["service_floor.py", "--processes", "1", "2", "4", "--count", count, "--repeat", repeat]),
        ("floor-sqlite", "sqlite:////tmp/rescind_bench.sqlite3",
         ["service_floor.py", "--processes", "1", "--count", count, "--repeat", repeat]),
        ("http-postgres", f"{PG}/rescind_http",
         ["http_ratio.py", "--workers", "1", "2", "4", *http]),
        ("http-sqlite", "sqlite:////tmp/rescind_http.sqlite3",
         ["http_ratio.py", "--workers", "1", "2", *http]),
        ("storm-postgres", f"{PG}/rescind_storm",
         ["deadline_storm.py", "--orders", orders, "--repeat", repeat]),
        ("storm-sqlite", "sqlite:////tmp/rescind_storm.sqlite3",
         ["deadline_storm.py", "--orders", orders, "--repeat", "1" if quick else "3"]),
        ("burst-postgres", f"{PG}/rescind_burst",
         ["refund_burst.py", *burst, "--repeat", repeat]),
        ("burst-sqlite", "sqlite:////tmp/rescind_burst.sqlite3",
         ["refund_burst.py", *burst, "--repeat", repeat]),
        ("prune-postgres", f"{PG}/rescind_pruning",
         ["task_pruning.py", *pruning, "--repeat", repeat]),
        ("prune-sqlite", "sqlite:////tmp/rescind_pruning.sqlite3",
         ["task_pruning.py", *pruning, "--repeat", repeat]),
        ("plans-postgres", f"{PG}/rescind_plans", ["query_plans.py", "--orders", orders]),
        ("seller-list-postgres", f"{PG}/rescind_seller_list",
         ["seller_list.py", *(["--quick"] if quick else [])]),
        ("simulate-decisions", "", ["simulate_decisions.py", "--orders",
                                    "20000" if quick else "1000000", "--processes", "2"]),
        *citus_steps(quick),
    ]


def citus_steps(quick: bool) -> list[tuple[str, str, list[str]]]:
    """Only with RESCIND_BENCH_CITUS_URL (a Citus coordinator's database with its workers
    added; CI and most machines have none): the floor, the HTTP ratio and the storm on plain
    PostgreSQL and on Citus side by side, and the plans of the hot paths on Citus."""
    if not os.environ.get("RESCIND_BENCH_CITUS_URL"):
        return []
    coordinator = os.environ["RESCIND_BENCH_CITUS_URL"].rsplit("/", 1)[0]
    return [("citus-compare", "", ["citus_compare.py", *(["--quick"] if quick else [])]),
            ("citus-plans", f"{coordinator}/rescind_plans_citus", ["citus_plans.py"])]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="small runs: check the harness")
    parser.add_argument("--only", nargs="+", help="run only these steps (by name)")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    failed = []
    with open(OUT / "report.txt", "w") as report:
        def say(text: str) -> None:
            print(text, flush=True)
            report.write(text + "\n")
            report.flush()

        say(f"# bench/run_all.py {'--quick ' if args.quick else ''}"
            f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {os.cpu_count()} CPUs, "
            f"load {os.getloadavg()[0]:.1f}")
        for name, url, (script, *script_args) in steps(args.quick):
            if args.only and name not in args.only:
                continue
            command = [sys.executable, str(ROOT / "bench" / script), *script_args]
            if script not in ("query_plans.py", "citus_plans.py"):
                command += ["--json", str(OUT / f"{name}.json")]
            say(f"\n## {name}: RESCIND_DATABASE_URL={url} {' '.join(command[1:])}")
            began = time.monotonic()
            process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE,
                                       stderr=subprocess.STDOUT, text=True,
                                       env={**os.environ, "RESCIND_DATABASE_URL": url})
            assert process.stdout is not None
            for line in process.stdout:
                say(line.rstrip("\n"))
            code = process.wait()
            say(f"-- {name}: exit {code} after {time.monotonic() - began:.0f} s")
            if code:
                failed.append(name)
    print(f"\nreport: {OUT / 'report.txt'}" + (f"; FAILED: {', '.join(failed)}" if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
