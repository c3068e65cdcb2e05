"""Support's view of the whole platform: how long refunds take to arrive per payment method
against the method's deadline (R23), cancellations by reason and the side they count against
(R8), and the stores with a rate above its threshold (R30)."""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from rescind.domain.calendar import BusinessCalendar
from rescind.domain.metric_trends import MEASURES, Measure, is_at_risk
from rescind.domain.metrics import PeriodOrder, Rate
from rescind.domain.policy import Policy, Side
from rescind.domain.refunds import PaymentMethod

NOT_SHIPPED_IN_TIME = "not_shipped_in_time"  # the reason shown for an R12 closure


@dataclass(frozen=True, slots=True)
class Deadline:
    """A payment method's refund deadline (R23), in days or working days."""

    amount: int
    working: bool


def refund_deadline(method: PaymentMethod, policy: Policy) -> Deadline:
    if method is PaymentMethod.E_WALLET:
        return Deadline(policy.r23_ewallet_refund_days, working=False)
    if method is PaymentMethod.BANK_CARD:
        return Deadline(policy.r23_bank_card_refund_working_days, working=True)
    return Deadline(policy.r23_bank_transfer_refund_working_days, working=True)


def elapsed(start: datetime, end: datetime, *, working: bool,
            calendar: BusinessCalendar) -> int:
    """Whole days (or working days) from `start` to `end`, counted as the deadline is: the
    n-th working day after the start, at the same time of day, ends the n-th."""
    if not working:
        return max((end - start) // timedelta(days=1), 0)
    count, day = 0, start.date()
    while day < end.date():
        day += timedelta(days=1)
        if calendar.is_working_day(day):
            count += 1
    if count and end.time() < start.time() and calendar.is_working_day(end.date()):
        count -= 1
    return count


@dataclass(frozen=True, slots=True)
class Bin:
    low: int  # included
    high: int | None  # excluded; None for the last, open bin
    count: int


@dataclass(frozen=True, slots=True)
class ArrivalHistogram:
    method: str
    deadline: Deadline
    bins: tuple[Bin, ...]
    marker_after: int  # the deadline falls after this many bins
    arrived: int
    on_time: int  # arrived by their own arrive_by
    median: float | None  # of the elapsed days

    @property
    def late(self) -> int:
        return self.arrived - self.on_time


def bin_width(deadline: int) -> int:
    """The smallest divisor of the deadline that makes at most eight bins up to it, so the
    deadline always falls between two bins."""
    for width in range(1, deadline + 1):
        if deadline % width == 0 and deadline / width <= 8:
            return width
    return 1


def arrival_histogram(method: str, deadline: Deadline, elapsed_days: Sequence[int],
                      on_time: int) -> ArrivalHistogram:
    """R23: arrivals binned up to twice the deadline, the rest in one open bin at the end."""
    limit = max(deadline.amount, 1)
    width = bin_width(limit)
    edges = list(range(0, 2 * limit + 1, width))
    counts = Counter(min(d // width, len(edges) - 1) for d in elapsed_days)
    bins = tuple(Bin(low, edges[i + 1] if i + 1 < len(edges) else None, counts.get(i, 0))
                 for i, low in enumerate(edges))
    return ArrivalHistogram(
        method=method, deadline=deadline, bins=bins, marker_after=limit // width,
        arrived=len(elapsed_days), on_time=on_time,
        median=float(statistics.median(elapsed_days)) if elapsed_days else None)


@dataclass(frozen=True, slots=True)
class ReasonCount:
    code: str
    label: str
    side: str
    count: int


def cancellations_by_reason(codes: Iterable[str], policy: Policy) -> list[ReasonCount]:
    """R8: how many orders closed for each reason (the request's reason, or not shipped in
    time), the side it counts against, most frequent first. A reason no longer in the policy
    keeps its code as its label and counts against nobody in particular (platform)."""
    counted = Counter(codes)
    rows = []
    for code, count in counted.items():
        if code == NOT_SHIPPED_IN_TIME:
            rows.append(ReasonCount(code, "", Side.SELLER.value, count))
            continue
        reason = policy.reasons_by_code.get(code)
        rows.append(ReasonCount(code, reason.label if reason else code,
                                reason.side.value if reason else Side.PLATFORM.value, count))
    return sorted(rows, key=lambda r: (-r.count, r.code))


def by_side(rows: Iterable[ReasonCount]) -> dict[str, int]:
    """The totals per side, every side present."""
    totals = {side.value: 0 for side in Side}
    for row in rows:
        totals[row.side] += row.count
    return totals


@dataclass(frozen=True, slots=True)
class StoreAtRisk:
    store_id: int
    store_name: str
    over: tuple[tuple[Measure, Rate, float], ...]  # measure, the store's rate, its threshold


def stores_at_risk(orders: Iterable[PeriodOrder], names: Mapping[int, str],
                   policy: Policy) -> list[StoreAtRisk]:
    """R30: every store with at least one rate above its threshold over these orders, those
    with the most rates at risk first, then by name."""
    by_store: dict[int, list[PeriodOrder]] = {}
    for order in orders:
        by_store.setdefault(order.store_id, []).append(order)
    found = []
    for store_id, mine in by_store.items():
        over = []
        for measure in MEASURES:
            rate, threshold = measure.rate(mine), measure.threshold(policy)
            if is_at_risk(rate, threshold):
                over.append((measure, rate, threshold))
        if over:
            found.append(StoreAtRisk(store_id, names.get(store_id, ""), tuple(over)))
    return sorted(found, key=lambda s: (-len(s.over), s.store_name, s.store_id))
