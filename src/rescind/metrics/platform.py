"""Support's platform dashboard, read from the database (R8, R23, R30); the page and
GET /api/v1/metrics/platform share it (R28)."""

from __future__ import annotations

from dataclasses import dataclass

from rescind.aftersale.models import CancellationRequest
from rescind.config import calendar, policy
from rescind.domain.metrics import Period
from rescind.domain.platform_metrics import (
    NOT_SHIPPED_IN_TIME,
    ArrivalHistogram,
    ReasonCount,
    StoreAtRisk,
    arrival_histogram,
    cancellations_by_reason,
    elapsed,
    refund_deadline,
    stores_at_risk,
)
from rescind.domain.refunds import PaymentMethod, RefundState
from rescind.metrics.trends import platform_facts
from rescind.orders.models import Order, Store
from rescind.refunds.models import Refund


@dataclass(frozen=True, slots=True)
class PlatformDashboard:
    period: Period
    arrivals: list[ArrivalHistogram]
    reasons: list[ReasonCount]
    at_risk: list[StoreAtRisk]


def refund_arrivals(period: Period) -> list[ArrivalHistogram]:
    """R23: per payment method, how long the refunds decided in the period that have arrived
    took, against the method's deadline."""
    the_policy, the_calendar = policy(), calendar()
    taken: dict[str, list[int]] = {m.value: [] for m in PaymentMethod}
    on_time = dict.fromkeys(taken, 0)
    rows = (Refund.objects.filter(state=RefundState.SUCCEEDED.value, arrived_at__isnull=False,
                                  created_at__gte=period.start, created_at__lt=period.end)
            .order_by("pk").values_list("method", "created_at", "arrived_at", "arrive_by"))
    deadlines = {m.value: refund_deadline(m, the_policy) for m in PaymentMethod}
    for method, created, arrived, arrive_by in rows.iterator(chunk_size=2000):
        if method not in taken:
            continue
        taken[method].append(elapsed(created, arrived, working=deadlines[method].working,
                                     calendar=the_calendar))
        on_time[method] += arrived <= arrive_by
    return [arrival_histogram(m, deadlines[m], taken[m], on_time[m]) for m in taken]


def cancellation_reasons(period: Period) -> list[ReasonCount]:
    """R8, R12: the paid orders placed in the period that closed before shipment, by the
    reason they closed for."""
    placed = {"order__placed_at__gte": period.start, "order__placed_at__lt": period.end}
    codes = list(CancellationRequest.objects.filter(
        state__in=[CancellationRequest.State.APPROVED, CancellationRequest.State.AUTO_APPROVED],
        order__close_reason="cancelled_on_request", **placed).order_by().values_list(
        "reason", flat=True))
    late = Order.objects.filter(close_reason=NOT_SHIPPED_IN_TIME, placed_at__gte=period.start,
                                placed_at__lt=period.end).count()
    return cancellations_by_reason(codes + [NOT_SHIPPED_IN_TIME] * late, policy())


def platform_dashboard(period: Period) -> PlatformDashboard:
    names = dict(Store.objects.values_list("pk", "name"))
    return PlatformDashboard(
        period=period, arrivals=refund_arrivals(period),
        reasons=cancellation_reasons(period),
        at_risk=stores_at_risk(platform_facts(period), names, policy()))
