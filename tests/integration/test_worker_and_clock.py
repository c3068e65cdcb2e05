"""The worker and the demo clock: deadlines fire on the shared clock, tasks run after commit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from rescind.clock.service import clock_advance, clock_offset, now
from rescind.domain.errors import DomainError
from rescind.refunds.models import Refund, SandboxOperation
from rescind.worker import RescindWorker
from tests.conftest import DAY, HOUR


def test_demo_clock_advance_moves_now_for_every_reader(market, settings):
    # given demo mode
    settings.DEMO_MODE = True
    before = now()
    # when the clock is advanced by 3 days
    clock_advance(by=3 * DAY)
    # then every reader of the clock is 3 days ahead of real time
    assert clock_offset() == 3 * DAY
    assert timedelta(days=3) <= now() - before < timedelta(days=3, minutes=1)


def test_demo_clock_cannot_move_outside_demo_mode(market, settings):
    settings.DEMO_MODE = False
    with pytest.raises(DomainError) as refused:
        clock_advance(by=DAY)
    assert refused.value.code == "not_demo_mode"
    assert clock_offset() == timedelta(0)


@pytest.mark.parametrize("by", [timedelta(0), -DAY, timedelta(days=4000)])
def test_demo_clock_refuses_odd_durations(market, settings, by):
    settings.DEMO_MODE = True
    with pytest.raises(DomainError) as refused:
        clock_advance(by=by)
    assert refused.value.code == "bad_duration"


def test_r10_worker_pass_after_clock_advance_approves_and_starts_the_refund(live_market,
                                                                          settings):
    # given demo mode and a request made just now
    settings.DEMO_MODE = True
    real_now = datetime.now(UTC)
    order = live_market.requested(at=real_now - 25 * HOUR - timedelta(minutes=1))
    worker = RescindWorker(interval=0)
    # when the worker runs before the window passes, nothing happens
    assert worker.run_once() == 0
    # when the clock moves 73 hours and the worker runs
    clock_advance(by=73 * HOUR)
    assert worker.run_once() == 2  # the seller's reminder (R27), then the approval
    # then the order is closed and its refund was sent to the gateway by the task
    order.refresh_from_db()
    assert (order.state, order.close_reason) == ("closed", "cancelled_on_request")
    refund = Refund.objects.get(order=order)
    assert refund.state == "processing"
    assert SandboxOperation.objects.filter(kind="refund", amount=2800).count() == 1
    assert order.timeline.get(kind="CancellationAutoApproved").actor == "platform"
