"""Fires the dispute deadlines stored on the Dispute rows (R19, R20): silence accepts the claim,
no movement escalates to support, silence after a delivered return pays out.

Each fires at most once in effect, even with many workers: the firing locks the order, re-reads
the dispute, and acts only if it is still in the state whose deadline passed; the change of
state it makes in the same transaction is what a racing worker then finds.
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.db import transaction
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
from rescind.orders.recording import order_facts, order_lock

logger = logging.getLogger(__name__)
S = DisputeState


def _due(now: datetime) -> Q:
    return (Q(state=S.AWAITING_SELLER.value, respond_by__lte=now)
            | Q(state__in=[S.SELLER_REFUSED.value, S.SELLER_PROPOSED.value],
                escalate_by__lte=now)
            | Q(state=S.AWAITING_RETURN.value, confirm_by__lte=now))


def dispute_fire(*, dispute_id: int, order_id: int, now: datetime) -> bool:
    """Act on one dispute whose deadline passed, if it still applies. Returns whether this
    call acted."""
    with transaction.atomic():
        order = order_lock(order_id)
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


def disputes_fire_due(*, now: datetime, limit: int = 500) -> int:
    """Fire up to `limit` dispute deadlines due at `now`. Returns how many acted."""
    due = list(Dispute.objects.filter(_due(now)).order_by("pk")
               .values_list("pk", "order_id")[:limit])
    return sum(dispute_fire(dispute_id=d, order_id=o, now=now) for d, o in due)
