"""Refund decisions: how much, to where, by when, and how retries back off (R21-R23)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from django.utils.translation import gettext_lazy as _

from rescind.domain.calendar import BusinessCalendar
from rescind.domain.errors import DomainError, ErrorKind, one_of
from rescind.domain.events import (
    Event,
    RefundAttemptFailed,
    RefundCreated,
    RefundDestinationUpdated,
    RefundFailed,
    RefundRetried,
)
from rescind.domain.facts import OrderFacts
from rescind.domain.money import Money
from rescind.domain.policy import Policy
from rescind.domain.retry import retry_delay

__all__ = ["retry_delay"]  # re-exported: refunds back off like every side effect


class PaymentMethod(StrEnum):
    BANK_CARD = "bank_card"
    E_WALLET = "e_wallet"
    BANK_TRANSFER = "bank_transfer"


# R23: a refund goes back to the method paid with; one whole sentence per method (its noun's
# gender changes the words around it in other languages).
METHOD_DIFFERS = {
    PaymentMethod.BANK_CARD: _("Refunds go back to the bank card you paid with; give a renewed "
                               "bank card."),
    PaymentMethod.E_WALLET: _("Refunds go back to the e wallet you paid with; give a renewed "
                              "e wallet."),
    PaymentMethod.BANK_TRANSFER: _("Refunds go back to the bank transfer you paid with; give a "
                                   "renewed bank transfer."),
}


def payment_method_parse(method: object) -> PaymentMethod:
    """One of the payment methods, or 422 unknown_payment_method with the allowed list."""
    return PaymentMethod(one_of([m.value for m in PaymentMethod], method,
                                code="unknown_payment_method",
                                what=_("%(value)s is not a payment method.")))


class RefundState(StrEnum):
    PENDING = "pending"  # decided, not yet sent to the gateway
    PROCESSING = "processing"  # accepted by the gateway, money on its way
    SUCCEEDED = "succeeded"  # arrived
    FAILED = "failed"  # the gateway refused it for good; support must act


def refund_arrive_by(
    method: PaymentMethod, *, decided_at: datetime, policy: Policy, calendar: BusinessCalendar
) -> datetime:
    """R23: the latest instant the money may reach the buyer, by payment method."""
    if method is PaymentMethod.E_WALLET:
        return decided_at + timedelta(days=policy.r23_ewallet_refund_days)
    days = (
        policy.r23_bank_card_refund_working_days
        if method is PaymentMethod.BANK_CARD
        else policy.r23_bank_transfer_refund_working_days
    )
    return calendar.add_working_days(decided_at, days)


def refund_start_by(
    *, decided_at: datetime, policy: Policy, calendar: BusinessCalendar
) -> datetime:
    """R23: a refund is started within one working day of the decision."""
    return calendar.add_working_days(decided_at, policy.r23_refund_start_working_days)


def decide_full_refund(
    order: OrderFacts, *, now: datetime, policy: Policy, calendar: BusinessCalendar
) -> RefundCreated:
    """R21, R22: a cancelled paid order refunds all it has not refunded yet, to the method it was
    paid with. Never more than was charged."""
    return decide_refund(order, amount=order.refundable, now=now, policy=policy, calendar=calendar)


def decide_refund(
    order: OrderFacts, *, amount: Money, now: datetime, policy: Policy, calendar: BusinessCalendar
) -> RefundCreated:
    """R22: a refund of `amount`, refused if the order's refunds would exceed what was charged."""
    if order.paid_at is None:
        raise DomainError("order_not_paid", _("An unpaid order has nothing to refund."))
    if amount.amount <= 0:
        raise DomainError("nothing_to_refund", _("This order has been refunded in full already."),
                          details={"refunded": order.refunded.as_dict()})
    if order.refunded + amount > order.total:
        raise DomainError(
            "refund_exceeds_charge",
            _("Refunds would total more than the %(total)s charged."),
            params={"total": order.total},
            details={"charged": order.total.as_dict(), "refunded": order.refunded.as_dict(),
                     "requested": amount.as_dict()},
        )
    method = PaymentMethod(order.payment_method)
    return RefundCreated(
        amount=amount,
        method=method.value,
        arrive_by=refund_arrive_by(method, decided_at=now, policy=policy, calendar=calendar),
    )


TYPICAL_FASTEST_ARRIVAL = timedelta(days=1)  # R23: "typically 1-10 days"


