"""`rescind serve`: granian (WSGI) configured so that idle and slow clients cannot starve it,
and so that its worker processes never outlive it (issue 12).

Granian's backpressure is a per-process limit on *open connections*, not on requests: a
connection takes a slot when it is accepted and gives it back when it closes, idle or not
[granian 2.8 `src/workers.rs`, `acceptor_impl_loop`]. With the slots equal to the threads
(4), a handful of clients that connect and send nothing took every slot and `/healthz` stopped
answering. So the slots are many (`max_connections`), the threads few (each holds a database
connection), and requests beyond the threads wait in granian's queue for a free thread.

A client must also not hold a slot for ever: `header_timeout` closes a connection whose request
headers are not complete that long after it opened, or after its previous response (granian's
HTTP/1 header read timeout is also its keep-alive idle timeout). That holds for a connection
that sends nothing at all only in HTTP/1 mode: in granian's default `auto` mode the protocol
detection reads the first bytes with no timeout, so HTTP/2 is off (a reverse proxy speaks
HTTP/1.1 to its upstreams anyway). docs/deployment.md says what belongs in front.
"""

from __future__ import annotations

import os
import signal
from functools import partial

from rescind.process_tree import stop_with_parent

DEFAULT_MAX_CONNECTIONS = 512  # per process; granian's own default with 2 processes
DEFAULT_HEADER_TIMEOUT = 10  # seconds; granian accepts 1 to 60
WORKER_STOP_SECONDS = 20  # a worker still busy this long after a stop signal is killed


def web_worker_application(server_pid: int):
    """The WSGI application, loaded inside each granian worker process: the worker is told to
    stop (SIGTERM) if the server's main process dies without stopping it first."""
    stop_with_parent(server_pid, signal.SIGTERM)
    from rescind.wsgi import application

    return application


def web_serve(*, host: str, port: int, workers: int, threads: int, max_connections: int,
              header_timeout: int) -> None:
    """Serve rescind.wsgi until a stop signal (SIGTERM or SIGINT); granian then stops taking
    connections, lets the requests under way finish, and stops its workers."""
    from granian import Granian
    from granian.constants import HTTPModes, Interfaces
    from granian.http import HTTP1Settings

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rescind.settings")
    server = Granian(
        "rescind.wsgi:application", address=host, port=port, interface=Interfaces.WSGI,
        http=HTTPModes.http1, websockets=False, workers=workers, blocking_threads=threads,
        backpressure=max_connections,
        http1_settings=HTTP1Settings(header_read_timeout=header_timeout * 1000),
        workers_kill_timeout=WORKER_STOP_SECONDS)
    server.serve(target_loader=partial(web_worker_application, os.getpid()), wrap_loader=False)
