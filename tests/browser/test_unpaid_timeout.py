"""An unpaid order left for 20 days on the demo clock closes, and offers to buy again (R5)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Page, expect

MINUTE = timedelta(minutes=1)


@pytest.mark.browser
def test_r5_unpaid_order_auto_closes_after_20_days_and_offers_add_to_cart_again(
        page: Page, live_server, live_market, demo_mode, log_in, rescind_cli, reload_live):
    from rescind.orders.models import CartLine

    # given: demo mode and an order the buyer placed a minute ago and has not paid
    order = live_market.place(at=datetime.now(UTC) - MINUTE)
    log_in("buyer")
    page.goto(f"{live_server.url}/orders/{order.pk}/")
    expect(page.locator("#order-state")).to_have_text("Awaiting payment")
    expect(page.get_by_role("button", name="Pay now")).to_be_visible()

    # when: the buyer moves the demo clock 20 days on with the page's control
    page.get_by_label("Advance the clock by").fill("20d")
    page.get_by_role("button", name="Advance clock").click()
    expect(page.get_by_role("status")).to_have_text(
        "The clock moved forward; due deadlines fire within a second.")
    # and: the worker makes one pass, and the buyer reloads the order
    fired = rescind_cli("worker", "--once")
    reload_live()

    # then: the worker fired exactly the buyer's reminder (R27, found due in the same pass)
    # and the unpaid timeout
    assert fired.splitlines()[-1] == "fired 2 deadline(s)"
    assert sorted(order.deadlines.filter(fired_at__isnull=False).values_list(
        "kind", flat=True)) == ["unpaid_timeout", "unpaid_timeout_reminder"]
    # and: the order closed by itself, by the platform's clock
    expect(page.locator("#order-state")).to_have_text("Closed")
    expect(page.locator("#order-substatus")).to_have_text("Closed: not paid in time")
    timed_out = page.locator('#timeline li[data-kind="UnpaidOrderTimedOut"]')
    expect(timed_out).to_have_text(re.compile(
        r" · platform · Closed: not paid within the time allowed\.$"))
    # and: it offers "add to cart again" instead of "pay now", and no deadline runs any more
    expect(page.locator("#actions button")).to_have_text(["Add to cart again"])
    expect(page.get_by_role("button", name="Pay now")).to_have_count(0)
    expect(page.locator(".deadline")).to_have_count(0)

    # when: the buyer adds the items to the cart again
    page.get_by_role("button", name="Add to cart again").click()

    # then: the cart holds the order's items, with their options
    expect(page).to_have_url(f"{live_server.url}/cart/")
    expect(page.get_by_role("status")).to_have_text("The items are back in your cart.")
    expect(page.locator("li.cart-line .cart-line-item")).to_have_text(
        ["2 × Shirt · colour: red (Store A) $25.00"])
    assert list(CartLine.objects.filter(buyer=live_market.buyer).values_list(
        "product_id", "quantity", "options")) == [(live_market.product.pk, 2, {"colour": "red"})]
