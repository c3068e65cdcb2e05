"""After shipment: carrier events, "shipment canceled", completion, dispute requests
(R15-R18)."""

from __future__ import annotations

from ninja import Router, Status

from rescind.api.common import ERRORS
from rescind.api.orders import detail_for
from rescind.api.schemas import CarrierEventIn, OrderDetailOut, ReasonIn, ShipIn
from rescind.clock.service import now as clock_now
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


@router.post("/carrier/events", response={202: dict[str, int | str], **ERRORS})
def carrier_events(request, body: CarrierEventIn):
    """R15, R16: a carrier (with a carrier account's token) reports a tracking event: in_transit,
    delivered, or tracking_invalid (the parcel was dropped: "shipment canceled").
    Errors: 404 unknown_tracking_number, 422 unknown_carrier_event."""
    order = carrier_event_record(user=request.user, tracking_number=body.tracking_number,
                                 event=body.event, location=body.location, now=clock_now())
    return Status(202, {"order_id": order.pk, "state": order.state})


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
