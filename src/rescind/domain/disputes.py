"""Disputes after shipment, and beside a supplier report: open, negotiate, escalate, decide,
return the item and pay out (R9, R18-R20, R22). Pure: facts in, events out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from rescind.domain.calendar import BusinessCalendar
from rescind.domain.dispute_events import (
    DisputeAutoAccepted,
    DisputeDecided,
    DisputeEscalated,
    DisputeOpened,
    DisputeProposalAccepted,
    DisputeResolved,
    DisputeReturnDelivered,
    DisputeReturnReceived,
    DisputeReturnShipped,
    DisputeSellerAccepted,
    DisputeSellerProposed,
    DisputeSellerRefused,
)
from rescind.domain.errors import DomainError, ErrorKind, one_of
from rescind.domain.events import NOTE_LIMIT, Event
from rescind.domain.facts import OrderFacts
from rescind.domain.money import Money
from rescind.domain.policy import Policy
from rescind.domain.refunds import decide_refund
from rescind.domain.shipping import (
    can_request_dispute,
    not_received_available_from,
    tracking_checked,
)
from rescind.domain.states import OrderState


class DisputeState(StrEnum):
    AWAITING_SELLER = "awaiting_seller"
    SELLER_REFUSED = "seller_refused"
    SELLER_PROPOSED = "seller_proposed"
    ESCALATED = "escalated"
    AWAITING_RETURN = "awaiting_return"
    RESOLVED = "resolved"


# R18: what the buyer may say went wrong. "supplier_fraud" is also the reason of R9's report.
DISPUTE_REASONS: dict[str, str] = {
    "not_received": gettext_noop("The item did not arrive"),
    "not_as_described": gettext_noop("The item is not as described"),
    "damaged": gettext_noop("The item arrived damaged"),
    "wrong_item": gettext_noop("I received the wrong item"),
    "counterfeit": gettext_noop("The item is counterfeit"),
    "shipment_canceled": gettext_noop("The shipment was canceled and the seller did not help"),
    "supplier_fraud": gettext_noop("I suspect the supplier of fraud"),
    "other": gettext_noop("Something else"),
}
SUPPLIER_FRAUD = "supplier_fraud"
NOT_RECEIVED = "not_received"


def dispute_reason_checked(reason: object) -> str:
    """R18: one of the dispute reasons, or 422 unknown_dispute_reason with the allowed list."""
    return one_of(list(DISPUTE_REASONS), reason, code="unknown_dispute_reason",
                  what=_("%(value)s is not a dispute reason."))


@dataclass(frozen=True, slots=True)
class DisputeFacts:
    """The open dispute of an order, as the decisions read it."""

    state: DisputeState
    claim: Money
    return_item: bool
    beside_cancellation: bool
    respond_by: datetime | None = None
    escalate_by: datetime | None = None
    proposal: Money | None = None
    proposal_return: bool = False
    refund: Money | None = None  # decided, paid out once the item is back (R20)
    return_tracking: str | None = None
    return_delivered_at: datetime | None = None
    confirm_by: datetime | None = None


def _require(dispute: DisputeFacts | None, *states: DisputeState) -> DisputeFacts:
    if dispute is None:
        raise DomainError("no_open_dispute", _("This order has no open dispute."))
    if dispute.state not in states:
        raise DomainError(
            "dispute_state_conflict",
            _("The dispute is %(state)s; this is not possible now."),
            params={"state": dispute.state.value.replace('_', ' ')},
            details={"state": dispute.state.value,
                     "allowed": [s.value for s in states]})
    return dispute


def _note(text: str, *, required: bool) -> str:
    text = text.strip()
    if required and not text:
        raise DomainError("note_required", _("Tell the other side why."), kind=ErrorKind.INVALID)
    return text[:NOTE_LIMIT]


def decide_open_dispute(
    order: OrderFacts, open_dispute: DisputeFacts | None, *, reason: str, claim: Money | None,
    return_item: bool, description: str, evidence: tuple[int, ...],
    order_attachments: frozenset[int], now: datetime, policy: Policy,
) -> list[Event]:
    """R16-R18, R22: the buyer opens a dispute on a shipped order (or a canceled shipment the
    seller let lapse or refused, or a completed order under buyer protection), asking for at
    most what is left to refund; "not received" waits for the promised delivery (R17)."""
    if open_dispute is not None:
        raise DomainError("dispute_already_open", _("This order already has an open dispute."))
    if not can_request_dispute(order, now):
        raise DomainError(
            "dispute_not_available",
            _("A dispute can be opened on a shipped order, on a canceled shipment once the "
              "seller has refused or let 7 days pass, or on a completed order while buyer "
              "protection lasts."),
            details={"state": order.state.value,
                     "available_from": order.dispute_from.isoformat()
                     if order.dispute_from else None,
                     "protection_ended_at": order.dispute_until.isoformat()
                     if order.dispute_until and order.state is OrderState.COMPLETED else None})
    dispute_reason_checked(reason)
    not_received_from = not_received_available_from(order)
    if reason == NOT_RECEIVED and not_received_from is not None and now < not_received_from:
        raise DomainError(  # R17: the parcel is still within its promised delivery
            "dispute_not_available",
            _("The parcel is promised by %(promised)s: a dispute for non-delivery can be opened "
              "from then, or earlier if the carrier drops the parcel."),
            params={"promised": not_received_from.strftime("%Y-%m-%d %H:%M UTC")},
            details={"state": order.state.value, "reason": reason,
                     "available_from": not_received_from.isoformat()})
    claim = order.refundable if claim is None else claim
    if claim.amount <= 0 or claim > order.refundable:
        raise DomainError(
            "bad_claim", _("Ask for an amount from %(least)s up to %(refundable)s, what is left "
                           "to refund of this order."),
            params={"least": Money(1, claim.currency),
                    "refundable": order.refundable}, kind=ErrorKind.INVALID,
            details={"refundable": order.refundable.as_dict()})
    unknown = sorted(set(evidence) - order_attachments)
    if unknown:
        raise DomainError("unknown_evidence", _("Evidence must be attachments of this order's "
                            "messages."), kind=ErrorKind.INVALID, details={"unknown": unknown})
    return [DisputeOpened(reason=reason, claim=claim, return_item=return_item,
                          description=_note(description, required=False),
                          evidence=tuple(sorted(set(evidence))),
                          respond_by=now + policy.r19_dispute_response_window)]


def decide_supplier_dispute(order: OrderFacts, open_dispute: DisputeFacts | None) -> list[Event]:
    """R9: a supplier report opens a dispute beside the cancellation request, straight to
    support, leaving the order as it is. Nothing when a dispute is open or nothing is owed."""
    if open_dispute is not None or order.refundable.amount <= 0:
        return []
    return [DisputeOpened(reason=SUPPLIER_FRAUD, claim=order.refundable, return_item=False,
                          description="", evidence=(), respond_by=None,
                          beside_cancellation=True),
            DisputeEscalated(by="supplier_report", note="")]


def decide_seller_accept(order: OrderFacts, dispute: DisputeFacts | None, *, now: datetime,
                         policy: Policy, calendar: BusinessCalendar) -> list[Event]:
    """R19: the seller accepts the claim; the buyer gets it, after the return if asked."""
    dispute = _require(dispute, DisputeState.AWAITING_SELLER)
    return [DisputeSellerAccepted(),
            *_settle(order, dispute, refund=dispute.claim, return_item=dispute.return_item,
                     by="seller", note="", now=now, policy=policy, calendar=calendar)]


def decide_seller_refuse(dispute: DisputeFacts | None, *, note: str, now: datetime,
                         policy: Policy) -> list[Event]:
    """R19: the seller refuses; the buyer may escalate, or it escalates by itself."""
    _require(dispute, DisputeState.AWAITING_SELLER)
    return [DisputeSellerRefused(note=_note(note, required=True),
                                 escalate_by=now + policy.r19_auto_escalate_after)]


def decide_seller_propose(dispute: DisputeFacts | None, *, amount: Money, return_item: bool,
                          note: str, now: datetime, policy: Policy) -> list[Event]:
    """R19: the seller offers another amount, less than the claim and more than nothing."""
    dispute = _require(dispute, DisputeState.AWAITING_SELLER)
    if amount.currency != dispute.claim.currency or not 0 < amount.amount < dispute.claim.amount:
        raise DomainError("bad_proposal", _("Propose more than nothing and less than the "
                                            "%(claim)s asked."),
                          params={"claim": dispute.claim}, kind=ErrorKind.INVALID,
                          details={"claim": dispute.claim.as_dict()})
    return [DisputeSellerProposed(amount=amount, return_item=return_item,
                                  note=_note(note, required=False),
                                  escalate_by=now + policy.r19_auto_escalate_after)]


def decide_accept_proposal(order: OrderFacts, dispute: DisputeFacts | None, *, now: datetime,
                           policy: Policy, calendar: BusinessCalendar) -> list[Event]:
    """R19: the buyer takes the seller's proposal."""
    dispute = _require(dispute, DisputeState.SELLER_PROPOSED)
    assert dispute.proposal is not None
    return [DisputeProposalAccepted(amount=dispute.proposal),
            *_settle(order, dispute, refund=dispute.proposal,
                     return_item=dispute.proposal_return, by="buyer", note="", now=now,
                     policy=policy, calendar=calendar)]


