"""A store's five rates week by week with thresholds and the platform's median, and the orders
behind each count (R30, R28: what /seller/metrics/ shows); support's platform dashboard (R8,
R23, R30: what /support/dashboard/ shows)."""

from __future__ import annotations

from datetime import date
from typing import Literal

from django.utils.translation import gettext_lazy as _
from ninja import Query, Router, Schema
from pydantic import Field

from rescind.accounts.parties import is_support, party_on_order
from rescind.api.choices import PaymentMethodChoice, SideChoice
from rescind.api.common import ERRORS
from rescind.api.metrics import PeriodOut, RateOut, rate_out
from rescind.api.schemas import OrderSummaryOut, StoreRef
from rescind.clock.service import now as clock_now
from rescind.domain.errors import DomainError, ErrorKind
from rescind.domain.metric_trends import (
    MEASURES,
    Trend,
    is_at_risk,
    measure_of,
    trend_period_parse,
)
from rescind.domain.metrics import Period
from rescind.domain.platform_metrics import by_side
from rescind.metrics.platform import platform_dashboard
from rescind.metrics.trends import orders_behind, orders_listed, readable_store, trends_read
from rescind.orders.reads import order_summaries

router = Router(tags=["metrics"])

MetricKey = Literal[tuple(m.key for m in MEASURES)]  # type: ignore[valid-type]


class TrendQuery(Schema):
    store: int | None = Field(default=None, ge=1, le=2**31 - 1, description=(
        "the store; by default the seller's first store (support must name one)"))
    date_from: str | None = Field(
        default=None, alias="from", max_length=10, json_schema_extra={"format": "date"},
        description="First day, YYYY-MM-DD (UTC). With neither end: the last 12 weeks, "
        "from a Monday to today.")
    date_to: str | None = Field(
        default=None, alias="to", max_length=10, json_schema_extra={"format": "date"},
        description="Last day, included, YYYY-MM-DD (UTC); by default today.")


class TrendOrdersQuery(TrendQuery):
    metric: MetricKey
    limit: int = Field(default=50, ge=1, le=200)
    offset: int = Field(default=0, ge=0, le=1_000_000)


class TrendWeekOut(Schema):
    from_: date = Field(alias="from")
    to: date
    rate: RateOut
    at_risk: bool


class TrendOut(Schema):
    metric: MetricKey = Field(description=(
        "cancellation_rate (paid orders closed against the seller, R8/R12), "
        "auto_approval_share (requests approved through silence, R10, out of requests), "
        "late_shipment_rate (R12), shipment_cancellation_rate (paid orders with a canceled "
        "shipment, R16), dispute_lost_rate (paid orders with a dispute lost, R18-R20)"))
    rate: RateOut = Field(description="orders counted / paid orders (requests for "
                          "auto_approval_share) over the whole period")
    threshold_percent: float = Field(description="from the policy file (r30_*_threshold)")
    at_risk: bool = Field(description="the rate is strictly above the threshold")
    platform_median_percent: float | None = Field(
        description="the median of every store's rate over the same period (stores with "
        "nothing to divide by left out); null when no store has one")
    weeks: list[TrendWeekOut] = Field(description="Monday to Sunday, the ends cut to the period")
    previous_rate: RateOut | None = Field(description="the store's rate over as many days "
                                          "just before the period, to compare with")


class TrendsOut(Schema):
    store: StoreRef
    period: PeriodOut
    metrics: list[TrendOut]


class TrendOrdersOut(Schema):
    store: StoreRef
    period: PeriodOut
    metric: MetricKey
    count: int = Field(description="how many orders the metric counted: its numerator")
    orders: list[OrderSummaryOut] = Field(description="those orders, newest first, a page")


def _period(query: TrendQuery) -> Period:
    return trend_period_parse(query.date_from, query.date_to, today=clock_now().date())


def trend_out(trend: Trend) -> dict:
    return {
        "metric": trend.measure.key, "rate": rate_out(trend.rate),
        "threshold_percent": trend.threshold, "at_risk": trend.at_risk,
        "platform_median_percent": trend.median_percent,
        "previous_rate": rate_out(trend.previous) if trend.previous is not None else None,
        "weeks": [{"from": week.first, "to": week.last, "rate": rate_out(rate),
                   "at_risk": is_at_risk(rate, trend.threshold)} for week, rate in trend.weeks],
    }


