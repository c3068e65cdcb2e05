"""The seller's order queue (issue 14): tabs by what the seller has to do, search, sort by the
seller's deadline or by date, and cursor (keyset) pages. The page and the API read it alike
(R28); support reads every store through it for exports.

Cost: a page is a bounded walk of one index whatever the store's size. Each sort is served by an
index (orders: store, state, key, id; pending requests: respond_by, order), the next page starts
where the last row was (`key > last key or (key = last key and id > last id)`, no OFFSET), and
each tab's count stops at COUNT_CAP (shown as "100+").

Stability while orders change (keyset semantics): a page shows the rows after the cursor's
(key, id) as they are when it is read. An order that leaves the tab between two pages is not
shown again; one that enters it, or whose key moves, shows on a later page if its new key is
after the cursor and is not shown in this walk if it is before. No order is skipped that stayed
in the tab with its key unchanged, and none is shown twice unless its key moved past the cursor.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import datetime

from django.db import connection
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from rescind.aftersale.models import CancellationRequest, ChangeRequest
from rescind.domain.errors import DomainError, ErrorKind
from rescind.orders.models import Order, OrderLine

# tab -> (its name, what an empty tab says)
TABS: dict[str, tuple[str, str]] = {
    "awaiting_answer": (_("Awaiting your answer"),
                        _("No cancellation or change request waits for your answer.")),
    "to_ship": (_("To ship"), _("No paid order waits to be shipped.")),
    "shipment_canceled": (_("Shipment canceled"),
                          _("No shipment was canceled: nothing to ship again or refund.")),
    "in_dispute": (_("In dispute"), _("No order is in dispute.")),
    "completed": (_("Completed"), _("No order has completed yet.")),
    "closed": (_("Closed"), _("No order was closed.")),
    "all": (_("All"), _("No orders yet: orders placed in your stores show up here.")),
}
SORTS = ("deadline", "date")
# The seller's deadline a tab sorts by: an order column, or the pending requests (None).
DEADLINE_COLUMN: dict[str, str | None] = {
    "awaiting_answer": None, "to_ship": "ship_by", "shipment_canceled": "dispute_from",
    "in_dispute": "dispute_seller_due"}
COUNT_CAP = 100  # shown as "100+": a count costs at most this many index entries
MAX_SEARCH = 100


@dataclass(frozen=True)
class Cursor:
    """Where the last row of a page was: its sort key and order id."""

    key: datetime
    id: int


@dataclass(frozen=True)
class QueueQuery:
    tab: str
    sort: str
    search: str
    cursor: Cursor | None
    limit: int


def queue_query(*, tab: str | None, sort: str | None, search: str | None,
                cursor: str | None, limit: int) -> QueueQuery:
    """The query a seller asked for, checked: 422 unknown_tab, unknown_sort, search_too_long,
    bad_cursor (a cursor made for another tab or sort, or not one of ours)."""
    tab = tab or "all"
    if tab not in TABS:
        raise DomainError("unknown_tab", _("%(tab)s is not a tab of the order queue."),
                                         params={"tab": repr(str(tab)[:40])},
                          kind=ErrorKind.INVALID, details={"allowed": list(TABS)})
    sort = sort or ("deadline" if tab in DEADLINE_COLUMN else "date")
    if sort not in SORTS:
        raise DomainError("unknown_sort", _("%(sort)s is not a sort of the order queue."),
                                          params={"sort": repr(str(sort)[:40])},
                          kind=ErrorKind.INVALID, details={"allowed": list(SORTS)})
    if tab not in DEADLINE_COLUMN:
        sort = "date"  # no seller deadline to sort by in this tab
    search = (search or "").replace("\x00", "").strip()  # PostgreSQL refuses NUL in text
    if len(search) > MAX_SEARCH:
        raise DomainError("search_too_long", _("Search for at most %(max_search)s characters."),
                                             params={"max_search": MAX_SEARCH},
                          kind=ErrorKind.INVALID)
    return QueueQuery(tab=tab, sort=sort, search=search,
                      cursor=cursor_parse(cursor, tab, sort) if cursor else None, limit=limit)


def cursor_token(cursor: Cursor, tab: str, sort: str) -> str:
    raw = json.dumps([tab, sort, cursor.key.isoformat(), cursor.id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def cursor_parse(token: str, tab: str, sort: str) -> Cursor:
    bad = DomainError("bad_cursor", _("This page link is not valid any more; start from the first "
                        "page."), kind=ErrorKind.INVALID)
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        t, s, key, order_id = json.loads(raw)
        parsed = Cursor(key=datetime.fromisoformat(key), id=int(order_id))
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        raise bad from None
    if (t, s) != (tab, sort) or parsed.key.tzinfo is None or not 0 < parsed.id < 2**62:
        raise bad
    return parsed


def _awaiting_answer(prefix: str = "") -> Q:
    of_order = {"order": OuterRef(f"{prefix}pk")}
    return Q(**{f"{prefix}state": "awaiting_shipment"}) & (
        Q(Exists(CancellationRequest.objects.filter(
            **of_order, state=CancellationRequest.State.PENDING)))
        | Q(Exists(ChangeRequest.objects.filter(**of_order, state=ChangeRequest.State.PENDING))))


def tab_filter(tab: str, prefix: str = "") -> Q:
    """The orders of `tab`; `prefix` leads from another table to the order ("order__")."""
    if tab == "awaiting_answer":
        return _awaiting_answer(prefix)
    if tab == "all":
        return Q()
    return Q(**{f"{prefix}state": "awaiting_shipment" if tab == "to_ship" else tab})


def search_filter(text: str, prefix: str = "") -> Q:
    """Orders whose number is `text` (with or without "#"), whose buyer is named like it, or
    with an item named like it."""
    found = Q(Exists(OrderLine.objects.filter(order=OuterRef(f"{prefix}pk"),
                                              product_name__icontains=text)))
    for field in ("username", "first_name", "last_name"):
        found |= Q(**{f"{prefix}buyer__{field}__icontains": text})
    number = text.removeprefix("#").strip()
    if number.isdigit() and len(number) < 19:
        found |= Q(**{f"{prefix}pk": int(number)})
    return found


def _of_stores(store_ids: list[int] | None, prefix: str = "") -> Q:
    return Q() if store_ids is None else Q(**{f"{prefix}store_id__in": store_ids})


def _after(field: str, cursor: Cursor | None, *, descending: bool, id_field: str = "pk") -> Q:
    """Rows after the cursor in (field, id) order; the redundant bound lets the index start
    there."""
    if cursor is None:
        return Q()
    op = "lt" if descending else "gt"
    return Q(**{f"{field}__{op}e": cursor.key}) & (
        Q(**{f"{field}__{op}": cursor.key})
        | Q(**{field: cursor.key, f"{id_field}__{op}": cursor.id}))


def queue_page(store_ids: list[int] | None, query: QueueQuery) -> tuple[list[Order], str | None]:
    """The page of orders (store selected) and the cursor of the next page (None on the last):
    one statement, or three for the deadline sort of "awaiting your answer"."""
    if store_ids is not None and not list(store_ids):
        return [], None
    if query.tab == "awaiting_answer" and query.sort == "deadline":
        return _requests_page(store_ids, query)
    orders = Order.objects.filter(_of_stores(store_ids), tab_filter(query.tab))
    if query.search:
        orders = orders.filter(search_filter(query.search))
    if query.sort == "deadline":
        field, descending = DEADLINE_COLUMN[query.tab], False
    else:
        field, descending = "placed_at", True
    orders = orders.filter(_after(field, query.cursor, descending=descending))
    order_by = [f"-{field}", "-pk"] if descending else [field, "pk"]
    rows = list(orders.select_related("store", "buyer").order_by(*order_by)[:query.limit + 1])
    return _cut(rows, query, lambda order: getattr(order, field))


def _cut(rows: list, query: QueueQuery, key_of) -> tuple[list, str | None]:
    if len(rows) <= query.limit:
        return rows, None
    last = rows[query.limit - 1]
    return rows[:query.limit], cursor_token(Cursor(key_of(last), last.pk), query.tab, query.sort)


def _requests_page(store_ids, query: QueueQuery) -> tuple[list[Order], str | None]:
    """Awaiting your answer by deadline: the pending cancellation and change requests by
    (respond_by, order), each table walked on its own index, merged."""
    keys: dict[int, datetime] = {}
    for model in (CancellationRequest, ChangeRequest):
        rows = model.objects.filter(_of_stores(store_ids, "order__"), state="pending",
                                    order__state="awaiting_shipment")
        if query.search:
            rows = rows.filter(search_filter(query.search, "order__"))
        rows = rows.filter(_after("respond_by", query.cursor, descending=False,
                                  id_field="order_id"))
        for respond_by, order_id in (rows.order_by("respond_by", "order_id")
                                     .values_list("respond_by", "order_id")[:query.limit + 1]):
            keys[order_id] = min(respond_by, keys.get(order_id, respond_by))
    ordered = sorted(keys, key=lambda order_id: (keys[order_id], order_id))[:query.limit + 1]
    by_id = Order.objects.select_related("store", "buyer").in_bulk(ordered)
    return _cut([by_id[i] for i in ordered if i in by_id], query, lambda order: keys[order.pk])


def _count_sql(queryset: QuerySet) -> tuple[str, list]:
    # No ORDER BY: the count stops at the cap instead of sorting the whole tab first.
    sql, params = queryset.order_by().values("pk")[:COUNT_CAP + 1].query.sql_with_params()
    return f"(SELECT COUNT(*) FROM ({sql}) capped)", list(params)  # noqa: S608 (ORM's SQL)


def queue_counts(store_ids: list[int] | None, search: str) -> dict[str, int]:
    """How many orders each tab has (for the same search), each counted up to COUNT_CAP + 1 so
    that a count costs the same in any store: one statement."""
    if store_ids is not None and not list(store_ids):
        return dict.fromkeys(TABS, 0)
    parts, params = [], []
    for tab in TABS:
        if tab == "awaiting_answer" and not search:
            # From the pending requests' side, as the deadline sort reads them.
            ids = [model.objects.filter(_of_stores(store_ids, "order__"), state="pending",
                                        order__state="awaiting_shipment")
                   .order_by().values("order_id")[:COUNT_CAP + 1].query.sql_with_params()
                   for model in (CancellationRequest, ChangeRequest)]
            parts.append(f"(SELECT COUNT(*) FROM (SELECT * FROM ({ids[0][0]}) a UNION "  # noqa: S608
                         f"SELECT * FROM ({ids[1][0]}) b) capped)")
            params += [*ids[0][1], *ids[1][1]]
            continue
        orders = Order.objects.filter(_of_stores(store_ids), tab_filter(tab))
        if search:
            orders = orders.filter(search_filter(search))
        sql, tab_params = _count_sql(orders)
        parts.append(sql)
        params += tab_params
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts), params)
        counts = cursor.fetchone()
    return {tab: min(count, COUNT_CAP + 1) for tab, count in zip(TABS, counts, strict=True)}
