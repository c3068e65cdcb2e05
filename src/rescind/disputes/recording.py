"""The shared steps of every dispute service: find the open dispute, apply decided events to its
row, record them on the order's timeline, and open the refund through the ledger (R18-R22)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from django.db import transaction

from rescind.accounts.parties import (
    Actor,
    party_on_order,
    require_party,
    require_support_permission,
)
from rescind.disputes.models import OPEN_STATES, Dispute
from rescind.domain.actions import Party
from rescind.domain.dispute_events import (
    DisputeDecided,
    DisputeEscalated,
    DisputeOpened,
    DisputeResolved,
    DisputeReturnDelivered,
    DisputeReturnReceived,
    DisputeReturnShipped,
    DisputeSellerProposed,
    DisputeSellerRefused,
)
from rescind.domain.disputes import DisputeFacts, DisputeState
from rescind.domain.events import Event, RefundCreated
from rescind.domain.facts import OrderFacts
from rescind.domain.support_work import DisputeClaimed, DisputeGuard, DisputeReleased
from rescind.orders.closing import order_close
from rescind.orders.models import Deadline, Order, Parcel
from rescind.orders.parcels import parcel_claim, parcels_release
from rescind.orders.recording import (
    deadlines_void,
    events_record,
    order_facts,
    order_lock,
    reminder_set,
)
from rescind.refunds.services import refund_open

DECIDE_PERMISSION = "rescind_disputes.decide_dispute"

Decision = Callable[[OrderFacts, DisputeFacts | None], list[Event]]


def dispute_open_of(order: Order) -> Dispute | None:
    """The order's open dispute; there is at most one (a unique constraint backs the lock)."""
    return Dispute.objects.filter(order_id=order.pk, state__in=OPEN_STATES).first()


def support_decider(user, order: Order) -> Actor:
    """R20: staff with the decide permission."""
    return require_support_permission(user, order, permission=DECIDE_PERMISSION,
                                      code="decide_permission_required", doing="decide disputes")


def dispute_act(*, order_id: int, actor_of: Callable[[Order], Actor], decide: Decision,
                now: datetime) -> Dispute | None:
    """Lock the order, check who acts, decide on the facts, apply (DESIGN.md, the one path)."""
    with transaction.atomic():
        order = order_lock(order_id)
        actor = actor_of(order)
        dispute = dispute_open_of(order)
        events = decide(order_facts(order), dispute.facts() if dispute else None)
        return dispute_apply(order, dispute, events, actor=actor, now=now)


def dispute_guard_of(dispute: Dispute, user, *, version_seen: int | None) -> DisputeGuard:
    """Who holds `dispute` and what the agent saw, for the decisions that guard it (R20)."""
    name = ""
    if dispute.assignee_id is not None and dispute.assignee_id != user.pk:
        name = dispute.assignee.get_username()
    return DisputeGuard(agent_id=user.pk, assignee_id=dispute.assignee_id, assignee_name=name,
                        version=dispute.version, version_seen=version_seen,
                        escalated=dispute.state == DisputeState.ESCALATED.value)


def party_actor(user, *parties: Party) -> Callable[[Order], Actor]:
    return lambda order: require_party(user, order, *parties)


def dispute_apply(order: Order, dispute: Dispute | None, events: list[Event], *, actor: Actor,
                  now: datetime) -> Dispute | None:
    """Keep the dispute row in step with `events`, then record them on the locked order. A
    resolution that refunds all that is left closes the order through the one closing path;
    any other refund is opened on the ledger, which keeps the sum within the charge (R22)."""
    for event in events:
        dispute = _row_apply(order, dispute, event, actor=actor, now=now)
    if dispute is not None:
        if events:  # under the order's lock: a page loaded before now is stale (R20)
            dispute.version += 1
        dispute.save()
        _reminders_void(order, dispute, events, now=now)
        seller_due = dispute.seller_due  # the seller's queue sorts by it
        if order.dispute_seller_due != seller_due:
            order.dispute_seller_due = seller_due
            order.save(update_fields=["dispute_seller_due"])
    if any(isinstance(e, DisputeResolved) and e.outcome == "closed" for e in events):
        order_close(order, events, actor=actor, now=now)
        refund = order.refunds.order_by("-pk").first()
    else:
        events_record(order, events, actor=actor, now=now)
        refund = None
        for event in events:
            if isinstance(event, RefundCreated):
                refund = refund_open(order, event, cause="DisputeResolved", now=now)
    if refund is not None and dispute is not None:
        dispute.refund_row = refund
        dispute.save(update_fields=["refund_row"])
    return dispute


