"""Start real `rescind` commands for a test and watch their process trees and ports (/proc)."""

from __future__ import annotations

import contextlib
import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WAIT_SECONDS = 90  # how long a test waits for a start or a stop on a loaded machine


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def rescind_start(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    """`python -m rescind.cli <args>`, output to `log`, in a session of its own so that a
    test's Ctrl-C or a terminal's signals never reach it. Started as in production: without
    the test process's DJANGO_ALLOW_ASYNC_UNSAFE (tests/conftest.py), which `rescind serve`'s
    deployment check refuses (async.E001)."""
    env = {k: v for k, v in env.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    with log.open("ab") as out:
        return subprocess.Popen([sys.executable, "-m", "rescind.cli", *args], cwd=ROOT, env=env,
                                stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)


def _start_time(pid: int) -> int | None:
    """The kernel's start time of a running process (None: gone, or a zombie): with the pid it
    names one process, even if the pid is reused later."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    fields = stat[stat.rindex(")") + 2:].split()
    return None if fields[0] in {"Z", "X"} else int(fields[19])


def descendants(pid: int) -> dict[int, tuple[int, int]]:
    """Every running process below `pid`: {pid: (its parent's pid, start time)}."""
    found: dict[int, tuple[int, int]] = {}
    todo = [pid]
    while todo:
        parent = todo.pop()
        for children in Path(f"/proc/{parent}/task").glob("*/children"):
            try:
                pids = [int(c) for c in children.read_text().split()]
            except (FileNotFoundError, ProcessLookupError):
                continue
            for child in pids:
                started = _start_time(child)
                if started is not None:
                    found[child] = (parent, started)
                    todo.append(child)
    return found


def still_running(tree: dict[int, tuple[int, int]]) -> list[str]:
    """The processes of `tree` that still run, with their command lines."""
    running = []
    for pid, (_parent, started) in tree.items():
        if _start_time(pid) == started:
            try:
                command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")
            except (FileNotFoundError, ProcessLookupError):
                continue
            running.append(f"{pid}: {command.decode(errors='replace').strip()}")
    return running


def group_kill(process: subprocess.Popen) -> None:
    """SIGKILL every process still in the session `rescind_start` made (cleanup after a failed
    test: orphans keep their process group)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=30)


def port_free(port: int) -> bool:
    """Nothing listens on 127.0.0.1:`port` and a new server could bind it."""
    try:
        socket.create_connection(("127.0.0.1", port), timeout=5).close()
        return False
    except ConnectionRefusedError:
        pass
    with socket.socket() as server:
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as servers do
        try:
            server.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def http_get(port: int, path: str, *, timeout: float,
             headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def answers(port: int, path: str = "/healthz") -> bool:
    try:
        return http_get(port, path, timeout=5)[0] == 200
    except OSError:
        return False


def wait_until(condition, what: str, log: Path | None = None) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    tail = log.read_text(errors="replace")[-4000:] if log and log.exists() else ""
    raise AssertionError(f"not within {WAIT_SECONDS} s: {what}\n{tail}")
