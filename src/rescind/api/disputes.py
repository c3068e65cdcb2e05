"""Disputes, keyed by order (one open dispute per order): open, the seller's and the buyer's
answers, the return parcel, support's decision, and support's queue (R9, R18-R20, R23, R28)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from ninja import Router, Schema, Status
from pydantic import Field

from rescind.accounts.parties import is_support
from rescind.api.choices import (
    DisputeReasonChoice,
    DisputeStateChoice,
    PaymentMethodChoice,
    RefundStateChoice,
)
from rescind.api.common import ERRORS
from rescind.api.schemas import MAX_ID, MoneyOut, NoteIn, RefuseIn, ShipIn, StrictIn
from rescind.clock.service import now as clock_now
from rescind.disputes.reads import dispute_for_reader, support_queue
from rescind.disputes.recording import DECIDE_PERMISSION
from rescind.disputes.returns import dispute_return_confirm, dispute_return_ship
from rescind.disputes.services import (
    dispute_accept,
    dispute_decide,
    dispute_escalate,
    dispute_open,
    dispute_proposal_accept,
    dispute_propose,
    dispute_refuse,
)
from rescind.domain.disputes import DISPUTE_REASONS
from rescind.domain.errors import DomainError, ErrorKind
from rescind.orders.reads import order_for_reader
from rescind.refunds.recovery import RETRY_PERMISSION

router = Router(tags=["disputes"])
AttachmentId = Annotated[int, Field(ge=1, le=MAX_ID)]
MAX_AMOUNT = 2_000_000_000  # minor units; beyond any order, within the database's integers


class DisputeIn(StrictIn):
    dispute_reason: DisputeReasonChoice = Field(
        description="R18: a code from GET /policy/dispute-reasons")
    claim: int | None = Field(default=None, ge=1, le=MAX_AMOUNT,
                              description="minor units asked back; none: all that is left")
    return_item: bool = Field(default=False, description="R20: the buyer returns the item")
    description: str = Field(default="", max_length=1000)
    evidence: list[AttachmentId] = Field(default_factory=list, max_length=20,
                                         description="attachment ids from the order's messages")


class ProposalIn(StrictIn):
    amount: int = Field(ge=1, le=MAX_AMOUNT, description="minor units")
    return_item: bool = False
    note: str = Field(default="", max_length=1000)


class DecisionIn(StrictIn):
    refund: int = Field(ge=0, le=MAX_AMOUNT, description="minor units; 0 for no refund")
    return_item: bool = False
    note: str = Field(default="", max_length=1000)
    version: int | None = Field(
        default=None, ge=0, le=MAX_AMOUNT,
        description="the dispute's `version` as the agent read it; if it changed since, the "
        "decision is refused (409 dispute_changed)")
    take_over: bool = Field(default=False, description="decide a dispute another agent "
                            "claimed, taking it over (otherwise 409 dispute_claimed)")


class EvidenceOut(Schema):
    id: int
    name: str
    message_id: int | None = Field(description="the message that carries the file: GET "
                                   "/orders/{id}/messages/{message_id}/attachments/{id}")


class DisputeOut(Schema):
    id: int
    order_id: int
    state: DisputeStateChoice
    state_label: str
    reason: DisputeReasonChoice
    reason_label: str
    description: str
    claim: MoneyOut
    return_item: bool
    evidence: list[EvidenceOut]
    beside_cancellation: bool
    opened_at: datetime
    respond_by: datetime | None
    escalate_by: datetime | None
    confirm_by: datetime | None
    next_deadline: datetime | None = Field(description="when the platform acts by itself")
    escalated_at: datetime | None
    seller_note: str
    proposal: MoneyOut | None
    proposal_return: bool
    refund: MoneyOut | None
    return_required: bool
    decided_at: datetime | None
    decided_by: str | None
    decision_note: str
    return_carrier: str
    return_tracking: str
    return_shipped_at: datetime | None
    return_delivered_at: datetime | None
    return_received_at: datetime | None
    resolved_at: datetime | None
    actions: list[str]
    assignee: str | None = Field(description="the support agent who claimed it (R20)")
    assigned_at: datetime | None
    version: int = Field(description="moves with every change; send it with a decision")


class QueuedDisputeOut(DisputeOut):
    due_at: datetime | None
    overdue: bool
    store: str


class OverdueRefundOut(Schema):
    id: int
    order_id: int
    amount: MoneyOut
    method: PaymentMethodChoice
    state: RefundStateChoice
    start_by: datetime
    arrive_by: datetime
    overdue_flagged_at: datetime | None = Field(description="flagged: not arrived by arrive_by")
    start_overdue_flagged_at: datetime | None = Field(
        description="flagged: not accepted by the provider by start_by (R23)")
    not_started: bool = Field(description="still not accepted by the provider past start_by")
    last_error: str


class FailedRefundOut(Schema):
    id: int
    order_id: int
    amount: MoneyOut
    method: str
    failed_at: datetime
    failure_code: str
    failure_message: str
    attempts: int
    destination_updated_at: datetime | None = Field(
        description="when the buyer renewed the method since it failed; none: not yet")
    actions: list[str] = Field(description="retry: POST /refunds/{id}/retry")


class SupportQueueOut(Schema):
    disputes: list[QueuedDisputeOut]
    overdue_refunds: list[OverdueRefundOut]
    failed_refunds: list[FailedRefundOut] = Field(
        description="refused for good by the provider and not retried yet (R23)")


class DisputeReasonOut(Schema):
    code: str
    label: str


def _read(request, order_id: int) -> dict[str, Any]:
    order, party = order_for_reader(request.user, order_id)
    return dispute_for_reader(order, party,
                              can_decide=request.user.has_perm(DECIDE_PERMISSION))


@router.get("/policy/dispute-reasons", response={200: list[DisputeReasonOut], **ERRORS})
def dispute_reasons(request):
    """R18: the reasons a dispute may give."""
    return [{"code": code, "label": gettext(label)} for code, label in DISPUTE_REASONS.items()]


@router.post("/orders/{order_id}/dispute", response={201: DisputeOut, **ERRORS})
def orders_dispute_open(request, order_id: int, body: DisputeIn):
    """R16-R18: the buyer opens a dispute on a shipped order (or a canceled shipment the seller
    let lapse or refused, or a completed order while buyer protection lasts: the order's
    `dispute_until`): full or partial refund, with or without return, a reason and evidence.
    The order's action `dispute_not_received` is this call with `dispute_reason`
    "not_received": on a parcel no carrier called delivered it opens from the shipment's
    `deliver_by` (R17). Errors: 409 dispute_not_available (details say from when, or when
    protection ended), 409 dispute_already_open, 422 bad_claim, 422 unknown_dispute_reason,
    422 unknown_evidence."""
    dispute_open(order_id=order_id, user=request.user, reason=body.dispute_reason,
                 claim=body.claim, return_item=body.return_item, description=body.description,
                 evidence=body.evidence, now=clock_now())
    return Status(201, _read(request, order_id))


@router.get("/orders/{order_id}/dispute", response={200: DisputeOut, **ERRORS})
def orders_dispute_read(request, order_id: int):
    """The order's latest dispute, with the caller's actions on it. Errors: 404
    dispute_not_found."""
    return _read(request, order_id)


@router.post("/orders/{order_id}/dispute/accept", response={200: DisputeOut, **ERRORS})
def orders_dispute_accept(request, order_id: int):
    """R19: the seller accepts the buyer's claim. Errors: 409 dispute_state_conflict."""
    dispute_accept(order_id=order_id, user=request.user, now=clock_now())
    return _read(request, order_id)


