"""The demo clock's offset is kept per process (issue 16): `now()` reads ClockOffset at most once
per OFFSET_MAX_AGE, a move made in this process is seen at once, a move made by another process
within OFFSET_MAX_AGE, and outside demo mode nothing is read."""

from __future__ import annotations

import os
import subprocess
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from django.db import connection
from django.test.utils import CaptureQueriesContext

from rescind.clock.models import ClockOffset
from rescind.clock.service import OFFSET_MAX_AGE, clock_advance, clock_offset, now
from rescind.worker import RescindWorker
from tests.browser.conftest import _test_database_url
from tests.conftest import DAY, HOUR

ROOT = Path(__file__).resolve().parents[2]
RESCIND = ROOT / ".venv" / "bin" / "rescind"


def test_demo_now_reads_the_offset_once_for_many_calls(market, settings):
    # given demo mode, the clock moved 3 days on
    settings.DEMO_MODE = True
    clock_advance(by=3 * DAY)
    # when `now()` is asked fifty times, as a page and a worker pass do
    with CaptureQueriesContext(connection) as queries:
        readings = [now() for _ in range(50)]
        offset = clock_offset()
    # then the offset was read from the database once, and every reading carries it
    assert len(queries) == 1
    assert offset == 3 * DAY
    assert all(r1 <= r2 for r1, r2 in zip(readings, readings[1:], strict=False))


def test_demo_clock_moved_in_this_process_is_seen_at_once(market, settings):
    # given demo mode, the offset just read (and kept)
    settings.DEMO_MODE = True
    assert clock_offset() == timedelta(0)
    # when this process moves the clock, then the very next reading has the new offset
    clock_advance(by=5 * HOUR)
    assert clock_offset() == 5 * HOUR
    clock_advance(by=DAY)
    assert clock_offset() == DAY + 5 * HOUR


def test_demo_clock_moved_on_the_page_is_seen_by_the_next_page(market, client, settings):
    # given demo mode and the buyer on a page, which read the clock
    settings.DEMO_MODE = True
    client.force_login(market.buyer)
    before = client.get("/orders/").context["clock_now"]
    # when the clock moves 2 days on through the demo page
    assert client.post("/demo/clock/advance/", {"by": "2d"}).status_code == 302
    # then the very next page shows the time 2 days on
    after = client.get("/orders/").context["clock_now"]
    assert 2 * DAY <= after - before < 2 * DAY + timedelta(minutes=1)


def test_outside_demo_mode_now_reads_nothing(market, settings):
    # given demo mode off, and a stray offset in the database
    settings.DEMO_MODE = True
    clock_advance(by=DAY)
    settings.DEMO_MODE = False
    # when `now()` is asked, then nothing is read and the offset is zero
    with CaptureQueriesContext(connection) as queries:
        now()
        offset = clock_offset()
    assert (len(queries), offset) == (0, timedelta(0))


def test_demo_clock_moved_by_another_process_is_seen_within_the_bound(live_market, settings):
    # given demo mode, and this process holding the offset it just read
    settings.DEMO_MODE = True
    assert clock_offset() == timedelta(0)
    # when `rescind clock advance 1d` runs in a separate process on the same database
    env = {**os.environ, "RESCIND_DEMO_MODE": "1", "RESCIND_DATABASE_URL": _test_database_url()}
    done = subprocess.run([str(RESCIND), "clock", "advance", "1d"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    # then, once the bound has passed since it committed, this process reads the new offset
    time.sleep(OFFSET_MAX_AGE)
    assert clock_offset() == DAY


def _offset_set_elsewhere(seconds: int) -> None:
    """Another writer of the clock: a thread, so its own database connection, committing."""
    from django.db import connection as thread_connection

    def write() -> None:
        try:
            ClockOffset.objects.update_or_create(pk=1, defaults={"offset_seconds": seconds})
        finally:
            thread_connection.close()

    writer = threading.Thread(target=write)
    writer.start()
    writer.join()


def test_r10_worker_pass_acts_on_a_clock_moved_elsewhere_at_once(live_market, settings):
    # given demo mode, a request made just over 25 h ago, and a worker pass that found nothing
    settings.DEMO_MODE = True
    order = live_market.requested(at=datetime.now(UTC) - 25 * HOUR - timedelta(minutes=1))
    worker = RescindWorker(interval=0)
    assert worker.run_once() == 0
    # when another connection moves the clock 73 h on, and the worker's next pass runs at once
    _offset_set_elsewhere(73 * 3600)
    # then that pass reads the moved clock: the reminder and the auto-approval fire (R10)
    assert worker.run_once() == 2
    order.refresh_from_db()
    assert (order.state, order.close_reason) == ("closed", "cancelled_on_request")
