"""After shipment: carrier events, "shipment canceled", completion, dispute requests
(R15-R18)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from ninja import Router, Status

from rescind.accounts.parties import is_support
from rescind.api.common import ERRORS
from rescind.api.orders import detail_for
from rescind.api.schemas import (
    CarrierEventIn,
    CarrierEventOut,
    NoteIn,
    OrderDetailOut,
    ReasonIn,
    ShipIn,
    UnmatchedCarrierEventOut,
)
from rescind.clock.service import now as clock_now
from rescind.domain.errors import DomainError, ErrorKind
from rescind.orders.models import UnmatchedCarrierEvent
from rescind.orders.parcels import carrier_event_handle, carrier_events_unhandled
from rescind.orders.shipping import (
    carrier_event_record,
    dispute_request,
    order_confirm_receipt,
    shipment_canceled_decline,
    shipment_canceled_refund,
    shipment_reassign,
    shipment_void,
)

router = Router(tags=["shipping"])


@router.post("/carrier/events", response={202: CarrierEventOut, **ERRORS})
def carrier_events(request, body: CarrierEventIn):
    """R15, R16, R20: a carrier (with a carrier account's token) reports a tracking event:
    in_transit, delivered, or tracking_invalid (the parcel was dropped: "shipment canceled").
    An event that names exactly one live parcel of this carrier is applied (`applied`, with
    the order); one that names none, or several, is queued for support (`queued_for_support`)
    and changes no order. Errors: 403 carrier_account_required, 422 unknown_carrier_event."""
    outcome = carrier_event_record(user=request.user, tracking_number=body.tracking_number,
                                   event=body.event, location=body.location, now=clock_now())
    if isinstance(outcome, UnmatchedCarrierEvent):
        return Status(202, {"outcome": "queued_for_support", "queued_event_id": outcome.pk})
    return Status(202, {"outcome": "applied", "order_id": outcome.pk, "state": outcome.state})


@router.get("/support/carrier-events", response={200: list[UnmatchedCarrierEventOut], **ERRORS})
def support_carrier_events(request):
    """R15: support's queue of carrier events that matched no live parcel, or several,
    newest first. Errors: 403 support_only."""
    if not is_support(request.user):
        raise DomainError("support_only", _("Only support staff may see carrier events."),
                          kind=ErrorKind.FORBIDDEN)
    return carrier_events_unhandled()


@router.post("/support/carrier-events/{event_id}/handle",
             response={200: UnmatchedCarrierEventOut, **ERRORS})
def support_carrier_event_handle(request, event_id: int, body: NoteIn):
    """R15: support marks a queued carrier event as handled, saying what they did. Errors:
    403 support_only, 404 carrier_event_not_found, 409 carrier_event_already_handled,
    422 note_required."""
    return carrier_event_handle(event_id=event_id, user=request.user, note=body.note,
                                now=clock_now())


@router.post("/orders/{order_id}/confirm-receipt", response={200: OrderDetailOut, **ERRORS})
def orders_confirm_receipt(request, order_id: int):
    """R15: the buyer confirms receipt; the order completes. Errors: 409
    transition_not_allowed."""
    order_confirm_receipt(order_id=order_id, user=request.user, now=clock_now())
    return detail_for(request, order_id)


@router.post("/orders/{order_id}/dispute-request", response={201: OrderDetailOut, **ERRORS})
def orders_dispute_request(request, order_id: int, body: ReasonIn):
    """R16-R18: kept for older apps: opens a dispute for all that is left to refund, without
    return, reason "other" in the buyer's words; POST /orders/{order_id}/dispute says more.
    Errors: 409 dispute_not_available, 409 dispute_already_open."""
    dispute_request(order_id=order_id, user=request.user, reason=body.reason, now=clock_now())
    return Status(201, detail_for(request, order_id))


@router.post("/orders/{order_id}/shipment/void", response={200: OrderDetailOut, **ERRORS})
def orders_shipment_void(request, order_id: int):
    """R16: the seller voids the shipment; the order shows "shipment canceled"."""
    shipment_void(order_id=order_id, user=request.user, now=clock_now())
    return detail_for(request, order_id)


@router.post("/orders/{order_id}/shipment/reassign", response={200: OrderDetailOut, **ERRORS})
def orders_shipment_reassign(request, order_id: int, body: ShipIn):
    """R16: the seller ships again with a new tracking number. Errors: 409
    transition_not_allowed, 422 same_tracking_number."""
    shipment_reassign(order_id=order_id, user=request.user, carrier=body.carrier,
                      tracking_number=body.tracking_number, now=clock_now())
    return detail_for(request, order_id)


@router.post("/orders/{order_id}/shipment/refund", response={200: OrderDetailOut, **ERRORS})
def orders_shipment_refund(request, order_id: int):
    """R16: the seller refunds a canceled shipment in full; the order closes."""
    shipment_canceled_refund(order_id=order_id, user=request.user, now=clock_now())
    return detail_for(request, order_id)


@router.post("/orders/{order_id}/shipment/decline", response={200: OrderDetailOut, **ERRORS})
def orders_shipment_decline(request, order_id: int, body: ReasonIn):
    """R16: the seller will neither reship nor refund; the buyer may open a dispute now."""
    shipment_canceled_decline(order_id=order_id, user=request.user, note=body.reason,
                              now=clock_now())
    return detail_for(request, order_id)
