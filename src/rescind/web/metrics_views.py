"""Support's table of every store's metrics (R30), sortable by any column; a seller's own page
is web/metric_pages.py. Same reads as the API (R28)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rescind.accounts.parties import is_support
from rescind.clock.service import now as clock_now
from rescind.domain.errors import DomainError
from rescind.domain.metrics import SORT_KEYS, metrics_sorted, period_parse
from rescind.metrics.reads import store_metrics

COLUMNS = [  # (sort key, heading)
    ("store", gettext_lazy("Store")),
    ("orders", gettext_lazy("Orders")),
    ("paid_orders", gettext_lazy("Paid")),
    ("cancellation_rate", gettext_lazy("Cancellation rate (seller-side)")),
    ("auto_approval_share", gettext_lazy("Requests approved through silence")),
    ("late_shipments", gettext_lazy("Late shipments")),
    ("shipments_canceled", gettext_lazy("Shipments canceled")),
    ("disputes_opened", gettext_lazy("Disputes opened")),
    ("disputes_lost", gettext_lazy("Disputes lost")),
    ("refunds_paid", gettext_lazy("Refunds")),
]


@login_required
def support_metrics(request: HttpRequest) -> HttpResponse:
    """R30: every store, for support."""
    if not is_support(request.user):
        raise PermissionDenied("Store metrics of every store are for support.")
    return _metrics_page(request, None, title=_("Store metrics"))


def _metrics_page(request: HttpRequest, store_ids: list[int] | None, *,
                  title: str) -> HttpResponse:
    today = clock_now().date()
    try:
        period = period_parse(request.GET.get("from") or None, request.GET.get("to") or None,
                              today=today)
    except DomainError as exc:
        messages.error(request, _("%(problem)s Showing the last 30 days instead.") % {
            "problem": exc.message})
        period = period_parse(None, None, today=today)
    sort = request.GET.get("sort", "store")
    sort = sort if sort in SORT_KEYS else "store"
    descending = request.GET.get("order") == "desc"
    rows = metrics_sorted(
        store_metrics(store_ids=store_ids, period_start=period.start, period_end=period.end),
        by=sort, descending=descending)
    base = {"from": period.first.isoformat(), "to": period.last.isoformat()}
    columns = [{
        "key": key, "heading": heading, "sorted": key == sort,
        "arrow": ("▼" if descending else "▲") if key == sort else "",
        "url": "?" + urlencode({**base, "sort": key,
                                "order": _next_order(key, sort=sort, descending=descending)}),
    } for key, heading in COLUMNS]
    return render(request, "rescind/metrics.html", {
        "title": title, "rows": rows, "columns": columns, "period": period,
        "sort": sort, "order": "desc" if descending else "asc"})


def _next_order(key: str, *, sort: str, descending: bool) -> str:
    """Clicking the sorted column turns it round; another column starts with the stores by name
    A to Z, or with the largest figures (the worst) first."""
    if key == sort:
        return "asc" if descending else "desc"
    return "asc" if key == "store" else "desc"
