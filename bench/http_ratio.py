"""Benchmark 2 of issue 7 (and the web half of 4): the cancellation-request endpoint against a
trivial authenticated read of one order, through the real server, under the same load, in the
same run; and the memory of the server's worker processes meanwhile.

    RESCIND_DATABASE_URL=postgres://postgres@127.0.0.1:5432/rescind_http \\
        .venv/bin/python bench/http_ratio.py --workers 1 2 4
    RESCIND_DATABASE_URL=sqlite:////tmp/rescind_http.sqlite3 \\
        .venv/bin/python bench/http_ratio.py --workers 1 2 4 --duration 10 --repeat 1
    RESCIND_BENCH_CITUS_URL=postgres://postgres@127.0.0.1:9700/rescind \\
    RESCIND_DATABASE_URL=postgres://postgres@127.0.0.1:9700/rescind_http \\
        .venv/bin/python bench/http_ratio.py --workers 1 2 4 --citus

The database named there is dropped and made anew. For each worker count the server is started
the way users start it (`rescind serve`: granian, WSGI) and wrk drives it at 16 connections:
first `GET /api/v1/orders/{id}/state` (the trivial endpoint: the bearer token and one read of
the order by primary key), then `POST /api/v1/orders/{id}/cancellation-request` with each request
on a fresh paid order, once for each `--variants`: `full` answers the whole order detail (the
default answer), `minimal` sends `Prefer: return=minimal` (RFC 7240, issue 16) and is answered
the order's state and the request made. Figures are the median of `--repeat` rounds; a ratio is
cancellation / trivial requests per second within each round, so the machine's load cancels out.

After every cancellation run the number of 201 answers is checked against the number of new
CancellationRequest rows, by query, and so is the Preference-Applied header of every answer.
VmRSS of every worker process is sampled each 0.5 s, and so is how many of wrk's connections
each worker holds (a keep-alive connection stays with the worker that accepted it). Each run
also reports the CPU milliseconds a request of the server, of PostgreSQL and of the whole
machine (bench/cpu_use.py).
`--servers granian gunicorn` runs gunicorn's sync workers through the same runs, to compare
(gunicorn is not a dependency: `pip install gunicorn` first).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime

sys.path.insert(0, os.path.dirname(__file__))

from cpu_use import cpu_snapshot, cpu_spent  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection, connections  # noqa: E402
from http_load import Load, LoadResult, wrk_ensure, wrk_run  # noqa: E402
from http_server import SERVERS, Server  # noqa: E402
from service_floor import (  # noqa: E402  (sets Django up)
    database_reset,
    engine_name,
    orders_make,
)

from rescind.accounts.models import ApiToken  # noqa: E402
from rescind.aftersale.models import CancellationRequest  # noqa: E402

TRIVIAL = Load("GET", "/api/v1/orders/{id}/state")
CANCEL_PATH = "/api/v1/orders/{id}/cancellation-request"
# The cancellation's answers measured: the whole order detail, and the minimal one.
VARIANTS = {"full": "", "minimal": "return=minimal"}
CANCEL_BODY = json.dumps({"reason": "no_longer_needed", "report_supplier": False})
TARGET_RATIO, TARGET_P99_MS = 0.5, 50.0
READY_PATH = "/api/v1/orders/0/state"  # 401 without a token: the application answers
CPU_COLUMNS = ("server", "postgres", "machine")
SPARE_ORDERS = 1.3  # orders made per expected cancellation (from the trivial run just before)


def buyer_token() -> str:
    buyer, _ = get_user_model().objects.get_or_create(username="bench-buyer")
    return ApiToken.issue(buyer, name="bench")


def fresh_orders(expected_per_second: float, seconds: float) -> list[int]:
    """Enough new paid orders for a cancellation run at up to `SPARE_ORDERS` x the rate."""
    ids = orders_make(int(expected_per_second * seconds * SPARE_ORDERS) + 200)
    connections.close_all()  # SQLite: hold no connection while the server writes
    return ids


QUIET_SECONDS = 2  # no new CancellationRequest row for this long: the server is done


def settled(read: Callable[[], object]) -> object:
    """`read()` once it gives the same answer twice, QUIET_SECONDS apart: the server has
    finished the requests wrk cut off at the end of a run (it does them, unanswered)."""
    previous, current = None, read()
    while current != previous:
        time.sleep(QUIET_SECONDS)
        previous, current = current, read()
    return current


def database_connections() -> int | None:
    """PostgreSQL connections to this database other than ours: the server's, mostly (Django
    keeps one per server thread for CONN_MAX_AGE seconds)."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = "
                       "current_database() AND pid <> pg_backend_pid()")
        count = cursor.fetchone()[0]
    connections.close_all()
    return count


