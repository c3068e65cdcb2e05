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
from rescind.orders.models import Order, Parcel
from rescind.orders.parcels import parcel_is_live
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


def dispute_return_carrier_event(*, user, parcel: Parcel, kind: CarrierEvent,
                                 now: datetime) -> Order | None:
    """R15, R20: a carrier reports on a parcel that is a dispute's return. Only "delivered"
    moves the dispute; repeats change nothing. None if the parcel was released meanwhile."""
    with transaction.atomic():
        order = order_lock(parcel.order_id)
        if not parcel_is_live(parcel):
            return None
        dispute = dispute_open_of(order)
        if kind is CarrierEvent.DELIVERED and dispute is not None \
                and dispute.state == DisputeState.AWAITING_RETURN.value:
            events = decide_return_delivered(dispute.facts(), now=now, policy=policy())
            dispute_apply(order, dispute, events, actor=Actor(Party.CARRIER, user.pk), now=now)
    return order