@router.get("/metrics/trends", response={200: TrendsOut, **ERRORS}, by_alias=True)
def metrics_trends(request, query: Query[TrendQuery]):
    """R30: one store's five rates over the period and week by week, each with its threshold
    from the policy, whether it is at risk, and the platform's median. A seller reads their
    stores, support any store. Errors: 403 sellers_and_support_only, 404 store_not_found,
    422 invalid_period, 422 period_too_long (over 53 weeks)."""
    store = readable_store(request.user, query.store)
    period = _period(query)
    return {"store": {"id": store.pk, "name": store.name},
            "period": {"from": period.first, "to": period.last},
            "metrics": [trend_out(t) for t in trends_read(store.pk, period)]}


@router.get("/metrics/trends/orders", response={200: TrendOrdersOut, **ERRORS}, by_alias=True)
def metrics_trend_orders(request, query: Query[TrendOrdersQuery]):
    """R30: the orders behind one metric's count over the period (a week's, with that week's
    days): exactly the `rate.numerator` of /metrics/trends, newest first. Errors: 403
    sellers_and_support_only, 404 store_not_found, 422 unknown_metric, 422 invalid_period,
    422 period_too_long."""
    store = readable_store(request.user, query.store)
    period = _period(query)
    ids = orders_behind(store.pk, measure_of(query.metric), period)
    page = orders_listed(ids[query.offset:query.offset + query.limit])
    user = request.user
    return {"store": {"id": store.pk, "name": store.name},
            "period": {"from": period.first, "to": period.last}, "metric": query.metric,
            "count": len(ids),
            "orders": order_summaries(page, lambda order: party_on_order(user, order),
                                      now=clock_now())}


class PlatformDashboardQuery(Schema):
    date_from: str | None = Field(
        default=None, alias="from", max_length=10, json_schema_extra={"format": "date"},
        description="First day, YYYY-MM-DD (UTC); with neither end, the last 12 weeks.")
    date_to: str | None = Field(
        default=None, alias="to", max_length=10, json_schema_extra={"format": "date"},
        description="Last day, included, YYYY-MM-DD (UTC); by default today.")


class ArrivalBinOut(Schema):
    low: int = Field(description="days (working days when the deadline is) taken, from")
    high: int | None = Field(description="to, excluded; null for the last, open bin")
    count: int


class ArrivalOut(Schema):
    method: PaymentMethodChoice
    deadline: int
    deadline_in_working_days: bool
    arrived: int = Field(description="refunds decided in the period that have arrived")
    on_time: int = Field(description="of them, arrived by their own arrive_by")
    median: float | None = Field(description="half took this long or less")
    deadline_after_bins: int = Field(description="the deadline falls after this many bins")
    bins: list[ArrivalBinOut]


class ReasonCountOut(Schema):
    reason: str = Field(description="the request's reason code, or not_shipped_in_time (R12)")
    side: SideChoice
    count: int


class AtRiskRateOut(Schema):
    metric: MetricKey
    rate: RateOut
    threshold_percent: float


class StoreAtRiskOut(Schema):
    store: StoreRef
    metrics: list[AtRiskRateOut]


class PlatformDashboardOut(Schema):
    period: PeriodOut
    refund_arrivals: list[ArrivalOut]
    cancellations: list[ReasonCountOut] = Field(description=(
        "paid orders placed in the period closed before shipment, by reason, most first"))
    cancellations_by_side: dict[str, int]
    stores_at_risk: list[StoreAtRiskOut]


@router.get("/metrics/platform", response={200: PlatformDashboardOut, **ERRORS}, by_alias=True)
def metrics_platform(request, query: Query[PlatformDashboardQuery]):
    """R8, R23, R30: support's dashboard: refund arrival time per payment method against its
    deadline (a histogram), cancellations by reason and side, and the stores with a rate
    above its threshold. Errors: 403 support_only, 422 invalid_period, 422 period_too_long."""
    if not is_support(request.user):
        raise DomainError("support_only", _("Only support staff may see the platform dashboard."),
                          kind=ErrorKind.FORBIDDEN)
    period = trend_period_parse(query.date_from, query.date_to, today=clock_now().date())
    board = platform_dashboard(period)
    return {
        "period": {"from": period.first, "to": period.last},
        "refund_arrivals": [{
            "method": h.method, "deadline": h.deadline.amount,
            "deadline_in_working_days": h.deadline.working, "arrived": h.arrived,
            "on_time": h.on_time, "median": h.median, "deadline_after_bins": h.marker_after,
            "bins": [{"low": b.low, "high": b.high, "count": b.count} for b in h.bins],
        } for h in board.arrivals],
        "cancellations": [{"reason": r.code, "side": r.side, "count": r.count}
                          for r in board.reasons],
        "cancellations_by_side": by_side(board.reasons),
        "stores_at_risk": [{
            "store": {"id": s.store_id, "name": s.store_name},
            "metrics": [{"metric": m.key, "rate": rate_out(rate), "threshold_percent": t}
                        for m, rate, t in s.over]} for s in board.at_risk],
    }
