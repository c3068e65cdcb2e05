"""Links that look like actions are actions: on the buyer's orders list each action is done
right there (pay, cancel, confirm receipt, each confirmed) or leads to the place on the order
page where it is done (R1, R4, R7, R15, R18; issue 13)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Page, expect

from tests.browser.axe import assert_accessible, assert_no_sideways_scroll
from tests.browser.test_paying import two_store_checkout

MINUTE = timedelta(minutes=1)
DAY = timedelta(days=1)
SWAP = 30_000  # ms: generous, for a form posted and the page swapped in on a loaded machine


def shipped(market):
    from rescind.aftersale.services import order_ship

    order = market.paid(at=datetime.now(UTC) - 3 * DAY)
    order_ship(order_id=order.pk, user=market.seller, carrier="Cainiao", tracking_number="LP1",
               now=datetime.now(UTC) - 2 * DAY)
    return order


def card(page: Page, order):
    return page.locator(f'.order-card[data-order-id="{order.pk}"]')


def back_on_the_list(page: Page, live_server) -> None:
    expect(page).to_have_url(f"{live_server.url}/orders/", timeout=SWAP)
    expect(page.get_by_role("heading", level=1)).to_have_text("My orders", timeout=SWAP)


@pytest.mark.browser
def test_r1_r4_buyer_pays_and_cancels_from_the_list_after_confirming(
        page: Page, live_server, live_market, log_in):
    # given: two unpaid orders, each its own checkout
    to_pay = live_market.place(at=datetime.now(UTC) - 2 * MINUTE)
    to_cancel = live_market.place(at=datetime.now(UTC) - MINUTE)

    # when: the buyer pays the first one from the list and confirms
    log_in("buyer")
    back_on_the_list(page, live_server)
    expect(card(page, to_pay).locator(".action")).to_have_text(
        ["Pay now · $28.00", "Cancel order"])
    card(page, to_pay).get_by_role("button", name="Pay now").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text(f"Pay $28.00 for order #{to_pay.pk} by bank card?")
    dialog.get_by_role("button", name="Pay $28.00").click()

    # then: it is paid, and the buyer is back on the list, which shows it
    expect(page.get_by_role("status")).to_have_text("Paid. The seller now has to ship.",
                                                   timeout=SWAP)
    back_on_the_list(page, live_server)
    expect(card(page, to_pay).locator(".state")).to_have_text("Awaiting shipment")
    to_pay.refresh_from_db()
    assert to_pay.state == "awaiting_shipment"

    # when: they cancel the other one from the list and confirm
    card(page, to_cancel).get_by_role("button", name="Cancel order").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text(f"Cancel order #{to_cancel.pk}? Nothing has been charged")
    dialog.get_by_role("button", name="Cancel order").click()

    # then: it is closed, and the list shows it
    expect(page.get_by_role("status")).to_have_text("The order is cancelled.", timeout=SWAP)
    back_on_the_list(page, live_server)
    expect(card(page, to_cancel).locator(".state")).to_have_text("Closed")
    expect(card(page, to_cancel).get_by_role("button", name="Add to cart again")).to_be_visible()
    to_cancel.refresh_from_db()
    assert (to_cancel.state, to_cancel.close_reason) == ("closed", "cancelled_by_buyer")


@pytest.mark.browser
def test_r7_r18_list_links_lead_to_the_forms_on_the_order_page_and_receipt_is_confirmed(
        page: Page, live_server, live_market, log_in):
    # given: an order paid two days ago (a cancellation may be requested) and a shipped one
    paid = live_market.paid(at=datetime.now(UTC) - 2 * DAY)
    sent = shipped(live_market)
    log_in("buyer")
    back_on_the_list(page, live_server)

    # when: the buyer follows "Cancel order" of the paid order
    expect(card(page, paid).locator(".action")).to_have_text(
        ["Cancel order", "Change options or delivery details"])
    card(page, paid).get_by_role("button", name="Cancel order").click()

    # then: they are on its page, at the cancellation request form
    expect(page).to_have_url(f"{live_server.url}/orders/{paid.pk}/#cancel-form", timeout=SWAP)
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Order #{paid.pk}",
                                                                  timeout=SWAP)
    expect(page.get_by_role("group", name="Why do you want to cancel?")).to_be_visible()
    expect(page.get_by_role("button", name="Request cancellation")).to_be_visible()

    # when: they go back to the list and follow "Open a dispute" of the shipped order
    page.get_by_role("link", name="My orders").click()
    back_on_the_list(page, live_server)
    expect(card(page, sent).locator(".action")).to_have_text(
        ["Confirm receipt", "Open a dispute"])
    card(page, sent).get_by_role("button", name="Open a dispute").click()

    # then: they are on its page with the dispute form open
    expect(page).to_have_url(f"{live_server.url}/orders/{sent.pk}/#dispute-form",
                             timeout=SWAP)
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Order #{sent.pk}",
                                                                  timeout=SWAP)
    expect(page.get_by_label("Dispute reason")).to_be_visible()
    expect(page.get_by_role("button", name="Open the dispute")).to_be_visible()

    # when: they go back to the list and confirm receipt of the shipped order
    page.get_by_role("link", name="My orders").click()
    back_on_the_list(page, live_server)
    card(page, sent).get_by_role("button", name="Confirm receipt").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text(
        f"Confirm you received order #{sent.pk}? The order completes; you can still open a "
        "dispute for 15 days.")
    dialog.get_by_role("button", name="Confirm receipt").click()

    # then: the order is completed, shown on the list
    expect(page.get_by_role("status")).to_have_text("Thank you: the order is completed.",
                                                   timeout=SWAP)
    back_on_the_list(page, live_server)
    expect(card(page, sent).locator(".state")).to_have_text("Completed")
    sent.refresh_from_db()
    assert sent.state == "completed"


@pytest.mark.parametrize("width, height", [(1280, 900), (390, 844)])
@pytest.mark.browser
def test_list_order_page_and_pay_dialog_fit_the_screen_and_pass_axe(
        page: Page, live_server, live_market, log_in, width, height):
    # given: a two-store checkout to pay, an order paid two days ago and a shipped one
    shirts, _mug = two_store_checkout(live_market)
    live_market.paid(at=datetime.now(UTC) - 2 * DAY)
    shipped(live_market)
    page.set_viewport_size({"width": width, "height": height})

    # when: the buyer reads their list
    log_in("buyer")
    back_on_the_list(page, live_server)
    # then: it fits the window and axe finds nothing serious
    assert_no_sideways_scroll(page)
    assert_accessible(page)

    # when: they open the order to pay
    page.goto(f"{live_server.url}/orders/{shirts.pk}/")
    expect(page.locator("table.money")).to_be_visible()
    # then: the page with its money table fits, and passes axe
    assert_no_sideways_scroll(page)
    assert_accessible(page)

    # when: they press "Pay now"
    page.get_by_role("button", name="Pay now").click()
    # then: the confirmation passes axe too
    expect(page.get_by_role("dialog")).to_be_visible()
    assert_accessible(page)
