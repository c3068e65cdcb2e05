"""A store's metrics with pictures (R30): the five rates a seller is judged on, each with its
weekly chart, its threshold, the platform's median and the orders behind every count; the
orders behind one count; the figures as CSV. Sellers read their own stores, support any store.
Same reads as GET /api/v1/metrics/trends (R28)."""

from __future__ import annotations

import csv
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rescind.accounts.parties import is_support
from rescind.clock.service import now as clock_now
from rescind.domain.actions import Party
from rescind.domain.errors import DomainError, ErrorKind
from rescind.domain.metric_trends import (
    Trend,
    is_at_risk,
    measure_of,
    trend_period_default,
    trend_period_parse,
)
from rescind.domain.metrics import Period
from rescind.metrics.trends import (
    orders_behind,
    orders_listed,
    readable_store,
    stores_readable,
    trends_read,
)
from rescind.orders.reads import order_summaries
from rescind.web.charts import Bar, Chart, chart_svg
from rescind.web.order_actions import list_actions
from rescind.web.templatetags.rescind import percent_text, short_day

LISTED_AT_MOST = 200

# measure -> (its name, what it counts, what it is out of)
MEASURE_WORDS = {
    "cancellation_rate": (
        gettext_lazy("Cancellation rate"),
        gettext_lazy("Paid orders closed before shipment for a reason on your side (out of "
                     "stock, too slow, no reply) or because the handling time passed. A "
                     "buyer's own reason never counts."),
        gettext_lazy("paid orders")),
    "auto_approval_share": (
        gettext_lazy("Requests approved through silence"),
        gettext_lazy("Cancellation requests you did not answer in time, so the platform "
                     "approved them for you."),
        gettext_lazy("requests")),
    "late_shipment_rate": (
        gettext_lazy("Late shipments"),
        gettext_lazy("Paid orders closed because they were not shipped within the handling "
                     "time."),
        gettext_lazy("paid orders")),
    "shipment_cancellation_rate": (
        gettext_lazy("Shipment cancellations"),
        gettext_lazy("Paid orders whose shipment was canceled after you shipped, once or "
                     "more."),
        gettext_lazy("paid orders")),
    "dispute_lost_rate": (
        gettext_lazy("Disputes lost"),
        gettext_lazy("Paid orders with a dispute decided for the buyer: you accepted it, did "
                     "not answer, or support refunded the buyer."),
        gettext_lazy("paid orders")),
}


def period_from(request: HttpRequest, *, announce: bool = True) -> Period:
    """The period asked for, or the last twelve weeks (saying why when the one asked for is
    refused)."""
    today = clock_now().date()
    first, last = request.GET.get("from") or None, request.GET.get("to") or None
    try:
        return trend_period_parse(first, last, today=today)
    except DomainError as exc:
        if announce:
            messages.error(request, _("%(problem)s Showing the last 12 weeks instead.")
                           % {"problem": exc.message})
        return trend_period_default(today)


def _store_of(request: HttpRequest, store_id: int | None):
    try:
        return readable_store(request.user, store_id)
    except DomainError as exc:
        if exc.kind is ErrorKind.FORBIDDEN:
            raise PermissionDenied(exc.message) from None
        raise Http404(exc.message) from None


def _store_param(request: HttpRequest) -> int | None:
    text = request.GET.get("store", "")
    return int(text) if text.isdigit() and len(text) < 10 else None


def _query(period: Period, store_id: int, **more) -> str:
    return urlencode({"store": store_id, "from": period.first.isoformat(),
                      "to": period.last.isoformat(), **more})


def orders_url(store_id: int, metric: str, period: Period) -> str:
    return f"{reverse('metric-orders')}?{_query(period, store_id, metric=metric)}"


def trend_view(trend: Trend, store_id: int, period: Period) -> dict:
    """What the page shows of one measure: the figures, the chart and its table."""
    key = trend.measure.key
    name, explanation, out_of = MEASURE_WORDS[key]
    weeks = []
    bars = []
    for week, rate in trend.weeks:
        url = orders_url(store_id, key, week)
        over = is_at_risk(rate, trend.threshold)
        weeks.append({"first": week.first, "last": week.last, "rate": rate, "url": url,
                      "at_risk": over})
        bars.append(Bar(short_day(week.first), rate.percent or 0, href=url, alert=over,
                        title=_("Week of %(day)s: %(rate)s (%(count)s of %(total)s)") % {
                            "day": short_day(week.first), "rate": percent_text(rate.percent),
                            "count": rate.numerator, "total": rate.denominator}))
    threshold_words = _("Threshold %(rate)s") % {"rate": percent_text(trend.threshold)}
    svg = chart_svg(Chart(bars=tuple(bars), unit="%", threshold=trend.threshold,
                          threshold_label=threshold_words),
                    label_every=2 if len(bars) > 7 else 1)
    worst = max(trend.weeks, key=lambda w: (w[1].fraction or 0, w[0].first), default=None)
    return {
        "key": key, "name": name, "explanation": explanation, "out_of": out_of,
        "rate": trend.rate, "at_risk": trend.at_risk, "threshold": trend.threshold,
        "median": trend.median_percent,
        "previous": trend.previous.percent if trend.previous is not None else None,
        "url": orders_url(store_id, key, period),
        "weeks": weeks, "svg": mark_safe(svg),  # noqa: S308 - built and escaped by chart_svg
        "worst": worst and {"first": worst[0].first, "rate": worst[1]},
    }


