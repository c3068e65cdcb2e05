"""PostgreSQL restarted while the HTTP load runs (issue 7, Faults).

The test runs its own PostgreSQL cluster (tests/faults/private_postgres.py), whatever database
the rest of the run uses, so it runs in both phases of `python3 dev.py test` and never touches
a shared server. On it: the real web server (`rescind serve`, granian) and a real
`rescind worker`. Threads post cancellation requests, each on an order of its own, and read
orders back; midway PostgreSQL is stopped (fast shutdown, every session ended), left down, and
started again. The checks:

- every answer is a success, or a 503 `service_unavailable` in the API's JSON error shape with
  a `Retry-After` header: never a 500, never an HTML page, never a dropped connection;
- the outage was seen (503s happened), and afterwards the same server processes answer with
  successes again by themselves, after at most a few 503s per client;
- no committed change is lost: every 201 has its cancellation request in the database.

A 503 does not always mean "nothing happened": the request's transaction may have committed
just before the database went away (the COMMIT was sent, its acknowledgement or the reading of
the answer was not). The client cannot tell, so it retries, and the retry tells it: 201 if the
first attempt had changed nothing, 409 `request_already_pending` if it had. So the test
asserts the rows are exactly the 201s plus the 503s whose retry answered "already pending",
one row per order, and that every other 503 left nothing behind. The retry carries a new
Idempotency-Key: under the first one it may meet the claim the first attempt made before the
database went away, answered 409 `idempotency_in_progress` until that claim goes stale
(api/idempotency.py, two minutes).
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest

from tests.faults.private_postgres import PrivatePostgres, free_port

pytestmark = [pytest.mark.faults]

ROOT = Path(__file__).resolve().parents[2]
ORDERS = 3000  # more than the load can use: every POST takes an order of its own
CLIENTS = 4
BEFORE_OUTAGE = 40  # 201s before PostgreSQL is stopped
OUTAGE_SECONDS = 2.0
OUTAGE_503S = 20  # and at least this many 503s while it is down
AFTER_OUTAGE = 5  # successes per client once it is back
RECOVERY_RETRIES = 3  # at most this many 503s per client once PostgreSQL accepts connections
WAIT_SECONDS = 30
RETRY_PAUSE = 0.2  # a client's pause after a failure (Retry-After says 5 s: too long to test)


@dataclass(frozen=True)
class Answer:
    client: int
    method: str
    order_id: int
    started: float  # time.monotonic()
    status: int  # 0: no HTTP answer at all (connection refused, reset, timeout)
    body: bytes
    content_type: str
    retry_after: str | None
    key: str | None  # the POST's Idempotency-Key
    error: str = ""

    @property
    def succeeded(self) -> bool:
        return self.status in {200, 201}

    @property
    def clean_outage(self) -> bool:
        if self.status != 503 or self.content_type != "application/json" or not self.retry_after:
            return False
        return json.loads(self.body).get("code") == "service_unavailable"

    @property
    def code(self) -> str:
        try:
            return json.loads(self.body).get("code", "")
        except ValueError:
            return ""


class Api:
    """One request per connection: what is tested is the database outage, not keep-alive."""

    def __init__(self, port: int, token: str) -> None:
        self.port, self.token = port, token

    def call(self, client: int, method: str, order_id: int, path: str,
             body: dict | None = None, key: str | None = None) -> Answer:
        headers = {"Authorization": f"Bearer {self.token}"}
        data = None
        if body is not None:
            data, key = json.dumps(body).encode(), key or str(uuid.uuid4())
            headers |= {"Content-Type": "application/json", "Idempotency-Key": key}
        started = time.monotonic()
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=20)
        try:
            connection.request(method, path, body=data, headers=headers)
            response = connection.getresponse()
            return Answer(client, method, order_id, started, response.status, response.read(),
                          response.getheader("Content-Type", ""),
                          response.getheader("Retry-After"), key)
        except (OSError, http.client.HTTPException) as exc:
            return Answer(client, method, order_id, started, 0, b"", "", None, key, repr(exc))
        finally:
            connection.close()

    def request_cancellation(self, client: int, order_id: int, key: str | None = None) -> Answer:
        return self.call(client, "POST", order_id,
                         f"/api/v1/orders/{order_id}/cancellation-request",
                         {"reason": "no_longer_needed", "report_supplier": False}, key)

    def read(self, client: int, order_id: int) -> Answer:
        return self.call(client, "GET", order_id, f"/api/v1/orders/{order_id}")


class Load:
    """`CLIENTS` threads posting cancellation requests on distinct orders, reading every other
    order back, and pausing briefly after a failure as a client that retries would."""

    def __init__(self, api: Api, order_ids: list[int]) -> None:
        self.api = api
        self.order_ids = iter(order_ids)
        self.lock = threading.Lock()
        self.answers: list[Answer] = []
        self.stopping = threading.Event()
        self.threads = [threading.Thread(target=self._client, args=(n,), daemon=True)
                        for n in range(CLIENTS)]

    def _next_order(self) -> int | None:
        with self.lock:
            return next(self.order_ids, None)

    def _client(self, client: int) -> None:
        posted = 0
        while not self.stopping.is_set():
            order_id = self._next_order()
            if order_id is None:
                return
            answer = self.api.request_cancellation(client, order_id)
            self.answers.append(answer)
            posted += 1
            if posted % 2:
                self.answers.append(self.api.read(client, order_id))
            if not answer.succeeded:
                time.sleep(RETRY_PAUSE)

    def __enter__(self) -> Load:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *_exc) -> None:
        self.stopping.set()
        for thread in self.threads:
            thread.join(timeout=30)

    def count(self, status: int, *, since: float = 0.0) -> int:
        return sum(1 for a in list(self.answers) if a.status == status and a.started >= since)

    def successes_per_client(self, *, since: float) -> Counter:
        return Counter(a.client for a in list(self.answers) if a.succeeded and a.started >= since)


def _wait_until(condition, what: str, logs) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"not within {WAIT_SECONDS} s: {what}\n{logs()}")


def _process_start(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    with log.open("ab") as out:
        return subprocess.Popen([sys.executable, "-m", "rescind.cli", *args], cwd=ROOT, env=env,
                                stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)


def _process_stop(process: subprocess.Popen) -> None:
    """SIGTERM to the process group we started (granian's workers are its children)."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def _children(pid: int) -> set[int]:
    found = set()
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        found |= {int(c) for c in task.read_text().split()}
    return found


def _requests_by_order(url: str, order_ids: list[int]) -> Counter:
    with psycopg.connect(url) as connection:
        rows = connection.execute(
            "SELECT order_id, count(*) FROM rescind_aftersale_cancellationrequest "
            "WHERE order_id = ANY(%s) GROUP BY order_id", [order_ids]).fetchall()
    return Counter(dict(rows))


def _watched_order_done(url: str, order_id: int) -> bool:
    """The worker auto-approved the watched order and submitted its refund to the gateway."""
    with psycopg.connect(url) as connection:
        approved = connection.execute(
            "SELECT count(*) FROM rescind_orders_timelineentry WHERE order_id = %s "
            "AND kind = 'CancellationAutoApproved'", [order_id]).fetchone()[0]
        refunds = connection.execute(
            "SELECT state FROM rescind_refunds_refund WHERE order_id = %s", [order_id]).fetchall()
    return approved == 1 and refunds == [("processing",)]


@pytest.fixture
def cluster():
    with PrivatePostgres() as private:
        private.create_database("rescind")
        yield private


def test_postgres_restart_under_http_load_answers_503_recovers_and_loses_nothing(cluster,
                                                                                  tmp_path):
    # Given the real server and a worker on a private PostgreSQL, in demo mode
    url = cluster.url("rescind")
    env = {**os.environ, "RESCIND_DATABASE_URL": url, "RESCIND_VAR_DIR": str(tmp_path),
           "RESCIND_DEMO_MODE": "1", "DJANGO_SETTINGS_MODULE": "rescind.settings",
           "RESCIND_EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend"}
    seeded = subprocess.run([sys.executable, "-m", "tests.faults.restart_seed", str(ORDERS)],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
                            check=False)
    assert seeded.returncode == 0, seeded.stderr
    seed = json.loads(seeded.stdout.splitlines()[-1])
    port = free_port()
    server_log, worker_log = tmp_path / "server.log", tmp_path / "worker.log"

    def logs() -> str:
        first_500 = server_log.read_text(errors="replace").partition(
            "Internal Server Error")[2][:4000] if server_log.exists() else ""
        return "\n".join(f"--- {p.name}\n{p.read_text(errors='replace')[-4000:]}"
                         for p in (server_log, worker_log) if p.exists()) + \
            f"\n--- the first 500\n{first_500}\n--- postgres\n{cluster.log_tail()}"

    server = _process_start(["serve", "--port", str(port), "--workers", "1"], env, server_log)
    worker = _process_start(["worker", "--interval", "0.2"], env, worker_log)
    api = Api(port, seed["token"])
    try:
        _wait_until(lambda: api.read(0, seed["watched_order_id"]).status == 200,
                    "the server answers", logs)
        server_workers = _children(server.pid)
        assert server_workers

        # When the load runs, PostgreSQL is stopped midway, left down, and started again
        with Load(api, seed["order_ids"]) as load:
            _wait_until(lambda: load.count(201) >= BEFORE_OUTAGE, "201s before the outage", logs)
            cluster.stop("fast")
            down = time.monotonic()
            time.sleep(OUTAGE_SECONDS)
            _wait_until(lambda: load.count(503, since=down) >= OUTAGE_503S, "503s", logs)
            cluster.start()
            up = time.monotonic()
            _wait_until(lambda: all(load.successes_per_client(since=up)[n] >= AFTER_OUTAGE
                                    for n in range(CLIENTS)), "successes after the outage", logs)
        answers = list(load.answers)

        # and the worker, alive through it, acts on a deadline that falls due afterwards
        advanced = subprocess.run([sys.executable, "-m", "rescind.cli", "clock", "advance", "2h"],
                                  cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
                                  check=False)
        assert advanced.returncode == 0, advanced.stderr
        _wait_until(lambda: _watched_order_done(url, seed["watched_order_id"]),
                    "the worker approves the watched order after the restart", logs)

        # Then every answer was a success or a clean 503, and the outage did produce 503s
        unclean = [a for a in answers if not (a.succeeded or a.clean_outage)]
        assert unclean == [], (unclean[:5], logs())
        assert {a.retry_after for a in answers if a.status == 503} == {"5"}
        assert load.count(503, since=down) >= OUTAGE_503S
        # and once PostgreSQL accepted connections, each client got through after few retries
        retries = {}
        for client in range(CLIENTS):
            after = [a for a in answers if a.client == client and a.started >= up]
            retries[client] = next(i for i, a in enumerate(after) if a.succeeded)
            assert retries[client] <= RECOVERY_RETRIES, (client, after[:retries[client] + 1])
        # and it was the same server processes, never restarted
        assert server.poll() is None and worker.poll() is None
        assert _children(server.pid) == server_workers
        assert "worker pass failed" in worker_log.read_text()  # the worker did see the outage

        # and no committed change was lost: each 201 has its row; a 503 whose transaction had
        # committed is told so by its retry (409 request_already_pending), the rest retry to 201
        posts = [a for a in answers if a.method == "POST"]
        created = {a.order_id for a in posts if a.status == 201}
        unavailable = sorted({a.order_id for a in posts if a.status == 503})
        rows = _requests_by_order(url, seed["order_ids"])
        retried = {order_id: api.request_cancellation(0, order_id) for order_id in unavailable}
        assert {(r.status, r.code) for r in retried.values()} <= {
            (201, ""), (409, "request_already_pending")}, logs()
        committed_anyway = {o for o, r in retried.items() if r.status == 409}
        assert set(rows) == created | committed_anyway
        assert set(rows.values()) == {1}
        assert sum(rows.values()) == len(created) + len(committed_anyway)
        assert set(_requests_by_order(url, seed["order_ids"])) == created | set(unavailable)
        print(f"\n{len(posts)} POSTs: {len(created)} 201, {len(unavailable)} 503 "
              f"({len(committed_anyway)} had committed); "
              f"{sum(1 for a in answers if a.method == 'GET')} GETs; 503s per client before "
              f"its first success once PostgreSQL was back: {retries}")
    finally:
        _process_stop(server)
        _process_stop(worker)
