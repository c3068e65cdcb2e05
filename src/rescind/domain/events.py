"""What happened to an order, as frozen past-tense facts. Each becomes one timeline entry (R29).

An event whose class names a `transition` moves the order through the lifecycle table.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from enum import Enum
from typing import Any, ClassVar

from rescind.domain.money import Money
from rescind.domain.policy import Side
from rescind.domain.states import Transition

NOTE_LIMIT = 1000  # characters kept of any free-text note on an event


@dataclass(frozen=True, slots=True)
class Event:
    transition: ClassVar[Transition | None] = None
    # The side a closing event is attributed to (R8, R12, R30); None when it closes nothing.
    responsible_side: ClassVar[Side | None] = None

    @property
    def kind(self) -> str:
        return type(self).__name__

    def params(self) -> dict[str, Any]:
        """The event's fields in JSON form, for the timeline and webhooks."""
        return {f.name: _jsonable(getattr(self, f.name)) for f in fields(self)}


def _jsonable(value: Any) -> Any:
    if isinstance(value, Money):
        return value.as_dict()
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    return value


# Checkout and payment (R1, R4-R6)
@dataclass(frozen=True, slots=True)
class OrderPlaced(Event):
    total: Money
    pay_by: datetime


@dataclass(frozen=True, slots=True)
class OrderPaid(Event):
    transition = Transition.PAY
    amount: Money
    method: str
    ship_by: datetime
    cancel_available_from: datetime


@dataclass(frozen=True, slots=True)
class UnpaidOrderCancelled(Event):
    """R4: no penalty to anyone, so no responsible side."""

    transition = Transition.CANCEL_UNPAID


@dataclass(frozen=True, slots=True)
class UnpaidOrderTimedOut(Event):
    """R6: nobody is penalised for an unpaid order."""

    transition = Transition.CLOSE_UNPAID_TIMEOUT


@dataclass(frozen=True, slots=True)
class PriceLowered(Event):
    old_total: Money
    new_total: Money
    note: str


# Cancellation after payment (R7-R12, R14)
@dataclass(frozen=True, slots=True)
class CancellationRequested(Event):
    reason: str
    side: Side
    report_supplier: bool
    respond_by: datetime


@dataclass(frozen=True, slots=True)
class SupplierReported(Event):
    reason: str


@dataclass(frozen=True, slots=True)
class CancellationApproved(Event):
    transition = Transition.APPROVE_CANCELLATION
    reason: str
    side: Side
    note: str

    @property
    def responsible(self) -> Side:
        return self.side


@dataclass(frozen=True, slots=True)
class CancellationAutoApproved(Event):
    transition = Transition.APPROVE_CANCELLATION
    reason: str
    side: Side
    respond_by: datetime

    @property
    def responsible(self) -> Side:
        return self.side


@dataclass(frozen=True, slots=True)
class CancellationRefused(Event):
    note: str
    reason_code: str = "other"  # R11: a code of domain/refusals.py; "other" before codes


@dataclass(frozen=True, slots=True)
class CancellationWithdrawn(Event):
    pass


@dataclass(frozen=True, slots=True)
class CancellationRefusedByShipment(Event):
    """R14: shipping while a request is pending refuses the request, and says so."""


@dataclass(frozen=True, slots=True)
class OrderShipped(Event):
    transition = Transition.SHIP
    carrier: str
    tracking_number: str
    deliver_by: datetime  # R17: the promised delivery


@dataclass(frozen=True, slots=True)
class OrderNotShippedInTime(Event):
    transition = Transition.CLOSE_NOT_SHIPPED
    responsible_side = Side.SELLER
    ship_by: datetime


@dataclass(frozen=True, slots=True)
class SellerReminded(Event):
    """R27: the platform will act by itself at `due_at` unless the seller acts first."""

    about: str  # the deadline: one of domain.reminders.REMINDED with the seller to act
    due_at: datetime


@dataclass(frozen=True, slots=True)
class BuyerReminded(Event):
    """R27: a deadline that is the buyer's to meet passes at `due_at` (the unpaid order closes,
    the extra charge lapses, buyer protection ends)."""

    about: str  # one of domain.reminders.REMINDED with the buyer to act
    due_at: datetime


# Shipment (R15-R17)
@dataclass(frozen=True, slots=True)
class ParcelInTransit(Event):
    tracking_number: str
    location: str


@dataclass(frozen=True, slots=True)
class ParcelDelivered(Event):
    tracking_number: str
    complete_by: datetime


@dataclass(frozen=True, slots=True)
class ShipmentCanceled(Event):
    """R16: the carrier dropped the parcel or the seller voided the shipment: seller's fault."""

    transition = Transition.DROP_SHIPMENT
    tracking_number: str
    cause: str  # tracking_invalid | voided_by_seller | canceled_by_platform (support)
    reply_by: datetime
    note: str = ""  # support's reason when it cancels on the seller's behalf


@dataclass(frozen=True, slots=True)
class ShipmentReassigned(Event):
    transition = Transition.RESHIP
    carrier: str
    tracking_number: str
    deliver_by: datetime  # R17: the new parcel's promised delivery


@dataclass(frozen=True, slots=True)
class ShipmentCanceledRefunded(Event):
    transition = Transition.REFUND_CANCELED_SHIPMENT
    responsible_side = Side.SELLER


@dataclass(frozen=True, slots=True)
class ShipmentCanceledDeclined(Event):
    """R16: the seller will neither reship nor refund; the buyer may open a dispute now."""

    note: str