@login_required
def seller_metrics(request: HttpRequest) -> HttpResponse:
    """R30: the seller's store (a choice when they have several) with its five rates; support
    without a store chooses one on the table of every store."""
    store_id = _store_param(request)
    if store_id is None and is_support(request.user):
        return redirect("support-metrics")
    return store_metrics_page(request, store_id)


@login_required
def support_store_metrics(request: HttpRequest, store_id: int) -> HttpResponse:
    """R30: one store's page as its seller sees it, for support."""
    return store_metrics_page(request, store_id)


def store_metrics_page(request: HttpRequest, store_id: int | None) -> HttpResponse:
    store = _store_of(request, store_id)
    period = period_from(request)
    trends = [trend_view(t, store.pk, period) for t in trends_read(store.pk, period)]
    return render(request, "rescind/store_metrics.html", {
        "store": store, "stores": stores_readable(request.user), "period": period,
        "trends": trends, "at_risk": [t for t in trends if t["at_risk"]],
        "csv_url": f"{reverse('metrics-csv')}?{_query(period, store.pk)}",
        "title": _("Your store metrics") if store.sellers.filter(pk=request.user.pk).exists()
        else _("Metrics of %(store)s") % {"store": store.name}})


@login_required
def metric_orders(request: HttpRequest) -> HttpResponse:
    """R30: the orders behind one count: exactly those the figure counted, newest first."""
    store = _store_of(request, _store_param(request))
    try:
        measure = measure_of(request.GET.get("metric", ""))
    except DomainError as exc:
        raise Http404(exc.message) from None
    period = period_from(request)
    ids = orders_behind(store.pk, measure, period)
    orders = orders_listed(ids[:LISTED_AT_MOST])
    party = Party.SUPPORT if not store.sellers.filter(pk=request.user.pk).exists() \
        else Party.SELLER
    rows = order_summaries(orders, lambda _order: party, now=clock_now())
    for row in rows:
        row["list_actions"] = list_actions(row, {})
    name, explanation, _out_of = MEASURE_WORDS[measure.key]
    return render(request, "rescind/metric_orders.html", {
        "store": store, "period": period, "name": name, "explanation": explanation,
        "count": len(ids), "orders": rows, "shown": len(rows),
        "back_url": f"{reverse('seller-metrics')}?{_query(period, store.pk)}"})


class _Echo:
    def write(self, value: str) -> str:
        return value


CSV_HEADER = ["store_id", "store", "metric", "scope", "from", "to", "counted", "out_of",
              "percent", "threshold_percent", "platform_median_percent", "at_risk",
              "previous_period_percent"]


@login_required
def metrics_csv(request: HttpRequest) -> HttpResponse:
    """R30: each of the five rates over the whole period (scope "period"), then week by week
    (scope "week"), as CSV."""
    store = _store_of(request, _store_param(request))
    period = period_from(request, announce=False)
    trends = trends_read(store.pk, period)
    writer = csv.writer(_Echo())

    def rows():
        yield writer.writerow(CSV_HEADER)
        for t in trends:
            common = [t.threshold, t.median_percent if t.median is not None else ""]
            yield writer.writerow([store.pk, store.name, t.measure.key, "period", period.first,
                                   period.last, t.rate.numerator, t.rate.denominator,
                                   _blank(t.rate.percent), *common, t.at_risk,
                                   _blank(t.previous and t.previous.percent)])
            for week, rate in t.weeks:
                yield writer.writerow([store.pk, store.name, t.measure.key, "week", week.first,
                                       week.last, rate.numerator, rate.denominator,
                                       _blank(rate.percent), *common,
                                       is_at_risk(rate, t.threshold), ""])

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="metrics-store-{store.pk}-{period.first}-{period.last}.csv"')
    return response


def _blank(value):
    return "" if value is None else value

