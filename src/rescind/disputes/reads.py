"""A dispute as one reader sees it, and support's queue (R19, R20, R23, R28: pages and API
share it)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Case, F, Q, When
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from rescind.disputes.models import OPEN_STATES, Dispute
from rescind.domain.actions import Party
from rescind.domain.disputes import DisputeState, dispute_actions
from rescind.domain.errors import DomainError, ErrorKind
from rescind.domain.refunds import RefundState
from rescind.messaging.models import MessageAttachment
from rescind.orders.models import Order
from rescind.refunds.models import Refund, not_retried
from rescind.web.labels import dispute_reason_label


def _money(amount: int | None, currency: str) -> dict[str, Any] | None:
    return None if amount is None else {"amount": amount, "currency": currency}


def dispute_latest(order: Order) -> Dispute | None:
    return order.disputes.order_by("-pk").first()


def dispute_read(dispute: Dispute, party: Party, *, can_decide: bool = False,
                 names: dict[int, tuple[str, int]] | None = None) -> dict[str, Any]:
    """The dispute with the actions open to `party` (support's "decide" only if allowed).
    `names`: the evidence files' names and messages, when a list has read them for all its
    disputes."""
    cur = dispute.currency
    actions = dispute_actions(dispute.facts(), party.value)
    if party is Party.SUPPORT and not can_decide:
        actions = [a for a in actions if a != "decide"]
    if names is None:
        names = _evidence_names(dispute.evidence)
    return {
        "id": dispute.pk, "order_id": dispute.order_id, "state": dispute.state,
        "state_label": dispute.state.replace("_", " "),
        "reason": dispute.reason, "reason_label": dispute_reason_label(dispute.reason),
        "description": dispute.description, "claim": _money(dispute.claim, cur),
        "return_item": dispute.return_item,
        "evidence": [{"id": pk, "name": names[pk][0] if pk in names else "",
                      "message_id": names[pk][1] if pk in names else None}
                     for pk in dispute.evidence],
        "beside_cancellation": dispute.beside_cancellation, "opened_at": dispute.opened_at,
        "respond_by": dispute.respond_by, "escalate_by": dispute.escalate_by,
        "confirm_by": dispute.confirm_by, "next_deadline": dispute.next_deadline,
        "escalated_at": dispute.escalated_at, "seller_note": dispute.seller_note,
        "proposal": _money(dispute.proposal, cur), "proposal_return": dispute.proposal_return,
        "refund": _money(dispute.refund, cur), "return_required": dispute.return_required,
        "decided_at": dispute.decided_at, "decided_by": dispute.decided_by or None,
        "decision_note": dispute.decision_note, "return_carrier": dispute.return_carrier,
        "return_tracking": dispute.return_tracking,
        "return_shipped_at": dispute.return_shipped_at,
        "return_delivered_at": dispute.return_delivered_at,
        "return_received_at": dispute.return_received_at, "resolved_at": dispute.resolved_at,
        "actions": actions,
        # R20: the agent working on it, and the version a decision form posts back.
        "assignee": dispute.assignee.get_username() if dispute.assignee_id else None,
        "assigned_at": dispute.assigned_at, "version": dispute.version,
    }


def _evidence_names(attachment_ids) -> dict[int, tuple[str, int]]:
    """The original names of these message attachments and the messages that carry them, in
    one statement (none if no ids)."""
    return {pk: (name, message_id) for pk, name, message_id in MessageAttachment.objects
            .filter(pk__in=list(attachment_ids)).values_list("pk", "original_name", "message_id")}


def dispute_for_reader(order: Order, party: Party, *, can_decide: bool = False) -> dict:
    dispute = dispute_latest(order)
    if dispute is None:
        raise DomainError("dispute_not_found", _("This order has no dispute."),
                          kind=ErrorKind.NOT_FOUND)
    return dispute_read(dispute, party, can_decide=can_decide)


def support_queue(*, now: datetime, limit: int = 200, can_retry: bool = False,
                  with_disputes: bool = True) -> dict[str, list[dict[str, Any]]]:
    """R20, R23: open disputes, the next deadline first (those waiting for support by when
    they were escalated); refunds flagged overdue that have not arrived, or not started in
    time; and refunds failed for good waiting for a retry (`can_retry`: the reader may).
    A constant number of statements whatever the queue's length (issue 16): the evidence
    names of every dispute listed are read together."""
    S = DisputeState
    disputes = (Dispute.objects.filter(state__in=OPEN_STATES)
                .select_related("order__store").prefetch_related("assignee")  # as in queue.py
                .annotate(due=Case(
                    When(state=S.AWAITING_SELLER.value, then=F("respond_by")),
                    When(state__in=[S.SELLER_REFUSED.value, S.SELLER_PROPOSED.value],
                         then=F("escalate_by")),
                    When(state=S.AWAITING_RETURN.value, confirm_by__isnull=False,
                         then=F("confirm_by")),
                    default=F("escalated_at")))
                .order_by(F("due").asc(nulls_last=True), "pk")[:limit])
    # Each arm matches one partial index (refund_overdue_open, refund_not_started).
    late = (Q(overdue_flagged_at__isnull=False) & ~Q(state=RefundState.SUCCEEDED.value)
            & ~Q(state=RefundState.FAILED.value)) | Q(start_overdue_flagged_at__isnull=False,
                                                        state=RefundState.PENDING.value)
    overdue = Refund.objects.filter(late).order_by("arrive_by", "pk")[:limit]
    failed = (Refund.objects.filter(not_retried(), state=RefundState.FAILED.value)
              .select_related("payment").order_by("failed_at", "pk")[:limit])
    disputes = list(disputes) if with_disputes else []
    names = _evidence_names({pk for d in disputes for pk in d.evidence})
    return {
        "disputes": [{**dispute_read(d, Party.SUPPORT, can_decide=True, names=names),
                      "due_at": d.due,
                      "overdue": d.next_deadline is not None and d.next_deadline <= now,
                      "store": d.order.store.name} for d in disputes],
        "overdue_refunds": [
            {"id": r.pk, "order_id": r.order_id, "amount": _money(r.amount, r.currency),
             "method": r.method, "state": r.state, "start_by": r.start_by,
             "arrive_by": r.arrive_by, "overdue_flagged_at": r.overdue_flagged_at,
             "start_overdue_flagged_at": r.start_overdue_flagged_at,
             "not_started": r.state == RefundState.PENDING.value
             and r.start_overdue_flagged_at is not None,
             "last_error": r.last_error}
            for r in overdue],
        "failed_refunds": [_failed_read(r, can_retry=can_retry) for r in failed],
    }


def _failed_read(refund: Refund, *, can_retry: bool) -> dict[str, Any]:
    """R23: a refund the provider refused for good, waiting for support to retry it; whether
    the buyer has renewed the method since it failed."""
    updated_at = refund.payment.instrument_updated_at
    return {"id": refund.pk, "order_id": refund.order_id,
            "amount": _money(refund.amount, refund.currency), "method": refund.method,
            "failed_at": refund.failed_at, "failure_code": refund.failure_code,
            "failure_message": _shown(refund.failure_message), "attempts": refund.attempts,
            "destination_updated_at": updated_at
            if updated_at and updated_at >= refund.failed_at else None,
            "actions": ["retry"] if can_retry else []}


def _shown(stored: str) -> str:
    """A stored English text (the sandbox's failure message) in the reader's language."""
    return gettext(stored) if stored else ""
