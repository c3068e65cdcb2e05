"""`Idempotency-Key` on API POSTs: a repeat returns the first answer and changes nothing."""

from __future__ import annotations

from datetime import timedelta

from tests.conftest import HOUR


def _checkout_body(market, quantity: int = 2) -> dict:
    return {"items": [{"product_id": market.product.pk, "quantity": quantity,
                       "options": {"colour": "red"}}],
            "payment_method": "bank_card"}


def _counts() -> dict:
    from rescind.aftersale.models import CancellationRequest
    from rescind.api.models import IdempotencyRecord
    from rescind.orders.models import Checkout, Order, Payment, TimelineEntry

    return {"checkouts": Checkout.objects.count(), "orders": Order.objects.count(),
            "payments": Payment.objects.count(), "timeline": TimelineEntry.objects.count(),
            "requests": CancellationRequest.objects.count(),
            "keys": IdempotencyRecord.objects.count()}


def _paid_a_day_ago(market):
    from rescind.clock.service import now as clock_now

    return market.paid(at=clock_now() - 26 * HOUR)


def test_a_repeated_checkout_returns_the_first_answer_and_creates_one_checkout(market, call):
    # given a checkout made with an Idempotency-Key
    key = {"Idempotency-Key": "checkout-7f3a"}
    before = _counts()
    first = call("POST", "/checkouts", user=market.buyer, body=_checkout_body(market),
                 headers=key)
    after_first = _counts()
    # when the app sends it again with the same key
    again = call("POST", "/checkouts", user=market.buyer, body=_checkout_body(market),
                 headers=key)
    # then the answer is the first one, byte for byte, and nothing more was created
    assert first.status_code == 201
    assert (again.status_code, again.content) == (201, first.content)
    assert again["Content-Type"] == "application/json; charset=utf-8"
    assert again["Idempotent-Replay"] == "true"
    assert first.get("Idempotent-Replay") is None
    assert after_first == {**before, "checkouts": before["checkouts"] + 1,
                           "orders": before["orders"] + 1, "payments": before["payments"] + 1,
                           "timeline": before["timeline"] + 1, "keys": before["keys"] + 1}
    assert _counts() == after_first


def test_a_repeated_cancellation_request_is_made_once(market, call):
    # given a paid order and a cancellation request sent with a key
    from rescind.aftersale.models import CancellationRequest

    order = _paid_a_day_ago(market)
    body = {"reason": "no_longer_needed", "report_supplier": False}
    key = {"Idempotency-Key": "cancel-order-once"}
    first = call("POST", f"/orders/{order.pk}/cancellation-request", user=market.buyer,
                 body=body, headers=key)
    after_first = _counts()
    # when the request is repeated with the same key (the app retried after a timeout)
    again = call("POST", f"/orders/{order.pk}/cancellation-request", user=market.buyer,
                 body=body, headers=key)
    # then the first 201 comes back and there is still one request and one timeline entry for it
    assert first.status_code == 201
    assert (again.status_code, again.content) == (201, first.content)
    assert _counts() == after_first
    assert CancellationRequest.objects.filter(order=order).count() == 1
    assert [e["kind"] for e in again.json()["timeline"]] == [
        "OrderPlaced", "OrderPaid", "CancellationRequested"]


def test_without_a_key_a_repeated_cancellation_request_is_refused_as_already_pending(
        market, call):
    # given a paid order with a cancellation request sent without a key
    order = _paid_a_day_ago(market)
    body = {"reason": "no_longer_needed", "report_supplier": False}
    call("POST", f"/orders/{order.pk}/cancellation-request", user=market.buyer, body=body)
    before = _counts()
    # when it is sent again
    again = call("POST", f"/orders/{order.pk}/cancellation-request", user=market.buyer,
                 body=body)
    # then the domain refuses it: the key is what makes a retry safe
    assert again.status_code == 409
    assert again.json()["code"] == "request_already_pending"
    assert _counts() == before


def test_a_key_reused_with_a_different_body_is_refused(market, call):
    # given a checkout made with a key
    key = {"Idempotency-Key": "same-key"}
    first = call("POST", "/checkouts", user=market.buyer, body=_checkout_body(market, 2),
                 headers=key)
    before = _counts()
    # when the same key comes with another quantity
    reused = call("POST", "/checkouts", user=market.buyer, body=_checkout_body(market, 3),
                  headers=key)
    # then it is refused and nothing is created
    assert first.status_code == 201
    assert reused.status_code == 422
    assert reused.json() == {
        "code": "idempotency_key_reused",
        "message": "This Idempotency-Key was used for a different request.",
        "details": {}}
    assert _counts() == before


def test_a_key_reused_on_another_order_is_refused(market, call):
    # given a cancellation request on one order made with a key
    one, other = _paid_a_day_ago(market), _paid_a_day_ago(market)
    body = {"reason": "no_longer_needed", "report_supplier": False}
    key = {"Idempotency-Key": "k-1"}
    call("POST", f"/orders/{one.pk}/cancellation-request", user=market.buyer, body=body,
         headers=key)
    before = _counts()
    # when the same key and body are sent for another order
    reused = call("POST", f"/orders/{other.pk}/cancellation-request", user=market.buyer,
                  body=body, headers=key)
    # then the path makes it a different request: refused, and the other order is untouched
    assert reused.status_code == 422
    assert reused.json()["code"] == "idempotency_key_reused"
    assert _counts() == before
    other.refresh_from_db()
    assert other.state == "awaiting_shipment"


