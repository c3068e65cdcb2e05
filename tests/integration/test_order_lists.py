"""Order lists read a page in a constant number of statements (issue 16), and each line of a
list equals the one-order summary of its order, for orders in every state.

Statement counts, not times: a page of 2 orders and a page of 20 in mixed states cost the same
statements, on SQLite and PostgreSQL alike. Demo mode is off (the default here), so the clock
costs none."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from rescind.aftersale.changes import change_request
from rescind.aftersale.services import cancellation_approve, order_ship
from rescind.clock.service import now as clock_now
from rescind.disputes.reads import dispute_read, support_queue
from rescind.disputes.services import dispute_open, dispute_refuse
from rescind.domain.actions import Party
from rescind.domain.changes import LineChange
from rescind.messaging.services import message_send
from rescind.orders.models import Order
from rescind.orders.reads import order_summaries, order_summary
from rescind.orders.services import order_cancel_unpaid
from rescind.orders.shipping import order_confirm_receipt, shipment_void
from tests.conftest import DAY, HOUR, T0
from tests.sample_files import png_bytes

# Every kind of order a list shows: each state, with and without open requests and refunds.
KINDS = ("unpaid", "paid", "requested", "change_asked", "shipped", "completed",
         "shipment_canceled", "in_dispute", "cancelled_unpaid", "cancelled_refunded")
STATES = {"unpaid": "awaiting_payment", "paid": "awaiting_shipment",
          "requested": "awaiting_shipment", "change_asked": "awaiting_shipment",
          "shipped": "awaiting_delivery", "completed": "completed",
          "shipment_canceled": "shipment_canceled", "in_dispute": "in_dispute",
          "cancelled_unpaid": "closed", "cancelled_refunded": "closed"}


def _order(market, kind: str, number: int) -> Order:
    """One order of `kind` for `market.buyer` in `market.store`; `number` keeps parcels apart."""
    buyer, seller = market.buyer, market.seller
    at = T0 + number * HOUR
    if kind == "unpaid":
        return market.place(at=at)
    if kind == "cancelled_unpaid":
        order = market.place(at=at)
        order_cancel_unpaid(order_id=order.pk, user=buyer, now=at + HOUR)
        return order
    if kind == "requested":
        return market.requested(at=at)
    if kind == "cancelled_refunded":
        order = market.requested(at=at)
        cancellation_approve(order_id=order.pk, user=seller, note="", now=at + 26 * HOUR)
        return order
    order = market.paid(at=at)
    if kind == "change_asked":
        change_request(order_id=order.pk, user=buyer, changes=[LineChange(line=1, quantity=3)],
                       now=at + HOUR)
    if kind in {"shipped", "completed", "shipment_canceled", "in_dispute"}:
        order_ship(order_id=order.pk, user=seller, carrier="Cainiao",
                   tracking_number=f"LP{number}", now=at + HOUR)
    if kind == "completed":
        order_confirm_receipt(order_id=order.pk, user=buyer, now=at + 2 * DAY)
    if kind == "shipment_canceled":
        shipment_void(order_id=order.pk, user=seller, now=at + 2 * HOUR)
    if kind == "in_dispute":
        dispute_open(order_id=order.pk, user=buyer, reason="damaged", claim=None,
                     return_item=False, description="", evidence=[], now=at + 2 * DAY)
    return order


def _estate(market, count: int, *, start: int = 0) -> list[Order]:
    """`count` orders, their kinds taken in turn from KINDS."""
    return [_order(market, KINDS[(start + i) % len(KINDS)], start + i) for i in range(count)]


def _statements(client, url: str, **headers) -> tuple[int, object]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, headers=headers)
    assert response.status_code == 200
    return len(queries), response


def _page_sizes(market, client, url: str, **headers) -> tuple[int, int, int, int]:
    """(statements, orders listed) for a page of 2 orders, then for a page of 20."""
    _estate(market, 2)
    small, small_page = _statements(client, url, **headers)
    _estate(market, 18, start=2)
    large, large_page = _statements(client, url, **headers)
    return small, _listed(small_page), large, _listed(large_page)


def _listed(response) -> int:
    if response["Content-Type"].startswith("application/json"):
        return len(json.loads(response.content))
    return len(response.context["orders"])


def test_buyer_orders_page_reads_2_or_20_orders_in_the_same_statements(market, client,
                                                                       settings):
    # given the buyer, logged in, with 2 orders, then 20 in every state
    settings.DEMO_MODE = False
    client.force_login(market.buyer)
    # when the buyer's order list is read each time
    small, small_count, large, large_count = _page_sizes(market, client, "/orders/")
    # then both pages cost the same 14 statements: session, user, the reader's language and time
    # zone (accounts.Reader), the counts of every tab, the
    # orders, 4 batched reads (cancellation requests, change requests, shipments, deadlines),
    # the lines and the refunds of every order listed, what paying the unpaid ones takes
    # (web/order_actions.pay_offers), the menu's stores and unread count
    assert (small_count, large_count) == (2, 20)
    assert (small, large) == (14, 14)


@pytest.mark.parametrize("query", ["?tab=refunds", "?tab=shipped&q=shirt", "?q=%23{first}",
                                   "?q=nothing-like-this"])
def test_buyer_orders_page_tabs_and_search_read_in_the_same_statements(market, client,
                                                                      settings, query):
    # given the buyer with an order of every kind, then twice as many
    settings.DEMO_MODE = False
    client.force_login(market.buyer)
    first = _estate(market, len(KINDS))[0].pk
    url = "/orders/" + query.format(first=first)
    # when a tab, a tab with a search, an order number, or a search matching nothing is read
    small, small_page = _statements(client, url)
    _estate(market, len(KINDS), start=len(KINDS))
    large, large_page = _statements(client, url)
    # then the page costs the same statements whatever it lists: 14 as the plain list (13 when
    # no unpaid order is listed: nothing to pay), or the 7 before order_summaries when nothing
    # matches (the batched reads have no orders to read)
    listed = (_listed(small_page), _listed(large_page))
    statements = {"?tab=refunds": 13, "?tab=shipped&q=shirt": 13, "?q=%23{first}": 14,
                  "?q=nothing-like-this": 7}[query]
    assert (small, large) == (statements, statements)
    # (refunds and disputes: the pending request, the canceled shipment, the dispute, the refund)
    expected = {"?tab=refunds": (4, 8), "?tab=shipped&q=shirt": (3, 6), "?q=%23{first}": (1, 1),
                "?q=nothing-like-this": (0, 0)}[query]
    assert listed == expected


def test_seller_orders_page_reads_2_or_20_orders_in_the_same_statements(market, client,
                                                                        settings):
    settings.DEMO_MODE = False
    client.force_login(market.seller)
    small, small_count, large, large_count = _page_sizes(market, client, "/seller/orders/")
    assert (small_count, large_count) == (2, 20)
    # session, user, reader, stores, the page of orders, the counts of every tab (one
    # statement), 4 batched summary reads, the lines, the open disputes, the menu's unread count
    assert (small, large) == (13, 13)


def test_seller_requests_page_reads_2_or_20_requests_in_the_same_statements(market, client,
                                                                            settings):
    # given the seller with 2, then 20, pending cancellation requests
    settings.DEMO_MODE = False
    client.force_login(market.seller)
    for i in range(2):
        _order(market, "requested", i)
    with CaptureQueriesContext(connection) as small:
        small_page = client.get("/seller/requests/")
    for i in range(2, 20):
        _order(market, "requested", i)
    with CaptureQueriesContext(connection) as large:
        large_page = client.get("/seller/requests/")
    # then both pages list every request in the same 6 statements: session, user, reader,
    # stores, the requests with their orders, the unread count
    assert (len(small_page.context["requests"]), len(large_page.context["requests"])) == (2, 20)
    assert (len(small), len(large)) == (6, 6)


@pytest.mark.parametrize("reader", ["buyer", "seller"])
def test_api_orders_list_reads_2_or_20_orders_in_the_same_statements(market, client, bearer,
                                                                     settings, reader):
    # given a buyer and a seller with 2 orders between them, then 20 in every state
    settings.DEMO_MODE = False
    header = bearer(getattr(market, reader))["Authorization"]
    # when GET /api/v1/orders is read by each
    small, small_count, large, large_count = _page_sizes(
        market, client, "/api/v1/orders?limit=50", Authorization=header)
    # then 2 orders and 20 cost the same 8 statements: the token, its user, stores, the
    # orders, 4 batched reads
    assert (small_count, large_count) == (2, 20)
    assert (small, large) == (8, 8)


def _disputes(market, count: int, *, start: int, tmp_path) -> None:
    """`count` open disputes in mixed states; every other one with a photo as evidence."""
    for i in range(start, start + count):
        order = _order(market, "shipped", i)
        evidence = []
        if i % 2 == 0:
            message = message_send(order_id=order.pk, user=market.buyer, body="Torn",
                                   attachments=[SimpleUploadedFile(f"torn{i}.png",
                                                                   png_bytes())],
                                   now=T0 + i * HOUR + DAY)
            evidence = [message.attachments.get().pk]
        dispute_open(order_id=order.pk, user=market.buyer, reason="damaged", claim=None,
                     return_item=False, description="", evidence=evidence,
                     now=T0 + i * HOUR + 2 * DAY)
        if i % 3 == 0:
            dispute_refuse(order_id=order.pk, user=market.seller, note="No",
                           now=T0 + i * HOUR + 3 * DAY)


def test_support_queue_page_reads_2_or_20_disputes_in_the_same_statements(market, client,
                                                                          settings, tmp_path):
    # given support, and 2 then 20 open disputes, some with evidence, some refused
    settings.DEMO_MODE = False
    settings.MEDIA_ROOT = str(tmp_path)
    client.force_login(market.support)
    _disputes(market, 2, start=0, tmp_path=tmp_path)
    small, small_page = _statements(client, "/support/disputes/")
    _disputes(market, 18, start=2, tmp_path=tmp_path)
    large, large_page = _statements(client, "/support/disputes/")
    # then the queue lists them all in the same 13 statements: session, user, reader, permissions
    # (twice), the disputes with their orders, buyers and assignees, their items, the evidence
    # names of all of them, overdue and failed refunds, carrier events, the menu's stores and
    # unread count
    assert (len(small_page.context["disputes"]), len(large_page.context["disputes"])) == (2, 20)
    assert (small, large) == (13, 13)


def test_support_queue_lines_equal_each_dispute_read_alone(market, settings, tmp_path):
    # given disputes with and without evidence
    settings.MEDIA_ROOT = str(tmp_path)
    _disputes(market, 6, start=0, tmp_path=tmp_path)
    # when support's queue is read
    queue = support_queue(now=clock_now())["disputes"]
    # then each line carries the dispute exactly as read alone, evidence names included
    from rescind.disputes.models import Dispute

    assert len(queue) == 6
    for line in queue:
        alone = dispute_read(Dispute.objects.get(pk=line["id"]), Party.SUPPORT, can_decide=True)
        assert {k: line[k] for k in alone} == alone
    assert sorted(e["name"] for line in queue for e in line["evidence"]) == \
        ["torn0.png", "torn2.png", "torn4.png"]


def test_list_lines_equal_each_orders_one_order_summary_for_every_state(market):
    # given two orders of every kind
    orders = _estate(market, 2 * len(KINDS))
    assert sorted({o.state for o in Order.objects.all()}) == sorted(set(STATES.values()))
    now = clock_now()
    page = list(Order.objects.select_related("store").order_by("-placed_at", "-pk"))
    for party in (Party.BUYER, Party.SELLER, Party.SUPPORT):
        # when the page is summarised at once
        listed = order_summaries(page, lambda _order, party=party: party, now=now)
        # then each line equals the one-order summary (and so the order detail's head)
        alone = [order_summary(o, party, now=now) for o in page]
        assert listed == alone
    assert len(page) == len(orders)
    # and the list shows what each kind means: open requests, shipments and deadlines
    by_id = {s["id"]: s for s in order_summaries(page, lambda _order: Party.BUYER, now=now)}
    requested = by_id[orders[KINDS.index("requested")].pk]
    assert [a["action"] for a in requested["actions"]] == ["withdraw_cancellation"]
    assert requested["state"] == "awaiting_shipment"


@pytest.mark.parametrize("reader", ["buyer", "seller", "support"])
def test_api_orders_list_lines_equal_each_orders_detail(market, client, bearer, reader):
    # given orders of every kind
    _estate(market, len(KINDS))
    header = bearer(getattr(market, reader))
    # when the reader lists their orders, then reads each alone
    listed = json.loads(client.get("/api/v1/orders?limit=50", headers=header).content)
    # then every line equals the same fields of the order's detail
    assert len(listed) == len(KINDS)
    for line in listed:
        detail = json.loads(client.get(f"/api/v1/orders/{line['id']}", headers=header).content)
        assert {k: detail[k] for k in line} == line
