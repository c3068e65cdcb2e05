"""Fires due deadlines: each at most once in effect, even with many workers (R5, R10, R12, R23).

A worker lists due deadlines, then fires each in its own transaction: lock the order, re-read
the deadline, and only if it is still open, run its handler and mark it fired. A second worker
that raced for the same deadline finds it fired and does nothing. A deadline whose handler finds
the order has moved on (a domain error) is voided instead, so it never fires later; one whose
handler says "try later" (TryLater, e.g. a payment is being captured) stays due.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from django.db import transaction

from rescind.aftersale.changes import change_expire
from rescind.aftersale.services import (
    cancellation_auto_approve,
    order_close_not_shipped,
    seller_remind,
)
from rescind.domain.errors import DomainError, TryLater
from rescind.orders.models import Deadline, Order
from rescind.orders.recording import order_lock
from rescind.orders.services import order_close_unpaid
from rescind.orders.shipping import order_auto_complete, shipment_canceled_unanswered
from rescind.refunds.services import refund_check_due

logger = logging.getLogger(__name__)

HANDLERS: dict[str, Callable[..., None]] = {
    Deadline.Kind.UNPAID_TIMEOUT: lambda order, deadline, now: order_close_unpaid(order, now=now),
    Deadline.Kind.SELLER_RESPONSE:
        lambda order, deadline, now: cancellation_auto_approve(order, now=now),
    Deadline.Kind.HANDLING_TIME:
        lambda order, deadline, now: order_close_not_shipped(order, now=now),
    Deadline.Kind.REFUND_CHECK: lambda order, deadline, now: refund_check_due(
        order, deadline, now=now),
    Deadline.Kind.SELLER_RESPONSE_REMINDER:
        lambda order, deadline, now: seller_remind(order, deadline, now=now),
    Deadline.Kind.HANDLING_TIME_REMINDER:
        lambda order, deadline, now: seller_remind(order, deadline, now=now),
    Deadline.Kind.DELIVERY_CONFIRMATION:
        lambda order, deadline, now: order_auto_complete(order, now=now),
    Deadline.Kind.SHIPMENT_CANCELED_REPLY:
        lambda order, deadline, now: shipment_canceled_unanswered(order, now=now),
    Deadline.Kind.CHANGE_REQUEST_RESPONSE:
        lambda order, deadline, now: change_expire(order, deadline, now=now),
}


def deadline_fire(*, deadline_id: int, order_id: int, now: datetime) -> bool:
    """Fire one deadline if it is still open. Returns whether this call fired it."""
    with transaction.atomic():
        order: Order = order_lock(order_id)
        deadline = Deadline.objects.filter(pk=deadline_id, fired_at__isnull=True,
                                           voided_at__isnull=True).first()
        if deadline is None:
            return False
        try:
            with transaction.atomic():
                HANDLERS[deadline.kind](order, deadline, now)
        except TryLater as exc:
            logger.info("deadline %s (%s) waits: %s", deadline_id, deadline.kind, exc.code)
            return False
        except DomainError as exc:
            logger.info("deadline %s (%s) no longer applies: %s", deadline_id, deadline.kind,
                        exc.code)
            deadline.voided_at = now
            deadline.save(update_fields=["voided_at"])
            return False
        deadline.fired_at = now
        deadline.save(update_fields=["fired_at"])
        return True


def deadlines_fire_due(*, now: datetime, limit: int = 500) -> int:
    """Fire up to `limit` deadlines due at `now`, earliest first. Returns how many fired."""
    due = list(
        Deadline.objects.filter(fired_at__isnull=True, voided_at__isnull=True, due_at__lte=now)
        .order_by("due_at", "id").values_list("id", "order_id")[:limit]
    )
    return sum(deadline_fire(deadline_id=d, order_id=o, now=now) for d, o in due)
