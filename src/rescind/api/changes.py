"""Change requests before shipment: ask, accept, refuse, withdraw, confirm or decline an extra
charge (R13, R14)."""

from __future__ import annotations

from ninja import Router, Status

from rescind.aftersale.changes import (
    change_accept,
    change_charge_confirm,
    change_charge_decline,
    change_refuse,
    change_request,
    change_withdraw,
)
from rescind.api.common import ERRORS
from rescind.api.orders import detail_for
from rescind.api.schemas import ChangeRequestIn, NoteIn, OrderDetailOut, RefuseIn
from rescind.clock.service import now as clock_now
from rescind.domain.changes import LineChange

router = Router(tags=["changes"])


@router.post("/orders/{order_id}/change-request", response={201: OrderDetailOut, **ERRORS})
def orders_change_request(request, order_id: int, body: ChangeRequestIn):
    """R13: the buyer of a paid order awaiting shipment asks to change options, products of the
    same store, quantities (lines named by number) or delivery details. The order stays paid;
    the seller answers within the response window, or the change is refused. Errors: 409
    change_not_available, 409 change_already_pending, 409 cancellation_pending, 422
    nothing_to_change, 422 unknown_line, 422 bad_options, 422 product_not_in_store, 422
    bad_delivery."""
    change_request(
        order_id=order_id, user=request.user,
        changes=[LineChange(line=c.line, product_id=c.product_id, options=c.options or None,
                            quantity=c.quantity) for c in body.lines],
        delivery=body.delivery.model_dump() if body.delivery else None, now=clock_now())
    return Status(201, detail_for(request, order_id))


@router.post("/orders/{order_id}/change-request/accept",
             response={200: OrderDetailOut, **ERRORS})
def orders_change_accept(request, order_id: int, body: NoteIn):
    """R13: the seller accepts. A cheaper change applies at once and the difference is refunded
    to the payment method; a dearer one waits for the buyer to confirm the extra charge.
    Errors: 409 no_pending_change."""
    change_accept(order_id=order_id, user=request.user, note=body.note, now=clock_now())
    return detail_for(request, order_id)


@router.post("/orders/{order_id}/change-request/refuse",
             response={200: OrderDetailOut, **ERRORS})
def orders_change_refuse(request, order_id: int, body: RefuseIn):
    """R13: the seller refuses, with a note; the buyer can still cancel. Errors: 409
    no_pending_change, 422 note_required."""
    change_refuse(order_id=order_id, user=request.user, note=body.note, now=clock_now())
    return detail_for(request, order_id)


@router.post("/orders/{order_id}/change-request/withdraw",
             response={200: OrderDetailOut, **ERRORS})
def orders_change_withdraw(request, order_id: int):
    """R13: the buyer takes back a change the seller has not answered. Errors: 409
    no_pending_change."""
    change_withdraw(order_id=order_id, user=request.user, now=clock_now())
    return detail_for(request, order_id)


@router.post("/orders/{order_id}/change-request/confirm-charge",
             response={200: OrderDetailOut, **ERRORS})
def orders_change_confirm_charge(request, order_id: int):
    """R13, R21: the buyer confirms the extra charge of an accepted change; it is captured from
    the order's payment method, once, and the change applies. Errors: 409
    no_extra_charge_to_confirm, 503 payment_failed."""
    change_charge_confirm(order_id=order_id, user=request.user, now=clock_now())
    return detail_for(request, order_id)


@router.post("/orders/{order_id}/change-request/decline-charge",
             response={200: OrderDetailOut, **ERRORS})
def orders_change_decline_charge(request, order_id: int):
    """R13: the buyer declines the extra charge; the order stays as it was. Errors: 409
    no_extra_charge_to_confirm."""
    change_charge_decline(order_id=order_id, user=request.user, now=clock_now())
    return detail_for(request, order_id)
