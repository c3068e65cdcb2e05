"""Support's work through the API (R28: the same services as the console): the dispute queue
with filters, search and cursor, claim and release, messages to both sides, canceling a
shipment on the seller's behalf, goodwill refunds (R16, R20, R22, R27)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from django.utils.translation import gettext_lazy as _
from ninja import Query, Router, Schema, Status
from pydantic import Field

from rescind.accounts.parties import is_support
from rescind.api.common import ERRORS
from rescind.api.disputes import MAX_AMOUNT, DisputeOut, _read
from rescind.api.messages import MessageOut, _with_urls
from rescind.api.orders import detail_for
from rescind.api.schemas import OrderDetailOut, StrictIn
from rescind.clock.service import now as clock_now
from rescind.disputes.assignment import dispute_claim, dispute_release
from rescind.disputes.queue import MAX_SEARCH, dispute_queue, queue_filter
from rescind.domain.actions import Party
from rescind.domain.errors import DomainError, ErrorKind
from rescind.domain.messaging import MAX_BODY_CHARACTERS
from rescind.messaging.reads import message_read
from rescind.messaging.services import message_send_support
from rescind.orders.shipping import shipment_cancel_by_platform
from rescind.refunds.goodwill import refund_goodwill

router = Router(tags=["support"])


class QueueQuery(Schema):
    waiting_for: Literal["", "support", "seller", "buyer", "return"] = Field(
        default="", description="support: escalated; seller: awaiting the seller's answer; "
        "buyer: the seller refused or proposed; return: awaiting the return; empty: all open")
    assignee: Literal["", "mine", "unassigned"] = ""
    q: str = Field(default="", max_length=MAX_SEARCH,
                   description="order number, buyer name or e-mail, store name, or item")
    cursor: str = Field(default="", max_length=200, description="`next_cursor` of a page")
    limit: int = Field(default=50, ge=1, le=200)


class QueuedOut(DisputeOut):
    waiting_since: datetime = Field(description="since when it waits (escalated: since then)")
    waited_seconds: int
    age_label: str = Field(description="new (under a day), waiting (under 3 days), long wait")
    age_tone: Literal["info", "warning", "danger"]
    due_at: datetime | None = Field(description="when the platform acts by itself, if ever")
    overdue: bool
    store: str
    buyer: str
    items: list[str]
    mine: bool = Field(description="claimed by the caller")


class DisputeQueuePageOut(Schema):
    disputes: list[QueuedOut]
    next_cursor: str | None = Field(description="pass as `cursor` for the next page")


class ClaimIn(StrictIn):
    take_over: bool = Field(default=False, description="take a dispute another agent "
                            "claimed (otherwise 409 dispute_claimed)")


class SupportMessageIn(StrictIn):
    body: str = Field(min_length=1, max_length=MAX_BODY_CHARACTERS)


class PlatformCancelIn(StrictIn):
    note: str = Field(min_length=1, max_length=1000, description="why; both sides read it")


class GoodwillIn(StrictIn):
    amount: int = Field(ge=1, le=MAX_AMOUNT, description="minor units, at most what is left "
                        "to refund")
    reason: str = Field(min_length=1, max_length=1000, description="the buyer reads it")


def _support_only(request) -> None:
    if not is_support(request.user):
        raise DomainError("support_only", _("Only support staff may see the queue."),
                          kind=ErrorKind.FORBIDDEN)


@router.get("/support/dispute-queue", response={200: DisputeQueuePageOut, **ERRORS})
def support_dispute_queue(request, query: Query[QueueQuery]):
    """R20: open disputes, the longest waiting first, filtered by whom they wait for and who
    holds them, searched, a page at a time (`next_cursor`). Errors: 403 support_only, 422
    bad_cursor, 422 bad_search."""
    _support_only(request)
    filters = queue_filter(waiting_for=query.waiting_for, assignee=query.assignee,
                           search=query.q, cursor=query.cursor)
    return dispute_queue(user=request.user, now=clock_now(), filters=filters,
                         limit=query.limit)


@router.post("/orders/{order_id}/dispute/claim", response={200: DisputeOut, **ERRORS})
def orders_dispute_claim(request, order_id: int, body: ClaimIn):
    """R20: support claims the order's open dispute (recorded on the timeline); a repeat
    changes nothing. Errors: 403 not_your_action (the buyer or seller), 404 order_not_found,
    409 dispute_claimed, 409 no_open_dispute."""
    dispute_claim(order_id=order_id, user=request.user, take_over=body.take_over,
                  now=clock_now())
    return _read(request, order_id)


@router.post("/orders/{order_id}/dispute/release", response={200: DisputeOut, **ERRORS})
def orders_dispute_release(request, order_id: int):
    """R20: the agent holding the dispute puts it back in the queue. Errors: 403
    dispute_not_yours, 403 not_your_action, 409 no_open_dispute."""
    dispute_release(order_id=order_id, user=request.user, now=clock_now())
    return _read(request, order_id)


@router.post("/orders/{order_id}/support-messages", response={201: MessageOut, **ERRORS})
def orders_support_message(request, order_id: int, body: SupportMessageIn):
    """R27: support writes in the order's conversation; the buyer and the seller both read it
    and are both told. Errors: 403 not_your_action, 422 message_empty."""
    message = message_send_support(order_id=order_id, user=request.user, body=body.body,
                                   now=clock_now())
    return Status(201, _with_urls(request, order_id, [message_read(message, Party.SUPPORT)])[0])


@router.post("/orders/{order_id}/shipment/cancel-by-platform",
             response={200: OrderDetailOut, **ERRORS})
def orders_shipment_cancel_by_platform(request, order_id: int, body: PlatformCancelIn):
    """R16: support cancels the shipment on the seller's behalf ("Shipment canceled by
    AliExpress"): the order shows "shipment canceled" (`void_cause` canceled_by_platform) and
    the seller owes a new shipment or a full refund. Errors: 403 support_permission_required,
    409 transition_not_allowed, 422 note_required."""
    shipment_cancel_by_platform(order_id=order_id, user=request.user, note=body.note,
                                now=clock_now())
    return detail_for(request, order_id)


@router.post("/orders/{order_id}/goodwill-refunds", response={201: OrderDetailOut, **ERRORS})
def orders_goodwill_refund(request, order_id: int, body: GoodwillIn):
    """R21, R22: support refunds any amount up to what is left to refund, with a reason,
    outside a dispute, to the method the order was paid with. Errors: 403
    support_permission_required, 409 order_not_paid, 409 refund_exceeds_refundable (details:
    refundable), 422 reason_required."""
    refund_goodwill(order_id=order_id, user=request.user, amount=body.amount,
                    reason=body.reason, now=clock_now())
    return Status(201, detail_for(request, order_id))
