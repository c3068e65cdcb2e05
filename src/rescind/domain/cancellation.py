"""Cancellation after payment: request, seller decision, silence, withdrawal, shipping and the
handling-time expiry, all on one order (R7-R12, R14)."""

from __future__ import annotations

from datetime import datetime

from django.utils.translation import gettext_lazy as _

from rescind.domain.calendar import BusinessCalendar
from rescind.domain.errors import DomainError, ErrorKind
from rescind.domain.events import (
    NOTE_LIMIT,
    CancellationApproved,
    CancellationAutoApproved,
    CancellationRefused,
    CancellationRefusedByShipment,
    CancellationRequested,
    CancellationWithdrawn,
    ChangeRefusedByShipment,
    ChangeSuperseded,
    Event,
    OrderNotShippedInTime,
    OrderShipped,
    SupplierReported,
)
from rescind.domain.facts import OrderFacts, RequestFacts
from rescind.domain.policy import Policy
from rescind.domain.refunds import refund_in_full
from rescind.domain.refusals import (
    LEGACY_REFUSAL_REASON,
    NOTE_REQUIRED_FOR,
    refusal_reason_parse,
)
from rescind.domain.shipping import tracking_checked
from rescind.domain.states import OrderState, Transition, apply_transition


def cancel_available_from(order: OrderFacts, policy: Policy) -> datetime | None:
    """R7: the buyer's cancel action appears 24 h after payment."""
    return order.paid_at + policy.r7_cancel_available_after if order.paid_at else None


def decide_request_cancellation(
    order: OrderFacts, *, reason: str, report_supplier: bool, now: datetime, policy: Policy
) -> list[Event]:
    """R7-R9: the buyer asks to cancel a paid order, with a reason and the report question."""
    if order.state is OrderState.AWAITING_PAYMENT:
        raise DomainError("order_not_paid",
                          _("An unpaid order is cancelled at once; no request is needed."))
    if order.state is not OrderState.AWAITING_SHIPMENT:
        raise DomainError(
            "cancellation_not_available",
            _("Once an order has shipped it cannot be cancelled: message the seller or open a "
              "dispute instead.") if order.state is not OrderState.CLOSED
            else _("This order is closed already."),
            details={"state": order.state.value},
        )
    if order.pending_request is not None:
        raise DomainError(
            "request_already_pending",
            _("A cancellation request for this order is already waiting for the seller."))
    available_from = cancel_available_from(order, policy)
    if available_from is None or now < available_from:
        raise DomainError(
            "cancel_not_yet_available",
            _("You can request cancellation 24 hours after payment."),
            details={"available_from": available_from.isoformat() if available_from else None},
        )
    chosen = policy.reason(reason)
    events: list[Event] = [
        CancellationRequested(
            reason=chosen.code,
            side=chosen.side,
            report_supplier=report_supplier,
            respond_by=now + policy.r10_seller_response_window,
        )
    ]
    if report_supplier:
        events.append(SupplierReported(reason=chosen.code))
    if order.pending_change is not None:  # R7 stays available: cancelling ends a change (R13)
        events.append(ChangeSuperseded())
    return events


def _pending(order: OrderFacts) -> RequestFacts:
    apply_transition(order.state, Transition.APPROVE_CANCELLATION)
    if order.pending_request is None:
        raise DomainError("no_pending_request", _("There is no cancellation request waiting."))
    return order.pending_request


def decide_approve_cancellation(
    order: OrderFacts, *, note: str, now: datetime, policy: Policy, calendar: BusinessCalendar
) -> list[Event]:
    """R10: the seller approves; the order closes and the buyer is refunded in full (R22)."""
    request = _pending(order)
    return [
        CancellationApproved(reason=request.reason, side=request.side, note=note[:NOTE_LIMIT]),
        *refund_in_full(order, now=now, policy=policy, calendar=calendar),
    ]


def decide_refuse_cancellation(order: OrderFacts, *, note: str,
                               reason_code: str = LEGACY_REFUSAL_REASON) -> list[Event]:
    """R11: the seller refuses with a reason code of the fixed list; the order keeps awaiting
    shipment. The note is optional, except for "other", where it is the reason."""
    reason_code = refusal_reason_parse(reason_code)
    _pending(order)
    if reason_code in NOTE_REQUIRED_FOR and not note.strip():
        raise DomainError("note_required", _("Tell the buyer why you refuse the request."),
                          kind=ErrorKind.INVALID)
    return [CancellationRefused(note=note.strip()[:NOTE_LIMIT], reason_code=reason_code)]


def decide_withdraw_cancellation(order: OrderFacts) -> list[Event]:
    """The buyer takes back a pending request; the order keeps awaiting shipment."""
    _pending(order)
    return [CancellationWithdrawn()]


def decide_auto_approve(
    order: OrderFacts, *, now: datetime, policy: Policy, calendar: BusinessCalendar
) -> list[Event]:
    """R10: the seller stayed silent past the response window; the platform approves."""
    request = _pending(order)
    if now < request.respond_by:
        raise DomainError("not_due", _("The seller's response window is still open."),
                          details={"respond_by": request.respond_by.isoformat()})
    return [
        CancellationAutoApproved(reason=request.reason, side=request.side,
                                 respond_by=request.respond_by),
        *refund_in_full(order, now=now, policy=policy, calendar=calendar),
    ]


def decide_ship(order: OrderFacts, *, carrier: str, tracking_number: str, now: datetime,
                policy: Policy) -> list[Event]:
    """R14, R15, R17: shipping wins over a pending cancellation or change request (R13), which
    it refuses on the timeline; the shipment promises delivery by a policy interval."""
    carrier, tracking_number = tracking_checked(carrier, tracking_number)
    apply_transition(order.state, Transition.SHIP)
    events: list[Event] = []
    if order.pending_request is not None:
        events.append(CancellationRefusedByShipment())
    if order.pending_change is not None:
        events.append(ChangeRefusedByShipment())
    events.append(OrderShipped(carrier=carrier, tracking_number=tracking_number,
                               deliver_by=now + policy.r17_promised_delivery_after_shipping))
    return events


def decide_handling_timeout(
    order: OrderFacts, *, now: datetime, policy: Policy, calendar: BusinessCalendar
) -> list[Event]:
    """R12: not shipped within the handling time, the order closes with a full refund, counted
    against the seller."""
    apply_transition(order.state, Transition.CLOSE_NOT_SHIPPED)
    if order.ship_by is None or now < order.ship_by:
        raise DomainError("not_due", _("The handling time has not passed yet."))
    return [
        OrderNotShippedInTime(ship_by=order.ship_by),
        *refund_in_full(order, now=now, policy=policy, calendar=calendar),
    ]
