"""The seller's order queue (issue 14): tabs and their counts, search, sort by deadline or date,
and cursor pages that stay stable while orders change (semantics in orders/seller_queue.py)."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from rescind.aftersale.changes import change_request
from rescind.aftersale.services import order_ship
from rescind.clock.service import now as clock_now
from rescind.disputes.models import Dispute
from rescind.disputes.services import dispute_accept, dispute_open, dispute_refuse
from rescind.domain.changes import LineChange
from rescind.domain.errors import DomainError
from rescind.orders.models import SELLER_NOTHING_DUE, Order
from rescind.orders.seller_queue import queue_counts, queue_page, queue_query
from rescind.orders.shipping import order_confirm_receipt, shipment_void
from tests.conftest import DAY, HOUR, T0

SECOND = HOUR / 3600


def _page(market, *, tab=None, sort=None, search=None, cursor=None, limit=2):
    query = queue_query(tab=tab, sort=sort, search=search, cursor=cursor, limit=limit)
    orders, next_cursor = queue_page([market.store.pk], query)
    return [o.pk for o in orders], next_cursor


def _walk(market, **kwargs) -> list[int]:
    seen, cursor = [], None
    while True:
        ids, cursor = _page(market, cursor=cursor, **kwargs)
        seen += ids
        if cursor is None:
            return seen


def test_tabs_hold_what_the_seller_has_to_do_with_their_counts(market):
    # given: in the seller's store an unpaid order, a paid one, one with a cancellation request,
    # one with a change request, a shipped one, a completed one, a canceled shipment; and an
    # order of another store
    unpaid = market.place(at=T0)
    paid = market.paid(at=T0 + HOUR)
    requested = market.requested(at=T0 + 2 * HOUR)
    changed = market.paid(at=T0 + 3 * HOUR)
    change_request(order_id=changed.pk, user=market.buyer,
                   changes=[LineChange(line=1, quantity=3)], now=T0 + 4 * HOUR)
    shipped, completed, canceled = (market.paid(at=T0 + n * HOUR) for n in (5, 6, 7))
    for n, order in enumerate((shipped, completed, canceled)):
        order_ship(order_id=order.pk, user=market.seller, carrier="Cainiao",
                   tracking_number=f"LP{n}", now=T0 + 8 * HOUR)
    order_confirm_receipt(order_id=completed.pk, user=market.buyer, now=T0 + DAY)
    shipment_void(order_id=canceled.pk, user=market.seller, now=T0 + DAY)
    market.paid(at=T0, product=market.other_product)

    # when: each tab is read
    tabs = {tab: _walk(market, tab=tab, sort="date") for tab in
            ("awaiting_answer", "to_ship", "shipment_canceled", "in_dispute", "completed",
             "closed", "all")}

    # then: each holds its orders, newest first, and the counts agree
    assert tabs == {
        "awaiting_answer": [changed.pk, requested.pk],
        "to_ship": [changed.pk, requested.pk, paid.pk],
        "shipment_canceled": [canceled.pk], "in_dispute": [], "completed": [completed.pk],
        "closed": [],
        "all": [canceled.pk, completed.pk, shipped.pk, changed.pk, requested.pk, paid.pk,
                unpaid.pk],
    }
    assert queue_counts([market.store.pk], "") == {tab: len(ids) for tab, ids in tabs.items()}


def test_deadline_sort_puts_the_soonest_first_and_pages_by_cursor(market):
    # given: three paid orders whose ship-by deadlines fall in the order they were paid, and
    # three requests made out of order
    paid = [market.paid(at=T0 + n * DAY) for n in range(3)]
    requested = [market.requested(at=T0 + n * HOUR) for n in (5, 3, 4)]

    # when: the to-ship and awaiting-answer tabs are walked by deadline, two at a time
    to_ship = _walk(market, tab="to_ship", sort="deadline")
    awaiting = _walk(market, tab="awaiting_answer", sort="deadline")

    # then: soonest deadline first (ship by 7 working days after payment), every order once
    assert awaiting == [requested[1].pk, requested[2].pk, requested[0].pk]
    assert to_ship == [paid[0].pk, requested[1].pk, requested[2].pk, requested[0].pk,
                       paid[1].pk, paid[2].pk]


def test_r19_in_dispute_by_deadline_puts_what_waits_on_the_seller_first(market):
    # given: four completed orders; the buyer disputes three of them at different times, and
    # the seller refuses the latest dispute (it then waits on the buyer, not on the seller)
    orders = [market.paid(at=T0 + n * HOUR) for n in range(4)]
    for n, order in enumerate(orders):
        order_ship(order_id=order.pk, user=market.seller, carrier="Cainiao",
                   tracking_number=f"LP{n}", now=T0 + DAY)
        order_confirm_receipt(order_id=order.pk, user=market.buyer, now=T0 + 2 * DAY)
    for order, hours in ((orders[0], 5), (orders[1], 3), (orders[2], 7)):
        dispute_open(order_id=order.pk, user=market.buyer, reason="not_as_described",
                     claim=None, return_item=False, description="Broken.", evidence=[],
                     now=T0 + 3 * DAY + hours * HOUR)
    dispute_refuse(order_id=orders[2].pk, user=market.seller, note="It worked when sent.",
                   now=T0 + 4 * DAY)

    # when: the in-dispute tab is walked by deadline, two at a time, and by date
    by_deadline = _walk(market, tab="in_dispute", sort="deadline")
    by_date = _walk(market, tab="in_dispute", sort="date")

    # then: the disputes the seller must answer come first, soonest answer first (opened at
    # 3 h before the one opened at 5 h), then the one waiting on the buyer; every order once
    assert by_deadline == [orders[1].pk, orders[0].pk, orders[2].pk]
    assert by_date == [orders[2].pk, orders[1].pk, orders[0].pk]
    # and: each order keeps the instant its dispute waits on the seller until
    dues = {o.pk: o.dispute_seller_due for o in Order.objects.filter(pk__in=by_deadline)}
    assert dues == {orders[1].pk: Dispute.objects.get(order=orders[1]).respond_by,
                    orders[0].pk: Dispute.objects.get(order=orders[0]).respond_by,
                    orders[2].pk: SELLER_NOTHING_DUE}
    # and: the deadline sort is what the tab offers first
    assert queue_query(tab="in_dispute", sort=None, search=None, cursor=None,
                       limit=2).sort == "deadline"

    # when: the seller accepts the first dispute (it resolves and the order leaves the tab)
    dispute_accept(order_id=orders[1].pk, user=market.seller, now=T0 + 4 * DAY)

    # then: the order no longer waits on the seller and the tab holds the other two
    assert Order.objects.get(pk=orders[1].pk).dispute_seller_due is None
    assert _walk(market, tab="in_dispute", sort="deadline") == [orders[0].pk, orders[2].pk]


def test_cursor_is_stable_when_an_order_changes_state_between_pages(market):
    # given: five paid orders in "to ship", read two at a time by date
    orders = [market.paid(at=T0 + n * HOUR) for n in range(5)]
    first, cursor = _page(market, tab="to_ship", sort="date")
    assert first == [orders[4].pk, orders[3].pk]

    # when: one order of the first page and one not yet shown are shipped, and a new order
    # is placed and paid, before the next pages are read
    for n, order in enumerate((orders[3], orders[1])):
        order_ship(order_id=order.pk, user=market.seller, carrier="Cainiao",
                   tracking_number=f"LP{n}", now=T0 + DAY)
    newer = market.paid(at=T0 + 10 * HOUR)
    rest = []
    while cursor:
        ids, cursor = _page(market, tab="to_ship", sort="date", cursor=cursor)
        rest += ids

    # then: the walk goes on after the last row seen: nothing is repeated, the shipped order
    # that left the tab is not shown, the one that stayed is not skipped, and the new order
    # (before the cursor) waits for the next walk from the first page
    assert rest == [orders[2].pk, orders[0].pk]
    assert newer.pk not in first + rest
    assert _page(market, tab="to_ship", sort="date", limit=10)[0] == [
        newer.pk, orders[4].pk, orders[2].pk, orders[0].pk]


def test_search_finds_by_number_buyer_and_item(market):
    # given: an order of each buyer, one of them of the other product's name in the title
    mine = market.paid(at=T0)
    other = market.paid(at=T0 + HOUR, buyer=market.other_buyer)
    # when / then
    assert _walk(market, search=f"#{mine.pk}") == [mine.pk]
    assert _walk(market, search="OTHER_b") == [other.pk]
    assert _walk(market, search="shirt") == [other.pk, mine.pk]
    assert _walk(market, search="no such thing") == []
    assert queue_counts([market.store.pk], "other_buyer")["all"] == 1


@pytest.mark.parametrize(("kwargs", "code"), [
    ({"tab": "later"}, "unknown_tab"),
    ({"sort": "price"}, "unknown_sort"),
    ({"search": "x" * 101}, "search_too_long"),
    ({"cursor": "not-a-cursor"}, "bad_cursor"),
    ({"cursor": "WyJhbGwiLCAiZGF0ZSIsICJ4IiwgMV0"}, "bad_cursor"),  # ["all","date","x",1]
])
def test_bad_queue_input_is_refused_with_its_code(kwargs, code):
    with pytest.raises(DomainError) as refused:
        queue_query(**{"tab": None, "sort": None, "search": None, "cursor": None, **kwargs},
                    limit=10)
    assert refused.value.code == code


def test_a_cursor_of_another_tab_is_refused(market):
    for n in range(3):
        market.paid(at=T0 + n * HOUR)
    _ids, cursor = _page(market, tab="to_ship", sort="date")
    with pytest.raises(DomainError) as refused:
        _page(market, tab="all", sort="date", cursor=cursor)
    assert refused.value.code == "bad_cursor"


@pytest.mark.parametrize("query", ["?tab=awaiting_answer", "?tab=awaiting_answer&sort=date",
                                   "?tab=to_ship", "?tab=shipment_canceled",
                                   "?tab=closed&q=shirt", "?q=buyer"])
def test_queue_page_reads_2_or_20_orders_in_the_same_statements(market, client, settings,
                                                                query):
    # given: the seller, logged in; 2 orders with a request, then 20 of them
    settings.DEMO_MODE = False
    client.force_login(market.seller)
    counts = []
    for count in (2, 20):
        while len(market.orders) < count:
            market.orders.append(market.requested(at=T0 + len(market.orders) * HOUR))
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/seller/orders/" + query)
        assert response.status_code == 200
        counts.append(len(queries))
    # then: the same statements whatever the page's length
    assert counts[0] == counts[1]


def test_queue_page_shows_urgency_in_words_and_pages_on(market, client):
    # given: 26 orders whose cancellation requests the seller must answer in 3 days or more,
    # and one with 22 hours left (requests are made 25 h after payment, answered within 72 h)
    now = clock_now()
    for n in range(26):
        market.requested(at=now - 10 * HOUR - n * SECOND)
    urgent = market.requested(at=now - 75 * HOUR)
    client.force_login(market.seller)

    # when: the seller opens "Awaiting your answer" (by deadline, the default there)
    html = client.get("/seller/orders/?tab=awaiting_answer").content.decode()

    # then: the urgent one is first, its urgency in words in a danger badge; the others say
    # how long is left; the tab counts 27; a link leads to the next page and to bulk answers
    rows = re.findall(r'<tr data-order-id="(\d+)">', html)
    assert len(rows) == 25 and rows[0] == str(urgent.pk)
    assert re.search(r'<span class="badge badge-danger">Under 24 hours: 2[12] hours '
                     r'\d+ minutes? left</span>', html)
    assert html.count("Under 24 hours") == 1
    assert re.search(r'3 days 1[34] hours left', html)
    assert 'Awaiting your answer <span class="count">27</span>' in html
    assert "Answer several at once" in html
    next_url = re.search(r'href="(\?[^"]+)" rel="next"', html).group(1).replace("&amp;", "&")
    second = client.get("/seller/orders/" + next_url).content.decode()
    assert len(re.findall(r'<tr data-order-id="(\d+)">', second)) == 2
    assert "First page" in second


def test_queue_page_sends_a_bad_link_back_to_the_first_page(market, client):
    client.force_login(market.seller)
    response = client.get("/seller/orders/?tab=to_ship&after=garbage", follow=True)
    assert response.redirect_chain == [("/seller/orders/?tab=to_ship", 302)]
    assert "This page link is not valid any more" in response.content.decode()
    response = client.get("/seller/orders/?tab=nope", follow=True)
    assert response.redirect_chain == [("/seller/orders/", 302)]
    assert "&#x27;nope&#x27; is not a tab of the order queue." in response.content.decode()
