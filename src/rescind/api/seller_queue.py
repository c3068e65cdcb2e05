"""The seller's order queue through the API (issue 14, R28): the same tabs, search, sort and
cursor pages as /seller/orders/, and its CSV exports (rescind.orders.exports)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from ninja import Query, Router, Schema
from pydantic import Field

from rescind.accounts.parties import store_ids_of
from rescind.api.common import ERRORS
from rescind.api.schemas import OrderSummaryOut
from rescind.clock.service import now as clock_now
from rescind.orders.exports import export_response, support_stores
from rescind.orders.seller_queue import (
    COUNT_CAP,
    MAX_SEARCH,
    SORTS,
    TABS,
    queue_counts,
    queue_page,
    queue_query,
)
from rescind.orders.seller_queue_rows import queue_rows

router = Router(tags=["seller queue"])


class QueueFilter(Schema):
    tab: str | None = Field(default=None, max_length=40, description=(
        f"one of {', '.join(TABS)} (default all). awaiting_answer: a cancellation or change "
        "request waits for the seller's answer; to_ship: paid, not shipped (shipping also "
        "answers a pending request, R14). 422 unknown_tab otherwise."))
    q: str | None = Field(default=None, max_length=MAX_SEARCH, description=(
        "order number (with or without #), part of the buyer's name or of an item's title"))
    sort: str | None = Field(default=None, max_length=20, description=(
        f"one of {', '.join(SORTS)}: the seller's deadline, soonest first (awaiting_answer, "
        "to_ship, shipment_canceled; the default there), or the date placed, newest first (the "
        "only sort of the other tabs: deadline there sorts by date). 422 unknown_sort."))
    cursor: str | None = Field(default=None, max_length=200, description=(
        "next_cursor of the previous page, with the same tab and sort; 422 bad_cursor if it "
        "is not one (keyset pages: see the semantics in the operation's description)"))
    limit: int = Field(default=50, ge=1, le=200)


class QueueLineOut(Schema):
    product_id: int
    product_name: str
    quantity: int


class RespondByOut(Schema):
    kind: Literal["seller_response", "change_request_response", "handling_time",
                  "shipment_canceled_reply", "dispute_response", "return_confirmation"]
    label: str = Field(description="what the seller does by then")
    due_at: datetime
    seconds_left: int
    urgent: bool = Field(description="less than 24 hours left")
    overdue: bool


class QueueOrderOut(OrderSummaryOut):
    buyer_name: str
    lines: list[QueueLineOut]
    respond_by: RespondByOut | None


class SellerQueuePageOut(Schema):
    tab: str
    sort: str
    items: list[QueueOrderOut]
    next_cursor: str | None = Field(description="pass as cursor for the next page; null on "
                                    "the last")
    counts: dict[str, int] = Field(description=f"orders per tab for the same search, counted "
                                   f"up to {COUNT_CAP + 1}: more than {COUNT_CAP} reads "
                                   f"{COUNT_CAP + 1}")
    count_cap: int


@router.get("/seller/orders", response={200: SellerQueuePageOut, **ERRORS})
def seller_queue(request, filters: Query[QueueFilter]):
    """The caller's stores' orders by tab, search and sort, one keyset page at a time, each
    with its buyer, items and the deadline the seller must act by. A page costs the same in any
    store: no OFFSET; each tab's count stops at count_cap. Keyset semantics: the next page
    starts after the last row's (sort key, id) as the orders are when it is read; an order
    that leaves the tab meanwhile is not shown again, one whose key moved past the cursor may
    show again. Errors: 422 unknown_tab, 422 unknown_sort, 422 bad_cursor,
    422 search_too_long."""
    query = queue_query(tab=filters.tab, sort=filters.sort, search=filters.q,
                        cursor=filters.cursor, limit=filters.limit)
    stores = store_ids_of(request.user)
    orders, next_cursor = queue_page(stores, query)
    items = queue_rows(orders, now=clock_now())
    for item in items:
        item["lines"] = [{"product_id": line.product_id, "product_name": line.product_name,
                          "quantity": line.quantity} for line in item["lines"]]
        if item["respond_by"]:
            item["respond_by"] = {**item["respond_by"], "label": str(item["respond_by"]["label"])}
    return {"tab": query.tab, "sort": query.sort, "items": items, "next_cursor": next_cursor,
            "counts": queue_counts(stores, query.search), "count_cap": COUNT_CAP}


class ExportFilter(Schema):
    kind: str = Field(default="orders", max_length=20, description=(
        "orders, requests, refunds or disputes (columns: docs/exports.md); 422 unknown_export"))
    tab: str | None = Field(default=None, max_length=40, description="as in GET /seller/orders")
    q: str | None = Field(default=None, max_length=MAX_SEARCH,
                          description="as in GET /seller/orders")


CSV_ANSWER = {"responses": {200: {
    "description": "The CSV file, streamed (columns: docs/exports.md).",
    "content": {"text/csv": {"schema": {"type": "string"}}}}}}


@router.get("/seller/orders/export", response=ERRORS, openapi_extra=CSV_ANSWER)
def seller_queue_export(request, filters: Query[ExportFilter]):
    """The orders, requests, refunds or disputes (kind) of the caller's stores' orders that a
    queue filter selects, as CSV, streamed. Errors: 422 unknown_export, 422 unknown_tab,
    422 search_too_long."""
    return export_response(filters.kind, store_ids_of(request.user), tab=filters.tab,
                           search=filters.q)


@router.get("/support/exports", response=ERRORS, openapi_extra=CSV_ANSWER)
def support_export(request, filters: Query[ExportFilter]):
    """The same export over every store, for support with the export permission. Errors:
    403 export_not_allowed, 422 unknown_export, 422 unknown_tab, 422 search_too_long."""
    support_stores(request.user)
    return export_response(filters.kind, None, tab=filters.tab, search=filters.q)
