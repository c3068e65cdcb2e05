"""The payment gateway failing (issue 7, Faults; R21-R23): errors, timeouts and slow answers
delay refunds but lose none, pay none twice, retry with backoff, and a refund stuck past its
method's deadline is flagged for support.

Everything runs through the real worker path: the seller's approval enqueues the submission in
its transaction; `RescindWorker.run_once` runs the task, which calls the sandbox gateway with
the refund's idempotency key; a failure records the attempt and enqueues a retry for later;
the daily status checks are deadlines the worker fires. The sandbox's faults are real: a
timeout sleeps for the client's timeout (set short here) after the provider has acted, so its
retry finds the payment made and only the idempotency key stops it being made twice.

Time is the demo clock. A backoff waits on real time in the task queue, so "time passes" below
moves the demo clock and the queue's waiting tasks on by the same span (`_time_passes`).
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.db.models import F
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult, get_date_max

from rescind.aftersale.services import cancellation_approve
from rescind.clock.service import clock_advance
from rescind.clock.service import now as clock_now
from rescind.refunds.gateway import sandbox_settle_delay
from rescind.refunds.models import Refund, SandboxFault, SandboxOperation
from rescind.worker import RescindWorker
from tests.conftest import DAY, HOUR

pytestmark = [pytest.mark.faults]

TIMEOUT = 0.2  # the gateway client's timeout in these tests, in seconds
SECOND = timedelta(seconds=1)
METHODS = ["bank_card", "e_wallet", "bank_transfer"]


@pytest.fixture
def gateway(live_market, settings):
    """Demo mode (the clock can move) and a gateway client that gives up after TIMEOUT."""
    settings.DEMO_MODE = True
    settings.RESCIND_GATEWAY_TIMEOUT_SECONDS = TIMEOUT
    return live_market


def _refunds_approved(market, methods: list[str]) -> list[Refund]:
    """One order per method, paid a day ago, its cancellation approved by the seller now."""
    now = clock_now()
    refunds = []
    for method in methods:
        order = market.requested(at=now - 26 * HOUR, method=method)
        cancellation_approve(order_id=order.pk, user=market.seller, now=now)
        refunds.append(Refund.objects.get(order=order))
    return refunds


def _time_passes(by: timedelta) -> None:
    """`by` passes for the worker: the demo clock moves on, and every task waiting in the queue
    (a backoff waits on real time) becomes due that much sooner."""
    clock_advance(by=by)
    (DBTaskResult.objects.filter(status=TaskResultStatus.READY, run_after__lt=get_date_max())
     .update(run_after=F("run_after") - by))


def _failures(refund: Refund) -> list[tuple[int, datetime, timedelta, str]]:
    """Each failed attempt: number, when (demo clock), the wait before the retry, the error."""
    return [(e.params["attempt"], e.at, datetime.fromisoformat(e.params["retry_at"]) - e.at,
             e.params["error"])
            for e in refund.order.timeline.filter(kind="RefundAttemptFailed").order_by("pk")]


def _started_at(refund: Refund) -> datetime:
    return refund.order.timeline.get(kind="RefundStarted").at


def _attempts(refunds: list[Refund]) -> list[tuple[str, int]]:
    return [(r.state, r.attempts) for r in Refund.objects.filter(
        pk__in=[r.pk for r in refunds]).order_by("pk")]


def _assert_paid_once(refunds: list[Refund]) -> None:
    """One gateway refund per refund, under its idempotency key, for its amount and method."""
    operations = {o.key: o for o in SandboxOperation.objects.filter(kind="refund")}
    assert sorted(operations) == sorted(str(r.idempotency_key) for r in refunds)
    for refund in refunds:
        refund.refresh_from_db()
        operation = operations[str(refund.idempotency_key)]
        assert (operation.amount, operation.method, operation.reference) == (
            refund.amount, refund.method, refund.gateway_reference)


def _status_checks(refund: Refund) -> list[datetime]:
    """When the gateway was asked about `refund`: each check that did not see it arrive set
    the next check for one day later."""
    due = refund.order.deadlines.filter(kind="refund_check", subject_id=refund.pk)
    return [at - DAY for at in due.order_by("due_at").values_list("due_at", flat=True)[1:]]


def _arrive(refunds: list[Refund], worker: RescindWorker) -> None:
    """Day by day until the sandbox has settled every refund (at most 10 days) and the daily
    checks have seen it."""
    for _ in range(11):
        _time_passes(DAY)
        worker.run_once()


@pytest.mark.parametrize(("mode", "error"), [
    ("error", "sandbox refund error"),
    ("timeout", f"sandbox refund timed out after {TIMEOUT:g} s"),
])
def test_gateway_failing_delays_refunds_with_backoff_loses_none_pays_each_once(gateway, mode,
                                                                                  error):
    # Given three approved refunds and a gateway that fails its next six refund calls
    SandboxFault.objects.create(operation="refund", remaining=6, mode=mode)
    refunds = _refunds_approved(gateway, METHODS)
    worker = RescindWorker(interval=0)
    # When the worker submits them: every first attempt fails
    worker.run_once()
    assert _attempts(refunds) == [("pending", 1)] * 3
    # and a pass before the backoff has passed tries nothing
    worker.run_once()
    assert _attempts(refunds) == [("pending", 1)] * 3
    # when 30 s pass every second attempt fails; when 60 s more pass, every third goes through
    _time_passes(30 * SECOND)
    worker.run_once()
    assert _attempts(refunds) == [("pending", 2)] * 3
    _time_passes(60 * SECOND)
    worker.run_once()
    # Then each refund went through on its third attempt, after backing off 30 s, then 60 s
    assert _attempts(refunds) == [("processing", 3)] * 3
    for refund in refunds:
        failures = _failures(refund)
        assert [(n, wait, message) for n, _at, wait, message in failures] == [
            (1, 30 * SECOND, error), (2, 60 * SECOND, error)]
        first, second = failures[0][1], failures[1][1]
        assert second >= first + 30 * SECOND  # the demo clock honoured each backoff
        assert _started_at(refund) >= second + 60 * SECOND
    # and each was paid once, under its idempotency key; after a timeout the provider had paid
    # at the first attempt, and the retries only got that payment's answer again
    _assert_paid_once(refunds)
    for refund in refunds:
        operation = SandboxOperation.objects.get(key=str(refund.idempotency_key))
        paid_at = _failures(refund)[0][1] if mode == "timeout" else _started_at(refund)
        assert operation.created_at == paid_at
    # and once the money settles it arrives, within every method's deadline: none lost
    _arrive(refunds, worker)
    assert _attempts(refunds) == [("succeeded", 3)] * 3
    assert Refund.objects.filter(overdue_flagged_at__isnull=False).count() == 0
    _assert_paid_once(refunds)


def test_slow_gateway_answers_within_the_timeout_delay_nothing_and_pay_once(gateway):
    # Given three approved refunds and a gateway whose next three refund answers are slow
    SandboxFault.objects.create(operation="refund", remaining=3, mode="slow")
    refunds = _refunds_approved(gateway, METHODS)
    # When the worker submits them
    RescindWorker(interval=0).run_once()
    # Then each went through at its first attempt, slowly, and was paid once
    assert SandboxFault.objects.get().remaining == 0
    assert _attempts(refunds) == [("processing", 1)] * 3
    assert all(_failures(r) == [] for r in refunds)
    _assert_paid_once(refunds)


def test_refund_the_gateway_keeps_refusing_past_its_deadline_is_flagged_then_paid_once(gateway):
    # Given an approved e-wallet refund, due to arrive within 7 days, and a gateway that
    # refuses every refund call
    SandboxFault.objects.create(operation="refund", remaining=1000, mode="error")
    [refund] = _refunds_approved(gateway, ["e_wallet"])
    approved_at = refund.created_at
    assert refund.arrive_by == approved_at + 7 * DAY
    worker = RescindWorker(interval=0)
    worker.run_once()
    # When 8 days pass with the gateway still refusing, then one more
    _time_passes(8 * DAY)
    worker.run_once()
    _time_passes(DAY)
    worker.run_once()
    # Then the first failure past the deadline flagged the refund for support, once
    refund.refresh_from_db()
    failures = _failures(refund)
    assert [(n, wait) for n, _at, wait, _error in failures] == [
        (1, 30 * SECOND), (2, 60 * SECOND), (3, 120 * SECOND)]
    assert failures[0][1] < refund.arrive_by < failures[1][1]
    assert (refund.state, refund.overdue_flagged_at) == ("pending", failures[1][1])
    assert refund.order.timeline.filter(kind="RefundFlaggedOverdue").count() == 1
    # When the gateway recovers and the backoff passes
    SandboxFault.objects.update(remaining=0)
    _time_passes(120 * SECOND)
    worker.run_once()
    # Then the refund goes through, paid once, and stays flagged (it is late)
    refund.refresh_from_db()
    assert (refund.state, refund.attempts) == ("processing", 4)
    assert refund.overdue_flagged_at == failures[1][1]
    _assert_paid_once([refund])


def test_refund_whose_status_checks_time_out_past_its_deadline_is_flagged_then_arrives(gateway):
    # Given an e-wallet refund the gateway accepted, and status checks that all time out
    [refund] = _refunds_approved(gateway, ["e_wallet"])
    worker = RescindWorker(interval=0)
    worker.run_once()
    refund.refresh_from_db()
    assert refund.state == "processing"
    SandboxFault.objects.create(operation="status", remaining=1000, mode="timeout")
    # When the daily checks run for 8 days
    for _ in range(8):
        _time_passes(DAY)
        worker.run_once()
    # Then the refund is still on its way, flagged once at the first check past its deadline
    refund.refresh_from_db()
    checks = _status_checks(refund)
    assert len(checks) == 8
    flagged_at = next(at for at in checks if at > refund.arrive_by)
    assert (refund.state, refund.overdue_flagged_at) == ("processing", flagged_at)
    assert refund.last_error == f"sandbox status timed out after {TIMEOUT:g} s"
    assert refund.order.timeline.filter(kind="RefundFlaggedOverdue").count() == 1
    # When the gateway answers again (the money settled long ago)
    SandboxFault.objects.update(remaining=0)
    assert refund.started_at + sandbox_settle_delay(str(refund.idempotency_key),
                                                    refund.method) <= clock_now()
    _time_passes(DAY)
    worker.run_once()
    # Then it has arrived, paid once
    refund.refresh_from_db()
    assert refund.state == "succeeded"
    assert refund.order.timeline.filter(kind="RefundFlaggedOverdue").count() == 1
    _assert_paid_once([refund])