def decide_escalate(dispute: DisputeFacts | None, *, note: str) -> list[Event]:
    """R19: the buyer takes a refusal or a proposal to platform support."""
    _require(dispute, DisputeState.SELLER_REFUSED, DisputeState.SELLER_PROPOSED)
    return [DisputeEscalated(by="buyer", note=_note(note, required=False))]


def decide_auto_escalate(dispute: DisputeFacts | None, *, now: datetime) -> list[Event]:
    """R19: a refusal or proposal nobody moved on within the window goes to support."""
    dispute = _require(dispute, DisputeState.SELLER_REFUSED, DisputeState.SELLER_PROPOSED)
    if dispute.escalate_by is None or now < dispute.escalate_by:
        raise DomainError("not_due", _("The dispute is not due to escalate yet."))
    return [DisputeEscalated(by="no_movement", note="")]


def decide_auto_accept(order: OrderFacts, dispute: DisputeFacts | None, *, now: datetime,
                       policy: Policy, calendar: BusinessCalendar) -> list[Event]:
    """R19: the seller's silence for the response window accepts the buyer's claim."""
    dispute = _require(dispute, DisputeState.AWAITING_SELLER)
    if dispute.respond_by is None or now < dispute.respond_by:
        raise DomainError("not_due", _("The seller's response window is still open."))
    return [DisputeAutoAccepted(respond_by=dispute.respond_by),
            *_settle(order, dispute, refund=dispute.claim, return_item=dispute.return_item,
                     by="silence", note="", now=now, policy=policy, calendar=calendar)]


