"""After shipment: carrier events, "shipment canceled", reshipping, refunding, completing, the
promised delivery, and when a dispute may be opened (R15-R18)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from django.utils.translation import gettext_lazy as _

from rescind.domain.calendar import BusinessCalendar
from rescind.domain.errors import DomainError, ErrorKind, one_of
from rescind.domain.events import (
    NOTE_LIMIT,
    BuyerProtectionEnded,
    Event,
    OrderCompleted,
    ParcelDelivered,
    ParcelInTransit,
    PromisedDeliveryPassed,
    ShipmentCanceled,
    ShipmentCanceledDeclined,
    ShipmentCanceledRefunded,
    ShipmentReassigned,
)
from rescind.domain.facts import OrderFacts
from rescind.domain.policy import Policy
from rescind.domain.refunds import refund_in_full
from rescind.domain.states import OrderState, Transition, apply_transition


class CarrierEvent(StrEnum):
    IN_TRANSIT = "in_transit"
    DELIVERED = "delivered"
    TRACKING_INVALID = "tracking_invalid"  # the parcel was dropped (R16)


def carrier_event_parse(event: object) -> CarrierEvent:
    """R15: one of the tracking events, or 422 unknown_carrier_event with the allowed list."""
    return CarrierEvent(one_of([e.value for e in CarrierEvent], event,
                               code="unknown_carrier_event",
                               what=_("%(value)s is not a tracking event.")))


def decide_carrier_event(
    order: OrderFacts, *, event: CarrierEvent, location: str, now: datetime, policy: Policy
) -> list[Event]:
    """R15, R16: what a carrier's tracking event does to the order. A repeat of an event that
    already took effect does nothing (carriers resend)."""
    tracking = order.tracking_number or ""
    if order.state is not OrderState.AWAITING_DELIVERY:
        return []  # late or repeated news about a parcel the order has moved past
    if event is CarrierEvent.IN_TRANSIT:
        return [ParcelInTransit(tracking_number=tracking, location=location[:120])]
    if event is CarrierEvent.DELIVERED:
        if order.delivered_at is not None:
            return []
        return [ParcelDelivered(tracking_number=tracking,
                                complete_by=now + policy.r15_auto_complete_after_delivery)]
    return [ShipmentCanceled(tracking_number=tracking, cause="tracking_invalid",
                             reply_by=now + policy.r16_seller_reply_window)]


def decide_void_shipment(order: OrderFacts, *, now: datetime, policy: Policy) -> list[Event]:
    """R16: the seller voids the shipment; the order shows "shipment canceled"."""
    apply_transition(order.state, Transition.DROP_SHIPMENT)
    return [ShipmentCanceled(tracking_number=order.tracking_number or "",
                             cause="voided_by_seller",
                             reply_by=now + policy.r16_seller_reply_window)]


def tracking_checked(carrier: str, tracking_number: str) -> tuple[str, str]:
    carrier, tracking_number = carrier.strip(), tracking_number.strip()
    if not carrier or not tracking_number:
        raise DomainError("tracking_required", _("Shipping needs a carrier and a tracking number."),
                          kind=ErrorKind.INVALID)
    if len(carrier) > 64 or len(tracking_number) > 64:
        raise DomainError("tracking_too_long",
                          _("Carrier and tracking number may have at most 64 characters each."),
                          kind=ErrorKind.INVALID)
    return carrier, tracking_number


def decide_reship(order: OrderFacts, *, carrier: str, tracking_number: str, now: datetime,
                  policy: Policy) -> list[Event]:
    """R16, R17: the seller assigns a new tracking number; the order awaits delivery again, and
    the new parcel promises delivery afresh."""
    carrier, tracking_number = tracking_checked(carrier, tracking_number)
    apply_transition(order.state, Transition.RESHIP)
    if tracking_number == order.tracking_number:
        raise DomainError("same_tracking_number",
                          _("The new tracking number must differ from the canceled one."),
                          kind=ErrorKind.INVALID)
    return [ShipmentReassigned(carrier=carrier, tracking_number=tracking_number,
                               deliver_by=now + policy.r17_promised_delivery_after_shipping)]


def decide_refund_canceled_shipment(
    order: OrderFacts, *, now: datetime, policy: Policy, calendar: BusinessCalendar
) -> list[Event]:
    """R16: the seller refunds in full instead of reshipping; counted against the seller."""
    apply_transition(order.state, Transition.REFUND_CANCELED_SHIPMENT)
    return [ShipmentCanceledRefunded(),
            *refund_in_full(order, now=now, policy=policy, calendar=calendar)]


def decide_decline_canceled_shipment(order: OrderFacts, *, note: str) -> list[Event]:
    """R16: the seller refuses both; the buyer may open a dispute at once."""
    if order.state is not OrderState.SHIPMENT_CANCELED:
        raise DomainError("not_shipment_canceled", _("The shipment of this order is not canceled."),
                          details={"state": order.state.value})
    if not note.strip():
        raise DomainError("note_required", _("Tell the buyer why."), kind=ErrorKind.INVALID)
    return [ShipmentCanceledDeclined(note=note.strip()[:NOTE_LIMIT])]


def decide_confirm_receipt(order: OrderFacts, *, now: datetime, policy: Policy) -> list[Event]:
    """R15, R18: the buyer confirms they received the order; it completes, and buyer protection
    runs on for the policy interval."""
    apply_transition(order.state, Transition.COMPLETE)
    return [OrderCompleted(by="buyer_confirmed",
                           dispute_until=now + policy.r18_protection_after_completion)]


def decide_auto_complete(order: OrderFacts, *, now: datetime, policy: Policy) -> list[Event]:
    """R15, R18: delivered and quiet for the confirmation window, the order completes by itself;
    buyer protection runs on for the policy interval."""
    apply_transition(order.state, Transition.COMPLETE)
    if order.delivered_at is None or now < order.delivered_at + \
            policy.r15_auto_complete_after_delivery:
        raise DomainError("not_due", _("The confirmation window is still open."))
    return [OrderCompleted(by="auto_after_delivery",
                           dispute_until=now + policy.r18_protection_after_completion)]


def decide_promised_delivery_passed(order: OrderFacts, *, now: datetime) -> list[Event]:
    """R17: the promised delivery passed and no carrier said "delivered": the buyer may open a
    dispute for non-delivery now. Nothing to say once the parcel arrived or the order moved on."""
    if order.state is not OrderState.AWAITING_DELIVERY or order.delivered_at is not None \
            or order.deliver_by is None or now < order.deliver_by:
        raise DomainError("delivery_not_overdue", _("The parcel is not overdue."))
    return [PromisedDeliveryPassed(deliver_by=order.deliver_by)]


def decide_protection_end(order: OrderFacts, *, now: datetime) -> list[Event]:
    """R18: buyer protection of a completed order ran out; from now no dispute can be opened.
    Nothing to record if the order is no longer completed (a dispute was opened)."""
    if order.state is not OrderState.COMPLETED or order.dispute_until is None \
            or now < order.dispute_until:
        raise DomainError("protection_running", _("Buyer protection has not ended."))
    return [BuyerProtectionEnded(dispute_until=order.dispute_until)]


def can_request_dispute(order: OrderFacts, now: datetime) -> bool:
    """R16-R18: shipped orders may be disputed; a canceled shipment only once the seller let
    7 days pass or refused; a completed order while buyer protection lasts."""
    if order.state is OrderState.AWAITING_DELIVERY:
        return True
    if order.state is OrderState.COMPLETED:
        return order.dispute_until is not None and now < order.dispute_until
    return (order.state is OrderState.SHIPMENT_CANCELED and order.dispute_from is not None
            and now >= order.dispute_from)


def not_received_available_from(order: OrderFacts) -> datetime | None:
    """R17: from when a buyer whose parcel is on its way may dispute it as not received: the
    promised delivery, while no carrier said "delivered". None when nothing holds it back."""
    if order.state is OrderState.AWAITING_DELIVERY and order.delivered_at is None:
        return order.deliver_by
    return None
