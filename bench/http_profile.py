"""Where a cancellation request spends its time inside the server: the WSGI application that
`rescind serve` runs, called in this process (no network, no server threads), for the same
two endpoints bench/http_ratio.py loads (the cancellation with each of its answers: the whole
order detail, and the minimal one on `Prefer: return=minimal`).

    RESCIND_DATABASE_URL=postgres://postgres@127.0.0.1:5432/rescind_http \\
        .venv/bin/python bench/http_profile.py --count 300 --out /tmp/rescind_profile

The database named there is dropped and made anew. Prints, per endpoint: milliseconds per
request single-threaded, the SQL statements of one request with their time, and the share of
time spent waiting for the database; then the functions of rescind (cProfile, cumulative) that
a cancellation request spends most in. With pyinstrument installed (`pip install pyinstrument`,
not a dependency) it also writes call trees to OUT/cancel.txt and OUT/state.txt (and .html).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, os.path.dirname(__file__))

from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.db import connection  # noqa: E402
from http_ratio import CANCEL_BODY, buyer_token  # noqa: E402
from service_floor import database_reset, orders_make  # noqa: E402

APPLICATION = get_wsgi_application()


def wsgi_call(method: str, path: str, token: str, body: str = "", prefer: str = "") -> int:
    """One request through the WSGI application, as the server would make it; its status."""
    data = body.encode()
    environ = {
        "REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "8765", "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "127.0.0.1:8765", "HTTP_AUTHORIZATION": f"Bearer {token}",
        "CONTENT_TYPE": "application/json" if data else "", "CONTENT_LENGTH": str(len(data)),
        "wsgi.input": io.BytesIO(data), "wsgi.errors": sys.stderr, "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http", "wsgi.multithread": True, "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        **({"HTTP_PREFER": prefer} if prefer else {}),
    }
    status: list[str] = []
    answer = APPLICATION(environ, lambda s, headers, exc_info=None: status.append(s))
    try:
        for _chunk in answer:
            pass
    finally:
        answer.close()
    return int(status[0].split()[0])


class Requests:
    """The two endpoints, each call on the next order of a list."""

    def __init__(self, token: str, read_ids: list[int]):
        self.token, self.read_ids, self.reads = token, read_ids, 0
        self.fresh: list[int] = []

    def state(self) -> int:
        self.reads += 1
        order_id = self.read_ids[self.reads % len(self.read_ids)]
        return wsgi_call("GET", f"/api/v1/orders/{order_id}/state", self.token)

    def cancel(self) -> int:
        order_id = self.fresh.pop()
        return wsgi_call("POST", f"/api/v1/orders/{order_id}/cancellation-request",
                         self.token, CANCEL_BODY)

    def cancel_minimal(self) -> int:
        order_id = self.fresh.pop()
        return wsgi_call("POST", f"/api/v1/orders/{order_id}/cancellation-request",
                         self.token, CANCEL_BODY, prefer="return=minimal")


def timed(act: Callable[[], int], count: int, expected: int) -> float:
    """Milliseconds per call over `count` calls; every call must answer `expected`."""
    began = time.perf_counter()
    statuses = [act() for _ in range(count)]
    elapsed = time.perf_counter() - began
    wrong = [s for s in statuses if s != expected]
    if wrong:
        raise SystemExit(f"expected {expected}, got {sorted(set(wrong))}")
    return elapsed / count * 1000


def statements_of(act: Callable[[], int]) -> list[tuple[float, str]]:
    """The SQL one call runs, each with its time in milliseconds."""
    seen: list[tuple[float, str]] = []

    def record(execute, sql, params, many, context):
        began = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            seen.append(((time.perf_counter() - began) * 1000, sql))

    with connection.execute_wrapper(record):
        act()
    return seen


def database_share(act: Callable[[], int], count: int) -> float:
    """The share of wall time spent inside cursor.execute over `count` calls."""
    waited = [0.0]

    def record(execute, sql, params, many, context):
        began = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            waited[0] += time.perf_counter() - began

    began = time.perf_counter()
    with connection.execute_wrapper(record):
        for _ in range(count):
            act()
    return waited[0] / (time.perf_counter() - began)


def report_endpoint(name: str, act: Callable[[], int], ms: float, share: float) -> dict:
    statements = statements_of(act)
    print(f"\n{name}: {ms:.2f} ms a request in-process, {share:.0%} of it waiting for the "
          f"database; {len(statements)} SQL statements in one request:")
    for took, sql in statements:
        print(f"  {took:6.2f} ms  {sql[:150]}")
    return {"ms_per_request": round(ms, 3), "database_share": round(share, 3),
            "statements": [{"ms": round(t, 3), "sql": s} for t, s in statements]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=300, help="requests per measurement")
    parser.add_argument("--out", default="/tmp/rescind_profile", help="folder for the reports")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    database_reset()
    requests = Requests(buyer_token(), orders_make(500))
    requests.fresh = orders_make(8 * args.count + 100)
    for _ in range(30):  # warm up: imports, caches, the connection
        requests.state()
        requests.cancel()
        requests.cancel_minimal()

    state_ms = timed(requests.state, args.count, 200)
    cancel_ms = timed(requests.cancel, args.count, 201)
    minimal_ms = timed(requests.cancel_minimal, args.count, 201)
    print(f"{connection.vendor}, one thread, {args.count} requests each: in-process ratio "
          f"(cancel/s over state/s) {state_ms / cancel_ms:.2f} with the whole detail, "
          f"{state_ms / minimal_ms:.2f} with the minimal answer")
    figures = {
        "database": connection.vendor,
        "state": report_endpoint("GET /orders/{id}/state", requests.state, state_ms,
                                 database_share(requests.state, args.count)),
        "cancel": report_endpoint("POST /orders/{id}/cancellation-request", requests.cancel,
                                  cancel_ms, database_share(requests.cancel, args.count)),
        "cancel_minimal": report_endpoint(
            "POST /orders/{id}/cancellation-request, Prefer: return=minimal",
            requests.cancel_minimal, minimal_ms,
            database_share(requests.cancel_minimal, args.count)),
    }

    profiler = cProfile.Profile()
    profiler.runcall(lambda: [requests.cancel() for _ in range(args.count)])
    text = io.StringIO()
    stats = pstats.Stats(profiler, stream=text).sort_stats("cumulative")
    stats.print_stats(r"rescind/|ninja/|django/core/handlers|django_tasks", 40)
    # Opening a connection (SQLite: one per request, CONN_MAX_AGE = 0) and the cursors.
    stats.print_stats(r"django/db/backends/(base|sqlite3|postgresql)/base\.py", 8)
    (out / "cancel_cprofile.txt").write_text(text.getvalue())
    print(f"\ncProfile of {args.count} cancellation requests, cumulative, rescind/ninja "
          f"functions (whole list in {out / 'cancel_cprofile.txt'}):")
    print("\n".join(line for line in text.getvalue().splitlines() if line.strip()))

    try:
        from pyinstrument import Profiler
    except ImportError:
        print("\n(pyinstrument is not installed: no call tree)")
    else:
        for name, act in (("cancel", requests.cancel), ("state", requests.state)):
            tree = Profiler(interval=0.0005)
            tree.start()
            for _ in range(args.count):
                act()
            tree.stop()
            (out / f"{name}.txt").write_text(tree.output_text(show_all=False))
            (out / f"{name}.html").write_text(tree.output_html())
        print(f"\npyinstrument call trees of {args.count} requests each: "
              f"{out / 'cancel.txt'}, {out / 'state.txt'} (and .html)")
    (out / "figures.json").write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