def requests_last_id() -> int:
    last = CancellationRequest.objects.order_by("-pk").values_list("pk", flat=True).first()
    connections.close_all()
    return last or 0


def orders_requested_since(last_id: int) -> list[int]:
    """The order of each CancellationRequest row made after `last_id`."""
    rows = list(CancellationRequest.objects.filter(pk__gt=last_id)
                .values_list("order_id", flat=True))
    connections.close_all()
    return rows


def check(cancel: LoadResult, requested: list[int], orders_made: int, minimal: bool) -> dict:
    """Every 201 answer made exactly one CancellationRequest row, for the order it names, and no
    request made one without a 201. Requests in flight when wrk stopped are done by the server
    but their answers never reach wrk, so there may be that many more rows than 201s; a run
    that ran out of fresh orders fails too. Every answer of a minimal run, and none of a full
    one, said `Preference-Applied: return=minimal`."""
    answered, answered_orders = cancel.statuses.get(201, 0), set(cancel.created_ids)
    rows_of_answered = sum(1 for order_id in requested if order_id in answered_orders)
    return {"answered_201": answered, "rows_created": len(requested),
            "rows_for_answered_orders": rows_of_answered,
            "cut_off_at_end": cancel.unanswered, "orders_made": orders_made,
            "preference_applied": cancel.applied,
            "ok": (answered == len(answered_orders) == rows_of_answered
                   and len(set(requested)) == len(requested)
                   and answered <= len(requested) <= answered + cancel.unanswered
                   and cancel.laps == 0
                   and cancel.applied == (answered if minimal else 0))}


class Bench:
    def __init__(self, args: argparse.Namespace, token: str, read_ids: list[int]):
        self.args, self.token, self.read_ids = args, token, read_ids
        self.wrk = wrk_ensure()
        self.cancels = {variant: Load("POST", CANCEL_PATH, CANCEL_BODY,
                                      idempotency_keys=args.idempotency_keys,
                                      prefer=VARIANTS[variant])
                        for variant in args.variants}

    def load(self, server: Server, load: Load, ids: list[int],
             seconds: float) -> tuple[LoadResult, float, float, dict]:
        """One wrk run; its result, when it began and ended, and the CPU milliseconds each
        process group (bench/cpu_use.py: server, postgres, load, other, machine) spent per
        answered request."""
        cpu_before, began = cpu_snapshot(server.process.pid), time.monotonic()
        result, output = wrk_run(self.wrk, server.url, load, ids, self.token,
                                 duration=f"{seconds:g}s", connections=self.args.connections,
                                 threads=self.args.threads)
        ended, spent = time.monotonic(), cpu_spent(cpu_before, cpu_snapshot(server.process.pid))
        if self.args.verbose:
            print(output)
        per_request = {group: round(1000 * s / max(result.requests, 1), 3)
                       for group, s in spent.items()}
        return result, began, ended, per_request

    def pair(self, server: Server, seconds: float) -> dict:
        """The trivial endpoint, then the cancellation endpoint on fresh orders, once for each
        variant of its answer (the whole detail, the minimal one)."""
        trivial, t_began, t_ended, t_cpu = self.load(server, TRIVIAL, self.read_ids, seconds)
        round_ = {"trivial": {**trivial.as_dict(), "cpu_ms_per_request": t_cpu}, "variants": {},
                  "memory": {"trivial": server.sampler.during(t_began, t_ended)}}
        for variant, load in self.cancels.items():
            ids = fresh_orders(trivial.per_second, seconds)
            last_id = settled(requests_last_id)
            cancel, c_began, c_ended, c_cpu = self.load(server, load, ids, seconds)
            held = database_connections()
            requested = settled(lambda last_id=last_id: orders_requested_since(last_id))
            round_["variants"][variant] = {
                "cancel": {**cancel.as_dict(), "cpu_ms_per_request": c_cpu},
                "ratio": cancel.per_second / trivial.per_second,
                "check": check(cancel, requested, len(ids), minimal=variant == "minimal"),
                "database_connections_after": held}
            round_["memory"][variant] = server.sampler.during(c_began, c_ended)
        round_["window"] = (t_began, c_ended)
        return round_

    def server_runs(self, server_name: str, workers: int) -> dict:
        server = Server(server_name, workers, port=self.args.port,
                        threads=self.args.threads_per_worker,
                        max_connections=self.args.max_connections)
        server.start(READY_PATH)
        try:
            self.load(server, TRIVIAL, self.read_ids, self.args.warmup)  # caches, connections
            warm = self.load(server, TRIVIAL, self.read_ids, 1)[0]
            for load in self.cancels.values():
                self.load(server, load, fresh_orders(warm.per_second, self.args.warmup),
                          self.args.warmup)
            pairs = []
            for repeat in range(self.args.repeat):
                pairs.append(self.pair(server, self.args.duration))
                report_pair(server_name, workers, repeat + 1, pairs[-1])
            whole = server.sampler.during(pairs[0]["window"][0], pairs[-1]["window"][1])
        finally:
            server.stop()
        for p in pairs:
            del p["window"]
        return {"server": server_name, "workers": workers, "pairs": pairs,
                "median": medians(pairs), "memory_all_runs": whole,
                "threads_per_worker": self.args.threads_per_worker}


