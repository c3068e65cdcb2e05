"""A refund the payment provider refuses for good ends as failed with its reason; the buyer is
told what to do and renews the method (never another one); support retries it as a new ledger
row through the same guard; a refund not started within one working day is flagged (R21-R23).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.db import transaction
from django_tasks_db.models import DBTaskResult

from rescind.aftersale.services import cancellation_approve
from rescind.config import calendar, policy
from rescind.disputes.reads import support_queue
from rescind.domain.errors import DomainError
from rescind.domain.money import Money
from rescind.domain.refunds import decide_refund
from rescind.notifications.models import Notification
from rescind.orders.models import Deadline, Payment
from rescind.orders.recording import order_facts, order_lock
from rescind.refunds.models import Refund, SandboxFault, SandboxOperation
from rescind.refunds.recovery import refund_destination_update, refund_retry
from rescind.refunds.services import refund_open, refund_submit
from rescind.scheduler import deadlines_fire_due
from tests.conftest import DAY, T0
from tests.integration.test_notifications import _deliver_queued, smtp  # noqa: F401

DECIDED = T0 + 2 * DAY  # Wednesday 4 March 2026, 10:00 UTC
EXPIRED = "The card has expired, so the bank cannot take the refund."


def _approved(market, *, method="bank_card", instrument="expired_card"):
    order = market.requested(at=T0, method=method, instrument=instrument)
    cancellation_approve(order_id=order.pk, user=market.seller, now=DECIDED)
    return Refund.objects.get(order=order)


def _failed(market, **kwargs):
    refund = _approved(market, **kwargs)
    assert refund_submit(refund_id=refund.pk, now=DECIDED) == "failed"
    refund.refresh_from_db()
    return refund


def _retrier(market):
    market.support.user_permissions.add(Permission.objects.get(codename="retry_refund"))
    return type(market.support).objects.get(pk=market.support.pk)  # fresh permission cache


def _submit_tasks():
    return DBTaskResult.objects.filter(task_path__endswith="refund_submit_task")


@pytest.mark.parametrize(("method", "instrument", "code", "message"), [
    ("bank_card", "expired_card", "expired_card", EXPIRED),
    ("e_wallet", "closed_account", "account_closed",
     "The account has been closed, so it cannot take the refund."),
])
def test_r23_a_refund_refused_for_good_ends_as_failed_with_its_reason(market, method,
                                                                      instrument, code, message):
    # given an approved cancellation paid with a sandbox instrument that cannot take refunds
    refund = _approved(market, method=method, instrument=instrument)
    order = refund.order
    assert order.refunded == 2800
    # when the task submits the refund
    result = refund_submit(refund_id=refund.pk, now=DECIDED)
    # then it failed for good, once, with the provider's reason, and is not retried
    refund.refresh_from_db()
    order.refresh_from_db()
    assert result == "failed"
    assert (refund.state, refund.failure_code, refund.failure_message, refund.failed_at,
            refund.attempts) == ("failed", code, message, DECIDED, 1)
    assert [t.args_kwargs["args"] for t in _submit_tasks()] == [[refund.pk, order.pk]]  # the first
    assert SandboxOperation.objects.filter(kind="refund").count() == 0
    # and its amount left the order's refunds: the money did not go back
    assert order.refunded == 0
    entry = order.timeline.get(kind="RefundFailed")
    assert (entry.actor, entry.params) == ("platform", {
        "amount": {"amount": 2800, "currency": "USD"}, "method": method, "attempt": 1,
        "failure_code": code, "failure_message": message})
    # and a second delivery of the task changes nothing
    assert refund_submit(refund_id=refund.pk, now=DECIDED) == "skipped"
    assert order.timeline.filter(kind="RefundFailed").count() == 1


def test_r23_temporary_errors_are_still_retried_and_never_fail_the_refund(market):
    # given a gateway that fails the next refund call with a temporary error
    SandboxFault.objects.create(operation="refund", remaining=1)
    refund = _approved(market, instrument="")
    # when the task runs twice
    results = [refund_submit(refund_id=refund.pk, now=DECIDED) for _ in range(2)]
    # then the first attempt is retried, the second goes through
    refund.refresh_from_db()
    assert results == ["retry", "started"]
    assert (refund.state, refund.attempts, refund.failure_code) == ("processing", 2, "")


def test_r23_r24_the_buyer_is_told_the_reason_and_what_to_do(market, smtp):  # noqa: F811
    # given a refund that failed for good
    refund = _failed(market)
    # when the queued notifications are delivered
    _deliver_queued(DECIDED)
    # then the buyer has it in the inbox and by e-mail, with the reason and what to do
    title = (f"Your refund of $28.00 for order #{refund.order_id} could not be paid: "
             f"{EXPIRED}")
    inbox = Notification.objects.get(kind="RefundFailed")
    assert (inbox.user, inbox.title) == (market.buyer, title)
    assert inbox.body == ("Refunds can only go back to the bank card you paid with. Give its "
                          "renewed details (a new card, a reopened account) on the order page; "
                          "support then sends the refund again.")
    assert title in smtp.subjects_to("buyer@example.com")
    # and support sees it in its queue, waiting for a retry
    queue = support_queue(now=DECIDED)
    assert [(r["id"], r["failure_code"], r["destination_updated_at"], r["actions"])
            for r in queue["failed_refunds"]] == [(refund.pk, "expired_card", None, [])]


def test_r21_r23_the_buyer_renews_the_method_never_another_one(market):
    # given a refund that failed for good on an expired card
    refund = _failed(market)
    order_id = refund.order_id
    later = DECIDED + timedelta(hours=2)

    def update(method, instrument, user=market.buyer):
        with pytest.raises(DomainError) as refused:
            refund_destination_update(order_id=order_id, user=user, method=method,
                                      instrument=instrument, now=later)
        return refused.value.code

    # when the buyer tries another method, the same card, a wallet's test instrument, or a
    # malformed name, and the seller tries to do it for them: each is refused
    assert update("e_wallet", "my_wallet") == "refund_method_differs"
    assert update("bank_card", "expired_card") == "destination_unchanged"
    assert update("bank_card", "closed_account") == "instrument_not_for_method"
    assert update("bank_card", "Card 4242") == "bad_instrument"
    assert update("bank_card", "renewed_card", user=market.seller) == "not_your_action"
    # when the buyer gives the renewed card
    refund_destination_update(order_id=order_id, user=market.buyer, method="bank_card",
                              instrument="renewed_card", now=later)
    # then refunds go to it, on the timeline, and support is told
    payment = Payment.objects.get(checkout__orders=order_id)
    assert (payment.method, payment.instrument, payment.instrument_updated_at) == (
        "bank_card", "renewed_card", later)
    entry = refund.order.timeline.get(kind="RefundDestinationUpdated")
    assert (entry.actor, entry.actor_user_id, entry.params) == (
        "buyer", market.buyer.pk, {"method": "bank_card"})
    queue = support_queue(now=later)
    assert [r["destination_updated_at"] for r in queue["failed_refunds"]] == [later]


def test_r23_the_buyer_cannot_renew_the_method_while_no_refund_failed(market):
    # given a refund on its way to a working card
    refund = _approved(market, instrument="")
    # when the buyer gives another card, then it is refused: nothing failed
    with pytest.raises(DomainError) as refused:
        refund_destination_update(order_id=refund.order_id, user=market.buyer,
                                  method="bank_card", instrument="other_card", now=DECIDED)
    assert refused.value.code == "no_failed_refund"
    assert Payment.objects.get(checkout__orders=refund.order_id).instrument == ""


def test_r22_r23_support_retries_a_failed_refund_as_a_new_ledger_row(market):
    # given a failed refund whose buyer renewed the card, and support allowed to retry
    failed = _failed(market)
    refund_destination_update(order_id=failed.order_id, user=market.buyer, method="bank_card",
                              instrument="renewed_card", now=DECIDED + DAY)
    support = _retrier(market)
    # when support retries it
    retry = refund_retry(refund_id=failed.pk, user=support, now=DECIDED + 2 * DAY)
    # then a new refund of the same amount goes to the renewed card, linked to the failed one,
    # which stays on the ledger as it was
    failed.refresh_from_db()
    order = failed.order
    order.refresh_from_db()
    assert (retry.retry_of_id, retry.amount, retry.method, retry.instrument, retry.state) == (
        failed.pk, 2800, "bank_card", "renewed_card", "pending")
    assert (failed.state, failed.failure_code) == ("failed", "expired_card")
    assert order.refunded == 2800
    assert retry.arrive_by == calendar().add_working_days(DECIDED + 2 * DAY, 15)
    entry = order.timeline.get(kind="RefundRetried")
    assert (entry.actor, entry.actor_user_id, entry.params["retry_of"]) == (
        "support", support.pk, failed.pk)
    assert [t.args_kwargs["args"] for t in _submit_tasks()] == [[failed.pk, order.pk],
                                                              [retry.pk, order.pk]]
    # and the usual task sends it, this time to an instrument that takes it
    assert refund_submit(refund_id=retry.pk, now=DECIDED + 2 * DAY) == "started"
    operation = SandboxOperation.objects.get(kind="refund")
    assert (operation.key, operation.amount) == (str(retry.idempotency_key), 2800)


def test_r23_a_failed_refund_is_retried_once_and_only_a_failed_one(market):
    # given a failed refund retried once by support
    failed = _failed(market)
    support = _retrier(market)
    retry = refund_retry(refund_id=failed.pk, user=support, now=DECIDED + DAY)

    def refused(refund_id, user=support):
        with pytest.raises(DomainError) as error:
            refund_retry(refund_id=refund_id, user=user, now=DECIDED + DAY)
        return error.value.code, error.value.details

    # when it is retried again, or its retry (pending) is, then each is refused
    assert refused(failed.pk) == ("refund_already_retried", {"retry_id": retry.pk})
    assert refused(retry.pk) == ("refund_not_failed", {"state": "pending"})
    # and nobody but staff with the permission may retry
    assert refused(failed.pk, market.buyer)[0] == "not_your_action"
    other_staff = type(market.support).objects.create_user("staff2", password="pw",
                                                           is_staff=True)
    assert refused(failed.pk, other_staff)[0] == "retry_permission_required"
    assert refused(10**9)[0] == "refund_not_found"
    assert Refund.objects.filter(order=failed.order).count() == 2


def test_r22_a_retry_is_refused_when_it_would_exceed_the_charge(market):
    # given a failed refund, and meanwhile another refund of the whole charge was decided
    failed = _failed(market)
    with transaction.atomic():
        order = order_lock(failed.order_id)
        other = decide_refund(order_facts(order), amount=Money(2800, "USD"), now=DECIDED,
                              policy=policy(), calendar=calendar())
        refund_open(order, other, cause="test", now=DECIDED)
    # when support retries the failed one, then the charge guard refuses it
    with pytest.raises(DomainError) as refused:
        refund_retry(refund_id=failed.pk, user=_retrier(market), now=DECIDED + DAY)
    assert refused.value.code == "refund_exceeds_charge"
    assert Refund.objects.filter(order_id=failed.order_id).count() == 2
    assert not failed.order.timeline.filter(kind="RefundRetried").exists()


def test_r23_a_failed_retry_fails_again_and_can_be_retried_again(market):
    # given a failed refund retried without the buyer renewing the card
    failed = _failed(market)
    support = _retrier(market)
    retry = refund_retry(refund_id=failed.pk, user=support, now=DECIDED + DAY)
    # when the retry is sent, it fails too; support may retry that one
    assert refund_submit(refund_id=retry.pk, now=DECIDED + DAY) == "failed"
    third = refund_retry(refund_id=retry.pk, user=support, now=DECIDED + 2 * DAY)
    # then every attempt is on the ledger, linked, and only the last counts as refunded
    rows = Refund.objects.filter(order_id=failed.order_id).order_by("pk")
    assert [(r.pk, r.state, r.retry_of_id) for r in rows] == [
        (failed.pk, "failed", None), (retry.pk, "failed", failed.pk),
        (third.pk, "pending", retry.pk)]
    failed.order.refresh_from_db()
    assert failed.order.refunded == 2800


def test_r23_a_refund_not_started_within_one_working_day_is_flagged_once(market):
    # given a refund decided on Wednesday 10:00 that the provider keeps refusing for now
    SandboxFault.objects.create(operation="refund", remaining=100)
    refund = _approved(market, instrument="")
    assert refund.start_by == DECIDED + DAY  # Thursday 10:00: one working day later
    assert refund_submit(refund_id=refund.pk, now=DECIDED) == "retry"
    # when the worker fires the deadlines due just before, then at, and after its start_by
    deadlines_fire_due(now=refund.start_by - timedelta(seconds=1))
    refund.refresh_from_db()
    assert refund.start_overdue_flagged_at is None
    deadlines_fire_due(now=refund.start_by)
    deadlines_fire_due(now=refund.start_by + DAY)
    # then it was flagged for support once, at its start_by, and support sees it
    refund.refresh_from_db()
    assert (refund.state, refund.start_overdue_flagged_at) == ("pending", refund.start_by)
    entries = refund.order.timeline.filter(kind="RefundFlaggedNotStarted")
    assert [(e.actor, e.params["start_by"]) for e in entries] == [
        ("platform", refund.start_by.isoformat())]
    queue = support_queue(now=refund.start_by)
    assert [(r["id"], r["not_started"], r["start_overdue_flagged_at"])
            for r in queue["overdue_refunds"]] == [(refund.pk, True, refund.start_by)]


def test_r23_a_refund_started_in_time_is_never_flagged_not_started(market):
    # given a refund the provider accepted the day it was decided
    refund = _approved(market, instrument="")
    assert refund_submit(refund_id=refund.pk, now=DECIDED) == "started"
    # when its start_by passes
    deadlines_fire_due(now=refund.start_by + DAY)
    # then its start deadline was voided when it started, and nothing was flagged
    refund.refresh_from_db()
    start = Deadline.objects.get(kind="refund_start", subject_id=refund.pk)
    assert (start.fired_at, start.voided_at) == (None, DECIDED)
    assert refund.start_overdue_flagged_at is None
    assert support_queue(now=refund.start_by + DAY)["overdue_refunds"] == []


def test_r20_r23_a_disputes_payout_follows_its_retry(market):
    # given a dispute the seller accepted, paid out to a card that has expired
    from rescind.aftersale.services import order_ship
    from rescind.disputes.models import Dispute
    from rescind.disputes.services import dispute_accept, dispute_open

    order = market.paid(at=T0, instrument="expired_card")
    order_ship(order_id=order.pk, user=market.seller, carrier="Cainiao", tracking_number="LP1",
               now=T0 + DAY)
    dispute_open(order_id=order.pk, user=market.buyer, reason="damaged", claim=None,
                 return_item=False, description="", evidence=[], now=DECIDED)
    dispute_accept(order_id=order.pk, user=market.seller, now=DECIDED)
    failed = Refund.objects.get(order=order)
    assert refund_submit(refund_id=failed.pk, now=DECIDED) == "failed"
    assert Dispute.objects.get(order=order).refund_row_id == failed.pk
    # when support retries it
    retry = refund_retry(refund_id=failed.pk, user=_retrier(market), now=DECIDED + DAY)
    # then the dispute's payout is the retry
    assert Dispute.objects.get(order=order).refund_row_id == retry.pk
