"""Orders: read, and every action a buyer or seller takes on one (R2, R4-R14)."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Q
from django.http import HttpResponse
from ninja import Query, Router, Schema, Status
from pydantic import Field

from rescind.accounts.parties import is_support, party_on_order, store_ids_of
from rescind.aftersale.quote import cancellation_quote, quote_read
from rescind.aftersale.services import (
    cancellation_approve,
    cancellation_refuse,
    cancellation_request,
    cancellation_withdraw,
    order_ship,
)
from rescind.api.choices import CancellationReasonChoice, CloseReasonChoice, OrderStateChoice
from rescind.api.common import ERRORS
from rescind.api.prefer import (
    APPLIED_HEADER,
    cancellation_requested_read,
    minimal_wanted,
    order_state_of,
    order_state_read,
    prefer_header,
)
from rescind.api.schemas import (
    CancellationQuoteOut,
    CancellationRequestIn,
    CancellationRequestOut,
    CartAddedOut,
    LowerPriceIn,
    MoneyOut,
    NoteIn,
    OrderDetailOut,
    OrderSummaryOut,
    RefuseIn,
    ShipIn,
)
from rescind.clock.service import now as clock_now
from rescind.domain.refusals import LEGACY_REFUSAL_REASON
from rescind.orders.models import Order
from rescind.orders.reads import order_detail_for_reader, order_for_reader, order_summaries
from rescind.orders.services import (
    order_add_to_cart_again,
    order_cancel_unpaid,
    order_lower_price,
)

router = Router(tags=["orders"])


class OrderFilter(Schema):
    state: OrderStateChoice | None = Field(default=None, description="only orders in this state")
    limit: int = Field(default=50, ge=1, le=200)
    offset: int = Field(default=0, ge=0, le=1_000_000)


class OrderStateOut(Schema):
    id: int
    state: OrderStateChoice
    close_reason: CloseReasonChoice | None
    refunded: MoneyOut
    closed_at: datetime | None


class CancellationRequestedOut(OrderStateOut):
    """The minimal answer to a cancellation request (`Prefer: return=minimal`)."""

    cancellation_request: CancellationRequestOut


# Each write answers the whole order detail, or its state alone when the caller sends
# `Prefer: return=minimal` (RFC 7240; rescind.api.prefer).
ORDER_ANSWER = OrderDetailOut | OrderStateOut
MINIMAL_ANSWER = {"responses": {200: {"headers": APPLIED_HEADER}}}


@router.get("/orders", response={200: list[OrderSummaryOut], **ERRORS})
def orders_list(request, filters: Query[OrderFilter]):
    """The caller's orders: as buyer, and as seller of their stores. Newest first. The page
    is read in a constant number of statements, whatever `limit` (issue 16)."""
    user = request.user
    visible = Order.objects.select_related("store")
    if not is_support(user):
        visible = visible.filter(Q(buyer=user) | Q(store_id__in=store_ids_of(user)))
    if filters.state:
        visible = visible.filter(state=filters.state)
    now = clock_now()
    page = visible.order_by("-placed_at", "-pk")[filters.offset:filters.offset + filters.limit]
    return order_summaries(list(page), lambda order: party_on_order(user, order), now=now)


@router.get("/orders/{order_id}", response={200: OrderDetailOut, **ERRORS})
def orders_read(request, order_id: int):
    """One order as the caller sees it: state, actions, deadlines, request, refunds, timeline."""
    return detail_for(request, order_id)


def detail_for(request, order_id: int):
    _order, _party, detail = order_detail_for_reader(request.user, order_id, now=clock_now())
    return detail


def answer_for(request, response: HttpResponse, order_id: int, prefer: str | None):
    """What a write answers: the whole detail, or on `Prefer: return=minimal` the order's
    state (OrderStateOut) in one lean read."""
    if minimal_wanted(prefer, response):
        return order_state_read(order_id)
    return detail_for(request, order_id)


@router.get("/orders/{order_id}/state", response={200: OrderStateOut, **ERRORS})
def orders_state(request, order_id: int):
    """The order's state alone, for an app that polls: one read of the order row, none of the
    actions, deadlines or timeline that GET /orders/{id} works out."""
    order, _party = order_for_reader(request.user, order_id)
    return order_state_of(order)


@router.post("/orders/{order_id}/cancel", response={200: ORDER_ANSWER, **ERRORS},
             openapi_extra=MINIMAL_ANSWER)
def orders_cancel(request, response: HttpResponse, order_id: int,
                  prefer: str | None = prefer_header()):
    """R4: cancel an unpaid order at once. Errors: 409 order_already_paid,
    409 payment_in_progress, 403 not_your_action, 404 order_not_found."""
    order_cancel_unpaid(order_id=order_id, user=request.user, now=clock_now())
    return answer_for(request, response, order_id, prefer)


@router.post("/orders/{order_id}/add-to-cart-again", response={200: CartAddedOut, **ERRORS})
def orders_add_to_cart_again(request, order_id: int):
    """R5: put a closed unpaid order's items back in the cart. Errors: 409 not_reorderable."""
    return {"lines_added": order_add_to_cart_again(order_id=order_id, user=request.user,
                                                   now=clock_now())}


@router.post("/orders/{order_id}/lower-price", response={200: ORDER_ANSWER, **ERRORS},
             openapi_extra=MINIMAL_ANSWER)
