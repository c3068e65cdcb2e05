"""A change instead of a cancellation, in a real browser: the buyer asks for a cheaper colour and
quantity, the seller accepts, the buyer sees the partial refund and when it arrives (R13, R22,
R23, R29)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Page, expect

DAY = timedelta(days=1)


def shown_day(at: datetime) -> str:
    """How the pages print a date: Django's "D j M Y" in UTC."""
    return f"{at:%a} {at.day} {at:%b %Y}"


@pytest.mark.browser
def test_r13_r22_r23_buyer_changes_to_one_blue_shirt_seller_accepts_difference_refunded(
        page: Page, live_server, live_market, log_in, log_out):
    from rescind.aftersale.models import ChangeRequest

    # given: two red shirts (2 x 12.50 + 3.00 shipping = $28.00) paid by card a day ago
    order = live_market.paid(at=datetime.now(UTC) - DAY)

    # when: the buyer opens the order and asks for one blue shirt instead
    log_in("buyer")
    page.goto(f"{live_server.url}/orders/{order.pk}/")
    page.get_by_text("Change options or delivery details").click()
    page.get_by_label("Colour").select_option("blue")
    page.get_by_label("Quantity").fill("1")
    page.get_by_role("button", name="Ask the seller to change the order").click()

    # then: the request waits for the seller, 12.50 cheaper, and the order is as it was
    expect(page.get_by_role("status")).to_have_text("Your change request was sent to the seller.")
    section = page.locator("#change-request")
    expect(section.locator("p").first).to_have_text(
        "Status: Waiting for the seller's answer · Price $28.00 → $15.50")
    expect(section.locator("ul.changes li")).to_have_text(
        ["Line 1 (Shirt): colour red → blue, quantity 2 → 1"])
    expect(page.locator("#order-total")).to_have_text("$28.00")
    expect(page.get_by_role("button", name="Withdraw change request")).to_be_visible()
    assert ChangeRequest.objects.get(order=order).state == "pending"

    # when: the seller opens the order and accepts the change
    log_out()
    log_in("seller")
    page.goto(f"{live_server.url}/orders/{order.pk}/")
    page.get_by_role("button", name="Accept the change").click()
    page.get_by_role("dialog").get_by_role("button", name="Accept the change").click()

    # then: the seller sees it done, and the order now holds one blue shirt
    expect(page.get_by_role("status")).to_have_text("Change accepted.")
    expect(page.locator("table.lines tbody.lines td")).to_have_text(
        ["Shirt colour: blue, 1 × $12.50", "$12.50"])

    # when: the buyer comes back to the order
    log_out()
    log_in("buyer")
    page.goto(f"{live_server.url}/orders/{order.pk}/")

    # then: the change is applied and exactly the 12.50 difference is on its way back to the
    # card, with the date it is expected by (R22, R23), and the history says so (R29)
    refund = order.refunds.get()
    assert (refund.amount, refund.method, refund.cause) == (1250, "bank_card", "ChangeAccepted")
    expect(section.locator(".change-state")).to_have_text("Applied")
    expect(page.locator("#order-total")).to_have_text("$28.00")
    expect(page.locator("#order-refunded")).to_have_text("−$12.50")
    expect(page.locator("#refunds li.refund .refund-head")).to_have_text(
        ["$12.50 to your bank card Decided"])
    expect(page.locator("#refunds li.refund .refund-expected")).to_have_text(
        [f"between {shown_day(refund.start_by + DAY)} and {shown_day(refund.arrive_by)}"])
    expect(page.locator('#timeline li[data-kind="ChangeApplied"]')).to_have_text(re.compile(
        r" · seller · The order was changed: it now costs 15\.50 USD \(was 28\.00 USD\)\.$"))
    expect(page.locator('#timeline li[data-kind="RefundCreated"]')).to_have_text(re.compile(
        r" · seller · Refund of 12\.50 USD decided, to the bank card used for payment\.$"))
    expect(page.get_by_role("button", name="Withdraw change request")).to_have_count(0)
