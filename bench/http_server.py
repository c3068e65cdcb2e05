"""The web server under test, started as a user would, and the memory of its worker processes.

`rescind serve` (granian, WSGI) is what the README tells users to run; gunicorn's sync workers
are there only to compare against it (`pip install gunicorn` first: it is not a dependency).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

VENV_BIN = Path(sys.executable).parent
SERVERS = ("granian", "gunicorn")


def server_command(server: str, host: str, port: int, workers: int, threads: int,
                   max_connections: int | None = None) -> list[str]:
    if server == "granian":
        return [str(VENV_BIN / "rescind"), "serve", "--host", host, "--port", str(port),
                "--workers", str(workers), "--threads", str(threads),
                *(["--max-connections", str(max_connections)] if max_connections else [])]
    if server == "gunicorn":
        # Sync workers: one request at a time per process, the classic Django deployment.
        return [str(VENV_BIN / "gunicorn"), "--workers", str(workers), "--worker-class", "sync",
                "--bind", f"{host}:{port}", "--log-level", "warning", "rescind.wsgi:application"]
    raise ValueError(f"unknown server {server!r}; one of {SERVERS}")


def children_of(pid: int) -> list[int]:
    """Every process below `pid` (workers, and whatever they started)."""
    found, todo = [], [pid]
    while todo:
        parent = todo.pop()
        try:
            tasks = os.listdir(f"/proc/{parent}/task")
        except FileNotFoundError:
            continue
        for task in tasks:
            try:
                text = Path(f"/proc/{parent}/task/{task}/children").read_text()
            except (FileNotFoundError, ProcessLookupError):
                continue
            for child in text.split():
                found.append(int(child))
                todo.append(int(child))
    return found


def rss_kib(pid: int) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError):
        return None
    return None


def _established_inodes(port: int) -> set[str]:
    """The socket inodes of the established TCP connections to local `port` (IPv4)."""
    inodes = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if fields[3] == "01" and int(fields[1].split(":")[1], 16) == port:  # ESTABLISHED
            inodes.add(fields[9])
    return inodes


def clients_by_process(port: int, pids: list[int]) -> dict[int, int]:
    """How many established client connections each process holds open on `port`: the server
    does not choose which worker accepts a connection, and a keep-alive connection stays with
    that worker for its life."""
    inodes, held = _established_inodes(port), {}
    for pid in pids:
        try:
            links = [os.readlink(f"/proc/{pid}/fd/{fd}") for fd in os.listdir(f"/proc/{pid}/fd")]
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
        held[pid] = sum(1 for link in links if link.startswith("socket:[")
                        and link[8:-1] in inodes)
    return held


@dataclass
class RssSampler:
    """VmRSS of each worker process (the server's descendants) every `interval` seconds, and
    how many client connections on `port` each holds."""

    root_pid: int
    port: int = 0
    interval: float = 0.5
    samples: list[tuple[float, dict[int, int]]] = field(default_factory=list)
    clients: list[tuple[float, tuple[int, ...]]] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def _run(self) -> None:
        while not self._stop.is_set():
            sizes = {pid: kib for pid in children_of(self.root_pid)
                     if (kib := rss_kib(pid)) is not None}
            self.samples.append((time.monotonic(), sizes))
            held = clients_by_process(self.port, list(sizes)) if self.port else {}
            self.clients.append((time.monotonic(), tuple(sorted(held.values(), reverse=True))))
            self._stop.wait(self.interval)

    def during(self, began: float, ended: float) -> dict[str, float | int]:
        """Peak RSS of the largest worker and of all workers together between two instants,
        and the growth over the second half: per worker, its last sample minus its first
        sample after the midpoint (the largest of those, in KiB; ~0 means flat); and how the
        client connections were split between the workers (the split seen most often, the
        busiest worker first)."""
        window = [(t, sizes) for t, sizes in self.samples if began <= t <= ended and sizes]
        if not window:
            return {"samples": 0}
        middle = began + (ended - began) / 2
        second_half = [sizes for t, sizes in window if t >= middle] or [window[-1][1]]
        growth = max(second_half[-1].get(pid, kib) - kib for pid, kib in second_half[0].items())
        splits = [split for t, split in self.clients if began <= t <= ended and sum(split)]
        return {
            "samples": len(window),
            "client_split": list(max(set(splits), key=splits.count)) if splits else [],
            "workers": max(len(sizes) for _, sizes in window),
            "peak_worker_kib": max(max(sizes.values()) for _, sizes in window),
            "peak_total_kib": max(sum(sizes.values()) for _, sizes in window),
            "second_half_growth_kib": growth,
        }


@dataclass
class Server:
    server: str
    workers: int
    host: str = "127.0.0.1"
    port: int = 8765
    log_path: Path = Path("/tmp/rescind_http_server.log")
    threads: int = 4
    max_connections: int | None = None  # `rescind serve --max-connections`; None: its default
    extra_env: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen | None = None
    sampler: RssSampler | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self, ready_path: str, timeout: float = 60.0) -> None:
        """Start the server and wait until `ready_path` answers (any HTTP status)."""
        if _port_open(self.host, self.port):
            raise RuntimeError(f"{self.host}:{self.port} is already taken: pick --port")
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "rescind.settings",
               # `rescind serve` refuses the built-in key outside demo mode (rescind.E001).
               "RESCIND_SECRET_KEY": os.environ.get("RESCIND_SECRET_KEY") or "bench-" + "x" * 50,
               **self.extra_env}
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                server_command(self.server, self.host, self.port, self.workers, self.threads,
                               self.max_connections),
                stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited with {self.process.returncode}; "
                                   f"see {self.log_path}")
            if _answers(self.url + ready_path) and \
                    len(children_of(self.process.pid)) >= self.workers:
                self.sampler = RssSampler(self.process.pid, port=self.port)
                self.sampler.start()
                return
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"the server did not answer within {timeout:.0f} s; see "
                           f"{self.log_path}")

    def stop(self) -> None:
        if self.sampler is not None:
            self.sampler.stop()
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)  # its own session: only its workers
            self.process.wait()


def _port_open(host: str, port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.5)
        return probe.connect_ex((host, port)) == 0


def _answers(url: str) -> bool:
    try:
        urllib.request.urlopen(url, timeout=2).close()
        return True
    except urllib.error.HTTPError:
        return True  # 401/404: the application is up and answering
    except OSError:
        return False
