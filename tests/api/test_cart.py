"""The cart through the API: "add to cart again" (R5), read, change, remove and check out with
the page's own checkout (R1, R28), idempotently; nobody else's cart is reachable."""

from __future__ import annotations

from django.db import transaction

from rescind.clock.service import now as clock_now
from rescind.orders.models import CartLine, Checkout, Order
from rescind.orders.recording import order_lock
from rescind.orders.services import order_close_unpaid
from tests.conftest import DAY

DELIVERY = {"recipient": "Ann Buyer", "line1": "1 Main Street", "city": "Leeds",
            "country": "United Kingdom"}


def _timed_out(market):
    """R5: an order left unpaid for 20 days, closed by the platform's clock."""
    order = market.place(at=clock_now() - 21 * DAY)
    with transaction.atomic():
        order_close_unpaid(order_lock(order.pk), now=clock_now() - DAY)
    order.refresh_from_db()
    assert (order.state, order.close_reason) == ("closed", "unpaid_timeout")
    return order


def test_r5_r1_add_to_cart_again_then_change_and_check_out_through_the_api(market, call):
    # given an unpaid order closed by the timeout (2 red shirts)
    closed = _timed_out(market)
    # when the buyer adds it to the cart again through the API
    added = call("POST", f"/orders/{closed.pk}/add-to-cart-again", user=market.buyer)
    assert (added.status_code, added.json()) == (200, {"lines_added": 1})
    # then the cart reads its line, priced now
    cart = call("GET", "/cart", user=market.buyer).json()
    line_id = cart["lines"][0]["id"]
    assert cart == {"lines": [{
        "id": line_id, "quantity": 2, "options": {"colour": "red"},
        "product": {"id": market.product.pk, "name": "Shirt",
                    "store": {"id": market.store.pk, "name": "Store A"}},
        "unit_price": {"amount": 1250, "currency": "USD"},
        "total": {"amount": 2500, "currency": "USD"}}],
        "items_total": [{"amount": 2500, "currency": "USD"}]}
    # when they make it 3 shirts, add a mug and take the mug out again
    changed = call("PATCH", f"/cart/lines/{line_id}", user=market.buyer, body={"quantity": 3})
    assert changed.json()["lines"][0]["total"] == {"amount": 3750, "currency": "USD"}
    with_mug = call("POST", "/cart/lines", user=market.buyer,
                    body={"product_id": market.other_product.pk, "quantity": 1})
    assert with_mug.status_code == 201
    assert with_mug.json()["items_total"] == [{"amount": 4475, "currency": "USD"}]
    mug_line = with_mug.json()["lines"][1]["id"]
    removed = call("DELETE", f"/cart/lines/{mug_line}", user=market.buyer)
    assert [line["id"] for line in removed.json()["lines"]] == [line_id]
    # and check it out, twice with one Idempotency-Key (a double tap)
    body = {"payment_method": "e_wallet", "delivery": DELIVERY}
    headers = {"Idempotency-Key": "cart-checkout-1"}
    first = call("POST", "/cart/checkout", user=market.buyer, body=body, headers=headers)
    again = call("POST", "/cart/checkout", user=market.buyer, body=body, headers=headers)
    # then one checkout was made: 3 shirts + 3.00 shipping, awaiting payment; the cart is empty
    assert first.status_code == 201
    assert (again.status_code, again.content) == (201, first.content)
    assert again["Idempotent-Replay"] == "true"
    checkout = first.json()
    assert checkout["payment"]["amount"] == {"amount": 3 * 1250 + 300, "currency": "USD"}
    assert checkout["payment"]["method"] == "e_wallet"
    assert [(o["state"], o["total"]["amount"]) for o in checkout["orders"]] == [
        ("awaiting_payment", 4050)]
    assert Checkout.objects.filter(buyer=market.buyer).count() == 2  # the closed one's and this
    new_order = Order.objects.get(pk=checkout["orders"][0]["id"])
    assert list(new_order.lines.values_list("quantity", "options")) == [(3, {"colour": "red"})]
    assert new_order.delivery["city"] == "Leeds"
    assert call("GET", "/cart", user=market.buyer).json() == {"lines": [], "items_total": []}
    # and a new checkout of the empty cart is refused, buying nothing
    empty = call("POST", "/cart/checkout", user=market.buyer, body=body)
    assert (empty.status_code, empty.json()["code"]) == (409, "cart_empty")
    assert Checkout.objects.filter(buyer=market.buyer).count() == 2