def test_different_users_use_the_same_key_independently(market, call):
    # given a buyer who checked out with a key
    from rescind.orders.models import Checkout

    key = {"Idempotency-Key": "checkout-1"}
    mine = call("POST", "/checkouts", user=market.buyer, body=_checkout_body(market),
                headers=key)
    # when another buyer uses the same key for the same purchase
    theirs = call("POST", "/checkouts", user=market.other_buyer, body=_checkout_body(market),
                  headers=key)
    # then each has their own checkout, and a repeat gives each their own answer
    assert (mine.status_code, theirs.status_code) == (201, 201)
    assert mine.json()["id"] != theirs.json()["id"]
    assert Checkout.objects.get(pk=mine.json()["id"]).buyer == market.buyer
    assert Checkout.objects.get(pk=theirs.json()["id"]).buyer == market.other_buyer
    assert theirs.get("Idempotent-Replay") is None
    mine_again = call("POST", "/checkouts", user=market.buyer, body=_checkout_body(market),
                      headers=key)
    theirs_again = call("POST", "/checkouts", user=market.other_buyer,
                        body=_checkout_body(market), headers=key)
    assert mine_again.content == mine.content
    assert theirs_again.content == theirs.content
    assert Checkout.objects.count() == 2


def test_a_refusal_is_replayed_as_it_was_given(market, call):
    # given an unpaid order, and a cancellation request on it refused with a key
    order = market.place()
    body = {"reason": "no_longer_needed", "report_supplier": False}
    key = {"Idempotency-Key": "early-request"}
    first = call("POST", f"/orders/{order.pk}/cancellation-request", user=market.buyer,
                 body=body, headers=key)
    before = _counts()
    # when the same request is repeated with the key
    again = call("POST", f"/orders/{order.pk}/cancellation-request", user=market.buyer,
                 body=body, headers=key)
    # then the first answer, a 409, comes back unchanged
    assert first.status_code == 409
    assert first.json()["code"] == "order_not_paid"
    assert (again.status_code, again.content) == (409, first.content)
    assert again["Idempotent-Replay"] == "true"
    assert _counts() == before


def test_a_repeated_capture_pays_once(market, call):
    # given a checkout paid with a key
    from rescind.orders.models import Payment
    from rescind.refunds.models import SandboxOperation

    order = market.place()
    payment_id = order.checkout.payment.pk
    key = {"Idempotency-Key": "pay-1"}
    first = call("POST", f"/payments/{payment_id}/capture", user=market.buyer, headers=key)
    before = _counts()
    # when the capture is repeated with the key
    again = call("POST", f"/payments/{payment_id}/capture", user=market.buyer, headers=key)
    # then the same answer comes back and the gateway was asked once
    assert first.status_code == 200
    assert (again.status_code, again.content) == (200, first.content)
    assert Payment.objects.get(pk=payment_id).state == "captured"
    assert SandboxOperation.objects.filter(kind="capture").count() == 1
    assert _counts() == before


def test_a_key_longer_than_200_characters_is_refused(market, call):
    # given a key of 201 characters
    before = _counts()
    # when a checkout is sent with it
    response = call("POST", "/checkouts", user=market.buyer, body=_checkout_body(market),
                    headers={"Idempotency-Key": "k" * 201})
    # then it is refused before anything happens
    assert response.status_code == 422
    assert response.json() == {
        "code": "idempotency_key_too_long",
        "message": "Idempotency-Key may have at most 200 characters.",
        "details": {}}
    assert _counts() == before


def test_a_key_of_200_characters_is_accepted(market, call):
    # given a key of exactly 200 characters
    # when a checkout is sent with it
    response = call("POST", "/checkouts", user=market.buyer, body=_checkout_body(market),
                    headers={"Idempotency-Key": "k" * 200})
    # then the checkout is made
    assert response.status_code == 201


def test_a_key_on_a_get_is_ignored(market, call):
    # given a key sent on a read
    # when the orders are listed with it
    response = call("GET", "/orders", user=market.buyer, headers={"Idempotency-Key": "read-1"})
    # then the read is answered and no key is stored
    from rescind.api.models import IdempotencyRecord

    assert (response.status_code, response.json()) == (200, [])
    assert IdempotencyRecord.objects.count() == 0


def test_the_clock_is_not_moved_twice_by_a_repeated_advance(market, call, settings):
    # given demo mode and the clock advanced by 25 hours with a key
    settings.DEMO_MODE = True
    key = {"Idempotency-Key": "advance-25h"}
    first = call("POST", "/clock/advance", user=market.buyer, body={"by": "25h"}, headers=key)
    # when the advance is repeated with the key
    again = call("POST", "/clock/advance", user=market.buyer, body={"by": "25h"}, headers=key)
    # then the offset is 25 hours, not 50
    from rescind.clock.service import clock_offset

    assert first.status_code == 200
    assert first.json()["offset_seconds"] == 25 * 3600
    assert again.content == first.content
    assert clock_offset() == timedelta(hours=25)
