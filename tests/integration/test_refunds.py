"""The refund ledger and the sandbox gateway: once only, retries, arrival, overdue (R21-R23)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django_tasks_db.models import DBTaskResult

from rescind.aftersale.services import cancellation_approve
from rescind.config import calendar, policy
from rescind.domain.errors import DomainError
from rescind.domain.events import RefundCreated
from rescind.domain.money import Money
from rescind.domain.refunds import PaymentMethod, decide_refund
from rescind.orders.recording import order_facts, order_lock
from rescind.refunds.gateway import sandbox_settle_delay
from rescind.refunds.models import Refund, SandboxFault, SandboxOperation
from rescind.refunds.services import refund_check, refund_open, refund_submit
from rescind.scheduler import deadlines_fire_due
from tests.conftest import DAY, T0


def _approved(market, method="e_wallet"):
    order = market.requested(at=T0, method=method)
    cancellation_approve(order_id=order.pk, user=market.seller, now=T0 + 2 * DAY)
    return Refund.objects.get(order=order)


def _submit_tasks():
    return DBTaskResult.objects.filter(task_path__endswith="refund_submit_task")


def test_r21_refund_is_queued_for_submission_in_the_deciding_transaction(market):
    # given an approved cancellation
    refund = _approved(market)
    # then a submission task was enqueued with the refund, and nothing was sent yet
    assert [t.args_kwargs["args"] for t in _submit_tasks()] == [[refund.pk, refund.order_id]]
    assert SandboxOperation.objects.filter(kind="refund").count() == 0


def test_r21_r23_refund_goes_to_the_payment_method_and_arrives(market):
    # given an approved cancellation paid by e-wallet
    refund = _approved(market)
    started = T0 + 2 * DAY + timedelta(minutes=1)
    # when the task submits it
    assert refund_submit(refund_id=refund.pk, now=started) == "started"
    refund.refresh_from_db()
    operation = SandboxOperation.objects.get(kind="refund")
    assert (refund.state, refund.gateway_reference) == ("processing", operation.reference)
    assert (operation.amount, operation.method, operation.key) == (
        2800, "e_wallet", str(refund.idempotency_key))
    # then before the sandbox settles it is still on its way
    settles = started + sandbox_settle_delay(str(refund.idempotency_key), refund.method)
    assert refund_check(refund_id=refund.pk, now=settles - timedelta(seconds=1)) == "waiting"
    # and once settled it has arrived, on the timeline too
    assert refund_check(refund_id=refund.pk, now=settles) == "arrived"
    refund.refresh_from_db()
    assert (refund.state, refund.arrived_at) == ("succeeded", settles)
    assert refund.order.timeline.last().kind == "RefundArrived"


def test_r22_refund_task_run_twice_pays_once(market):
    # given a refund whose task is delivered twice
    refund = _approved(market)
    # when both runs happen
    first = refund_submit(refund_id=refund.pk, now=T0 + 3 * DAY)
    second = refund_submit(refund_id=refund.pk, now=T0 + 3 * DAY)
    # then the gateway paid once
    assert (first, second) == ("started", "skipped")
    assert SandboxOperation.objects.filter(kind="refund").count() == 1


@pytest.mark.faults  # issue 7: the gateway failing (more in tests/faults/)
def test_r22_a_crash_after_the_gateway_call_does_not_pay_twice(market):
    # given a run that reached the gateway but crashed before recording it
    refund = _approved(market)
    from rescind.refunds.gateway import payment_gateway

    payment_gateway().refund(key=str(refund.idempotency_key), payment_reference="x",
                             amount=refund.money, method=PaymentMethod.E_WALLET, now=T0 + 3 * DAY)
    # when the task runs again
    assert refund_submit(refund_id=refund.pk, now=T0 + 3 * DAY) == "started"
    # then the same key brought back the same payment, not a second one
    operation = SandboxOperation.objects.get(kind="refund")
    refund.refresh_from_db()
    assert refund.gateway_reference == operation.reference


def test_r22_refunds_never_exceed_what_was_charged(market):
    # given an order refunded in full
    refund = _approved(market)
    order = refund.order
    # when another refund is decided, then the domain refuses it
    with pytest.raises(DomainError) as refused:
        decide_refund(order_facts(order), amount=Money(1, "USD"), now=T0 + 3 * DAY,
                      policy=policy(), calendar=calendar())
    assert refused.value.code == "refund_exceeds_charge"
    # and the database refuses it too, should a caller skip the decision
    with pytest.raises(IntegrityError), transaction.atomic():
        locked = order_lock(order.pk)
        refund_open(locked, RefundCreated(amount=Money(1, "USD"), method="e_wallet",
                                          arrive_by=T0 + 9 * DAY),
                    cause="test", now=T0 + 3 * DAY)
    assert Refund.objects.filter(order=order).count() == 1


@pytest.mark.faults  # issue 7: the gateway failing (more in tests/faults/)
def test_r23_failing_gateway_is_retried_with_backoff_and_loses_nothing(market):
    # given a gateway that fails the next two refund calls
    SandboxFault.objects.create(operation="refund", remaining=2)
    refund = _approved(market)
    # when the task runs three times
    results = [refund_submit(refund_id=refund.pk, now=T0 + 3 * DAY) for _ in range(3)]
    # then two attempts failed and were retried with growing delays, the third went through
    assert results == ["retry", "retry", "started"]
    refund.refresh_from_db()
    assert (refund.state, refund.attempts) == ("processing", 3)
    retries = [t for t in _submit_tasks().order_by("enqueued_at") if t.run_after.year < 9999]
    waits = [(t.run_after - t.enqueued_at).total_seconds() for t in retries]
    assert [round(w) for w in waits] == [30, 60]
    failures = refund.order.timeline.filter(kind="RefundAttemptFailed")
    assert [f.params["attempt"] for f in failures] == [1, 2]
    assert SandboxOperation.objects.filter(kind="refund").count() == 1


@pytest.mark.faults  # issue 7: the gateway failing (more in tests/faults/)
def test_r23_refund_past_its_deadline_is_flagged_overdue_once(market):
    # given a refund the gateway accepted, with a deadline of 7 days (e-wallet)
    refund = _approved(market)
    refund_submit(refund_id=refund.pk, now=T0 + 2 * DAY)
    SandboxOperation.objects.update(settles_at=T0 + 60 * DAY)  # the provider is stuck
    # when it is checked after its deadline, twice
    refund_check(refund_id=refund.pk, now=refund.arrive_by + DAY)
    refund_check(refund_id=refund.pk, now=refund.arrive_by + 2 * DAY)
    # then it is flagged for support once
    refund.refresh_from_db()
    assert refund.overdue_flagged_at == refund.arrive_by + DAY
    assert refund.order.timeline.filter(kind="RefundFlaggedOverdue").count() == 1


def test_r23_refund_check_deadline_queues_a_status_check(market):
    # given a refund being processed since T0+2d
    refund = _approved(market)
    refund_submit(refund_id=refund.pk, now=T0 + 2 * DAY)
    # when its daily check falls due
    assert deadlines_fire_due(now=T0 + 3 * DAY) == 1
    # then a status check task is queued for it (the gateway is asked outside the transaction)
    checks = DBTaskResult.objects.filter(task_path__endswith="refund_check_task")
    assert [t.args_kwargs["args"] for t in checks] == [[refund.pk, refund.order_id]]
