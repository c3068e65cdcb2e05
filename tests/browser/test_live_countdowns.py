"""Countdowns are never stale: they count from the server's time through every htmx swap, and a
page whose deadline passes while it is open shows what the platform did then, without a
reload by the reader (R2, R5; issue 13)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Page, expect

MINUTE = timedelta(minutes=1)
SWAP = 30_000  # ms: generous, for an htmx swap on a loaded machine


def deadline(page: Page, scope=None):
    return (scope or page).locator('.deadline[data-kind="unpaid_timeout"]')


@pytest.mark.browser
def test_r5_open_order_page_shows_the_closed_order_once_the_worker_acts_on_a_moved_clock(
        page: Page, live_server, live_market, demo_mode, log_in, rescind_cli):
    # given: demo mode, and the buyer looking at their order placed a minute ago, unpaid
    order = live_market.place(at=datetime.now(UTC) - MINUTE)
    log_in("buyer")
    page.goto(f"{live_server.url}/orders/{order.pk}/")
    expect(page.locator("#order-state")).to_have_text("Awaiting payment")
    expect(deadline(page)).to_contain_text(re.compile(r"\(19 days 23 hours left\)"))

    # when: someone moves the shared clock 20 days on from the command line
    rescind_cli("clock", "advance", "20d")

    # then: the open page learns the server's time and shows the deadline due
    expect(deadline(page)).to_contain_text("(due now)", timeout=SWAP)
    expect(page.locator("#order-state")).to_have_text("Awaiting payment")

    # when: the worker makes one pass, closing the order (R5)
    fired = rescind_cli("worker", "--once")
    assert fired.splitlines()[-1] == "fired 2 deadline(s)"

    # then: the page, untouched by the reader, shows the order closed by the timeout
    expect(page.locator("#order-state")).to_have_text("Closed", timeout=SWAP)
    expect(page.locator("#order-substatus")).to_contain_text("Closed: not paid in time")
    expect(deadline(page)).to_have_count(0)
    expect(page.get_by_role("button", name="Pay now")).to_have_count(0)
    expect(page.locator("#actions button")).to_have_text(["Add to cart again"])


@pytest.mark.browser
def test_r5_after_advance_clock_the_list_shows_the_deadline_due_then_the_closed_order(
        page: Page, live_server, live_market, demo_mode, log_in, rescind_cli):
    # given: demo mode, and the buyer on their list with two orders placed a minute ago
    first = live_market.place(at=datetime.now(UTC) - MINUTE)
    second = live_market.place(at=datetime.now(UTC) - MINUTE)
    log_in("buyer")
    expect(page.get_by_role("heading", level=1)).to_have_text("My orders")
    cards = {o.pk: page.locator(f'.order-card[data-order-id="{o.pk}"]') for o in (first, second)}
    for card in cards.values():
        expect(deadline(page, card)).to_contain_text(re.compile(r"\(19 days 23 hours left"))

    # when: the buyer moves the clock 20 days on with the page's control
    page.get_by_label("Advance the clock by").fill("20d")
    page.get_by_role("button", name="Advance clock").click()

    # then: the page it lands on counts from the moved clock: both deadlines are due
    expect(page.get_by_role("status")).to_have_text(
        "The clock moved forward; due deadlines fire within a second.", timeout=SWAP)
    for card in cards.values():
        expect(deadline(page, card)).to_contain_text("(due now)")

    # when: the worker makes one pass
    rescind_cli("worker", "--once")

    # then: the list, untouched by the reader, shows both orders closed
    for card in cards.values():
        expect(card.locator(".state")).to_have_text("Closed", timeout=SWAP)
        expect(deadline(page, card)).to_have_count(0)


@pytest.mark.browser
def test_r2_countdowns_follow_the_servers_clock_through_boosted_navigations(
        page: Page, live_server, live_market, demo_mode, log_in, rescind_cli):
    # given: demo mode and two unpaid orders placed a minute ago (the list then asks the
    # server nothing: no deadline of its is near)
    order = live_market.place(at=datetime.now(UTC) - MINUTE)
    live_market.place(at=datetime.now(UTC) - MINUTE)
    log_in("buyer")
    list_heading = page.get_by_role("heading", level=1)
    expect(list_heading).to_have_text("My orders")
    card = page.locator(f'.order-card[data-order-id="{order.pk}"]')
    expect(deadline(page, card)).to_contain_text(re.compile(r"\(19 days 23 hours left"))

    # when: the shared clock moves two days on from the command line while the list is open
    rescind_cli("clock", "advance", "2d")
    # and: the buyer goes to the shop and back, boosted swaps that keep the first page's
    # <body data-now> (and pages that ask the server nothing)
    page.get_by_role("link", name="Shop").click()
    expect(page).to_have_url(f"{live_server.url}/shop/", timeout=SWAP)
    expect(list_heading).to_have_text("Shop", timeout=SWAP)
    page.get_by_role("link", name="My orders").click()
    expect(page).to_have_url(f"{live_server.url}/orders/", timeout=SWAP)
    expect(list_heading).to_have_text("My orders", timeout=SWAP)

    # then: the list counts from the server's moved clock
    expect(deadline(page, card)).to_contain_text(re.compile(r"\(17 days 23 hours left"),
                                                 timeout=SWAP)

    # when: the buyer goes list -> order -> list -> order -> list
    for _ in range(2):
        card.get_by_role("link", name=f"Order #{order.pk}").click()
        expect(page).to_have_url(f"{live_server.url}/orders/{order.pk}/", timeout=SWAP)
        expect(page.get_by_role("heading", level=1)).to_contain_text(
            f"Order #{order.pk}", timeout=SWAP)
        # then: the order's countdown counts from the server's moved clock
        expect(deadline(page)).to_contain_text(re.compile(r"\(17 days 23 hours left"),
                                               timeout=SWAP)
        page.get_by_role("link", name="My orders").click()
        expect(page).to_have_url(f"{live_server.url}/orders/", timeout=SWAP)
        expect(list_heading).to_have_text("My orders", timeout=SWAP)
        # and: so does the list's
        expect(deadline(page, card)).to_contain_text(
            re.compile(r"\(17 days 23 hours left"), timeout=SWAP)


@pytest.mark.browser
def test_r7_an_action_that_opens_while_the_page_is_open_appears_without_a_reload(
        page: Page, live_server, live_market, demo_mode, log_in, rescind_cli):
    # given: demo mode, and the buyer on the page of an order paid 23 hours ago: cancelling
    # opens a day after payment (R7)
    order = live_market.paid(at=datetime.now(UTC) - timedelta(hours=23))
    log_in("buyer")
    page.goto(f"{live_server.url}/orders/{order.pk}/")
    upcoming = page.locator('.upcoming[data-action="request_cancellation"]')
    expect(upcoming).to_contain_text(re.compile(r"\(under an hour left\)"))
    expect(page.get_by_role("button", name="Request cancellation")).to_have_count(0)

    # when: the shared clock moves an hour on from the command line
    rescind_cli("clock", "advance", "1h")

    # then: the page, untouched by the reader, offers the cancellation request
    expect(page.get_by_role("button", name="Request cancellation")).to_be_visible(timeout=SWAP)
    expect(upcoming).to_have_count(0)