def test_a_buyer_never_sees_or_changes_another_buyers_cart(market, call):
    # given the buyer's cart with one line
    line = CartLine.objects.create(buyer=market.buyer, product=market.product,
                                   options={"colour": "blue"}, quantity=1)
    for intruder in (market.other_buyer, market.seller):
        # when someone else reads their cart, changes or removes the line, and checks out
        read = call("GET", "/cart", user=intruder)
        patched = call("PATCH", f"/cart/lines/{line.pk}", user=intruder, body={"quantity": 5})
        deleted = call("DELETE", f"/cart/lines/{line.pk}", user=intruder)
        checkout = call("POST", "/cart/checkout", user=intruder,
                        body={"payment_method": "bank_card"})
        # then they see an empty cart, the line is not found, and their checkout is empty
        assert read.json() == {"lines": [], "items_total": []}
        assert (patched.status_code, patched.json()["code"]) == (404, "cart_line_not_found")
        assert (deleted.status_code, deleted.json()["code"]) == (404, "cart_line_not_found")
        assert (checkout.status_code, checkout.json()["code"]) == (409, "cart_empty")
    # and the buyer's line is as it was
    assert list(CartLine.objects.values_list("pk", "buyer_id", "quantity")) == [
        (line.pk, market.buyer.pk, 1)]
    assert Checkout.objects.count() == 0


def test_cart_input_is_refused_with_a_stable_code_and_changes_nothing(market, call):
    line = CartLine.objects.create(buyer=market.buyer, product=market.product,
                                   options={"colour": "red"}, quantity=2)
    refusals = [
        call("PATCH", f"/cart/lines/{line.pk}", user=market.buyer, body={"quantity": 0}),
        call("PATCH", f"/cart/lines/{line.pk}", user=market.buyer, body={"quantity": "3"}),
        call("POST", "/cart/lines", user=market.buyer,
             body={"product_id": market.product.pk, "quantity": 1, "options": {"size": "XL"}}),
        call("POST", "/cart/lines", user=market.buyer, body={"product_id": 987654, "quantity": 1}),
        call("POST", "/cart/checkout", user=market.buyer,
             body={"payment_method": "bank_card", "coupon_codes": ["NOPE"]}),
    ]
    assert [(r.status_code, r.json()["code"]) for r in refusals] == [
        (422, "invalid_input"), (422, "invalid_input"), (422, "bad_options"),
        (422, "unknown_product"), (422, "unknown_coupon")]
    assert list(CartLine.objects.values_list("pk", "quantity")) == [(line.pk, 2)]
    assert Checkout.objects.count() == 0


def test_r28_the_cart_page_and_the_api_share_one_cart(market, call, client):
    # given a line the app put in the cart
    call("POST", "/cart/lines", user=market.buyer,
         body={"product_id": market.other_product.pk, "quantity": 1})
    line = CartLine.objects.get()
    # when the buyer opens the cart page and changes the quantity there
    client.force_login(market.buyer)
    page = client.get("/cart/")
    assert "Mug" in page.content.decode()
    client.post(f"/cart/lines/{line.pk}/", {"quantity": "4"})
    # then the app reads the new quantity; a quantity the page cannot take is refused there
    assert call("GET", "/cart", user=market.buyer).json()["lines"][0]["quantity"] == 4
    refused = client.post(f"/cart/lines/{line.pk}/", {"quantity": "lots"}, follow=True)
    assert "A quantity is from 1 to 999." in refused.content.decode()
    # and removing it on the page empties the app's cart
    client.post(f"/cart/lines/{line.pk}/", {"remove": "1"})
    assert call("GET", "/cart", user=market.buyer).json()["lines"] == []
