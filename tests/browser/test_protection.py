"""Buyer protection after completion (R18) in a real browser: the buyer reads when it ends, with
its countdown, and opens a dispute on the completed order within it."""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_disputes import open_dispute

DAY = timedelta(days=1)


@pytest.mark.browser
def test_r18_buyer_sees_protection_end_and_disputes_a_completed_order(
        page: Page, live_server, live_market, log_in):
    from rescind.aftersale.services import order_ship
    from rescind.orders.shipping import order_confirm_receipt

    # given: an order the buyer confirmed 3 days ago, protected for 12 more days
    confirmed = datetime.now(UTC) - 3 * DAY
    order = live_market.paid(at=confirmed - 9 * DAY)
    order_ship(order_id=order.pk, user=live_market.seller, carrier="Cainiao",
               tracking_number="LP1", now=confirmed - 8 * DAY)
    order_confirm_receipt(order_id=order.pk, user=live_market.buyer, now=confirmed)
    order.refresh_from_db()

    # when: the buyer opens the order page
    log_in("buyer")
    page.goto(f"{live_server.url}/orders/{order.pk}/")
    # then: it is completed, and says when protection ends, counting down
    expect(page.locator("#order-state")).to_have_text("Completed")
    deadline = page.locator('.deadline[data-kind="protection_end"]')
    ends = order.dispute_until.strftime("%a %-d %b %Y, %H:%M")
    expect(deadline).to_contain_text(
        f"Buyer protection ends, and with it the right to open a dispute, on {ends} UTC")
    expect(deadline.locator(".left")).to_have_text(re.compile(r"^11 days 23 hours left$"))
    if os.environ.get("RESCIND_SCREENSHOTS"):
        page.screenshot(path=os.environ["RESCIND_SCREENSHOTS"] + "/protection.png",
                        full_page=True)

    # when: they open a dispute because the item broke
    open_dispute(page, reason="The item arrived damaged", description="Cracked after a week",
                 return_item=False)
    # then: the order is in dispute, waiting for the seller, and protection is no longer shown
    expect(page.locator("#order-state")).to_have_text("In dispute")
    expect(page.locator("#dispute .dispute-state")).to_have_text(
        "Waiting for the seller's answer")
    expect(page.locator('.deadline[data-kind="protection_end"]')).to_have_count(0)
