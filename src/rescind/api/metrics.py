"""Seller metrics per store and period (R30): a seller reads their own stores, support all."""

from __future__ import annotations

from datetime import date
from typing import Literal

from ninja import Query, Router, Schema
from pydantic import Field

from rescind.api.common import ERRORS
from rescind.api.schemas import MoneyOut, StoreRef
from rescind.clock.service import now as clock_now
from rescind.domain.metrics import Rate, StoreMetrics, metrics_sorted, period_parse
from rescind.metrics.reads import metrics_store_ids, store_metrics

router = Router(tags=["metrics"])

SortField = Literal[
    "store", "orders", "paid_orders", "seller_cancellations", "cancellation_rate", "requests",
    "auto_approved_by_silence", "auto_approval_share", "late_shipments", "shipments_canceled",
    "disputes_opened", "disputes_lost", "refunds_paid"]


class MetricsQuery(Schema):
    date_from: str | None = Field(
        default=None, alias="from", max_length=10, json_schema_extra={"format": "date"},
        description="First day of the period, YYYY-MM-DD (UTC); by default 29 days before `to`.")
    date_to: str | None = Field(
        default=None, alias="to", max_length=10, json_schema_extra={"format": "date"},
        description="Last day of the period, included, YYYY-MM-DD (UTC); by default today.")
    sort: SortField = "store"
    order: Literal["asc", "desc"] = "asc"


class RateOut(Schema):
    numerator: int
    denominator: int
    percent: float | None = Field(description="rounded half up to one decimal; null when the "
                                  "denominator is 0")


class StoreMetricsOut(Schema):
    store: StoreRef
    orders: int = Field(description="orders placed in the period")
    paid_orders: int
    seller_cancellations: int = Field(
        description="paid orders closed before shipment against the seller: a seller-side "
        "reason (R8) or the handling time passed (R12)")
    cancellation_rate: RateOut = Field(description="seller_cancellations / paid_orders")
    requests: int = Field(description="cancellation requests on the period's orders")
    auto_approved_by_silence: int = Field(description="requests approved because the seller "
                                          "did not answer in time (R10)")
    auto_approval_share: RateOut = Field(description="auto_approved_by_silence / requests")
    late_shipments: int = Field(description="orders closed as not shipped in time (R12)")
    shipments_canceled: int = Field(description="shipments dropped or voided (R16)")
    disputes_opened: int
    disputes_lost: int
    refunds_paid: int = Field(description="refunds decided and not failed")
    refunded: list[MoneyOut] = Field(description="their sum, one entry per currency")


class PeriodOut(Schema):
    from_: date = Field(alias="from")
    to: date


class StoreMetricsPageOut(Schema):
    period: PeriodOut
    sort: str
    order: str
    stores: list[StoreMetricsOut]


def rate_out(rate: Rate) -> dict:
    return {"numerator": rate.numerator, "denominator": rate.denominator,
            "percent": rate.percent}


def store_metrics_out(m: StoreMetrics) -> dict:
    return {
        "store": {"id": m.store_id, "name": m.store_name},
        "orders": m.orders, "paid_orders": m.paid_orders,
        "seller_cancellations": m.seller_cancellations,
        "cancellation_rate": rate_out(m.cancellation_rate),
        "requests": m.requests, "auto_approved_by_silence": m.auto_approved_by_silence,
        "auto_approval_share": rate_out(m.auto_approval_share),
        "late_shipments": m.late_shipments, "shipments_canceled": m.shipments_canceled,
        "disputes_opened": m.disputes_opened, "disputes_lost": m.disputes_lost,
        "refunds_paid": m.refunds_paid,
        "refunded": [money.as_dict() for money in m.refunded],
    }


@router.get("/metrics/stores", response={200: StoreMetricsPageOut, **ERRORS},
            by_alias=True)
def metrics_stores(request, query: Query[MetricsQuery]):
    """R30: per store, over the orders placed from `from` to `to` (whole UTC days, both
    included; by default the last 30 days): orders, the cancellation rate counting only
    seller-side closures, requests approved through silence, late shipments, shipments
    canceled, disputes opened and lost, refunds. A seller gets their own stores, support every
    store. Errors: 403 sellers_and_support_only, 422 invalid_period."""
    store_ids = metrics_store_ids(request.user)
    period = period_parse(query.date_from, query.date_to, today=clock_now().date())
    rows = store_metrics(store_ids=store_ids, period_start=period.start,
                         period_end=period.end)
    rows = metrics_sorted(rows, by=query.sort, descending=query.order == "desc")
    return {"period": {"from": period.first, "to": period.last}, "sort": query.sort,
            "order": query.order, "stores": [store_metrics_out(m) for m in rows]}
