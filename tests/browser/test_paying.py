"""Paying says what it pays: one payment covers every order of a checkout, and the button and
its confirmation say so; cancelling an unpaid order asks first (R1, R4; issue 13)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Page, expect

MINUTE = timedelta(minutes=1)
SWAP = 30_000  # ms: generous, for a form posted and the page swapped in on a loaded machine


def two_store_checkout(market):
    """Two shirts from Store A (2 x 12.50 + 3.00 = 28.00) and a mug from Store B (7.25, free
    shipping), bought together by bank card a minute ago: two orders, one payment (R1)."""
    from rescind.orders.services import CheckoutItem, checkout_create

    checkout = checkout_create(
        buyer=market.buyer, payment_method="bank_card", now=datetime.now(UTC) - MINUTE,
        items=[CheckoutItem(market.product.pk, 2, {"colour": "red"}),
               CheckoutItem(market.other_product.pk, 1, {})])
    return checkout.orders.get(store=market.store), checkout.orders.get(store=market.other_store)


@pytest.mark.browser
def test_r1_pay_now_on_one_order_names_both_orders_and_the_combined_amount_then_pays_both(
        page: Page, live_server, live_market, log_in):
    # given: a checkout over two stores, unpaid
    shirts, mug = two_store_checkout(live_market)
    question = f"Pay $35.25 for orders #{shirts.pk} and #{mug.pk} by bank card?"

    # when: the buyer opens the shirts' order
    log_in("buyer")
    page.goto(f"{live_server.url}/orders/{shirts.pk}/")

    # then: the button shows what the one payment takes, and says which orders it covers
    pay = page.get_by_role("button", name="Pay now · $35.25")
    expect(pay).to_be_visible()
    expect(page.locator("#pay-covers")).to_have_text(
        f"One payment for orders #{shirts.pk} and #{mug.pk}: they were bought together.")

    # when: they press it, then think better of it
    pay.click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text(question)
    dialog.get_by_role("button", name="Go back").click()

    # then: the dialog is gone and nothing was paid
    expect(page.get_by_role("dialog")).to_have_count(0)
    expect(page.locator("#order-state")).to_have_text("Awaiting payment")
    shirts.refresh_from_db()
    mug.refresh_from_db()
    assert (shirts.state, mug.state, shirts.paid_at, mug.paid_at) == (
        "awaiting_payment", "awaiting_payment", None, None)

    # when: they press it again and confirm
    pay.click()
    expect(page.get_by_role("dialog")).to_contain_text(question)
    page.get_by_role("dialog").get_by_role("button", name="Pay $35.25").click()

    # then: the order is paid, and so is the other order of the checkout
    expect(page.get_by_role("status")).to_have_text("Paid. The seller now has to ship.",
                                                   timeout=SWAP)
    expect(page.locator("#order-state")).to_have_text("Awaiting shipment")
    page.goto(f"{live_server.url}/orders/{mug.pk}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Order #{mug.pk}",
                                                                  timeout=SWAP)
    expect(page.locator("#order-state")).to_have_text("Awaiting shipment")
    payment = shirts.checkout.payment
    payment.refresh_from_db()
    assert (payment.state, payment.amount) == ("captured", 3525)


@pytest.mark.browser
def test_r4_cancelling_an_unpaid_order_asks_first(page: Page, live_server, live_market, log_in):
    # given: an unpaid order
    order = live_market.place(at=datetime.now(UTC) - MINUTE)
    question = (f"Cancel order #{order.pk}? Nothing has been charged for it. You can add its "
                "items to your cart again afterwards.")
    log_in("buyer")
    page.goto(f"{live_server.url}/orders/{order.pk}/")

    # when: the buyer presses "Cancel order", then goes back
    page.locator("#actions").get_by_role("button", name="Cancel order").click()
    expect(page.get_by_role("dialog")).to_contain_text(question)
    page.get_by_role("dialog").get_by_role("button", name="Go back").click()

    # then: nothing happened
    expect(page.get_by_role("dialog")).to_have_count(0)
    expect(page.locator("#order-state")).to_have_text("Awaiting payment")
    order.refresh_from_db()
    assert order.state == "awaiting_payment"

    # when: they press it again and confirm
    page.locator("#actions").get_by_role("button", name="Cancel order").click()
    page.get_by_role("dialog").get_by_role("button", name="Cancel order").click()

    # then: the order is cancelled
    expect(page.get_by_role("status")).to_have_text("The order is cancelled.", timeout=SWAP)
    expect(page.locator("#order-state")).to_have_text("Closed")
    order.refresh_from_db()
    assert (order.state, order.close_reason) == ("closed", "cancelled_by_buyer")
