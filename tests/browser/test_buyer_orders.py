"""The buyer's order list in a real browser (R2)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Page, expect

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)


def shown_instant(at: datetime) -> str:
    """How the pages print an instant: Django's "D j M Y, H:i" in UTC."""
    return f"{at:%a} {at.day} {at:%b %Y, %H:%M}"


@pytest.mark.browser
def test_r2_buyer_logs_in_and_sees_their_orders(page: Page, live_server, live_market, log_in):
    from rescind.orders.models import Deadline

    # given: the buyer placed an order an hour ago and paid another two days ago;
    # other_buyer has an order of their own
    now = datetime.now(UTC)
    unpaid = live_market.place(at=now - HOUR)
    paid = live_market.paid(at=now - 2 * DAY)
    foreign = live_market.paid(at=now - 2 * DAY, buyer=live_market.other_buyer,
                               product=live_market.other_product, quantity=1)
    pay_by = unpaid.deadlines.get(kind=Deadline.Kind.UNPAID_TIMEOUT).due_at
    ship_by = paid.deadlines.get(kind=Deadline.Kind.HANDLING_TIME).due_at
    ship_days_left = (ship_by - paid.paid_at).days - 2  # same time of day as the payment

    # when: the buyer logs in
    log_in("buyer")

    # then: they land on "My orders" showing exactly their two orders, newest first
    expect(page).to_have_url(f"{live_server.url}/orders/")
    expect(page.get_by_role("heading", level=1)).to_have_text("My orders")
    cards = page.locator(".order-card")
    expect(cards).to_have_count(2)
    expect(cards.nth(0)).to_have_attribute("data-order-id", str(unpaid.pk))
    expect(cards.nth(1)).to_have_attribute("data-order-id", str(paid.pk))

    # and: the unpaid order shows its state, total, actions and the pay-by countdown
    unpaid_card = cards.nth(0)
    expect(unpaid_card.locator("a").first).to_have_text(f"Order #{unpaid.pk} · Store A")
    expect(unpaid_card.locator(".state")).to_have_text("Awaiting payment")
    expect(unpaid_card.locator(".total")).to_have_text("$28.00")
    expect(unpaid_card.locator(".action")).to_have_text(["Pay now · $28.00", "Cancel order"])
    expect(unpaid_card.locator(".deadline")).to_have_count(1)
    expect(unpaid_card.locator(".deadline")).to_have_text(re.compile(
        rf"^Pay by, or the order closes {re.escape(shown_instant(pay_by))} UTC\s+"
        r"\(19 days 22 hours left\)$"))

    # and: the paid order shows its state, total, actions and the ship-by countdown
    paid_card = cards.nth(1)
    expect(paid_card.locator("a").first).to_have_text(f"Order #{paid.pk} · Store A")
    expect(paid_card.locator(".state")).to_have_text("Awaiting shipment")
    expect(paid_card.locator(".total")).to_have_text("$28.00")
    expect(paid_card.locator(".action")).to_have_text(
        ["Cancel order", "Change options or delivery details"])
    expect(paid_card.locator(".deadline")).to_have_count(1)
    expect(paid_card.locator(".deadline")).to_have_text(re.compile(
        rf"^The seller must ship by {re.escape(shown_instant(ship_by))} UTC\s+"
        rf"\({ship_days_left - 1} days 23 hours left\)$"))

    # and: nothing of other_buyer's order is on the page
    expect(page.locator(f'[data-order-id="{foreign.pk}"]')).to_have_count(0)
    expect(page.get_by_text("Store B")).to_have_count(0)
    expect(page.get_by_text(f"Order #{foreign.pk}")).to_have_count(0)
