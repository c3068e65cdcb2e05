"""The CSV exports' pages (issue 14): rescind.orders.exports' streamed answer for the seller's
stores (/seller/orders/export/<kind>.csv) or, for support with the export permission, every
store (/support/exports/<kind>.csv). The API answers with the same responses."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from rescind.accounts.parties import store_ids_of
from rescind.domain.errors import DomainError
from rescind.orders.exports import export_response, support_stores


def _page_export(request: HttpRequest, kind: str, store_ids: list[int] | None) -> HttpResponse:
    try:
        return export_response(kind, store_ids, tab=request.GET.get("tab"),
                               search=request.GET.get("q"))
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("seller-orders" if store_ids is not None else "home")


@login_required
def seller_export(request: HttpRequest, kind: str) -> HttpResponse:
    """GET `tab`, `q`: the export of the seller's stores' orders in that tab and search."""
    return _page_export(request, kind, store_ids_of(request.user))


@login_required
def support_export(request: HttpRequest, kind: str) -> HttpResponse:
    """GET `tab`, `q`: the export of every store's orders, for support allowed to."""
    try:
        support_stores(request.user)
    except DomainError as exc:
        return HttpResponse(exc.message, status=403, content_type="text/plain; charset=utf-8")
    return _page_export(request, kind, None)