@dataclass(frozen=True, slots=True)
class ShipmentCanceledUnanswered(Event):
    """R16: the seller did not answer within 7 days; the buyer may open a dispute."""


@dataclass(frozen=True, slots=True)
class OrderCompleted(Event):
    transition = Transition.COMPLETE
    by: str  # buyer_confirmed | auto_after_delivery
    dispute_until: datetime  # R18: buyer protection lasts until then


@dataclass(frozen=True, slots=True)
class PromisedDeliveryPassed(Event):
    """R17: the promised delivery passed with no delivery event; the buyer may now open a
    dispute for non-delivery."""

    deliver_by: datetime


@dataclass(frozen=True, slots=True)
class BuyerProtectionEnded(Event):
    """R18: buyer protection of the completed order ended; no dispute can be opened now."""

    dispute_until: datetime


@dataclass(frozen=True, slots=True)
class DisputeRequested(Event):
    """R16, R17: the buyer asked to open a dispute; kept for the dispute team."""

    reason: str


# Refunds (R21-R23)
@dataclass(frozen=True, slots=True)
class RefundCreated(Event):
    amount: Money
    method: str
    arrive_by: datetime


@dataclass(frozen=True, slots=True)
class RefundStarted(Event):
    amount: Money
    method: str
    gateway_reference: str


@dataclass(frozen=True, slots=True)
class RefundAttemptFailed(Event):
    attempt: int
    error: str
    retry_at: datetime


@dataclass(frozen=True, slots=True)
class RefundArrived(Event):
    amount: Money
    method: str


@dataclass(frozen=True, slots=True)
class RefundFlaggedOverdue(Event):
    amount: Money
    arrive_by: datetime


@dataclass(frozen=True, slots=True)
class RefundFlaggedNotStarted(Event):
    """R23: still not accepted by the payment provider one working day after the decision."""

    amount: Money
    start_by: datetime


@dataclass(frozen=True, slots=True)
class RefundFailed(Event):
    """R23: the provider refused the refund for good; the money did not go back."""

    amount: Money
    method: str
    attempt: int
    failure_code: str
    failure_message: str


@dataclass(frozen=True, slots=True)
class RefundDestinationUpdated(Event):
    """R21, R23: the buyer gave a renewed instrument of the same method for refunds."""

    method: str


@dataclass(frozen=True, slots=True)
class RefundRetried(Event):
    """R23: support sends a failed refund again, as a new ledger row `retry_of` the failed one."""

    amount: Money
    method: str
    retry_of: int
    arrive_by: datetime


# Coupons (R25, R26)
@dataclass(frozen=True, slots=True)
class CouponReturned(Event):
    code: str
    coupon_kind: str


@dataclass(frozen=True, slots=True)
class CouponNotReturned(Event):
    code: str
    coupon_kind: str
    reason: str


# The order's conversation (R6, R11, R16, R17): one kind per author, so that the audience table
# tells the other side (R27).
@dataclass(frozen=True, slots=True)
class BuyerMessaged(Event):
    message_id: int
    attachments: int


@dataclass(frozen=True, slots=True)
class SellerMessaged(Event):
    message_id: int
    attachments: int


# Change instead of cancel (R13, R14): the order stays paid while the seller decides.
@dataclass(frozen=True, slots=True)
class ChangeRequested(Event):
    lines: tuple[dict[str, Any], ...]  # each {"line": n, "before": {...}, "after": {...}}
    delivery: dict[str, str] | None  # new delivery details, if asked for
    price_before: Money
    price_after: Money
    difference: Money  # above zero an extra charge, below zero a partial refund (R3)
    respond_by: datetime


@dataclass(frozen=True, slots=True)
class ChangeAccepted(Event):
    note: str
    extra_charge: Money  # zero unless the change costs more
    confirm_by: datetime | None  # by when the buyer confirms the extra charge, if any


@dataclass(frozen=True, slots=True)
class ChangeRefused(Event):
    """R13: the order stays as it was; the buyer can still cancel it and order again."""

    note: str


@dataclass(frozen=True, slots=True)
class ChangeAutoRefused(Event):
    """R13: the seller did not answer in time; the buyer can still cancel and order again."""

    respond_by: datetime
    cancel_available_from: datetime | None


@dataclass(frozen=True, slots=True)
class ChangeWithdrawn(Event):
    pass


@dataclass(frozen=True, slots=True)
class ChangeSuperseded(Event):
    """R7, R13: the buyer asked to cancel instead, which ends the change request."""


@dataclass(frozen=True, slots=True)
class ChangeRefusedByShipment(Event):
    """R14: shipping while a change request is open refuses it, and says so."""


@dataclass(frozen=True, slots=True)
class ExtraChargeDeclined(Event):
    """R13: the buyer would not pay more; the order stays as it was."""


@dataclass(frozen=True, slots=True)
class ExtraChargeLapsed(Event):
    """R13: the buyer did not confirm the extra charge in time; the order stays as it was."""

    confirm_by: datetime


@dataclass(frozen=True, slots=True)
class ExtraCharged(Event):
    """R13, R21: the extra charge was captured from the order's payment method."""

    amount: Money
    method: str
    gateway_reference: str


@dataclass(frozen=True, slots=True)
class ChangeApplied(Event):
    """R13: the order's lines, total and delivery details are now the changed ones."""

    price_before: Money
    price_after: Money


def responsible_side_of(event: Event) -> Side | None:
    """The side a closing event counts against: fixed per class, or the reason's side (R8)."""
    return getattr(event, "responsible", None) or event.responsible_side
