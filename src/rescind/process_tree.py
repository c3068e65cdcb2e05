"""Every process a Rescind command starts stops with it (issue 12).

Two halves. A parent that starts children (`rescind demo`: a web server and a worker) turns a
stop signal into a stop of each child and waits for them: `children_run`. A child learns that
its parent died without a signal reaching it (SIGKILL, the OOM killer, a crash): on Linux the
kernel sends it SIGTERM then (`prctl(PR_SET_PDEATHSIG)`), elsewhere a thread watches the parent
id: `stop_with_parent`. The web server's own worker processes use the same (web_server.py).
"""

from __future__ import annotations

import ctypes
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Sequence

logger = logging.getLogger(__name__)

PARENT_PID_VARIABLE = "RESCIND_PARENT_PID"  # set by `children_run` for the commands it starts
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)
CHILD_STOP_SECONDS = 30  # a child still running this long after SIGTERM is killed
PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def stop_with_parent(parent_pid: int, stop: signal.Signals = signal.SIGTERM) -> None:
    """Have `stop` sent to this process when `parent_pid`, the process that started it, ends.

    The kernel's parent-death signal fires when the parent *thread* that forked us ends: every
    Rescind parent forks from its main thread, whose end is the process's end. Set after the
    fork, so a parent that died in between is caught by comparing the parent id once more;
    the process then exits at once.
    """
    if sys.platform == "linux":
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(PR_SET_PDEATHSIG, int(stop), 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG) failed")
    else:
        threading.Thread(target=_parent_watch, args=(parent_pid, stop), daemon=True,
                         name="rescind-parent-watch").start()
    if os.getppid() != parent_pid:
        # Already orphaned, before it serves anything: a stop signal now could reach a server
        # still starting up, which may not act on it, so leave at once.
        os._exit(0)


def _parent_watch(parent_pid: int, stop: signal.Signals) -> None:
    while os.getppid() == parent_pid:
        time.sleep(1.0)
    os.kill(os.getpid(), stop)


def stop_with_starting_parent() -> None:
    """`stop_with_parent` for a command that `children_run` started (it names itself in the
    environment); nothing for a command started by a person or a service manager."""
    parent = os.environ.pop(PARENT_PID_VARIABLE, "")
    if parent.isdigit():
        stop_with_parent(int(parent))


def children_run(commands: Sequence[Sequence[str]]) -> int:
    """Start `commands` and wait until a stop signal arrives or one of them ends; then stop
    every one still running (SIGTERM, SIGKILL after CHILD_STOP_SECONDS) and wait for each.

    Returns the exit status of the first child that ended by itself (0 after a stop signal).
    """
    stop_requested = threading.Event()
    received: list[int] = []

    def on_stop(signum, _frame) -> None:
        received.append(signum)
        stop_requested.set()

    previous = {s: signal.signal(s, on_stop) for s in STOP_SIGNALS}
    children: list[subprocess.Popen] = []
    try:
        env = {**os.environ, PARENT_PID_VARIABLE: str(os.getpid())}
        for command in commands:
            if stop_requested.is_set():
                break
            children.append(subprocess.Popen(list(command), env=env))
        while not stop_requested.is_set() and all(c.poll() is None for c in children):
            stop_requested.wait(0.2)
        ended = [c.returncode for c in children if c.returncode is not None]
    finally:
        _children_stop(children)
        for s, handler in previous.items():
            signal.signal(s, handler)
    if received:
        logger.info("stop signal %s: stopped %s process(es)", received[0], len(children))
        return 0
    return ended[0] if ended else 0


def _children_stop(children: list[subprocess.Popen]) -> None:
    for child in children:
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + CHILD_STOP_SECONDS
    for child in children:
        try:
            child.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            logger.warning("process %s did not stop on SIGTERM: killed", child.pid)
            child.kill()
            child.wait()