def refund_expected_from(*, started_at: datetime | None, start_by: datetime,
                         arrive_by: datetime) -> datetime:
    """R23: the earliest a refund is expected, so the buyer sees a range up to `arrive_by`: a
    day after the provider accepted it, or after it is due to be sent if it is not yet."""
    return min((started_at or start_by) + TYPICAL_FASTEST_ARRIVAL, arrive_by)


def is_overdue(state: RefundState, arrive_by: datetime, now: datetime) -> bool:
    """R23: a refund on its way that has not arrived by its method's deadline is overdue. A
    failed one is not on its way: it waits for support (see `decide_refund_retry`)."""
    return state in (RefundState.PENDING, RefundState.PROCESSING) and now > arrive_by


def is_start_overdue(state: RefundState, start_by: datetime, now: datetime) -> bool:
    """R23: a refund the payment provider has not accepted by one working day after the
    decision started late."""
    return state is RefundState.PENDING and now >= start_by


def decide_attempt_failure(
    *, attempt: int, amount: Money, method: str, retryable: bool, code: str, error: str,
    now: datetime,
) -> RefundAttemptFailed | RefundFailed:
    """R23: the provider refused attempt number `attempt`. A temporary error is retried with
    backoff; a permanent one (expired card, closed account) ends the refund as failed, with
    the provider's reason."""
    if retryable:
        return RefundAttemptFailed(attempt=attempt, error=error[:300],
                                   retry_at=now + retry_delay(attempt))
    return RefundFailed(amount=amount, method=method, attempt=attempt, failure_code=code,
                        failure_message=error[:300])


@dataclass(frozen=True, slots=True)
class RefundFacts:
    id: int
    state: RefundState
    amount: Money
    retried_by: int | None  # the ledger row that retries this one, if any


def decide_refund_retry(
    order: OrderFacts, refund: RefundFacts, *, now: datetime, policy: Policy,
    calendar: BusinessCalendar,
) -> RefundRetried:
    """R22, R23: support sends a failed refund again, once, for the same amount, through the
    same guard as any refund; its deadlines run from the retry."""
    if refund.state is not RefundState.FAILED:
        raise DomainError("refund_not_failed",
                          _("Only a failed refund can be retried; this one is %(state)s."),
                          params={"state": refund.state},
                          details={"state": refund.state.value})
    if refund.retried_by is not None:
        raise DomainError("refund_already_retried",
                          _("This refund was retried already, as refund #%(retried_by)s."),
                          params={"retried_by": refund.retried_by},
                          details={"retry_id": refund.retried_by})
    created = decide_refund(order, amount=refund.amount, now=now, policy=policy,
                            calendar=calendar)
    return RefundRetried(amount=created.amount, method=created.method, retry_of=refund.id,
                         arrive_by=created.arrive_by)


INSTRUMENT_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")


def instrument_checked(instrument: str) -> str:
    """A payment instrument's name at the provider (a token; in the sandbox a test name)."""
    if not INSTRUMENT_PATTERN.fullmatch(instrument):
        raise DomainError("bad_instrument", _("Give the payment instrument as its name at the "
                            "payment provider: 1 to 40 lower-case letters, digits, _ or -."),
                          kind=ErrorKind.INVALID)
    return instrument


def decide_destination_update(
    *, payment_method: str, method: str, instrument: str, current_instrument: str,
    awaiting_retry: bool,
) -> RefundDestinationUpdated:
    """R21, R23: after a refund failed for good, the buyer gives a renewed instrument of the
    method they paid with (a new card, a reopened wallet); never another method."""
    if method != payment_method:
        raise DomainError(
            "refund_method_differs", METHOD_DIFFERS[PaymentMethod(payment_method)],
            kind=ErrorKind.INVALID, details={"method": payment_method})
    if not awaiting_retry:
        raise DomainError("no_failed_refund",
                          _("No refund of this order has failed, so there is nothing to update."))
    if instrument == current_instrument:
        raise DomainError("destination_unchanged",
                          _("That is the payment method the refund failed on; give the renewed "
                            "one."), kind=ErrorKind.INVALID)
    return RefundDestinationUpdated(method=method)


def refund_in_full(
    order: OrderFacts, *, now: datetime, policy: Policy, calendar: BusinessCalendar
) -> list[Event]:
    """R22: all the buyer paid and has not had back; nothing when a coupon covered it all."""
    if order.refundable.amount == 0:
        return []
    return [decide_full_refund(order, now=now, policy=policy, calendar=calendar)]
