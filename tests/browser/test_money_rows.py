"""Money adds up on screen: on every order of the demo, the rows a buyer sees sum to the total,
to the cent (R3; issue 13)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from playwright.sync_api import Page, expect

# The demo's stores sell in USD, EUR, BRL and JPY, shown in English (en_US): "$1,234.50",
# "€12.50", "R$12.50", "¥1,500" (rescind.web.money_format).
AMOUNT = re.compile(r"^(−?)(?:\$|€|R\$|¥)([\d,]+)(?:\.(\d\d))?$")


def cents(text: str) -> int:
    """'−$2.86' -> -286, '¥1,500' -> 150000, as the page prints a signed amount (yen are
    counted in hundredths too: only sums within one order are compared)."""
    match = AMOUNT.match(text.strip())
    assert match, f"not an amount: {text!r}"
    value = int(match[2].replace(",", "")) * 100 + int(match[3] or 0)
    return -value if match[1] else value


def log_in_demo(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill("demo")
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("nav .who")).to_have_text(username)


@pytest.mark.browser
def test_r3_every_demo_order_shows_rows_that_sum_exactly_to_its_total(
        page: Page, live_server, transactional_db):
    from rescind.demo import demo_seed
    from rescind.orders.models import Order

    # given: the demo marketplace, every order at its step
    assert demo_seed(now=datetime.now(UTC)) is True
    walked = []

    for buyer in ("alice", "bob", "carol"):
        # when: each buyer opens each of their orders
        page.context.clear_cookies()
        log_in_demo(page, live_server.url, buyer)
        for order in Order.objects.filter(buyer__username=buyer).order_by("pk"):
            page.goto(f"{live_server.url}/orders/{order.pk}/")
            expect(page.get_by_role("heading", level=1)).to_contain_text(f"Order #{order.pk}")

            # then: its lines and the rows under them sum to the total shown, which is what
            # the order charges
            table = page.locator("table.money")
            shown = [cents(t) for t in table.locator(
                "tbody.lines td.amount, tr.money-row td.amount").all_inner_texts()]
            total = cents(table.locator("#order-total").inner_text())
            assert (sum(shown), total) == (order.total, order.total), \
                f"order #{order.pk}: rows {shown} sum to {sum(shown)}, total shown {total}"
            # and: refunds come after the total and leave what was paid after them
            if order.refunded:
                expect(table.locator("#order-refunded")).to_have_text(
                    f"−{order.refunded // 100}.{order.refunded % 100:02d} USD")
                net = order.total - order.refunded
                expect(table.locator("#order-net")).to_have_text(
                    f"{net // 100}.{net % 100:02d} USD")
            walked.append(order.pk)

    # and: that was every order of the demo
    assert sorted(walked) == sorted(Order.objects.values_list("pk", flat=True))
    assert len(walked) >= 18


@pytest.mark.browser
def test_r3_r25_a_coupon_share_is_subtracted_once_below_the_line_at_list_price(
        page: Page, live_server, transactional_db):
    from rescind.demo import demo_seed
    from rescind.orders.models import Order

    # given: the demo, where alice paid a phone case (8.99) and wool socks (6.75) in one
    # checkout with the 10.00 coupon SPRING10, shared by the two stores' orders
    assert demo_seed(now=datetime.now(UTC)) is True
    phone = Order.objects.get(coupon_uses__coupon__code="SPRING10",
                              lines__product_name="Phone case")

    # when: alice opens the phone case's order
    log_in_demo(page, live_server.url, "alice")
    page.goto(f"{live_server.url}/orders/{phone.pk}/")

    # then: the line at list price, shipping, the coupon's share once, the total charged
    table = page.locator("table.money")
    expect(table.locator("tbody.lines td")).to_have_text([  # options in the database's JSON order
        re.compile(r"^\s*Phone case\s+(colour: red, model: A15|model: A15, colour: red), "
                   r"1 × 8\.99 USD$"),
        "$8.99"])
    expect(table.locator("tbody.money-rows, tbody.money-refunds").locator("td, th")).to_have_text([
        "Shipping", "$4.99",
        "Coupon SPRING10", "−$5.71",
        "Total", "$8.27",
        "Refunded", "−$8.27",
        "Paid after refunds", "$0.00",
    ])
