"""Support's platform dashboard (R8, R23, R30): refund arrival time per payment method against
its deadline, cancellations by reason and side, and the stores at risk, linking to each store's
metrics. Same reads as GET /api/v1/metrics/platform (R28)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from rescind.domain.metrics import Rate
from rescind.domain.platform_metrics import ArrivalHistogram, Bin, by_side
from rescind.metrics.platform import platform_dashboard
from rescind.web.charts import Bar, Chart, chart_svg
from rescind.web.disputes import _support_only
from rescind.web.labels import PAYMENT_METHODS, cancellation_reason_label
from rescind.web.metric_pages import MEASURE_WORDS, period_from
from rescind.web.templatetags.rescind import percent_text

SIDE_WORDS = {"buyer": gettext_lazy("Buyer"), "seller": gettext_lazy("Seller"),
              "platform": gettext_lazy("Platform")}


def _days(n: int, working: bool) -> str:
    if working:
        return ngettext("%(n)d working day", "%(n)d working days", n) % {"n": n}
    return ngettext("%(n)d day", "%(n)d days", n) % {"n": n}


def bin_words(b: Bin, working: bool) -> str:
    """"0 to 2 days", "30 days or more"."""
    if b.high is None:
        return _("%(days)s or more") % {"days": _days(b.low, working)}
    if b.high == b.low + 1:
        return _days(b.low, working)
    return _("%(low)d to %(high)s") % {"low": b.low, "high": _days(b.high - 1, working)}


def arrival_view(h: ArrivalHistogram) -> dict:
    working = h.deadline.working
    rows = [{"words": bin_words(b, working), "count": b.count,
             "late": i >= h.marker_after} for i, b in enumerate(h.bins)]
    deadline = _days(h.deadline.amount, working)
    bars = tuple(Bar(str(b.low) if b.high is not None else f"{b.low}+", b.count,
                     title=f"{row['words']}: {b.count}", alert=row["late"])
                 for b, row in zip(h.bins, rows, strict=True))
    svg = chart_svg(Chart(bars=bars, marker_after=h.marker_after, marker_label=_("Deadline"),
                          whole=True), label_every=2 if len(bars) > 8 else 1)
    return {"method": h.method, "name": PAYMENT_METHODS.get(h.method, h.method).capitalize(),
            "deadline": deadline, "arrived": h.arrived, "on_time": h.on_time, "late": h.late,
            "on_time_share": Rate(h.on_time, h.arrived).percent,
            "median": _days(round(h.median), working) if h.median is not None else None,
            "rows": rows, "svg": mark_safe(svg)}  # noqa: S308 - escaped by chart_svg


@login_required
def support_dashboard(request: HttpRequest) -> HttpResponse:
    """R8, R23, R30: the platform at a glance, for support."""
    _support_only(request)
    period = period_from(request)
    board = platform_dashboard(period)
    total = sum(r.count for r in board.reasons)
    sides = by_side(board.reasons)
    query = f"?from={period.first.isoformat()}&to={period.last.isoformat()}"
    side_bars = tuple(Bar(str(SIDE_WORDS[s]), n, title=f"{SIDE_WORDS[s]}: {n}")
                      for s, n in sides.items())
    return render(request, "rescind/support_dashboard.html", {
        "period": period,
        "arrivals": [arrival_view(h) for h in board.arrivals],
        "reasons": [{"label": cancellation_reason_label(r.code) if r.label
                     else _("Not shipped within the handling time"),
                     "side": SIDE_WORDS[r.side], "count": r.count,
                     "share": Rate(r.count, total).percent} for r in board.reasons],
        "sides": [{"side": SIDE_WORDS[s], "count": n, "share": Rate(n, total).percent}
                  for s, n in sides.items()],
        "sides_svg": mark_safe(chart_svg(Chart(bars=side_bars, whole=True))),  # noqa: S308
        "total": total,
        "at_risk": [{
            "store": s.store_name,
            "url": reverse("support-store-metrics", args=[s.store_id]) + query,
            "over": [{"name": MEASURE_WORDS[m.key][0], "rate": percent_text(rate.percent),
                      "threshold": percent_text(threshold)} for m, rate, threshold in s.over],
        } for s in board.at_risk],
    })
