"""Support's dispute queue (R20, R28: pages and API share it): open disputes filtered by whom
they wait for and who holds them, searched by order number, buyer, store or item, the longest
waiting first, a page at a time behind a cursor, in a constant number of statements."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Case, Exists, F, OuterRef, Prefetch, Q, When
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from rescind.disputes.models import OPEN_STATES, Dispute
from rescind.disputes.reads import _evidence_names, dispute_read
from rescind.domain.actions import Party
from rescind.domain.disputes import DisputeState
from rescind.domain.errors import DomainError, ErrorKind, one_of
from rescind.domain.support_work import dispute_age
from rescind.orders.models import OrderLine

S = DisputeState
# Whom an open dispute waits for (the queue's filters); "" is every open dispute.
WAITING_FOR: dict[str, list[str]] = {
    "": OPEN_STATES,
    "support": [S.ESCALATED.value],
    "seller": [S.AWAITING_SELLER.value],
    "buyer": [S.SELLER_REFUSED.value, S.SELLER_PROPOSED.value],
    "return": [S.AWAITING_RETURN.value],
}
ASSIGNEES = ("", "mine", "unassigned")
PAGE_SIZE = 50
MAX_SEARCH = 100


@dataclass(frozen=True, slots=True)
class QueueFilter:
    waiting_for: str = ""
    assignee: str = ""
    search: str = ""
    cursor: str = ""


def queue_filter(*, waiting_for: str = "", assignee: str = "", search: str = "",
                 cursor: str = "") -> QueueFilter:
    """The queue's filters, checked: 422 unknown_filter with the allowed values."""
    waiting_for = one_of(list(WAITING_FOR), waiting_for or "", code="unknown_filter",
                         what=_("%(value)s is not a waiting-for filter."))
    assignee = one_of(list(ASSIGNEES), assignee or "", code="unknown_filter",
                      what=_("%(value)s is not an assignee filter."))
    search = (search or "").strip()
    if len(search) > MAX_SEARCH or "\x00" in search:
        raise DomainError("bad_search", _("Search for at most %(max_search)s characters."),
                                        params={"max_search": MAX_SEARCH},
                          kind=ErrorKind.INVALID)
    return QueueFilter(waiting_for, assignee, search, cursor or "")


def _cursor_encode(since: datetime, pk: int) -> str:
    return base64.urlsafe_b64encode(f"{since.isoformat()}|{pk}".encode()).decode().rstrip("=")


def _cursor_decode(cursor: str) -> tuple[datetime, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        since, pk = raw.split("|")
        after, last = datetime.fromisoformat(since), int(pk)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        after, last = None, -1
    if after is None or after.tzinfo is None or not 0 < last < 2**63:
        raise DomainError("bad_cursor", _("This cursor is not one the queue gave."),
                          kind=ErrorKind.INVALID)
    return after, last


def _search(text: str) -> Q:
    """Order number (with or without "#"), buyer name or e-mail, store name, or an item."""
    number = text.lstrip("#").strip()
    match = (Q(order__buyer__username__icontains=text) | Q(order__buyer__email__icontains=text)
             | Q(order__store__name__icontains=text)
             | Q(Exists(OrderLine.objects.filter(order_id=OuterRef("order_id"),
                                                 product_name__icontains=text))))
    if number.isdigit() and len(number) < 19:
        match |= Q(order_id=int(number))
    return match


def dispute_queue(*, user, now: datetime, filters: QueueFilter,
                  limit: int = PAGE_SIZE) -> dict[str, Any]:
    """R20: a page of open disputes, the longest waiting first: escalated ones since they
    were escalated, returns since the decision, the rest since they opened. Each comes with
    how long it has waited, its ageing badge, its buyer, items and assignee. `next_cursor`
    continues after the last row; rows that change meanwhile never repeat or vanish from a
    later page for that reason alone, since the order is by a fixed instant and the id."""
    since = Case(When(state=S.ESCALATED.value, then=Coalesce("escalated_at", "opened_at")),
                 When(state=S.AWAITING_RETURN.value,
                      then=Coalesce("decided_at", "escalated_at", "opened_at")),
                 default=F("opened_at"))
    rows = (Dispute.objects.filter(state__in=WAITING_FOR[filters.waiting_for])
            .annotate(since=since)
            .select_related("order__store", "order__buyer")
            # The assignees apart, by their ids: a LEFT JOIN to every user made PostgreSQL
            # hash the whole user table for a page of mostly unassigned disputes
            # (bench/query_plans.py, path N).
            .prefetch_related("assignee",
                              Prefetch("order__lines", OrderLine.objects.order_by("pk"))))
    if filters.assignee == "mine":
        rows = rows.filter(assignee_id=user.pk)
    elif filters.assignee == "unassigned":
        rows = rows.filter(assignee__isnull=True)
    if filters.search:
        rows = rows.filter(_search(filters.search))
    if filters.cursor:
        after, pk = _cursor_decode(filters.cursor)
        rows = rows.filter(Q(since__gt=after) | Q(since=after, pk__gt=pk))
    page = list(rows.order_by("since", "pk")[:limit + 1])
    more, page = len(page) > limit, page[:limit]
    names = _evidence_names({pk for d in page for pk in d.evidence})
    return {
        "disputes": [_queued(d, now=now, user=user, names=names) for d in page],
        "next_cursor": _cursor_encode(page[-1].since, page[-1].pk) if more else None,
    }


def _queued(dispute: Dispute, *, now: datetime, user, names) -> dict[str, Any]:
    waited = max(now - dispute.since, now - now)
    age_label, age_tone = dispute_age(waited)
    deadline = dispute.next_deadline
    order = dispute.order
    return {
        **dispute_read(dispute, Party.SUPPORT, can_decide=True, names=names),
        "waiting_since": dispute.since, "waited_seconds": int(waited.total_seconds()),
        "age_label": age_label, "age_tone": age_tone,
        "due_at": deadline, "overdue": deadline is not None and deadline <= now,
        "store": order.store.name, "buyer": order.buyer.get_username(),
        "items": [line.product_name for line in order.lines.all()],
        "mine": dispute.assignee_id == user.pk,
    }
