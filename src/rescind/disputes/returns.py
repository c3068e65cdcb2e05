"""Return-and-refund (R20): the buyer ships the item back, the carrier reports it delivered,
the seller confirms receipt (or stays silent), and the refund pays out."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from rescind.accounts.parties import Actor
from rescind.config import calendar, policy
from rescind.disputes.models import Dispute
from rescind.disputes.recording import dispute_act, dispute_apply, dispute_open_of, party_actor
from rescind.domain.actions import Party
from rescind.domain.disputes import (
    DisputeState,
    decide_return_delivered,
    decide_return_received,
    decide_return_shipped,
)
from rescind.domain.shipping import CarrierEvent
from rescind.orders.models import Order
from rescind.orders.recording import order_lock


def dispute_return_ship(*, order_id: int, user, carrier: str, tracking_number: str,
                        now: datetime) -> Dispute | None:
    """R20: the buyer sends the item back with the carrier's tracking number."""
    return dispute_act(order_id=order_id, actor_of=party_actor(user, Party.BUYER), now=now,
                       decide=lambda order, d: decide_return_shipped(
                           d, carrier=carrier, tracking_number=tracking_number))


def dispute_return_confirm(*, order_id: int, user, now: datetime) -> Dispute | None:
    """R20: the seller confirms the item is back; the refund pays out."""
    return dispute_act(order_id=order_id, actor_of=party_actor(user, Party.SELLER), now=now,
                       decide=lambda order, d: decide_return_received(
                           order, d, now=now, policy=policy(), calendar=calendar()))


def dispute_return_carrier_event(*, user, carriers: set[str], tracking_number: str,
                                 kind: CarrierEvent, now: datetime) -> Order | None:
    """R15, R20: a carrier reports on a parcel that is a dispute's return, by its tracking
    number and the carrier's name. Only "delivered" moves the dispute; repeats change nothing.
    None when no return of this carrier has that tracking number."""
    candidate = next(
        (d for d in Dispute.objects.filter(return_tracking=tracking_number.strip(),
                                           state=DisputeState.AWAITING_RETURN.value)
         .order_by("-pk") if d.return_carrier.lower() in carriers), None)
    if candidate is None:
        return None
    with transaction.atomic():
        order = order_lock(candidate.order_id)
        dispute = dispute_open_of(order)
        if kind is CarrierEvent.DELIVERED and dispute is not None \
                and dispute.pk == candidate.pk:
            events = decide_return_delivered(dispute.facts(), now=now, policy=policy())
            dispute_apply(order, dispute, events, actor=Actor(Party.CARRIER, user.pk), now=now)
    return order