def decide_support(order: OrderFacts, dispute: DisputeFacts | None, *, refund: Money,
                   return_item: bool, note: str, now: datetime, policy: Policy,
                   calendar: BusinessCalendar) -> list[Event]:
    """R20, R22: support decides a full, partial or no refund, with or without the return;
    never more than is left to refund of the order."""
    dispute = _require(dispute, DisputeState.ESCALATED)
    if refund.amount < 0 or refund.currency != order.total.currency:
        raise DomainError("bad_refund", _("The refund cannot be negative."), kind=ErrorKind.INVALID)
    if refund > order.refundable:
        raise DomainError(
            "refund_exceeds_charge",
            _("Refunds would total more than the %(total)s charged."),
            params={"total": order.total},
            details={"charged": order.total.as_dict(), "refunded": order.refunded.as_dict(),
                     "requested": refund.as_dict()})
    if return_item and refund.amount == 0:
        raise DomainError("return_needs_refund", _("A return is only asked for with a refund."),
                          kind=ErrorKind.INVALID)
    return _settle(order, dispute, refund=refund, return_item=return_item, by="support",
                   note=_note(note, required=False), now=now, policy=policy, calendar=calendar)


def decide_return_shipped(dispute: DisputeFacts | None, *, carrier: str,
                          tracking_number: str) -> list[Event]:
    """R20: the buyer sends the item back with a tracking number."""
    dispute = _require(dispute, DisputeState.AWAITING_RETURN)
    if dispute.return_tracking:
        raise DomainError("return_already_shipped", _("The item is already on its way back."))
    carrier, tracking_number = tracking_checked(carrier, tracking_number)
    return [DisputeReturnShipped(carrier=carrier, tracking_number=tracking_number)]


