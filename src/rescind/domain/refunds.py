"""Refund decisions: how much, to where, by when, and how retries back off (R21-R23)."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from rescind.domain.calendar import BusinessCalendar
from rescind.domain.errors import DomainError, ErrorKind
from rescind.domain.events import Event, RefundCreated
from rescind.domain.facts import OrderFacts
from rescind.domain.money import Money
from rescind.domain.policy import Policy
from rescind.domain.retry import retry_delay

__all__ = ["retry_delay"]  # re-exported: refunds back off like every side effect


class PaymentMethod(StrEnum):
    BANK_CARD = "bank_card"
    E_WALLET = "e_wallet"
    BANK_TRANSFER = "bank_transfer"


def payment_method_parse(method: object) -> PaymentMethod:
    """One of the payment methods, or 422 unknown_payment_method with the allowed list."""
    try:
        return PaymentMethod(method)
    except ValueError:
        raise DomainError("unknown_payment_method", f"{method!r} is not a payment method.",
                          kind=ErrorKind.INVALID,
                          details={"allowed": [m.value for m in PaymentMethod]}) from None


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
        raise DomainError("order_not_paid", "An unpaid order has nothing to refund.")
    if amount.amount <= 0:
        raise DomainError("nothing_to_refund", "This order has been refunded in full already.",
                          details={"refunded": order.refunded.as_dict()})
    if order.refunded + amount > order.total:
        raise DomainError(
            "refund_exceeds_charge",
            f"Refunds would total more than the {order.total.format()} charged.",
            details={"charged": order.total.as_dict(), "refunded": order.refunded.as_dict(),
                     "requested": amount.as_dict()},
        )
    method = PaymentMethod(order.payment_method)
    return RefundCreated(
        amount=amount,
        method=method.value,
        arrive_by=refund_arrive_by(method, decided_at=now, policy=policy, calendar=calendar),
    )


def is_overdue(state: RefundState, arrive_by: datetime, now: datetime) -> bool:
    """R23: a refund that has not arrived by its method's deadline is overdue."""
    return state is not RefundState.SUCCEEDED and now > arrive_by


def refund_in_full(
    order: OrderFacts, *, now: datetime, policy: Policy, calendar: BusinessCalendar
) -> list[Event]:
    """R22: all the buyer paid and has not had back; nothing when a coupon covered it all."""
    if order.refundable.amount == 0:
        return []
    return [decide_full_refund(order, now=now, policy=policy, calendar=calendar)]
