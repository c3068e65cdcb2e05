"""Coupons through the API: the buyer's list with states, support issuing platform coupons, and
the cancellation quote's links to them (R25, R26, R28)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission

from rescind.clock.service import now as clock_now
from rescind.coupons.models import Coupon
from rescind.orders.services import CheckoutItem, checkout_create, order_cancel_unpaid

DAY = timedelta(days=1)


def _coupon(market, code, *, kind="platform", amount=500, owner="buyer", expires=30 * DAY,
            store=None):
    return Coupon.objects.create(
        code=code, kind=kind, amount=amount, store=store, expires_at=clock_now() + expires,
        owner={"buyer": market.buyer, "other": market.other_buyer, None: None}[owner])


def _buy_with(market, *codes, product=None):
    product = product or market.product
    options = {k: v[0] for k, v in product.option_choices.items()}
    checkout = checkout_create(buyer=market.buyer, items=[CheckoutItem(product.pk, 1, options)],
                               payment_method="bank_card", now=clock_now(), coupon_codes=codes)
    return checkout.orders.get()


@pytest.fixture
def issuer(market):
    """Support staff holding the issue_platform_coupon permission."""
    market.support.user_permissions.add(Permission.objects.get(codename="issue_platform_coupon"))
    return market.support


def test_r25_r26_the_buyer_lists_their_coupons_with_state_expiry_and_orders(market, call):
    # given an unused platform coupon, one spent on an order, one given back after its order
    # was cancelled, an expired one, a promo code the buyer used, and another buyer's coupon
    _coupon(market, "FRESH5", expires=40 * DAY)
    _coupon(market, "SPENT5", expires=20 * DAY)
    spent = _buy_with(market, "SPENT5")
    _coupon(market, "BACK5", expires=30 * DAY)
    cancelled = _buy_with(market, "BACK5")
    order_cancel_unpaid(order_id=cancelled.pk, user=market.buyer, now=clock_now())
    _coupon(market, "OLD5", expires=-DAY)
    _coupon(market, "MUGS1", kind="promo", amount=100, owner=None, expires=10 * DAY,
            store=market.other_store)
    promo_order = _buy_with(market, "MUGS1", product=market.other_product)
    _coupon(market, "THEIRS5", owner="other")
    # when the buyer lists their coupons
    response = call("GET", "/coupons", user=market.buyer)
    # then they see their own, soonest expiry first, each with where it stands
    assert response.status_code == 200
    rows = response.json()
    assert [(c["code"], c["kind"], c["state"], c["used_on_orders"]) for c in rows] == [
        ("OLD5", "platform", "expired", []),
        ("MUGS1", "promo", "available", [promo_order.pk]),
        ("SPENT5", "platform", "used", [spent.pk]),
        ("BACK5", "platform", "returned", []),
        ("FRESH5", "platform", "available", []),
    ]
    back = rows[3]
    assert back["value"] == {"amount": 500, "currency": "USD"}
    assert back["returned_at"] is not None and back["comes_back_on_cancellation"] is True
    assert rows[1]["store"] == {"id": market.other_store.pk, "name": "Store B"}
    assert rows[1]["comes_back_on_cancellation"] is False
    # and one of them reads alone; another buyer's is not found
    fresh = Coupon.objects.get(code="FRESH5")
    assert call("GET", f"/coupons/{fresh.pk}", user=market.buyer).json()["state"] == "available"
    theirs = Coupon.objects.get(code="THEIRS5")
    refused = call("GET", f"/coupons/{theirs.pk}", user=market.buyer)
    assert (refused.status_code, refused.json()["code"]) == (404, "coupon_not_found")


def test_a_buyer_never_sees_another_buyers_coupons(market, call):
    # given the buyer's coupon, spent on their order
    mine = _coupon(market, "MINE5")
    _buy_with(market, "MINE5")
    # when another buyer and the store's seller list and read coupons
    for intruder in (market.other_buyer, market.seller):
        listed = call("GET", "/coupons", user=intruder)
        read = call("GET", f"/coupons/{mine.pk}", user=intruder)
        # then the list is empty and the coupon is not found
        assert (listed.status_code, listed.json()) == (200, [])
        assert (read.status_code, read.json()["code"]) == (404, "coupon_not_found")


def test_r25_support_issues_a_platform_coupon_the_buyer_sees_and_spends(market, call, issuer):
    # given support allowed to issue coupons
    expires = (clock_now() + 14 * DAY).replace(microsecond=0)
    # when they give the buyer $4.00
    response = call("POST", "/support/coupons", user=issuer, body={
        "buyer_id": market.buyer.pk, "amount": 400, "currency": "USD",
        "expires_at": expires.isoformat(), "note": "Sorry for the late parcel.",
        "code": "SORRY4"})
    # then it is a platform coupon of theirs, recorded with who gave it and why
    assert response.status_code == 201
    body = response.json()
    assert {k: body[k] for k in ("code", "kind", "value", "state", "store", "owner_id", "note",
                                 "used_on_orders")} == {
        "code": "SORRY4", "kind": "platform", "value": {"amount": 400, "currency": "USD"},
        "state": "available", "store": None, "owner_id": market.buyer.pk,
        "note": "Sorry for the late parcel.", "used_on_orders": []}
    coupon = Coupon.objects.get(code="SORRY4")
    assert (coupon.issued_by, coupon.expires_at) == (issuer, expires)
    # and the buyer lists it and can spend it at checkout, on any store's items
    assert [c["code"] for c in call("GET", "/coupons", user=market.buyer).json()] == ["SORRY4"]
    order = _buy_with(market, "SORRY4", product=market.other_product)
    assert (order.discount_total, order.total) == (400, 725 - 400)


def test_r25_an_issued_coupon_without_a_code_gets_one_made_up(market, call, issuer):
    response = call("POST", "/support/coupons", user=issuer, body={
        "buyer_id": market.buyer.pk, "amount": 250, "currency": "EUR",
        "expires_at": (clock_now() + DAY).isoformat()})
    assert response.status_code == 201
    code = response.json()["code"]
    assert len(code) == 10 and code.startswith("P") and code.isalnum() and code.isupper()


def test_r25_support_issues_a_percentage_coupon_capped_by_its_amount(market, call, issuer):
    # given support gives the buyer 50 % off, at most $2.00, and 10 % off without a cap
    expires = (clock_now() + DAY).isoformat()
    capped = call("POST", "/support/coupons", user=issuer, body={
        "buyer_id": market.buyer.pk, "percent_off": 50, "amount": 200, "currency": "USD",
        "expires_at": expires, "code": "HALF"})
    uncapped = call("POST", "/support/coupons", user=issuer, body={
        "buyer_id": market.buyer.pk, "percent_off": 10, "currency": "USD",
        "expires_at": expires, "code": "TENTH"})
    assert (capped.status_code, capped.json()["percent_off"], capped.json()["value"]) == (
        201, 50, {"amount": 200, "currency": "USD"})
    assert (uncapped.status_code, uncapped.json()["percent_off"]) == (201, 10)
    # when the buyer spends each on a 12.50 shirt
    half, tenth = _buy_with(market, "HALF"), _buy_with(market, "TENTH")
    # then the first takes its cap (not 6.25), the second 10 % (1.25)
    assert (half.discount_total, tenth.discount_total) == (200, 125)


@pytest.mark.parametrize(("change", "status", "code"), [
    ({"amount": None}, 422, "coupon_value_missing"),
    ({"percent_off": 0}, 422, "coupon_percent_invalid"),
    ({"percent_off": 101}, 422, "coupon_percent_invalid"),
    ({"buyer_id": 987654}, 422, "coupon_buyer_unknown"),
    ({"amount": 0}, 422, "coupon_amount_invalid"),
    ({"amount": -5}, 422, "coupon_amount_invalid"),
    ({"amount": 10_000_001}, 422, "coupon_amount_invalid"),
    ({"currency": "XYZ"}, 422, "coupon_currency_unsupported"),
    ({"expires_at": "2020-01-01T00:00:00+00:00"}, 422, "coupon_expiry_past"),
    ({"expires_at": "2099-01-01T00:00:00"}, 422, "invalid_input"),  # no time zone
    ({"code": "a b"}, 422, "invalid_input"),
    ({"code": "WELCOME"}, 409, "coupon_code_taken"),
])
def test_r25_issuing_refuses_bad_input_with_a_stable_code(market, call, issuer, change, status,
                                                          code):
    # given a coupon WELCOME already exists
    _coupon(market, "WELCOME")
    body = {"buyer_id": market.buyer.pk, "amount": 500, "currency": "USD",
            "expires_at": (clock_now() + DAY).isoformat(), **change}
    # when support issues a coupon with one bad field
    response = call("POST", "/support/coupons", user=issuer, body=body)
    # then it is refused with its code, and no coupon was made
    assert (response.status_code, response.json()["code"]) == (status, code)
    assert list(Coupon.objects.values_list("code", flat=True)) == ["WELCOME"]


def test_sellers_buyers_and_support_without_the_permission_cannot_issue_coupons(market, call):
    body = {"buyer_id": market.buyer.pk, "amount": 500, "currency": "USD",
            "expires_at": (clock_now() + DAY).isoformat()}
    for user in (market.seller, market.buyer, market.support):
        response = call("POST", "/support/coupons", user=user, body=body)
        assert (response.status_code, response.json()["code"]) == (403, "coupon_issue_forbidden")
    assert Coupon.objects.count() == 0


def test_r25_r26_the_cancellation_quote_links_to_the_coupons_it_would_return(market, call):
    # given an unpaid order paid for with a platform coupon and a seller coupon
    platform = _coupon(market, "PLAT3", amount=300)
    seller = _coupon(market, "SHOP2", kind="seller", amount=200, store=market.store)
    order = _buy_with(market, "PLAT3", "SHOP2")
    # when the buyer asks what cancelling would do
    quote = call("GET", f"/orders/{order.pk}/cancellation-quote", user=market.buyer).json()
    # then each coupon names its id and where to read it, and whether it comes back
    assert [(c["code"], c["id"], c["url"], c["returned"]) for c in quote["coupons"]] == [
        ("PLAT3", platform.pk, f"/api/v1/coupons/{platform.pk}", True),
        ("SHOP2", seller.pk, f"/api/v1/coupons/{seller.pk}", False),
    ]
    # and following the link reads the coupon, used on this order for now
    linked = call("GET", quote["coupons"][0]["url"], user=market.buyer).json()
    assert (linked["code"], linked["state"], linked["used_on_orders"]) == (
        "PLAT3", "used", [order.pk])
