"""Refunds that failed for good: the buyer renews the method, support retries (R21-R23, R28)."""

from __future__ import annotations

from ninja import Router, Status

from rescind.api.common import ERRORS
from rescind.api.orders import detail_for
from rescind.api.schemas import OrderDetailOut, RefundDestinationIn
from rescind.clock.service import now as clock_now
from rescind.refunds.recovery import refund_destination_update, refund_retry

router = Router(tags=["refunds"])


@router.post("/orders/{order_id}/refund-destination", response={200: OrderDetailOut, **ERRORS})
def orders_refund_destination(request, order_id: int, body: RefundDestinationIn):
    """R21, R23: after a refund of the order failed for good (its `failure_message` says
    why), the buyer gives the renewed instrument of the method they paid with; support then
    retries the refund to it. Errors: 422 refund_method_differs (never another method),
    422 destination_unchanged, 422 instrument_not_for_method, 422 bad_instrument,
    409 no_failed_refund, 403 not_your_action."""
    refund_destination_update(order_id=order_id, user=request.user, method=body.method,
                              instrument=body.instrument, now=clock_now())
    return detail_for(request, order_id)


@router.post("/refunds/{refund_id}/retry", response={201: OrderDetailOut, **ERRORS})
def refunds_retry(request, refund_id: int):
    """R22, R23: support (staff with rescind_refunds.retry_refund) sends a failed refund
    again: a new refund (its `retry_of` is this one) for the same amount, to the payment's
    instrument now. Answers with the order. Errors: 404 refund_not_found, 403
    retry_permission_required, 409 refund_not_failed, 409 refund_already_retried,
    409 refund_exceeds_charge."""
    refund = refund_retry(refund_id=refund_id, user=request.user, now=clock_now())
    return Status(201, detail_for(request, refund.order_id))
