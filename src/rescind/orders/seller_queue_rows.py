"""One line of the seller's order queue (issue 14): the order summary, its buyer, its items and
the deadline the seller must act by ("respond by", R10, R12, R13, R16, R19), with its urgency.
Batched: the summaries' four reads, the lines and the open disputes of the whole page."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.utils.translation import gettext_lazy as _

from rescind.disputes.models import OPEN_STATES, Dispute
from rescind.domain.actions import Party
from rescind.orders.models import Deadline, Order
from rescind.orders.reads import order_summaries
from rescind.web.order_list import lines_of

URGENT = timedelta(hours=24)
# The order deadlines that are the seller's to meet, and what the seller does by then.
SELLER_DEADLINES = {
    Deadline.Kind.SELLER_RESPONSE: _("Answer the cancellation request"),
    Deadline.Kind.CHANGE_REQUEST_RESPONSE: _("Answer the change request"),
    Deadline.Kind.HANDLING_TIME: _("Ship the order"),
    Deadline.Kind.SHIPMENT_CANCELED_REPLY: _("Ship again or refund"),
}
DISPUTE_DEADLINES = {
    "awaiting_seller": ("dispute_response", _("Answer the dispute")),
    "awaiting_return": ("return_confirmation", _("Confirm you received the return")),
}


def buyer_name(user) -> str:
    full = f"{user.first_name} {user.last_name}".strip()
    return full or user.username


def seller_due(summary: dict[str, Any], dispute: Dispute | None, *,
               now: datetime) -> dict[str, Any] | None:
    """The first deadline the seller must act by on this order, with what to do and whether
    less than a day is left (`urgent`) or it has passed (`overdue`)."""
    found = [(d["due_at"], d["kind"], SELLER_DEADLINES[d["kind"]])
             for d in summary["deadlines"] if d["kind"] in SELLER_DEADLINES]
    if dispute is not None and dispute.state in DISPUTE_DEADLINES:
        due_at = dispute.next_deadline
        if due_at is not None:
            found.append((due_at, *DISPUTE_DEADLINES[dispute.state]))
    if not found:
        return None
    due_at, kind, label = min(found, key=lambda f: f[0])
    left = due_at - now
    return {"kind": str(kind), "label": label, "due_at": due_at,
            "seconds_left": max(0, int(left.total_seconds())),
            "urgent": left < URGENT, "overdue": left <= timedelta(0)}


def queue_rows(orders: list[Order], *, now: datetime) -> list[dict[str, Any]]:
    """Each order of the page as the queue shows it, in six statements for any page."""
    summaries = order_summaries(orders, lambda _order: Party.SELLER, now=now)
    lines = lines_of(orders)
    disputes = {d.order_id: d for d in Dispute.objects.filter(
        order_id__in=[o.pk for o in orders], state__in=OPEN_STATES)}  # one open per order
    rows = []
    for order, summary in zip(orders, summaries, strict=True):
        summary["buyer_name"] = buyer_name(order.buyer)
        summary["lines"] = lines[order.pk]
        summary["respond_by"] = seller_due(summary, disputes.get(order.pk), now=now)
        rows.append(summary)
    return rows
