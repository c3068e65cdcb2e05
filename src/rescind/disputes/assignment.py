"""Support claims and releases disputes, each recorded on the order's timeline, so that two
agents never work on the same dispute unknowingly (R20, R29)."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from rescind.accounts.parties import require_party
from rescind.disputes.models import Dispute
from rescind.disputes.recording import dispute_apply, dispute_open_of
from rescind.domain.actions import Party
from rescind.domain.support_work import decide_claim, decide_release
from rescind.orders.recording import order_lock


def dispute_claim(*, order_id: int, user, take_over: bool = False,
                  now: datetime) -> Dispute | None:
    """R20: a support agent claims the order's open dispute; one another agent holds is
    taken over only with `take_over` (409 dispute_claimed otherwise). A repeat does nothing."""
    with transaction.atomic():
        order = order_lock(order_id)
        actor = require_party(user, order, Party.SUPPORT)
        dispute = dispute_open_of(order)
        holder = dispute.assignee if dispute and dispute.assignee_id else None
        events = decide_claim(dispute.facts() if dispute else None,
                              agent=user.get_username(), agent_id=user.pk,
                              assignee_id=holder.pk if holder else None,
                              assignee_name=holder.get_username() if holder else "",
                              take_over=take_over)
        return dispute_apply(order, dispute, events, actor=actor, now=now)


def dispute_release(*, order_id: int, user, now: datetime) -> Dispute | None:
    """R20: the agent holding the order's open dispute gives it back to the queue (403
    dispute_not_yours for another agent's). Releasing an unclaimed one does nothing."""
    with transaction.atomic():
        order = order_lock(order_id)
        actor = require_party(user, order, Party.SUPPORT)
        dispute = dispute_open_of(order)
        events = decide_release(dispute.facts() if dispute else None,
                                agent=user.get_username(), agent_id=user.pk,
                                assignee_id=dispute.assignee_id if dispute else None)
        return dispute_apply(order, dispute, events, actor=actor, now=now)
