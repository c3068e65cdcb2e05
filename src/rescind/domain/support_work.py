"""What support does beyond deciding (R16, R20, R22, R27, R29): claiming a dispute so that two
agents never decide it unknowingly, messaging both sides of an order, canceling a shipment on
the seller's behalf, and a goodwill refund outside any dispute. Pure: facts in, events out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils.translation import gettext_lazy as _

from rescind.domain.calendar import BusinessCalendar
from rescind.domain.disputes import DisputeFacts
from rescind.domain.errors import DomainError, ErrorKind
from rescind.domain.events import NOTE_LIMIT, Event, RefundCreated, ShipmentCanceled
from rescind.domain.facts import OrderFacts
from rescind.domain.money import Money
from rescind.domain.policy import Policy
from rescind.domain.refunds import decide_refund
from rescind.domain.states import Transition, apply_transition

CANCELED_BY_PLATFORM = "canceled_by_platform"  # a ShipmentCanceled cause (R16)


@dataclass(frozen=True, slots=True)
class DisputeClaimed(Event):
    """R29: a support agent took the dispute to work on it; `took_over_from` names the agent
    who had it, if any."""

    agent: str
    took_over_from: str = ""


@dataclass(frozen=True, slots=True)
class DisputeReleased(Event):
    """R29: the agent gave the dispute back to the queue."""

    agent: str


@dataclass(frozen=True, slots=True)
class SupportMessaged(Event):
    """R27: support wrote in the order's conversation; both the buyer and the seller read it."""

    message_id: int
    attachments: int


@dataclass(frozen=True, slots=True)
class GoodwillRefundGranted(Event):
    """R22: support gives money back outside any dispute, with a reason; the refund itself is
    the RefundCreated that follows, through the same ledger and guard."""

    amount: Money
    reason: str


@dataclass(frozen=True, slots=True)
class DisputeGuard:
    """Who holds the dispute now, and what the agent's page showed when it was loaded."""

    agent_id: int
    assignee_id: int | None
    assignee_name: str
    version: int
    version_seen: int | None  # None: the caller (an API client) did not say
    escalated: bool = True  # still waiting for support's decision


def decide_claim(dispute: DisputeFacts | None, *, agent: str, agent_id: int,
                 assignee_id: int | None, assignee_name: str,
                 take_over: bool) -> list[Event]:
    """R20: the agent claims the dispute; a dispute another agent holds is taken over only
    when asked to (`take_over`). Claiming one's own dispute again changes nothing."""
    _open(dispute)
    if assignee_id == agent_id:
        return []
    if assignee_id is not None and not take_over:
        raise _claimed_error(assignee_name)
    return [DisputeClaimed(agent=agent, took_over_from=assignee_name if assignee_id else "")]


def decide_release(dispute: DisputeFacts | None, *, agent: str, agent_id: int,
                   assignee_id: int | None) -> list[Event]:
    """R20: the agent gives back a dispute they hold; releasing an unclaimed one does
    nothing, another agent's is refused."""
    _open(dispute)
    if assignee_id is None:
        return []
    if assignee_id != agent_id:
        raise DomainError("dispute_not_yours", _("Another support agent holds this dispute; "
                            "only they can release it."), kind=ErrorKind.FORBIDDEN)
    return [DisputeReleased(agent=agent)]


def decide_guard(guard: DisputeGuard, *, agent: str, take_over: bool) -> list[Event]:
    """R20: before support decides: a dispute claimed by another agent is decided only when
    taken over explicitly, and never from a page loaded before the dispute last changed.
    Returns the claim the decision makes (the decider holds the dispute from then on). A
    dispute past support's decision is left to the decision, which says what it is now."""
    if guard.version_seen is not None and guard.version_seen != guard.version:
        raise DomainError(
            "dispute_changed",
            _("The dispute changed since you loaded it. Read it again, then decide."),
            details={"version": guard.version, "version_seen": guard.version_seen})
    if not guard.escalated:
        return []
    if guard.assignee_id not in (None, guard.agent_id) and not take_over:
        raise _claimed_error(guard.assignee_name)
    if guard.assignee_id == guard.agent_id:
        return []
    return [DisputeClaimed(agent=agent, took_over_from=guard.assignee_name
                           if guard.assignee_id is not None else "")]


def _claimed_error(assignee_name: str) -> DomainError:
    return DomainError(
        "dispute_claimed",
        _("Support agent %(assignee_name)s is working on this dispute. Take it over to act on it."),
        params={"assignee_name": assignee_name},
        details={"assignee": assignee_name})


def _open(dispute: DisputeFacts | None) -> DisputeFacts:
    if dispute is None:
        raise DomainError("no_open_dispute", _("This order has no open dispute."))
    return dispute


def decide_platform_cancel_shipment(order: OrderFacts, *, note: str, now: datetime,
                                    policy: Policy) -> list[Event]:
    """R16: support cancels the shipment on the seller's behalf ("Shipment canceled by
    AliExpress"): the same "shipment canceled" as a carrier's drop, so the seller still owes a
    new shipment or a full refund and the same reply window runs. A reason is required."""
    note = _reason(note, code="note_required",
                   message=_("Say why the shipment is canceled; both sides read it."))
    apply_transition(order.state, Transition.DROP_SHIPMENT)
    return [ShipmentCanceled(tracking_number=order.tracking_number or "",
                             cause=CANCELED_BY_PLATFORM,
                             reply_by=now + policy.r16_seller_reply_window, note=note)]


def decide_goodwill_refund(order: OrderFacts, *, amount: Money, reason: str, now: datetime,
                           policy: Policy, calendar: BusinessCalendar) -> list[Event]:
    """R21, R22: support refunds any amount up to what is left to refund, with a reason,
    outside a dispute; the same guard as every refund keeps the sum within the charge."""
    reason = _reason(reason, code="reason_required",
                     message=_("Give the reason for the goodwill refund."))
    if order.paid_at is None:
        raise DomainError("order_not_paid", _("An unpaid order has nothing to refund."))
    if amount.amount <= 0:
        raise DomainError("bad_amount", _("The refund must be more than zero."),
                          kind=ErrorKind.INVALID)
    if amount > order.refundable:
        raise DomainError(
            "refund_exceeds_refundable",
            _("At most %(refundable)s is left to refund on this order."),
            params={"refundable": order.refundable},
            details={"refundable": order.refundable.as_dict(), "requested": amount.as_dict(),
                     "charged": order.total.as_dict()})
    created: RefundCreated = decide_refund(order, amount=amount, now=now, policy=policy,
                                           calendar=calendar)
    return [GoodwillRefundGranted(amount=amount, reason=reason), created]


def _reason(text: str, *, code: str, message: str) -> str:
    text = text.strip()
    if not text:
        raise DomainError(code, message, kind=ErrorKind.INVALID)
    return text[:NOTE_LIMIT]


# R20: how long a dispute has waited, in the words and tone of its queue badge.
AGE_STEPS: tuple[tuple[timedelta, str, str], ...] = (
    (timedelta(hours=24), "new", "info"),
    (timedelta(days=3), "waiting", "warning"),
)
AGE_OLD = ("long wait", "danger")


def dispute_age(waited: timedelta) -> tuple[str, str]:
    """R20: the queue's ageing badge: under a day "new", under three days "waiting", then
    "long wait"; the label says it, the tone only repeats it."""
    for limit, label, tone in AGE_STEPS:
        if waited < limit:
            return label, tone
    return AGE_OLD