@router.post("/orders/{order_id}/dispute/refuse", response={200: DisputeOut, **ERRORS})
def orders_dispute_refuse(request, order_id: int, body: RefuseIn):
    """R19: the seller refuses, saying why; the buyer may escalate, or it escalates by itself
    after the policy window."""
    dispute_refuse(order_id=order_id, user=request.user, note=body.note, now=clock_now())
    return _read(request, order_id)


@router.post("/orders/{order_id}/dispute/propose", response={200: DisputeOut, **ERRORS})
def orders_dispute_propose(request, order_id: int, body: ProposalIn):
    """R19: the seller proposes another amount. Errors: 422 bad_proposal."""
    dispute_propose(order_id=order_id, user=request.user, amount=body.amount,
                    return_item=body.return_item, note=body.note, now=clock_now())
    return _read(request, order_id)


@router.post("/orders/{order_id}/dispute/accept-proposal",
             response={200: DisputeOut, **ERRORS})
def orders_dispute_accept_proposal(request, order_id: int):
    """R19: the buyer accepts the seller's proposal."""
    dispute_proposal_accept(order_id=order_id, user=request.user, now=clock_now())
    return _read(request, order_id)


@router.post("/orders/{order_id}/dispute/escalate", response={200: DisputeOut, **ERRORS})
def orders_dispute_escalate(request, order_id: int, body: NoteIn):
    """R19: the buyer takes a refusal or a proposal to platform support."""
    dispute_escalate(order_id=order_id, user=request.user, note=body.note, now=clock_now())
    return _read(request, order_id)


@router.post("/orders/{order_id}/dispute/return-shipment",
             response={200: DisputeOut, **ERRORS})
def orders_dispute_return_shipment(request, order_id: int, body: ShipIn):
    """R20: the buyer sends the item back with a carrier and tracking number; the carrier's
    "delivered" event (POST /carrier/events) starts the seller's confirmation window."""
    dispute_return_ship(order_id=order_id, user=request.user, carrier=body.carrier,
                        tracking_number=body.tracking_number, now=clock_now())
    return _read(request, order_id)


@router.post("/orders/{order_id}/dispute/confirm-return", response={200: DisputeOut, **ERRORS})
def orders_dispute_confirm_return(request, order_id: int):
    """R20: the seller confirms the returned item arrived; the refund pays out. Errors: 409
    return_not_shipped."""
    dispute_return_confirm(order_id=order_id, user=request.user, now=clock_now())
    return _read(request, order_id)


@router.post("/orders/{order_id}/dispute/decision", response={200: DisputeOut, **ERRORS})
def orders_dispute_decision(request, order_id: int, body: DecisionIn):
    """R20, R22: support (staff with rescind_disputes.decide_dispute) decides a full, partial
    or no refund, with or without return. Two agents never decide unknowingly: send the
    `version` read with the dispute and a decision on a dispute that changed since is refused;
    one another agent claimed needs `take_over`. Errors: 403 decide_permission_required, 409
    dispute_changed, 409 dispute_claimed, 409 dispute_state_conflict, 409 no_open_dispute,
    409 refund_exceeds_charge, 422 return_needs_refund."""
    dispute_decide(order_id=order_id, user=request.user, refund=body.refund,
                   return_item=body.return_item, note=body.note, now=clock_now(),
                   version_seen=body.version, take_over=body.take_over)
    return _read(request, order_id)


@router.get("/support/disputes", response={200: SupportQueueOut, **ERRORS})
def support_disputes(request):
    """R20, R23: support's queue: open disputes by next deadline, refunds overdue or not
    started in time, and refunds failed for good waiting for a retry."""
    if not is_support(request.user):
        raise DomainError("support_only", _("Only support staff may see the queue."),
                          kind=ErrorKind.FORBIDDEN)
    return support_queue(now=clock_now(),
                         can_retry=request.user.has_perm(RETRY_PERMISSION))
