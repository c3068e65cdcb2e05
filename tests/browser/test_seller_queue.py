"""A seller works through their order queue in a real browser (issue 14): tabs with counts,
urgency in words, the next page, sort and search, on a desktop and on a phone."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Page, expect

from tests.browser.axe import assert_accessible, assert_no_sideways_scroll

HOUR = timedelta(hours=1)
SECOND = timedelta(seconds=1)


@pytest.mark.browser
def test_a_seller_walks_the_queue_by_tab_urgency_page_sort_and_search(page: Page, live_server,
                                                                      live_market, log_in):
    # given: 26 orders whose cancellation requests the seller must answer in 3 days 14 hours
    # (requests come 25 h after payment and wait 72 h), one with 12 hours left, and a paid
    # order of other_buyer without a request
    now = datetime.now(UTC)
    relaxed = [live_market.requested(at=now - 10 * HOUR - n * SECOND) for n in range(26)]
    urgent = live_market.requested(at=now - 85 * HOUR)
    other = live_market.paid(at=now, buyer=live_market.other_buyer)

    # when: the seller logs in and opens "Awaiting your answer"
    log_in("seller")
    expect(page).to_have_url(f"{live_server.url}/seller/orders/")
    tabs = page.get_by_role("navigation", name="Orders by what you have to do")
    expect(tabs.get_by_role("link")).to_have_text([
        "Awaiting your answer 27", "To ship 28", "Shipment canceled 0", "In dispute 0",
        "Completed 0", "Closed 0", "All 28"])
    tabs.get_by_role("link", name="Awaiting your answer").click()

    # then: the soonest deadline comes first and says in words that under a day is left; the
    # others say how long they have; 25 orders on this page and a link to answer several
    rows = page.locator("table.seller-queue tbody tr")
    expect(rows).to_have_count(25)
    first = rows.nth(0)
    expect(first).to_have_attribute("data-order-id", str(urgent.pk))
    expect(first.locator(".respond-by .badge")).to_have_text(
        re.compile(r"^Under 24 hours: 11 hours \d+ minutes left$"))
    expect(first.locator(".due-what")).to_have_text("Answer the cancellation request")
    expect(first.locator("td.buyer")).to_have_text("buyer")
    expect(first.locator("td.items")).to_have_text("2 × Shirt")
    expect(rows.nth(1).locator(".respond-by .left")).to_have_text(
        re.compile(r"^3 days 1[34] hours left$"))
    expect(page.get_by_role("link", name="Answer several at once")).to_have_attribute(
        "href", "/seller/requests/")

    # when: the seller goes to the next page
    page.get_by_role("button", name="Next page").click()
    # then: the two latest requests are there, and no next page
    expect(rows).to_have_count(2)
    expect(rows.nth(1)).to_have_attribute("data-order-id", str(relaxed[0].pk))
    expect(page.get_by_role("button", name="Next page")).to_have_count(0)

    # when: they sort by date instead
    page.get_by_role("link", name="Date, newest first").click()
    expect(page).to_have_url(re.compile(r"sort=date$"))
    # then: the newest order comes first
    expect(rows.nth(0)).to_have_attribute("data-order-id", str(relaxed[0].pk))

    # when: they search the "All" tab for other_buyer
    tabs.get_by_role("link", name="All").click()
    expect(page).to_have_url(f"{live_server.url}/seller/orders/?tab=all")
    page.get_by_label("Search by order number, buyer name or item").fill("other_buyer")
    page.get_by_role("button", name="Search").click()
    # then: only that buyer's order is listed, and the tabs count what the search found
    expect(rows).to_have_count(1)
    expect(rows.nth(0)).to_have_attribute("data-order-id", str(other.pk))
    expect(tabs.get_by_role("link", name=re.compile("^To ship"))).to_have_text("To ship 1")
    assert_accessible(page)

    # when: the same queue is read on a phone
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/seller/orders/?tab=awaiting_answer")
    # then: nothing scrolls sideways, each row reads as a card with its labels, and it passes
    # axe
    assert_no_sideways_scroll(page)
    expect(rows.nth(0).locator("td.respond-by")).to_contain_text("Under 24 hours")
    assert_accessible(page)
