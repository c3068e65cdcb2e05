"""A stop to a Rescind command stops everything it started (issue 12, item 6).

The real `rescind demo` (migrate, seed, then a worker and a web server whose granian master
starts two worker processes) and `rescind serve` run on the test database. Each test records
the process tree once the server answers, stops the top process, and checks that no process of
that tree still runs (a pid counts with its kernel start time, so a reused pid is no false
alarm) and that the port is free for the next start. Waits are generous liveness bounds
(tests/process_watch.py), not timings: before the fix the orphans ran on until killed.
"""

from __future__ import annotations

import os
import signal

import pytest

from tests.browser.conftest import _test_database_url
from tests.process_watch import (
    answers,
    descendants,
    free_port,
    group_kill,
    port_free,
    rescind_start,
    still_running,
    wait_until,
)

pytestmark = [pytest.mark.processes]


def _env(tmp_path) -> dict[str, str]:
    env = {**os.environ, "RESCIND_DATABASE_URL": _test_database_url(),
           "RESCIND_VAR_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "rescind.settings"}
    env.pop("RESCIND_DEMO_MODE", None)
    return env


def _demo_running(tmp_path):
    """`rescind demo` on a free port, once it serves: (process, port, log, its process tree)."""
    port, log = free_port(), tmp_path / "demo.log"
    demo = rescind_start(["demo", "--port", str(port)], _env(tmp_path), log)
    try:
        wait_until(lambda: demo.poll() is not None or (answers(port)
                                                       and len(descendants(demo.pid)) == 4),
                   "the demo serves, with its worker, server and two web workers", log)
    except AssertionError:
        group_kill(demo)
        raise
    assert demo.poll() is None, log.read_text()
    tree = descendants(demo.pid)
    # the worker and the server, and the server's two granian worker processes
    assert sorted(parent == demo.pid for parent, _ in tree.values()) == [False, False, True, True]
    return demo, port, log, tree


def test_sigterm_to_the_demo_stops_its_server_and_worker(transactional_db, tmp_path):
    # Given the demo serving, with its worker
    demo, port, log, tree = _demo_running(tmp_path)
    try:
        # When a service manager stops it: SIGTERM to the demo's own process only
        demo.send_signal(signal.SIGTERM)
        demo.wait(timeout=90)

        # Then it stopped its worker and its server, which stopped its web workers, and exited
        # cleanly, leaving the port to the next start
        assert still_running(tree) == [], log.read_text()
        assert demo.returncode == 0, log.read_text()
        assert port_free(port)
    finally:
        group_kill(demo)


def test_demo_killed_outright_takes_its_server_and_worker_down(transactional_db, tmp_path):
    # Given the demo serving, with its worker
    demo, port, log, tree = _demo_running(tmp_path)
    try:
        # When it is killed with no chance to stop anything (SIGKILL, the OOM killer)
        demo.send_signal(signal.SIGKILL)
        demo.wait(timeout=30)

        # Then its children notice and stop, and theirs too
        wait_until(lambda: still_running(tree) == [], "every process of the demo stops", log)
        assert port_free(port)
    finally:
        group_kill(demo)


def test_web_workers_stop_when_the_server_main_process_dies(db, tmp_path):
    # Given `rescind serve` with its two granian worker processes
    port, log = free_port(), tmp_path / "server.log"
    server = rescind_start(["serve", "--port", str(port)], _env(tmp_path), log)
    wait_until(lambda: server.poll() is not None or (
        answers(port) and len(descendants(server.pid)) == 2
        and all(f"Started worker-{n}" in log.read_text() for n in (1, 2))),
        "the server answers with two started workers", log)
    try:
        tree = descendants(server.pid)
        # When its main process dies without stopping them
        server.send_signal(signal.SIGKILL)
        server.wait(timeout=30)

        # Then the workers stop serving and exit by themselves
        wait_until(lambda: still_running(tree) == [], "the web workers stop", log)
        assert port_free(port)
    finally:
        group_kill(server)
