"""Real HTTP servers on 127.0.0.1 for webhook tests: a receiver that verifies signatures, one
that answers with a redirect, and one that trickles its answer a byte at a time."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from django_tasks_db.models import DBTaskResult, get_date_max

LOCAL_NETWORKS = ["127.0.0.1/32", "::1/128"]


class _Quiet(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass


class _Server:
    def __init__(self, handler: type[BaseHTTPRequestHandler]) -> None:
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/hooks"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class Receiver(_Server):
    """A webhook receiver that verifies each signature with the subscriber's secret and keeps
    the events it accepted and the headers of every request."""

    def __init__(self, secret: str, statuses: list[int] | None = None) -> None:
        self.secret, self.statuses, self.events = secret, statuses or [], []
        self.requests: list[dict[str, str]] = []
        receiver = self

        class Handler(_Quiet):
            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append(dict(self.headers))
                stamp, signature = (part.split("=", 1)[1] for part in
                                    self.headers["X-Rescind-Signature"].split(","))
                expected = hmac.new(receiver.secret.encode(), f"{stamp}.".encode() + body,
                                    hashlib.sha256).hexdigest()
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                if hmac.compare_digest(signature, expected) and status == 200:
                    receiver.events.append(json.loads(body))
                self.send_response(status if hmac.compare_digest(signature, expected) else 401)
                self.end_headers()

        super().__init__(Handler)

    def kinds(self) -> list[str]:
        return [event["kind"] for event in self.events]


class Redirector(_Server):
    """Answers every POST with 302 to `location`."""

    def __init__(self, location: str) -> None:
        self.posts = 0
        server = self

        class Handler(_Quiet):
            def do_POST(self):  # noqa: N802
                self.rfile.read(int(self.headers["Content-Length"]))
                server.posts += 1
                self.send_response(302)
                self.send_header("Location", location)
                self.send_header("Content-Length", "0")
                self.end_headers()

        super().__init__(Handler)


class Trickler(_Server):
    """Answers 200, one byte every `pause` seconds: about 10 s for the whole answer, longer
    than the 1 s deadline the tests set and than any single read waits."""

    ANSWER = b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nX-Slow: trickling\r\n\r\n"

    def __init__(self, pause: float = 0.2) -> None:
        self.posts = 0
        server = self

        class Handler(_Quiet):
            def do_POST(self):  # noqa: N802
                self.rfile.read(int(self.headers["Content-Length"]))
                server.posts += 1
                try:
                    for byte in Trickler.ANSWER:
                        self.wfile.write(bytes([byte]))
                        self.wfile.flush()
                        time.sleep(pause)
                except OSError:  # the sender hung up at its deadline
                    pass

        super().__init__(Handler)


def webhook_tasks_run(now) -> list[bool]:
    """Run the webhook delivery tasks due now (not the retries scheduled for later), one by
    one in the order of their deliveries, as the worker would."""
    from rescind.notifications.webhooks import webhook_deliver

    due = [t for t in DBTaskResult.objects.filter(task_path__endswith="webhook_deliver_task",
                                                  status="READY", run_after=get_date_max())]
    results = []
    for task in sorted(due, key=lambda t: t.args_kwargs["args"][0]):
        task.delete()
        results.append(webhook_deliver(delivery_id=task.args_kwargs["args"][0], now=now))
    return results


def webhook_retries_queued(delivery_id: int) -> int:
    return DBTaskResult.objects.filter(task_path__endswith="webhook_deliver_task",
                                       args_kwargs__args=[delivery_id]).count()
