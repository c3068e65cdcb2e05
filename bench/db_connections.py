"""How many PostgreSQL connections one machine's web server holds under concurrent clients
(docs/deployment.md, "Connections"): granian WSGI serving rescind on 127.0.0.1, 40 clients
sending 200 order-list requests, then a count of the server's connections in pg_stat_activity.

    .venv/bin/python bench/query_plans.py            # first: builds the rescind_plans data set
    .venv/bin/python bench/db_connections.py --blocking-threads 4
    .venv/bin/python bench/db_connections.py --defaults   # granian's own thread count

Every Django thread keeps its own connection for CONN_MAX_AGE (60 s), so the count is what the
machine holds between bursts. Arguments after the script name go to granian as they are.
--defaults runs granian without them: it then opens about one connection per concurrent
request (59 for 40 clients on 2026-11-22), so never run it against a PostgreSQL that others
share with max_connections near that: it exhausted this machine's shared server (100) once.
"""

from __future__ import annotations

import concurrent.futures
import os
import subprocess
import sys
import time
import urllib.request
from urllib.parse import urlparse

import psycopg

PLANS_URL = os.environ.get("RESCIND_PLANS_DATABASE_URL",
                           "postgres://postgres@127.0.0.1:5432/rescind_plans")
PORT = 8931
CLIENTS, REQUESTS = 40, 200
ROOT = os.path.join(os.path.dirname(__file__), "..")


def _server(extra: list[str]) -> subprocess.Popen:
    env = {**os.environ, "RESCIND_DATABASE_URL": PLANS_URL,
           "DJANGO_SETTINGS_MODULE": "rescind.settings",
           "PYTHONPATH": os.path.join(ROOT, "src")}
    return subprocess.Popen(
        [sys.executable, "-m", "granian", "--interface", "wsgi", "--host", "127.0.0.1",
         "--port", str(PORT), "--workers", "2", "--no-ws", *extra, "rescind.wsgi:application"],
        env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _wait_alive() -> None:
    for _ in range(150):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{PORT}/healthz", timeout=1)  # noqa: S310
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("the server did not come up")


def _order_list(_: int) -> int:
    # The data set's first seller (user 20001 at 100,000 orders) and its bench token.
    request = urllib.request.Request(f"http://127.0.0.1:{PORT}/api/v1/orders?limit=50",
                                     headers={"Authorization": "Bearer rsc_bench_20001"})
    with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
        return response.status


def main() -> None:
    extra = [arg for arg in sys.argv[1:] if arg != "--defaults"]
    if not extra and "--defaults" not in sys.argv:
        raise SystemExit("give granian options (e.g. --blocking-threads 4) or --defaults")
    server = _server(extra)
    try:
        _wait_alive()
        with concurrent.futures.ThreadPoolExecutor(CLIENTS) as pool:
            statuses = list(pool.map(_order_list, range(REQUESTS)))
        database = urlparse(PLANS_URL).path.lstrip("/")
        with psycopg.connect(PLANS_URL) as admin:
            held = admin.execute("SELECT count(*) - 1 FROM pg_stat_activity WHERE datname = %s",
                                 [database]).fetchone()[0]
        print(f"granian --workers 2 {' '.join(extra) or '(defaults)'}: "
              f"{statuses.count(200)}/{REQUESTS} answered 200 to {CLIENTS} concurrent clients; "
              f"connections held afterwards: {held}")
    finally:
        server.terminate()
        server.wait(timeout=15)


if __name__ == "__main__":
    main()
