"""After shipment, one service per use case: carrier events, "shipment canceled", reshipping,
refunding, declining, completing, the promised delivery, the end of buyer protection, and
asking for a dispute (R15-R18)."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from rescind.accounts.parties import PLATFORM, Actor, require_party, require_support_permission
from rescind.config import calendar, policy
from rescind.domain.actions import Party
from rescind.domain.errors import DomainError, ErrorKind
from rescind.domain.events import (
    Event,
    OrderCompleted,
    ParcelDelivered,
    ShipmentCanceled,
    ShipmentCanceledUnanswered,
)
from rescind.domain.shipping import (
    CarrierEvent,
    carrier_event_parse,
    decide_auto_complete,
    decide_carrier_event,
    decide_confirm_receipt,
    decide_decline_canceled_shipment,
    decide_promised_delivery_passed,
    decide_protection_end,
    decide_refund_canceled_shipment,
    decide_reship,
    decide_void_shipment,
)
from rescind.domain.states import OrderState
from rescind.domain.support_work import decide_platform_cancel_shipment
from rescind.orders.closing import order_close
from rescind.orders.models import Deadline, Order, Parcel, Shipment, UnmatchedCarrierEvent
from rescind.orders.parcels import (
    carrier_event_queue,
    parcel_claim,
    parcel_is_live,
    parcels_matching,
    parcels_release,
)
from rescind.orders.recording import (
    current_shipment,
    deadline_set,
    deadlines_void,
    events_record,
    order_facts,
    order_lock,
)


def _after_shipment_events(order: Order, events: list[Event], *, now: datetime) -> None:
    """Keep the order's columns and deadlines in step with what the carrier or seller said."""
    for event in events:
        if isinstance(event, ParcelDelivered):
            order.delivered_at = now
            Shipment.objects.filter(pk=current_shipment(order).pk).update(delivered_at=now)
            deadlines_void(order, Deadline.Kind.PROMISED_DELIVERY, now=now)
            deadline_set(order, Deadline.Kind.DELIVERY_CONFIRMATION, event.complete_by)
        elif isinstance(event, ShipmentCanceled):
            order.dispute_from = event.reply_by
            Shipment.objects.filter(pk=current_shipment(order).pk).update(
                voided_at=now, void_cause=event.cause)
            parcels_release(order, kind=Parcel.Kind.SHIPMENT, cause=event.cause, now=now)
            deadlines_void(order, Deadline.Kind.DELIVERY_CONFIRMATION,
                           Deadline.Kind.PROMISED_DELIVERY, now=now)
            deadline_set(order, Deadline.Kind.SHIPMENT_CANCELED_REPLY, event.reply_by)
    order.save(update_fields=["delivered_at", "dispute_from"])


def carrier_event_record(*, user, tracking_number: str, event: str, location: str = "",
                         now: datetime) -> Order | UnmatchedCarrierEvent:
    """R15, R16, R20: a carrier reports on one of its parcels: the order it moved, or, when
    the event names no live parcel of this carrier or more than one, the queued event that
    waits for support (never a guess). Repeats change nothing."""
    kind = carrier_event_parse(event)
    carriers = list(user.carriers.values_list("name", flat=True)) if user.is_authenticated \
        else []
    if not carriers:
        raise DomainError("carrier_account_required",
                          _("Only a carrier's account may report tracking events."),
                          kind=ErrorKind.FORBIDDEN)
    matches = parcels_matching(carriers, tracking_number)
    if len(matches) == 1 and matches[0].kind == Parcel.Kind.RETURN:
        from rescind.disputes.returns import dispute_return_carrier_event

        order = dispute_return_carrier_event(user=user, parcel=matches[0], kind=kind, now=now)
    elif len(matches) == 1:
        order = _shipment_carrier_event(user=user, parcel=matches[0], kind=kind,
                                        location=location, now=now)
    else:
        order = None
    if order is None:
        return carrier_event_queue(user=user, carrier_names=carriers,
                                   tracking_number=tracking_number, event=kind.value,
                                   location=location, live_matches=len(matches), now=now)
    return order


def _shipment_carrier_event(*, user, parcel: Parcel, kind: CarrierEvent, location: str,
                            now: datetime) -> Order | None:
    """R15, R16: the event of a shipment's parcel; None if the parcel was released meanwhile."""
    with transaction.atomic():
        order = order_lock(parcel.order_id)
        if not parcel_is_live(parcel):
            return None
        events = decide_carrier_event(order_facts(order), event=kind, location=location,
                                      now=now, policy=policy())
        _after_shipment_events(order, events, now=now)
        events_record(order, events, actor=Actor(Party.CARRIER, user.pk), now=now)
    return order


def shipment_void(*, order_id: int, user, now: datetime) -> Order:
    """R16: the seller voids the shipment; the order shows "shipment canceled"."""
    with transaction.atomic():
        order = order_lock(order_id)
        actor = require_party(user, order, Party.SELLER)
        events = decide_void_shipment(order_facts(order), now=now, policy=policy())
        _after_shipment_events(order, events, now=now)
        events_record(order, events, actor=actor, now=now)
    return order


def shipment_cancel_by_platform(*, order_id: int, user, note: str, now: datetime) -> Order:
    """R16: support cancels the shipment on the seller's behalf ("Shipment canceled by
    AliExpress"), with a reason: the same path as a carrier's drop (the seller may reship or
    refund in full, both sides are told, the reply window runs), with support as the actor.
    Needs staff with the decide-disputes permission (403 support_permission_required)."""
    from rescind.disputes.recording import DECIDE_PERMISSION

    with transaction.atomic():
        order = order_lock(order_id)
        actor = require_support_permission(user, order, permission=DECIDE_PERMISSION,
                                           code="support_permission_required",
                                           doing="cancel shipments")
        events = decide_platform_cancel_shipment(order_facts(order), note=note, now=now,
                                                 policy=policy())
        _after_shipment_events(order, events, now=now)
        events_record(order, events, actor=actor, now=now)
    return order


