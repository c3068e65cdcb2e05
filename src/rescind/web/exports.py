"""The CSV exports' answers (issue 14): a streamed response over rescind.orders.exports, for the
seller's stores (/seller/orders/export/<kind>.csv) or, for support with the export permission,
every store (/support/exports/<kind>.csv). The API answers with the same responses."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect

from rescind.accounts.parties import is_support, store_ids_of
from rescind.clock.service import now as clock_now
from rescind.domain.errors import DomainError, ErrorKind
from rescind.orders.exports import EXPORT_PERMISSION, export_kind, export_lines
from rescind.orders.seller_queue import queue_query


def export_response(kind: str, store_ids: list[int] | None, *, tab: str | None,
                    search: str | None) -> StreamingHttpResponse:
    """The export streamed as an attachment named for what it holds; 422 unknown_export,
    unknown_tab, search_too_long before anything is sent."""
    query = queue_query(tab=tab, sort=None, search=search, cursor=None, limit=1)
    export_kind(kind)
    response = StreamingHttpResponse(export_lines(kind, store_ids, query),
                                     content_type="text/csv; charset=utf-8")
    stamp = clock_now().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="{kind}-{query.tab}-{stamp}.csv"'
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def support_stores(user) -> None:
    """Every store (None) for support allowed to export; 403 export_not_allowed otherwise."""
    if not (is_support(user) and user.has_perm(EXPORT_PERMISSION)):
        raise DomainError("export_not_allowed", "Only support with the export permission may "
                          "export every store's orders.", kind=ErrorKind.FORBIDDEN)


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