def _reminders_void(order: Order, dispute: Dispute, events: list[Event], *,
                    now: datetime) -> None:
    """R27: a reminder stops once the seller acted, or the dispute moved past what it
    announces. A dispute just opened has nothing to stop yet."""
    if any(isinstance(e, DisputeOpened) for e in events):
        return
    kinds = [kind for kind, state in (
        (Deadline.Kind.DISPUTE_RESPONSE_REMINDER, DisputeState.AWAITING_SELLER),
        (Deadline.Kind.RETURN_CONFIRMATION_REMINDER, DisputeState.AWAITING_RETURN))
        if dispute.state != state.value]
    if kinds:
        deadlines_void(order, *kinds, now=now)


def _row_apply(order: Order, dispute: Dispute | None, event: Event, *, actor: Actor,
               now: datetime) -> Dispute | None:
    S = DisputeState
    if isinstance(event, DisputeOpened):
        # R16-R18: the order's own clocks stop while the dispute runs; buyer protection of a
        # completed order is used up by it (one dispute per completed order).
        deadlines_void(order, Deadline.Kind.DELIVERY_CONFIRMATION,
                       Deadline.Kind.SHIPMENT_CANCELED_REPLY, Deadline.Kind.PROMISED_DELIVERY,
                       Deadline.Kind.PROTECTION_END, now=now)
        if order.dispute_until is not None and not event.beside_cancellation:
            order.dispute_until = None
            order.save(update_fields=["dispute_until"])
        opened = Dispute.objects.create(
            order=order, reason=event.reason, description=event.description,
            currency=event.claim.currency, claim=event.claim.amount,
            return_item=event.return_item, evidence=list(event.evidence),
            beside_cancellation=event.beside_cancellation, state=S.AWAITING_SELLER.value,
            opened_at=now, respond_by=event.respond_by)
        if event.respond_by is not None:  # R27: the seller hears before silence accepts
            reminder_set(order, Deadline.Kind.DISPUTE_RESPONSE_REMINDER, "dispute_response",
                         event.respond_by, opened.pk)
        return opened
    assert dispute is not None
    if isinstance(event, DisputeSellerRefused):
        dispute.state, dispute.seller_note = S.SELLER_REFUSED.value, event.note
        dispute.escalate_by = event.escalate_by
    elif isinstance(event, DisputeSellerProposed):
        dispute.state, dispute.seller_note = S.SELLER_PROPOSED.value, event.note
        dispute.proposal, dispute.proposal_return = event.amount.amount, event.return_item
        dispute.escalate_by = event.escalate_by
    elif isinstance(event, DisputeEscalated):
        dispute.state, dispute.escalated_at = S.ESCALATED.value, now
    elif isinstance(event, DisputeDecided):
        dispute.refund, dispute.return_required = event.refund.amount, event.return_item
        dispute.decided_at, dispute.decided_by, dispute.decision_note = now, event.by, event.note
        dispute.decided_by_user_id = actor.user_id
        dispute.state = S.AWAITING_RETURN.value  # until resolved, below, if nothing comes back
    elif isinstance(event, DisputeReturnShipped):
        dispute.return_carrier, dispute.return_tracking = event.carrier, event.tracking_number
        dispute.return_shipped_at = now
        parcel_claim(order, kind=Parcel.Kind.RETURN, carrier=event.carrier,
                     tracking_number=event.tracking_number, now=now)  # R15
    elif isinstance(event, DisputeReturnDelivered):
        dispute.return_delivered_at, dispute.confirm_by = now, event.confirm_by
        reminder_set(order, Deadline.Kind.RETURN_CONFIRMATION_REMINDER, "return_confirmation",
                     event.confirm_by, dispute.pk)  # R27
    elif isinstance(event, DisputeReturnReceived):
        dispute.return_received_at = now
    elif isinstance(event, DisputeClaimed):
        dispute.assignee_id, dispute.assigned_at = actor.user_id, now
    elif isinstance(event, DisputeReleased):
        dispute.assignee_id, dispute.assigned_at = None, None
    elif isinstance(event, DisputeResolved):
        dispute.state, dispute.resolved_at = S.RESOLVED.value, now
        parcels_release(order, kind=Parcel.Kind.RETURN, cause="dispute_resolved", now=now)
    return dispute


def party_of(user, order: Order) -> str | None:
    """The reader's side on the dispute: buyer, seller or support (R28)."""
    party = party_on_order(user, order)
    return party.value if party else None
