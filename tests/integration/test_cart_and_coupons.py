"""The shared cart and the buyer's coupons on both databases: one checkout of a cart wins a
race, the coupon list costs the same statements however many coupons, and the pages (My
coupons, support's issue form, the quote's coupon links) say what the API says (R1, R25, R28)."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext

from rescind.clock.service import now as clock_now
from rescind.coupons.holdings import coupons_of_buyer
from rescind.coupons.models import Coupon
from rescind.orders.models import CartLine, Checkout, Order
from rescind.orders.services import (
    CheckoutItem,
    checkout_create,
    checkout_from_cart,
    order_cancel_unpaid,
)
from tests.integration.test_concurrency import _race

DAY = timedelta(days=1)


def _coupon(market, code, *, amount=500, expires=30 * DAY, owner=None):
    return Coupon.objects.create(code=code, kind="platform", amount=amount,
                                 owner=owner or market.buyer,
                                 expires_at=clock_now() + expires)


def _buy_with(market, *codes):
    checkout = checkout_create(
        buyer=market.buyer, items=[CheckoutItem(market.product.pk, 1, {"colour": "red"})],
        payment_method="bank_card", now=clock_now(), coupon_codes=codes)
    return checkout.orders.get()


def test_r1_two_checkouts_of_one_cart_at_once_buy_it_once(live_market):
    # given a cart of 2 red shirts
    for _round in range(4):
        CartLine.objects.create(buyer=live_market.buyer, product=live_market.product,
                                options={"colour": "red"}, quantity=2)

        def check_out():
            return checkout_from_cart(buyer=live_market.buyer, payment_method="bank_card",
                                      now=clock_now())

        # when two checkouts of it run at once (a double tap from two devices)
        results = _race({"phone": check_out, "web": check_out})
        # then one bought it and the other found the cart empty
        assert sorted(results.values()) == ["lost:cart_empty", "won"]
        assert CartLine.objects.count() == 0
    assert Checkout.objects.count() == 4
    assert Order.objects.count() == 4


def test_r25_the_coupon_list_costs_the_same_statements_for_2_or_12_coupons(market):
    def statements() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as queries:
            listed = coupons_of_buyer(market.buyer, now=clock_now())
        return len(queries), len(listed)

    for n in range(2):
        _coupon(market, f"FEW{n}")
    _buy_with(market, "FEW0")
    few = statements()
    for n in range(10):
        _coupon(market, f"MANY{n}")
    _buy_with(market, "MANY0")
    assert statements() == (few[0], 12)
    assert few == (2, 2)


def test_r25_my_coupons_page_shows_each_coupon_where_it_stands(market, client):
    # given a coupon spent on an order, one given back after a cancellation, an expired one
    _coupon(market, "USED5", expires=10 * DAY)
    used_on = _buy_with(market, "USED5")
    _coupon(market, "BACK5", expires=20 * DAY)
    order_cancel_unpaid(order_id=_buy_with(market, "BACK5").pk, user=market.buyer,
                        now=clock_now())
    _coupon(market, "OLD5", expires=-DAY)
    _coupon(market, "NOTYOURS", owner=market.other_buyer)
    # when the buyer opens My coupons from the menu
    client.force_login(market.buyer)
    menu = client.get("/orders/").content.decode()
    page = client.get("/coupons/").content.decode()
    # then the menu links to it, and each of their coupons shows its state in words
    assert '<a href="/coupons/">My coupons</a>' in menu
    assert page.count('class="card coupon"') == 3
    assert "NOTYOURS" not in page
    assert '<span class="badge badge-danger">Expired</span>' in page
    assert '<span class="badge badge-neutral">Used</span>' in page
    assert '<span class="badge badge-info">Returned to you</span>' in page
    assert f'<a href="/orders/{used_on.pk}/">order #{used_on.pk}</a>' in page
    assert "Came back to you on" in page


def test_r25_the_quote_on_the_order_page_links_to_the_coupon(market, client):
    # given an unpaid order paid for with a platform coupon
    coupon = _coupon(market, "LINK5")
    order = _buy_with(market, "LINK5")
    # when the buyer opens the order (its quote shows what cancelling does)
    client.force_login(market.buyer)
    page = client.get(f"/orders/{order.pk}/").content.decode()
    # then the coupon's code links to it on My coupons
    assert f'Coupon <a href="/coupons/#coupon-{coupon.pk}">LINK5</a>: comes back.' in page


def test_r25_support_issues_a_coupon_on_the_page_with_errors_beside_their_fields(market,
                                                                                 client):
    # given support allowed to issue coupons
    market.support.user_permissions.add(
        Permission.objects.get(codename="issue_platform_coupon"))
    client.force_login(market.support)
    form = {"buyer": "nobody", "amount": "4.50", "currency": "EUR",
            "expires_on": (clock_now() + 10 * DAY).date().isoformat(), "code": "", "note": ""}
    # when they name a buyer who does not exist
    refused = client.post("/support/coupons/new/", form).content.decode()
    # then the refusal stands next to the buyer field, and what they typed stays
    assert ('<small class="error" role="alert" id="coupon-buyer-error">There is no such '
            'buyer.</small>') in refused
    assert 'value="4.50"' in refused
    # when they give a past day, then the refusal stands next to the day
    past = client.post("/support/coupons/new/", {**form, "buyer": "buyer",
                                                 "expires_on": "2020-01-31"}).content.decode()
    assert ('<small class="error" role="alert" id="coupon-expires-error">The expiry must be in '
            'the future.</small>') in past
    assert Coupon.objects.count() == 0
    # when the form is right, then the coupon is the buyer's and support is told its code
    done = client.post("/support/coupons/new/", {**form, "buyer": "buyer", "code": "sorry45",
                                                 "note": "Late parcel"}, follow=True)
    assert "Coupon SORRY45 is issued to buyer." in done.content.decode()
    coupon = Coupon.objects.get()
    assert (coupon.code, coupon.kind, coupon.owner, coupon.amount, coupon.currency,
            coupon.issued_by, coupon.note) == (
        "SORRY45", "platform", market.buyer, 450, "EUR", market.support, "Late parcel")
    assert (coupon.expires_at.hour, coupon.expires_at.minute) == (23, 59)


def test_sellers_and_buyers_cannot_open_the_coupon_issue_page(market, client):
    for user in (market.seller, market.buyer, market.support):  # support lacks the permission
        client.force_login(user)
        assert client.get("/support/coupons/new/").status_code == 403
        assert client.post("/support/coupons/new/", {"buyer": "buyer", "amount": "5",
                                                      "currency": "USD",
                                                      "expires_on": "2099-01-01"}
                           ).status_code == 403
    assert Coupon.objects.count() == 0


def test_r25_support_issues_a_percentage_coupon_on_the_page(market, client):
    market.support.user_permissions.add(
        Permission.objects.get(codename="issue_platform_coupon"))
    client.force_login(market.support)
    form = {"buyer": "buyer", "amount": "", "percent_off": "lots", "currency": "USD",
            "expires_on": (clock_now() + 10 * DAY).date().isoformat(), "code": "", "note": ""}
    # when the percentage is not a number, then the refusal stands beside it
    refused = client.post("/support/coupons/new/", form).content.decode()
    assert ('<small class="error" role="alert" id="coupon-percent-error">A percentage is a '
            'whole number from 1 to 100.</small>') in refused
    # when neither an amount nor a percentage is given, then the refusal stands by the amount
    empty = client.post("/support/coupons/new/", {**form, "percent_off": ""}).content.decode()
    assert ('<small class="error" role="alert" id="coupon-amount-error">Give an amount or a '
            'percentage.</small>') in empty
    assert Coupon.objects.count() == 0
    # when it is 15 %, then the coupon takes 15 % with no cap below the largest coupon
    client.post("/support/coupons/new/", {**form, "percent_off": "15%"})
    coupon = Coupon.objects.get()
    assert (coupon.percent_off, coupon.amount) == (15, 10_000_000)
    # and the buyer's page says so
    client.force_login(market.buyer)
    assert '<p class="coupon-value">15% off</p>' in client.get("/coupons/").content.decode()