def orders_lower_price(request, response: HttpResponse, order_id: int, body: LowerPriceIn,
                       prefer: str | None = prefer_header()):
    """R6: the seller lowers an unpaid order's total. Errors: 422 price_not_lower,
    409 price_change_not_allowed, 409 payment_in_progress, 403 not_your_action."""
    order_lower_price(order_id=order_id, user=request.user, new_total=body.new_total,
                      note=body.note, now=clock_now())
    return answer_for(request, response, order_id, prefer)


@router.post("/orders/{order_id}/cancellation-request",
             response={201: OrderDetailOut | CancellationRequestedOut, **ERRORS},
             openapi_extra={"responses": {201: {"headers": APPLIED_HEADER}}})
def orders_cancellation_request(request, response: HttpResponse, order_id: int,
                                body: CancellationRequestIn,
                                prefer: str | None = prefer_header()):
    """R7-R9: the buyer requests cancellation of a paid order. Errors: 409 order_not_paid,
    409 cancel_not_yet_available (details.available_from), 409 request_already_pending,
    409 cancellation_not_available (shipped: message the seller or open a dispute),
    422 unknown_reason (details.allowed), 403 not_your_action. On `Prefer: return=minimal`
    the answer is the order's state and the request made (CancellationRequestedOut)."""
    made = cancellation_request(order_id=order_id, user=request.user, reason=body.reason,
                                report_supplier=body.report_supplier, now=clock_now())
    if minimal_wanted(prefer, response):
        return Status(201, cancellation_requested_read(made))
    return Status(201, detail_for(request, order_id))


@router.post("/orders/{order_id}/cancellation-request/approve",
             response={200: ORDER_ANSWER, **ERRORS}, openapi_extra=MINIMAL_ANSWER)
def orders_cancellation_approve(request, response: HttpResponse, order_id: int, body: NoteIn,
                                prefer: str | None = prefer_header()):
    """R10: the seller approves; the order closes and the refund starts. Errors:
    409 no_pending_request, 409 transition_not_allowed (lost a race, R14), 403 not_your_action."""
    cancellation_approve(order_id=order_id, user=request.user, note=body.note, now=clock_now())
    return answer_for(request, response, order_id, prefer)


@router.post("/orders/{order_id}/cancellation-request/refuse",
             response={200: ORDER_ANSWER, **ERRORS}, openapi_extra=MINIMAL_ANSWER)
def orders_cancellation_refuse(request, response: HttpResponse, order_id: int, body: RefuseIn,
                               prefer: str | None = prefer_header()):
    """R11: the seller refuses, with a reason code of GET /policy/refusal-reasons and an
    optional note for the buyer. Without `reason_code` (clients written before the codes) the
    refusal is recorded as `other`, which needs a note, as every refusal did before. Errors:
    422 unknown_refusal_reason (details.allowed), 422 note_required (reason `other` without a
    note), 409 no_pending_request, 409 transition_not_allowed, 403 not_your_action."""
    cancellation_refuse(order_id=order_id, user=request.user, note=body.note,
                        reason_code=body.reason_code or LEGACY_REFUSAL_REASON, now=clock_now())
    return answer_for(request, response, order_id, prefer)


@router.post("/orders/{order_id}/cancellation-request/withdraw",
             response={200: ORDER_ANSWER, **ERRORS}, openapi_extra=MINIMAL_ANSWER)
def orders_cancellation_withdraw(request, response: HttpResponse, order_id: int,
                                 prefer: str | None = prefer_header()):
    """The buyer withdraws their pending request. Errors: 409 no_pending_request,
    409 transition_not_allowed, 403 not_your_action."""
    cancellation_withdraw(order_id=order_id, user=request.user, now=clock_now())
    return answer_for(request, response, order_id, prefer)


@router.post("/orders/{order_id}/ship", response={200: ORDER_ANSWER, **ERRORS},
             openapi_extra=MINIMAL_ANSWER)
def orders_ship(request, response: HttpResponse, order_id: int, body: ShipIn,
                prefer: str | None = prefer_header()):
    """R14, R15: the seller ships; a pending cancellation request is refused by it. Errors:
    422 tracking_required, 422 tracking_too_long, 409 transition_not_allowed."""
    order_ship(order_id=order_id, user=request.user, carrier=body.carrier,
               tracking_number=body.tracking_number, now=clock_now())
    return answer_for(request, response, order_id, prefer)


class QuoteQuery(Schema):
    reason: CancellationReasonChoice | None = Field(
        default=None, description="R8: a code from GET /policy/cancellation-reasons")


@router.get("/orders/{order_id}/cancellation-quote",
            response={200: CancellationQuoteOut, **ERRORS})
def orders_cancellation_quote(request, order_id: int, query: Query[QuoteQuery]):
    """Exactly what cancelling now would do: refund and destination, expected arrival, coupons
    that come back and those that do not (and why), whether the seller must approve and by
    when, and whether the reason counts against the seller. Errors: 409
    cancel_not_yet_available, 409 cancellation_not_available, 422 reason_required,
    422 unknown_reason."""
    quote = cancellation_quote(order_id=order_id, user=request.user, reason=query.reason,
                               now=clock_now())
    return quote_read(quote)
