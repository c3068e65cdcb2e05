"""Which orders of a run changed since the last look (issue 17).

A step's own orders are checked right after it. What the worker does between steps (deadlines
fired or voided, refunds started, arrived, failed or flagged overdue, coupons returned) changes
other orders; the runner checks those every so often. Reading every order of the run each time
made a run's checking grow with the square of its orders (at 10,000 orders, 220 looks at
thousands of orders); this reads only what can have moved:

- timeline entries written since the last look (every state change writes one, R29);
- deadlines made since, or open at the last look and fired or voided since; open ones already
  due (R10's "none left open once due" is a matter of time passing, not of a write);
- refunds made since, or not ended at the last look (those the worker acts on), compared field
  by field; every refund not ended is looked at again (R23's overdue flags come with time).

Everything the worker writes for an order lands in one of those tables, so an order outside
the answer has not changed since it was last checked. The final check still reads every order.
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import Max, Q

from rescind.domain.refunds import RefundState
from rescind.orders.models import Deadline, TimelineEntry
from rescind.refunds.models import Refund

_ENDED = (RefundState.SUCCEEDED.value, RefundState.FAILED.value)
_REFUND_FIELDS = ("state", "amount", "attempts", "started_at", "arrived_at", "failed_at",
                  "overdue_flagged_at", "start_overdue_flagged_at")


def _top(model) -> int:
    return model.objects.aggregate(top=Max("pk"))["top"] or 0


class ChangeWatch:
    """Remembers the last look; `changed` answers the orders of `ours` that moved since."""

    def __init__(self) -> None:
        self.entry_mark = _top(TimelineEntry)
        self.deadline_mark = _top(Deadline)
        self.refund_mark = _top(Refund)
        self.open_deadlines: set[int] = set()
        self.refunds_seen: dict[int, tuple] = {}  # refunds not ended at the last look

    def changed(self, ours: set[int], now: datetime) -> set[int]:
        if not ours:
            return set()
        first = min(ours)
        moved: set[int] = set()
        entries = list(TimelineEntry.objects.filter(pk__gt=self.entry_mark, order_id__gte=first)
                       .order_by().values_list("pk", "order_id"))
        moved.update(order_id for _, order_id in entries)
        self.entry_mark = max((pk for pk, _ in entries), default=self.entry_mark)

        open_now: set[int] = set()
        rows = Deadline.objects.filter(order_id__gte=first).filter(
            Q(pk__gt=self.deadline_mark) | Q(fired_at__isnull=True, voided_at__isnull=True)
            | Q(pk__in=list(self.open_deadlines))).order_by()
        for pk, order_id, due_at, fired_at, voided_at in rows.values_list(
                "pk", "order_id", "due_at", "fired_at", "voided_at"):
            still_open = fired_at is None and voided_at is None
            if pk > self.deadline_mark or (pk in self.open_deadlines) != still_open \
                    or (still_open and due_at <= now):
                moved.add(order_id)
            if still_open:
                open_now.add(pk)
            self.deadline_mark = max(self.deadline_mark, pk)
        self.open_deadlines = open_now

        seen: dict[int, tuple] = {}
        rows = Refund.objects.filter(order_id__gte=first).filter(
            Q(pk__gt=self.refund_mark) | ~Q(state__in=_ENDED)
            | Q(pk__in=list(self.refunds_seen))).order_by()
        for pk, order_id, *fields in rows.values_list("pk", "order_id", *_REFUND_FIELDS):
            values = tuple(fields)
            if pk > self.refund_mark or values[0] not in _ENDED \
                    or self.refunds_seen.get(pk) != values:
                moved.add(order_id)
            if values[0] not in _ENDED:
                seen[pk] = values
            self.refund_mark = max(self.refund_mark, pk)
        self.refunds_seen = seen
        return moved & ours
