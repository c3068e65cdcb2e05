"""A goodwill refund: support gives money back outside any dispute, with a reason, through the
same ledger and guard as every refund (R21, R22, R27, R29)."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from rescind.accounts.parties import require_support_permission
from rescind.config import calendar, policy
from rescind.domain.money import Money
from rescind.domain.support_work import decide_goodwill_refund
from rescind.orders.recording import events_record, order_facts, order_lock
from rescind.refunds.models import Refund
from rescind.refunds.services import refund_open

GOODWILL_CAUSE = "GoodwillRefundGranted"


def refund_goodwill(*, order_id: int, user, amount: int, reason: str, now: datetime) -> Refund:
    """R22: support refunds `amount` (minor units) of the order, at most what is left to refund
    (409 refund_exceeds_refundable beyond it), to the method it was paid with (R21). Needs
    staff with the decide-disputes permission (403 support_permission_required)."""
    from rescind.disputes.recording import DECIDE_PERMISSION

    with transaction.atomic():
        order = order_lock(order_id)
        actor = require_support_permission(user, order, permission=DECIDE_PERMISSION,
                                           code="support_permission_required",
                                           doing="grant goodwill refunds")
        granted, created = decide_goodwill_refund(
            order_facts(order), amount=Money(amount, order.currency), reason=reason, now=now,
            policy=policy(), calendar=calendar())
        events_record(order, [granted, created], actor=actor, now=now)
        return refund_open(order, created, cause=GOODWILL_CAUSE, now=now)