def decide_return_delivered(dispute: DisputeFacts | None, *, now: datetime,
                            policy: Policy) -> list[Event]:
    """R20: the carrier shows the returned item delivered; the seller's confirmation window
    starts. A repeat, or news after the dispute moved on, changes nothing."""
    if dispute is None or dispute.state is not DisputeState.AWAITING_RETURN \
            or dispute.return_delivered_at is not None:
        return []
    return [DisputeReturnDelivered(tracking_number=dispute.return_tracking or "",
                                   confirm_by=now + policy.r20_return_confirmation_window)]


def decide_return_received(order: OrderFacts, dispute: DisputeFacts | None, *, now: datetime,
                           policy: Policy, calendar: BusinessCalendar) -> list[Event]:
    """R20: the seller confirms the item is back; the refund pays out."""
    dispute = _require(dispute, DisputeState.AWAITING_RETURN)
    if not dispute.return_tracking:
        raise DomainError("return_not_shipped", _("The buyer has not sent the item back yet."))
    return [DisputeReturnReceived(by="seller"),
            *_payout(order, dispute, now=now, policy=policy, calendar=calendar)]


def decide_return_auto_received(order: OrderFacts, dispute: DisputeFacts | None, *,
                                now: datetime, policy: Policy,
                                calendar: BusinessCalendar) -> list[Event]:
    """R20: delivered back, and the seller silent for the confirmation window: refund."""
    dispute = _require(dispute, DisputeState.AWAITING_RETURN)
    if dispute.confirm_by is None or now < dispute.confirm_by:
        raise DomainError("not_due", _("The seller's confirmation window is still open."))
    return [DisputeReturnReceived(by="silence_after_delivery"),
            *_payout(order, dispute, now=now, policy=policy, calendar=calendar)]


def _settle(order: OrderFacts, dispute: DisputeFacts, *, refund: Money, return_item: bool,
            by: str, note: str, now: datetime, policy: Policy,
            calendar: BusinessCalendar) -> list[Event]:
    """The terms are set: pay out now, or once the item is back (R20)."""
    decided = DisputeDecided(refund=refund, return_item=return_item, by=by,
                             seller_lost=refund.amount > 0, note=note)
    if return_item and refund.amount > 0:
        return [decided]
    return [decided, *_payout(order, dispute, refund=refund, now=now, policy=policy,
                              calendar=calendar)]


def _payout(order: OrderFacts, dispute: DisputeFacts, *, refund: Money | None = None,
            now: datetime, policy: Policy, calendar: BusinessCalendar) -> list[Event]:
    """R20-R22: resolve the dispute. All that is left to refund closes the order, less (or
    nothing) completes it; the ledger refuses anything beyond the charge."""
    refund = refund if refund is not None else dispute.refund
    assert refund is not None
    refunds = [decide_refund(order, amount=refund, now=now, policy=policy, calendar=calendar)] \
        if refund.amount > 0 else []
    if dispute.beside_cancellation and order.state is not OrderState.IN_DISPUTE:
        outcome = "order_unchanged"
    elif refund.amount > 0 and refund == order.refundable:
        outcome = "closed"
    else:
        outcome = "completed"
    return [DisputeResolved(refund=refund, outcome=outcome), *refunds]


ACTIONS_BY_STATE: dict[tuple[str, DisputeState], tuple[str, ...]] = {
    ("seller", DisputeState.AWAITING_SELLER): ("accept", "refuse", "propose"),
    ("buyer", DisputeState.SELLER_REFUSED): ("escalate",),
    ("buyer", DisputeState.SELLER_PROPOSED): ("accept_proposal", "escalate"),
    ("support", DisputeState.ESCALATED): ("decide",),
}


def dispute_actions(dispute: DisputeFacts, party: str) -> list[str]:
    """What `party` (buyer, seller, support) may do on the dispute now (R19, R20)."""
    actions = list(ACTIONS_BY_STATE.get((party, dispute.state), ()))
    if dispute.state is DisputeState.AWAITING_RETURN:
        if party == "buyer" and not dispute.return_tracking:
            actions.append("ship_return")
        if party == "seller" and dispute.return_tracking:
            actions.append("confirm_return")
    return actions
