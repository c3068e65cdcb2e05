"""The seller's order queue page (issue 14): tabs with counts, search, sort by deadline or date,
cursor pages and a "respond by" column whose urgency reads in words and in its badge."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from rescind.accounts.parties import store_ids_of
from rescind.clock.service import now as clock_now
from rescind.domain.errors import DomainError
from rescind.orders.seller_queue import (
    COUNT_CAP,
    DEADLINE_COLUMN,
    TABS,
    queue_counts,
    queue_page,
    queue_query,
)
from rescind.orders.seller_queue_rows import queue_rows
from rescind.web.order_actions import list_actions

PAGE_SIZE = 25


def _link(**params) -> str:
    return "?" + urlencode({k: v for k, v in params.items() if v})


@login_required
def seller_orders(request: HttpRequest) -> HttpResponse:
    """GET `tab`, `q`, `sort` (deadline | date), `after` (the cursor of the next page)."""
    try:
        query = queue_query(tab=request.GET.get("tab"), sort=request.GET.get("sort"),
                            search=request.GET.get("q"), cursor=request.GET.get("after"),
                            limit=PAGE_SIZE)
    except DomainError as exc:
        messages.error(request, exc.message)
        tab = request.GET.get("tab")
        return redirect("seller-orders" if exc.code != "bad_cursor" else
                        f"{request.path}{_link(tab=tab, q=request.GET.get('q'))}")
    stores = store_ids_of(request.user)
    orders, next_cursor = queue_page(stores, query)
    counts = queue_counts(stores, query.search)
    rows = queue_rows(orders, now=clock_now())
    for row in rows:
        row["list_actions"] = list_actions(row, {})
    keep = {"tab": query.tab, "q": query.search}
    name, empty_text = TABS[query.tab]
    return render(request, "rescind/seller_orders.html", {
        "orders": rows, "tab": query.tab, "search": query.search, "sort": query.sort,
        "tabs": [{"key": key, "name": label, "url": _link(tab=key, q=query.search),
                  "count": f"{COUNT_CAP}+" if counts[key] > COUNT_CAP else counts[key]}
                 for key, (label, _text) in TABS.items()],
        "sorts": [{"key": key, "name": label, "url": _link(**keep, sort=key)}
                  for key, label in (("deadline", _("Deadline, soonest first")),
                                     ("date", _("Date, newest first")))]
        if query.tab in DEADLINE_COLUMN else [],
        "next_url": _link(**keep, sort=query.sort, after=next_cursor) if next_cursor else "",
        "first_url": _link(**keep, sort=query.sort) if query.cursor else "",
        "empty": {"title": _("No orders match “%(search)s”") % {"search": query.search}
                  if query.search else _("No orders in “%(tab)s”") % {"tab": name},
                  "text": _("Search by order number, buyer name or item.") if query.search
                  else empty_text},
        "clear_url": _link(tab=query.tab),
        "exports": [{"label": label, "url": reverse("seller-export", args=[kind])
                     + _link(tab=query.tab, q=query.search)}
                    for kind, label in (("orders", _("orders")), ("requests", _("requests")),
                                        ("refunds", _("refunds")), ("disputes", _("disputes")))],
    })