def medians(pairs: list[dict]) -> dict:
    """Per figure, the median over the rounds; per variant of the cancellation's answer, its
    requests/s, p99 and ratio to the trivial endpoint of the same round."""
    def median(of) -> float:
        return statistics.median(of(p) for p in pairs)

    def of_variant(variant: str) -> dict:
        def side(p: dict) -> dict:
            return p["variants"][variant]

        return {"cancel_rps": median(lambda p: side(p)["cancel"]["requests_per_second"]),
                "cancel_p99_ms": median(lambda p: side(p)["cancel"]["latency_ms"]["p99"]),
                "cancel_cpu_ms": {group: median(
                    lambda p, g=group: side(p)["cancel"]["cpu_ms_per_request"][g])
                    for group in CPU_COLUMNS},
                "ratio": median(lambda p: side(p)["ratio"])}

    variants = {variant: of_variant(variant) for variant in pairs[0]["variants"]}
    return {"trivial_rps": median(lambda p: p["trivial"]["requests_per_second"]),
            "trivial_p99_ms": median(lambda p: p["trivial"]["latency_ms"]["p99"]),
            "trivial_cpu_ms": {group: median(
                lambda p, g=group: p["trivial"]["cpu_ms_per_request"][g])
                for group in CPU_COLUMNS},
            "variants": variants,
            "peak_worker_rss_mib": max(
                max(m.get("peak_worker_kib", 0) for m in p["memory"].values())
                for p in pairs) / 1024,
            "max_run_growth_mib": max(
                max(m.get("second_half_growth_kib", 0) for m in p["memory"].values())
                for p in pairs) / 1024,
            "checks_ok": all(v["check"]["ok"] for p in pairs for v in p["variants"].values())}


def report_pair(server: str, workers: int, repeat: int, pair: dict) -> None:
    print(f"  {server} x{workers} run {repeat}:")
    # (name, figures, the key of its memory samples)
    sides = [("state", pair["trivial"], "trivial")] + [
        (f"cancel {variant}", v["cancel"], variant) for variant, v in pair["variants"].items()]
    for name, side, run in sides:
        split = pair["memory"][run].get("client_split", [])
        print(f"    {name:>14}: {side['requests_per_second']:6.0f}/s, p99 "
              f"{side['latency_ms']['p99']:7.1f} ms, statuses {side['statuses']}, non-2xx "
              f"{side['non_2xx']} (wrk: {side['wrk_non_2xx_or_3xx']}), socket errors "
              f"{sum(side['socket_errors'].values()) - side['socket_errors']['status']}"
              f", connections per worker {'/'.join(map(str, split)) or '?'}")
        cpu = side["cpu_ms_per_request"]
        print(f"{'':>20}CPU ms a request: server {cpu['server']:.2f}, PostgreSQL "
              f"{cpu['postgres']:.2f}, wrk {cpu['load']:.2f}, other {cpu['other']:.2f}; "
              f"machine {cpu['machine']:.2f}")
        for status, body in side["refusals"].items():
            print(f"            first {status} answer: {body}")
    for variant, v in pair["variants"].items():
        check, c, held = v["check"], v["cancel"], v["database_connections_after"]
        print(f"    check {variant}: {check['answered_201']} answered 201, "
              f"{check['rows_for_answered_orders']} rows for their orders, "
              f"{check['rows_created']} new rows in all (cut off at the end: "
              f"{check['cut_off_at_end']}), Preference-Applied on "
              f"{check['preference_applied']}: {'ok' if check['ok'] else 'MISMATCH'}"
              + (f"; ran out of orders ({c['laps']} laps)" if c["laps"] else "")
              + (f"; server holds {held} database connections" if held is not None else ""),
              flush=True)


