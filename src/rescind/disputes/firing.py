"""Fires the dispute deadlines stored on the Dispute rows (R19, R20): silence accepts the claim,
no movement escalates to support, silence after a delivered return pays out.

Each fires at most once in effect, even with many workers: the firing locks the order, re-reads
the dispute, and acts only if it is still in the state whose deadline passed; the change of
state it makes in the same transaction is what a racing worker then finds. Workers claim due
disputes a batch at a time with their orders locked, skipping orders locked elsewhere, as the
deadline scheduler does (rescind.scheduler), so two workers take different disputes.
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.db import InterfaceError, OperationalError, transaction
from django.db.models import Q

from rescind.accounts.parties import PLATFORM
from rescind.config import calendar, policy
from rescind.disputes.models import Dispute
from rescind.disputes.recording import dispute_apply, dispute_open_of
from rescind.domain.dispute_events import DisputeEscalated
from rescind.domain.disputes import (
    DisputeState,
    decide_auto_accept,
    decide_auto_escalate,
    decide_return_auto_received,
)
from rescind.domain.errors import DomainError
from rescind.orders.models import Order
from rescind.orders.recording import order_claim, order_facts, order_lock

logger = logging.getLogger(__name__)
BATCH = 20  # disputes acted on per transaction
S = DisputeState


def _due(now: datetime) -> Q:
    return (Q(state=S.AWAITING_SELLER.value, respond_by__lte=now)
            | Q(state__in=[S.SELLER_REFUSED.value, S.SELLER_PROPOSED.value],
                escalate_by__lte=now)
            | Q(state=S.AWAITING_RETURN.value, confirm_by__lte=now))


def _act_on_locked(order: Order, dispute_id: int, now: datetime) -> bool:
    """Act on one dispute of `order`, which this transaction has locked, if it still applies."""
    dispute = dispute_open_of(order)
    if dispute is None or dispute.pk != dispute_id \
            or not Dispute.objects.filter(_due(now), pk=dispute_id).exists():
        return False
    facts, state = dispute.facts(), DisputeState(dispute.state)
    try:
        with transaction.atomic():
            if state is S.AWAITING_SELLER:
                events = decide_auto_accept(order_facts(order), facts, now=now,
                                            policy=policy(), calendar=calendar())
            elif state is S.AWAITING_RETURN:
                events = decide_return_auto_received(order_facts(order), facts, now=now,
                                                     policy=policy(), calendar=calendar())
            else:
                events = decide_auto_escalate(facts, now=now)
            dispute_apply(order, dispute, events, actor=PLATFORM, now=now)
    except DomainError as exc:
        # E.g. R22: the ledger refuses a payout beyond the charge. Support decides instead.
        logger.warning("dispute %s deadline could not act: %s", dispute_id, exc.code)
        dispute_apply(order, Dispute.objects.get(pk=dispute_id),
                      [DisputeEscalated(by="deadline_refused", note=exc.message)],
                      actor=PLATFORM, now=now)
    return True


def dispute_fire(*, dispute_id: int, order_id: int, now: datetime) -> bool:
    """Act on one dispute whose deadline passed, if it still applies. Returns whether this
    call acted."""
    with transaction.atomic():
        return _act_on_locked(order_lock(order_id), dispute_id, now)


def _act_guarded(order: Order, dispute_id: int, now: datetime) -> bool:
    """Within a batch: a crash is rolled back to its savepoint, logged, and the dispute stays
    due, so one bad dispute cannot undo or hold up the others of its batch."""
    try:
        with transaction.atomic():
            return _act_on_locked(order, dispute_id, now)
    except (OperationalError, InterfaceError):  # the connection is gone: the caller retries
        raise
    except Exception:
        logger.exception("dispute %s deadline failed; it stays due", dispute_id)
        return False


def disputes_fire_due(*, now: datetime, limit: int = 500, batch: int = BATCH) -> int:
    """Fire up to `limit` dispute deadlines due at `now`, `batch` per transaction, each tried
    at most once per call. Returns how many acted."""
    acted, passed = 0, []
    while len(passed) < limit:
        # Read without a lock and outside the transaction (on SQLite an IMMEDIATE one takes
        # the write lock: not for finding nothing due), then each order claimed by id in the
        # transaction, single-shard on Citus; `_act_on_locked` looks again under the lock.
        due = list(Dispute.objects.filter(_due(now)).exclude(pk__in=passed)
                   .order_by("pk").values_list("pk", "order_id")
                   [:min(batch, limit - len(passed))])
        if not due:
            break
        with transaction.atomic():
            for dispute_id, order_id in due:  # one open dispute per order: no order twice
                passed.append(dispute_id)
                order = order_claim(order_id)
                if order is not None:  # locked elsewhere: whoever holds it may act
                    acted += _act_guarded(order, dispute_id, now)
    return acted
