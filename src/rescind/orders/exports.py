"""CSV exports of the seller's queue (issue 14): orders, requests, refunds and disputes of the
orders a queue filter (tab, search) selects, for the seller's stores or, for support, every
store. Streamed: rows are read in keyset chunks of CHUNK by id (no OFFSET, no whole-table
read) and written one line at a time, so memory stays flat whatever the export's length.
Cells that a spreadsheet would run as a formula (starting with = + - @, a tab or a carriage
return) are prefixed with a quote. Columns: docs/exports.md."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from typing import Any

from django.db.models import Q
from django.http import StreamingHttpResponse
from django.utils.translation import gettext_lazy as _

from rescind.accounts.parties import is_support
from rescind.aftersale.models import CancellationRequest, ChangeRequest
from rescind.clock.service import now as clock_now
from rescind.disputes.models import Dispute
from rescind.domain.errors import DomainError, ErrorKind
from rescind.orders.models import Order, OrderLine
from rescind.orders.seller_queue import QueueQuery, queue_query, search_filter, tab_filter
from rescind.refunds.models import Refund

CHUNK = 2000
EXPORT_PERMISSION = "rescind_orders.export_orders"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cell(value: Any) -> str:
    """A value as a CSV cell that no spreadsheet runs as a formula."""
    if value is None:
        return ""
    text = value.isoformat() if hasattr(value, "isoformat") else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _orders_filter(store_ids: list[int] | None, query: QueueQuery, prefix: str = "") -> Q:
    found = tab_filter(query.tab, prefix)
    if store_ids is not None:
        found &= Q(**{f"{prefix}store_id__in": store_ids})
    if query.search:
        found &= search_filter(query.search, prefix)
    return found


def _chunks(queryset, columns: list[str]) -> Iterator[list[tuple]]:
    """The rows of `queryset` as tuples of `columns`, CHUNK at a time in id order."""
    last = 0
    while True:
        rows = list(queryset.filter(pk__gt=last).order_by("pk").values_list(*columns)[:CHUNK])
        if not rows:
            return
        yield rows
        last = rows[-1][0]


ORDER_COLUMNS = ["order_id", "placed_at", "store", "buyer", "state", "close_reason", "items",
                 "currency", "total_minor", "refunded_minor", "payment_method", "paid_at",
                 "ship_by", "closed_at", "completed_at"]


def _order_rows(where: Q) -> Iterator[list]:
    columns = ["pk", "placed_at", "store__name", "buyer__username", "state", "close_reason",
               "currency", "total", "refunded", "payment_method", "paid_at", "ship_by",
               "closed_at", "completed_at"]
    for rows in _chunks(Order.objects.filter(where), columns):
        items: dict[int, list[str]] = {}
        for order_id, quantity, name in (OrderLine.objects.filter(order_id__in=[r[0] for r in rows])
                                         .order_by("pk")
                                         .values_list("order_id", "quantity", "product_name")):
            items.setdefault(order_id, []).append(f"{quantity} x {name}")
        for row in rows:
            yield [*row[:6], "; ".join(items.get(row[0], [])), *row[6:]]


REQUEST_COLUMNS = ["type", "request_id", "order_id", "state", "reason", "side",
                   "requested_at", "respond_by", "decided_at", "decision_note"]


def _request_rows(where: Q) -> Iterator[list]:
    for rows in _chunks(CancellationRequest.objects.filter(where),
                        ["pk", "order_id", "state", "reason", "side", "requested_at",
                         "respond_by", "decided_at", "decision_note"]):
        yield from (["cancellation", *row] for row in rows)
    for rows in _chunks(ChangeRequest.objects.filter(where),
                        ["pk", "order_id", "state", "requested_at", "respond_by", "decided_at",
                         "decision_note"]):
        yield from (["change", *row[:3], "", "", *row[3:]] for row in rows)


REFUND_COLUMNS = ["refund_id", "order_id", "currency", "amount_minor", "method", "state",
                  "cause", "created_at", "start_by", "arrive_by", "started_at", "arrived_at",
                  "failed_at", "failure_code", "retry_of"]


def _refund_rows(where: Q) -> Iterator[list]:
    for rows in _chunks(Refund.objects.filter(where),
                        ["pk", "order_id", "currency", "amount", "method", "state", "cause",
                         "created_at", "start_by", "arrive_by", "started_at", "arrived_at",
                         "failed_at", "failure_code", "retry_of_id"]):
        yield from (list(row) for row in rows)


DISPUTE_COLUMNS = ["dispute_id", "order_id", "state", "reason", "currency", "claim_minor",
                   "return_item", "opened_at", "respond_by", "escalated_at", "refund_minor",
                   "return_required", "decided_by", "resolved_at"]


def _dispute_rows(where: Q) -> Iterator[list]:
    for rows in _chunks(Dispute.objects.filter(where),
                        ["pk", "order_id", "state", "reason", "currency", "claim",
                         "return_item", "opened_at", "respond_by", "escalated_at", "refund",
                         "return_required", "decided_by", "resolved_at"]):
        yield from (list(row) for row in rows)


# kind -> (header, rows of the orders a filter selects, the filter's prefix to the order)
EXPORTS: dict[str, tuple[list[str], Callable[[Q], Iterator[list]], str]] = {
    "orders": (ORDER_COLUMNS, _order_rows, ""),
    "requests": (REQUEST_COLUMNS, _request_rows, "order__"),
    "refunds": (REFUND_COLUMNS, _refund_rows, "order__"),
    "disputes": (DISPUTE_COLUMNS, _dispute_rows, "order__"),
}


def export_kind(kind: str) -> str:
    if kind not in EXPORTS:
        raise DomainError("unknown_export", _("%(kind)s is not an export."),
                                            params={"kind": repr(kind[:40])},
                          kind=ErrorKind.INVALID, details={"allowed": list(EXPORTS)})
    return kind


class _Line:
    """A file-like that hands back what csv.writer writes, one line at a time."""

    def write(self, text: str) -> str:
        return text


def export_lines(kind: str, store_ids: list[int] | None, query: QueueQuery) -> Iterator[str]:
    """The CSV export `kind` of the orders `query` selects (its tab and search; not its cursor)
    in `store_ids` (None: every store), line by line."""
    header, rows, prefix = EXPORTS[export_kind(kind)]
    writer = csv.writer(_Line())
    yield writer.writerow(header)
    if store_ids is not None and not list(store_ids):
        return
    for row in rows(_orders_filter(store_ids, query, prefix)):
        yield writer.writerow([cell(value) for value in row])


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
        raise DomainError("export_not_allowed", _("Only support with the export permission may "
                            "export every store's orders."), kind=ErrorKind.FORBIDDEN)