def report_table(results: list[dict], repeat: int) -> None:
    print(f"\n{engine_name()}, {results[0]['pairs'][0]['trivial']['seconds']:.0f} s a run, "
          f"median of {repeat}; targets: ratio >= {TARGET_RATIO}, p99 <= {TARGET_P99_MS:.0f} ms")
    print(f"{'server':>9} {'workers':>7} {'state/s':>8} {'p99 ms':>7} {'answer':>8} "
          f"{'cancel/s':>9} {'p99 ms':>7} {'ratio':>6} {'RSS MiB':>8} {'growth':>7} "
          f"{'checks':>7}")
    for r in results:
        m = r["median"]
        for variant, v in m["variants"].items():
            print(f"{r['server']:>9} {r['workers']:>7} {m['trivial_rps']:>8.0f} "
                  f"{m['trivial_p99_ms']:>7.1f} {variant:>8} {v['cancel_rps']:>9.0f} "
                  f"{v['cancel_p99_ms']:>7.1f} {v['ratio']:>6.2f} "
                  f"{m['peak_worker_rss_mib']:>8.1f} {m['max_run_growth_mib']:>7.2f} "
                  f"{'ok' if m['checks_ok'] else 'FAILED':>7}")
    print("(answer: full = the whole order detail, minimal = Prefer: return=minimal; RSS: the "
          "largest worker's peak; growth: the most any worker grew over the second half of a "
          "run, MiB)")
    print("\nCPU ms a request (median): server / PostgreSQL / the machine in all")
    for r in results:
        m = r["median"]
        rows = [("trivial", m["trivial_cpu_ms"])] + [
            (variant, v["cancel_cpu_ms"]) for variant, v in m["variants"].items()]
        print(f"{r['server']:>9} {r['workers']:>7}  " + "; ".join(
            f"{name} {cpu['server']:.2f} / {cpu['postgres']:.2f} / {cpu['machine']:.2f}"
            for name, cpu in rows))
    for variant in results[0]["median"]["variants"]:
        fitting = [r for r in results
                   if r["median"]["variants"][variant]["cancel_p99_ms"] <= TARGET_P99_MS]
        best = max(fitting or results,
                   key=lambda r, v=variant: r["median"]["variants"][v]["cancel_rps"])
        print(f"most {variant} cancellations/s{' within the p99 target' if fitting else ''}: "
              f"{best['server']} with {best['workers']} worker(s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--servers", nargs="+", choices=SERVERS, default=["granian"])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--duration", type=float, default=10, help="seconds per wrk run")
    parser.add_argument("--warmup", type=float, default=2, help="seconds per warm-up run")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--read-orders", type=int, default=2000,
                        help="orders the trivial endpoint cycles through")
    parser.add_argument("--variants", nargs="+", choices=list(VARIANTS),
                        default=list(VARIANTS),
                        help="the cancellation's answers to measure (full detail, minimal)")
    parser.add_argument("--idempotency-keys", action="store_true",
                        help="send a fresh Idempotency-Key with every cancellation request")
    parser.add_argument("--threads-per-worker", type=int, default=4,
                        help="`rescind serve --threads` (granian; gunicorn sync ignores it)")
    parser.add_argument("--max-connections", type=int, default=None,
                        help="`rescind serve --max-connections` (open connections a worker "
                             "accepts); its default when not given")
    parser.add_argument("--json", metavar="PATH", help="write every figure here")
    parser.add_argument("--verbose", action="store_true", help="print wrk's own output")
    parser.add_argument("--citus", action="store_true", help="distribute the database on the "
                        "Citus coordinator it is on (RESCIND_BENCH_CITUS_URL)")
    args = parser.parse_args()

    wrk_ensure()
    database_reset(citus=args.citus)
    engine = engine_name()
    token = buyer_token()
    read_ids = orders_make(args.read_orders)
    connections.close_all()
    load_before = os.getloadavg()
    print(f"{engine}: {args.connections} connections, {args.duration:g} s a run, "
          f"{args.repeat} run(s); load average {load_before[0]:.2f}", flush=True)
    bench = Bench(args, token, read_ids)
    results = [bench.server_runs(server, workers)
               for server in args.servers for workers in args.workers]
    report_table(results, args.repeat)
    all_checks_ok = all(r["median"]["checks_ok"] for r in results)
    if args.json:
        with open(args.json, "w") as out:
            json.dump({"benchmark": "http_ratio", "database": engine,
                       "at": datetime.now(UTC).isoformat(timespec="seconds"),
                       "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                                   "load_average_before": load_before,
                                   "load_average_after": os.getloadavg()},
                       "settings": {k: v for k, v in vars(args).items() if k != "json"},
                       "targets": {"ratio": TARGET_RATIO, "p99_ms": TARGET_P99_MS},
                       "results": results}, out, indent=2)
        print(f"figures written to {args.json}")
    if not all_checks_ok:
        sys.exit("a check failed: 201 answers and new rows differ, or orders ran out")


if __name__ == "__main__":
    main()
