"""The five rates a seller is judged on, week by week, against the policy's thresholds and the
platform's median (R30, R8, R10, R12, R16, R18).

Each rate counts *orders*: its numerator is the orders of the period for which something went
against the seller, so that every count can be listed order by order (`measure_counts`), and
the list is exactly the count. Its denominator is the paid orders, except for the requests
approved through silence, which are out of the cancellation requests (R10).
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from fractions import Fraction

from django.utils.translation import gettext_lazy as _

from rescind.domain.errors import DomainError, ErrorKind
from rescind.domain.metrics import Period, PeriodOrder, Rate, period_parse
from rescind.domain.policy import Policy


@dataclass(frozen=True, slots=True)
class Measure:
    """One rate: which orders count, what each order weighs in the denominator, and the policy
    value that is its threshold (percent)."""

    key: str
    counts: Callable[[PeriodOrder], bool]
    weight: Callable[[PeriodOrder], int]
    threshold_field: str

    def rate(self, orders: Iterable[PeriodOrder]) -> Rate:
        orders = list(orders)
        return Rate(sum(1 for o in orders if self.counts(o)), sum(self.weight(o) for o in orders))

    def threshold(self, policy: Policy) -> float:
        return getattr(policy, self.threshold_field)


def _paid(order: PeriodOrder) -> int:
    return int(order.paid)


MEASURES: tuple[Measure, ...] = (
    # R8, R12: paid orders closed before shipment against the seller.
    Measure("cancellation_rate", lambda o: o.seller_cancelled, _paid,
            "r30_cancellation_rate_threshold"),
    # R10: requests approved because the seller did not answer, out of all requests.
    Measure("auto_approval_share", lambda o: o.auto_approved > 0, lambda o: o.requests,
            "r30_auto_approval_share_threshold"),
    # R12: paid orders closed because the handling time passed without a shipment.
    Measure("late_shipment_rate", lambda o: o.late_shipment, _paid,
            "r30_late_shipment_rate_threshold"),
    # R16: paid orders whose shipment the seller or the carrier canceled, once or more.
    Measure("shipment_cancellation_rate", lambda o: o.shipments_canceled > 0, _paid,
            "r30_shipment_cancellation_rate_threshold"),
    # R18-R20: paid orders with a dispute the seller lost.
    Measure("dispute_lost_rate", lambda o: o.disputes_lost > 0, _paid,
            "r30_dispute_lost_rate_threshold"),
)
MEASURES_BY_KEY = {m.key: m for m in MEASURES}


def measure_of(key: str) -> Measure:
    """The measure named `key`, or 422 unknown_metric with the allowed keys."""
    try:
        return MEASURES_BY_KEY[key]
    except KeyError:
        raise DomainError("unknown_metric", _("%(key)s is not one of the metrics."),
                                            params={"key": repr(key[:40])},
                          kind=ErrorKind.INVALID,
                          details={"allowed": list(MEASURES_BY_KEY)}) from None


def measure_counts(measure: Measure, orders: Iterable[PeriodOrder]) -> list[int]:
    """The ids of the orders behind a measure's count, newest first: exactly its numerator."""
    counted = [o for o in orders if measure.counts(o)]
    counted.sort(key=lambda o: (o.placed_at, o.order_id), reverse=True)
    return [o.order_id for o in counted]


def weeks_of(period: Period) -> list[Period]:
    """The period cut into weeks from Monday to Sunday; the first and last may be shorter."""
    weeks, first = [], period.first
    while first <= period.last:
        sunday = first + timedelta(days=6 - first.weekday())
        weeks.append(Period(first, min(sunday, period.last)))
        if sunday >= date.max - timedelta(days=1):
            break
        first = sunday + timedelta(days=1)
    return weeks


MAX_WEEKS = 53
TREND_WEEKS = 12


def trend_period_default(today: date) -> Period:
    """The last TREND_WEEKS weeks: from a Monday to today."""
    monday = today - timedelta(days=today.weekday())
    return Period(monday - timedelta(weeks=TREND_WEEKS - 1), today)


def period_before(period: Period) -> Period | None:
    """The period of the same length that ends the day before `period` starts (for comparing
    with it, as the figure "before"); None at the start of the calendar."""
    days = period.last - period.first + timedelta(days=1)
    try:
        return Period(period.first - days, period.first - timedelta(days=1))
    except OverflowError:
        return None


def trend_period_parse(first: str | None, last: str | None, *, today: date) -> Period:
    """The period of a trend: the last twelve weeks when neither end is given, else as
    `period_parse` reads it, at most MAX_WEEKS weeks (422 invalid_period, period_too_long)."""
    if first is None and last is None:
        return trend_period_default(today)
    return trend_period_check(period_parse(first, last, today=today))


def trend_period_check(period: Period) -> Period:
    """A trend reads at most a year of weeks (422 period_too_long): a chart of more would be
    unreadable, and the read grows with it."""
    if period.first == date.min or (period.last - period.first).days >= 7 * MAX_WEEKS:
        raise DomainError("period_too_long",
                          _("Trends cover at most %(max_weeks)s weeks; choose a shorter period."),
                          params={"max_weeks": MAX_WEEKS},
                          kind=ErrorKind.INVALID, details={"max_weeks": MAX_WEEKS})
    return period


def is_at_risk(rate: Rate, threshold: float) -> bool:
    """R30: a rate strictly above its threshold (percent) puts the store at risk; no rate (no
    orders to divide by) never does."""
    share = rate.fraction
    return share is not None and share * 100 > Fraction(str(threshold))


def median_share(rates: Iterable[Rate]) -> Fraction | None:
    """The platform's median: the middle of the stores' shares, leaving out stores with nothing
    to divide by; None when no store has a share."""
    shares = [r.fraction for r in rates if r.fraction is not None]
    return Fraction(statistics.median(shares)) if shares else None


def percent(share: Fraction | None) -> float | None:
    """A share in percent, rounded half up to one decimal, as Rate.percent does."""
    if share is None:
        return None
    return Rate(share.numerator, share.denominator).percent


@dataclass(frozen=True, slots=True)
class Trend:
    """One measure of one store: the period's rate, each week's, the threshold and the median."""

    measure: Measure
    rate: Rate
    weeks: tuple[tuple[Period, Rate], ...]
    threshold: float
    median: Fraction | None
    previous: Rate | None = None  # over the period just before, of the same length

    @property
    def at_risk(self) -> bool:
        return is_at_risk(self.rate, self.threshold)

    @property
    def median_percent(self) -> float | None:
        return percent(self.median)


def store_trends(store_id: int, orders: Sequence[PeriodOrder], *, period: Period,
                 policy: Policy, before: Sequence[PeriodOrder] | None = None) -> list[Trend]:
    """R30: every measure of one store over `period` and each of its weeks; `orders` are the
    period's orders of every store, for the platform's median; `before` the store's orders of
    the period just before, to compare with."""
    mine = [o for o in orders if o.store_id == store_id]
    by_store: dict[int, list[PeriodOrder]] = {}
    for order in orders:
        by_store.setdefault(order.store_id, []).append(order)
    weeks = weeks_of(period)
    trends = []
    for measure in MEASURES:
        weekly = tuple((week, measure.rate(
            o for o in mine if week.start <= o.placed_at < week.end)) for week in weeks)
        trends.append(Trend(
            measure=measure, rate=measure.rate(mine), weeks=weekly,
            threshold=measure.threshold(policy),
            median=median_share(measure.rate(group) for group in by_store.values()),
            previous=None if before is None else measure.rate(
                o for o in before if o.store_id == store_id)))
    return trends