def shipment_reassign(*, order_id: int, user, carrier: str, tracking_number: str,
                      now: datetime) -> Order:
    """R16: the seller ships again with a new tracking number; back to awaiting delivery."""
    with transaction.atomic():
        order = order_lock(order_id)
        actor = require_party(user, order, Party.SELLER)
        events = decide_reship(order_facts(order), carrier=carrier,
                               tracking_number=tracking_number, now=now, policy=policy())
        event = events[0]
        shipment = Shipment.objects.create(
            order=order, carrier=event.carrier, tracking_number=event.tracking_number,
            shipped_at=now, deliver_by=event.deliver_by)
        parcel_claim(order, kind=Parcel.Kind.SHIPMENT, carrier=event.carrier,
                     tracking_number=event.tracking_number, shipment=shipment, now=now)  # R15
        deadline_set(order, Deadline.Kind.PROMISED_DELIVERY, event.deliver_by, shipment.pk)
        order.delivered_at = order.dispute_from = None
        order.save(update_fields=["delivered_at", "dispute_from"])
        deadlines_void(order, Deadline.Kind.SHIPMENT_CANCELED_REPLY, now=now)
        events_record(order, events, actor=actor, now=now)
    return order


def shipment_canceled_refund(*, order_id: int, user, now: datetime) -> Order:
    """R16: the seller refunds the canceled shipment in full; the order closes."""
    with transaction.atomic():
        order = order_lock(order_id)
        actor = require_party(user, order, Party.SELLER)
        events = decide_refund_canceled_shipment(order_facts(order), now=now, policy=policy(),
                                                 calendar=calendar())
        order_close(order, events, actor=actor, now=now)
    return order


def shipment_canceled_decline(*, order_id: int, user, note: str, now: datetime) -> Order:
    """R16: the seller will neither reship nor refund; the buyer may dispute at once."""
    with transaction.atomic():
        order = order_lock(order_id)
        actor = require_party(user, order, Party.SELLER)
        events = decide_decline_canceled_shipment(order_facts(order), note=note)
        order.dispute_from = now
        order.save(update_fields=["dispute_from"])
        deadlines_void(order, Deadline.Kind.SHIPMENT_CANCELED_REPLY, now=now)
        events_record(order, events, actor=actor, now=now)
    return order


def shipment_canceled_unanswered(order: Order, *, now: datetime) -> None:
    """R16: 7 days passed without the seller's answer. The order is locked by the caller."""
    if order.state != OrderState.SHIPMENT_CANCELED:
        raise DomainError("not_shipment_canceled", _("The shipment is no longer canceled."))
    events_record(order, [ShipmentCanceledUnanswered()], actor=PLATFORM, now=now)


def _complete(order: Order, events: list[Event], *, actor: Actor, now: datetime) -> None:
    """R15, R18: the order completes; buyer protection runs until the event says, with its end
    (and the buyer's reminder before it, R27) as a deadline. The order is locked."""
    completed: OrderCompleted = events[0]  # type: ignore[assignment]
    order.completed_at, order.dispute_until = now, completed.dispute_until
    order.save(update_fields=["completed_at", "dispute_until"])
    deadlines_void(order, Deadline.Kind.DELIVERY_CONFIRMATION, Deadline.Kind.PROMISED_DELIVERY,
                   now=now)
    deadline_set(order, Deadline.Kind.PROTECTION_END, completed.dispute_until)
    events_record(order, events, actor=actor, now=now)


def order_confirm_receipt(*, order_id: int, user, now: datetime) -> Order:
    """R15, R18: the buyer confirms receipt; the order completes, under buyer protection."""
    with transaction.atomic():
        order = order_lock(order_id)
        actor = require_party(user, order, Party.BUYER)
        events = decide_confirm_receipt(order_facts(order), now=now, policy=policy())
        _complete(order, events, actor=actor, now=now)
    return order


def order_auto_complete(order: Order, *, now: datetime) -> None:
    """R15, R18: delivered and quiet for 15 days. The order is locked by the caller."""
    events = decide_auto_complete(order_facts(order), now=now, policy=policy())
    _complete(order, events, actor=PLATFORM, now=now)


def order_delivery_overdue(order: Order, *, now: datetime) -> None:
    """R17: the promised delivery passed without a delivery event; the buyer may dispute the
    parcel as not received. The order is locked by the caller."""
    events = decide_promised_delivery_passed(order_facts(order), now=now)
    events_record(order, events, actor=PLATFORM, now=now)


def order_protection_end(order: Order, *, now: datetime) -> None:
    """R18: buyer protection of the completed order ran out. The order is locked by the
    caller."""
    events_record(order, decide_protection_end(order_facts(order), now=now), actor=PLATFORM,
                  now=now)


def dispute_request(*, order_id: int, user, reason: str, now: datetime) -> Order:
    """R16-R18: kept for older callers: opens a real dispute (disputes.services.dispute_open)
    for all that is left to refund, without a return, reason "other" and their words."""
    from rescind.disputes.services import dispute_open

    if not reason.strip():
        raise DomainError("reason_required", _("Say what went wrong."), kind=ErrorKind.INVALID)
    dispute = dispute_open(order_id=order_id, user=user, reason="other", claim=None,
                           return_item=False, description=reason, evidence=[], now=now)
    return dispute.order
