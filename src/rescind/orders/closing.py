"""The one way an order closes: record the decision, open its refund (R22), settle its coupons
(R25, R26), and stop every deadline still running on it."""

from __future__ import annotations

from datetime import datetime

from rescind.accounts.parties import PLATFORM, Actor
from rescind.coupons.services import coupons_settle
from rescind.domain.events import Event, RefundCreated
from rescind.orders.models import Deadline, Order
from rescind.orders.recording import deadlines_void_where, events_record
from rescind.refunds.services import refund_open


def order_close(order: Order, events: list[Event], *, actor: Actor, now: datetime) -> None:
    """Apply closing `events` (one of them moves the order to closed) on the locked order."""
    events_record(order, events, actor=actor, now=now)
    for event in events:
        if isinstance(event, RefundCreated):
            refund_open(order, event, cause=events[0].kind, now=now)
    events_record(order, coupons_settle(order, now=now), actor=PLATFORM, now=now)
    # Refund deadlines follow the money, not the order, so they keep running.
    deadlines_void_where(order, REFUND_DEADLINES, other_kinds=True, now=now)


REFUND_DEADLINES = (Deadline.Kind.REFUND_CHECK, Deadline.Kind.REFUND_START)
