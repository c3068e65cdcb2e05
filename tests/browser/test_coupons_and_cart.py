"""My coupons, support's coupon form, and "add to cart again" through to a new order, in a real
browser, on a desktop and a phone (R5, R1, R25, R26, R28)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Page, expect

from tests.browser.axe import assert_accessible, assert_no_sideways_scroll

DAY = timedelta(days=1)
DESKTOP, PHONE = {"width": 1280, "height": 900}, {"width": 390, "height": 844}


def shown_day(at: datetime) -> str:
    at = at.astimezone(UTC)
    return f"{at:%a} {at.day} {at:%b %Y}"


def _both_sizes_pass(page: Page) -> None:
    for size in (DESKTOP, PHONE):
        page.set_viewport_size(size)
        assert_accessible(page)
        assert_no_sideways_scroll(page)
    page.set_viewport_size(DESKTOP)


@pytest.mark.browser
def test_r25_r26_the_buyer_reads_their_coupons_and_follows_the_quotes_link(
        page: Page, live_server, live_market, log_in):
    from rescind.coupons.models import Coupon
    from rescind.orders.services import CheckoutItem, checkout_create, order_cancel_unpaid

    now = datetime.now(UTC)
    market = live_market

    def coupon(code, *, expires, kind="platform", amount=500, store=None, percent_off=None):
        return Coupon.objects.create(code=code, kind=kind, amount=amount, store=store,
                                     owner=market.buyer, expires_at=now + expires,
                                     percent_off=percent_off)

    def buy(code):
        checkout = checkout_create(
            buyer=market.buyer, items=[CheckoutItem(market.product.pk, 1, {"colour": "red"})],
            payment_method="bank_card", now=now, coupon_codes=[code])
        return checkout.orders.get()

    # given a coupon spent on an unpaid order, one given back after a cancellation, a store
    # coupon, an expired one and 10 % off (at most 3.00)
    used = coupon("USEDPLAT5", expires=20 * DAY)
    unpaid = buy("USEDPLAT5")
    coupon("BACKAGAIN3", expires=30 * DAY, amount=300)
    order_cancel_unpaid(order_id=buy("BACKAGAIN3").pk, user=market.buyer, now=now)
    coupon("SHIRTS2", expires=40 * DAY, kind="seller", amount=200, store=market.store)
    coupon("LAPSED1", expires=-DAY, amount=100)
    coupon("TENPC", expires=50 * DAY, amount=300, percent_off=10)
    # when the buyer follows "My coupons" in the menu
    log_in("buyer")
    page.get_by_role("link", name="My coupons").click()
    # then each coupon shows its value, its state in words, its expiry and where it went
    expect(page.get_by_role("heading", level=1)).to_have_text("My coupons")
    cards = page.locator("li.coupon")
    expect(cards.locator(".coupon-code")).to_have_text(
        ["LAPSED1 Expired", "USEDPLAT5 Used", "BACKAGAIN3 Returned to you", "SHIRTS2 Available",
         "TENPC Available"])
    expect(cards.locator(".coupon-value")).to_have_text(
        ["$1.00", "$5.00", "$3.00", "$2.00", "10% off"])
    expect(cards.nth(4).locator(".coupon-cap")).to_have_text("Takes off at most $3.00")
    expect(cards.nth(0).locator(".coupon-expiry")).to_have_text(
        f"Expired on {shown_day(now - DAY)}")
    expect(cards.nth(1).locator(".coupon-expiry")).to_have_text(
        f"Use by {shown_day(now + 20 * DAY)}")
    expect(cards.nth(1).locator(".coupon-orders")).to_have_text(f"Used on order #{unpaid.pk}")
    expect(cards.nth(2).locator(".coupon-returned")).to_have_text(
        f"Came back to you on {shown_day(now)}, after the order it paid for was cancelled.")
    expect(cards.nth(3).locator(".meta")).to_have_text("Store coupon · for Store A only")
    _both_sizes_pass(page)
    # when they open the unpaid order, whose quote says what cancelling does with the coupon
    cards.nth(1).get_by_role("link", name=f"order #{unpaid.pk}").click()
    quote_coupon = page.locator("#quote .quote-coupon")
    expect(quote_coupon).to_have_text(
        "Coupon USEDPLAT5: comes back. Everything it paid for is cancelled, so it is yours to "
        "use again.")
    # and follow the coupon's link, then My coupons shows that coupon
    quote_coupon.get_by_role("link", name="USEDPLAT5").click()
    expect(page).to_have_url(f"{live_server.url}/coupons/#coupon-{used.pk}")
    expect(page.locator(f"#coupon-{used.pk} .coupon-code")).to_have_text("USEDPLAT5 Used")


@pytest.mark.browser
def test_r25_support_issues_a_platform_coupon_with_the_form(page: Page, live_server,
                                                            live_market, log_in):
    from django.contrib.auth.models import Permission

    from rescind.coupons.models import Coupon

    # given support allowed to issue platform coupons
    live_market.support.user_permissions.add(
        Permission.objects.get(codename="issue_platform_coupon"))
    log_in("support")
    page.get_by_role("link", name="Issue a coupon").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Issue a platform coupon")
    # when they name a buyer who does not exist
    page.get_by_label("Buyer's user name").fill("nobody")
    page.get_by_label("Amount, e.g. 12.50").fill("4.50")
    page.get_by_label("Currency").select_option("EUR")
    page.get_by_role("button", name="Issue coupon").click()
    # then the refusal stands beside the buyer's field, and what they typed stays
    expect(page.locator("#coupon-buyer-error")).to_have_text("There is no such buyer.")
    expect(page.get_by_label("Amount, e.g. 12.50")).to_have_value("4.50")
    _both_sizes_pass(page)
    assert Coupon.objects.count() == 0
    # when they name the buyer, then the coupon is issued and they are told its code
    page.get_by_label("Buyer's user name").fill("buyer")
    page.get_by_label("Code (optional)").fill("sorry45")
    page.get_by_role("button", name="Issue coupon").click()
    expect(page.get_by_role("status")).to_have_text("Coupon SORRY45 is issued to buyer.")
    coupon = Coupon.objects.get()
    assert (coupon.code, coupon.kind, coupon.owner_id, coupon.amount, coupon.currency) == (
        "SORRY45", "platform", live_market.buyer.pk, 450, "EUR")


@pytest.mark.browser
def test_r5_r1_add_to_cart_again_change_the_quantity_and_check_out(page: Page, live_server,
                                                                   live_market, log_in):
    from django.db import transaction

    from rescind.orders.models import CartLine, Order
    from rescind.orders.recording import order_lock
    from rescind.orders.services import order_close_unpaid

    # given an order of 2 red shirts left unpaid until it closed by itself
    now = datetime.now(UTC)
    closed = live_market.place(at=now - 21 * DAY)
    with transaction.atomic():
        order_close_unpaid(order_lock(closed.pk), now=now - DAY)
    # when the buyer adds it to the cart again from the order page
    log_in("buyer")
    page.goto(f"{live_server.url}/orders/{closed.pk}/")
    page.get_by_role("button", name="Add to cart again").click()
    # then the cart holds its line at today's price
    expect(page).to_have_url(f"{live_server.url}/cart/")
    line = page.locator("li.cart-line .cart-line-item")
    expect(line).to_have_text(["2 × Shirt · colour: red (Store A) $25.00"])
    _both_sizes_pass(page)
    # when they make it 3 shirts
    page.get_by_label("Quantity of Shirt").fill("3")
    page.get_by_role("button", name="Update").click()
    # then the line and the total follow
    expect(page.get_by_role("status")).to_have_text("The quantity is changed.")
    expect(line).to_have_text(["3 × Shirt · colour: red (Store A) $37.50"])
    expect(page.locator(".cart-total strong")).to_have_text("$37.50")
    # when they give the address and place the order
    page.get_by_label("Recipient").fill("Ann Buyer")
    page.get_by_label("Address", exact=True).fill("1 Main Street")
    page.get_by_label("City").fill("Leeds")
    page.get_by_label("Country").fill("United Kingdom")
    page.get_by_role("button", name="Place order").click()
    # then one new order awaits payment: 3 shirts and the shipping, and the cart is empty
    expect(page.get_by_role("status")).to_have_text("1 order placed. Pay to confirm.")
    placed = Order.objects.exclude(pk=closed.pk).get()
    assert (placed.state, placed.total, placed.delivery["city"]) == (
        "awaiting_payment", 3 * 1250 + 300, "Leeds")
    assert list(placed.lines.values_list("quantity", "options")) == [(3, {"colour": "red"})]
    assert CartLine.objects.count() == 0
    expect(page.locator(f'[data-order-id="{placed.pk}"]')).to_contain_text("$40.50")
