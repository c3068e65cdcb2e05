"""The API's one error shape, and a buyer's whole path through it: token, catalogue, a checkout
across two stores, payment, a cancellation a day later, the seller's approval and the refund."""

from __future__ import annotations

from datetime import datetime, timedelta

from tests.conftest import HOUR


def _paid_a_day_ago(market):
    from rescind.clock.service import now as clock_now

    return market.paid(at=clock_now() - 26 * HOUR)


def _order_rows() -> dict:
    from rescind.aftersale.models import CancellationRequest
    from rescind.orders.models import Checkout, Order, TimelineEntry

    return {"orders": list(Order.objects.order_by("pk").values_list("pk", "state")),
            "checkouts": Checkout.objects.count(), "timeline": TimelineEntry.objects.count(),
            "requests": CancellationRequest.objects.count()}


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


# --- the error model --------------------------------------------------------------------------

def test_no_credentials_answer_401_in_the_error_shape(market, call):
    # given no credentials
    # when the orders are listed
    response = call("GET", "/orders")
    # then the answer is 401 with code, message and details
    assert response.status_code == 401
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "code": "not_authenticated",
        "message": "Send a valid bearer token (POST /api/v1/auth/tokens) or log in.",
        "details": {}}


def test_a_boolean_quantity_is_invalid_input_not_coerced(market, call):
    # given a checkout whose quantity is `false`
    before = _order_rows()
    body = {"items": [{"product_id": market.product.pk, "quantity": False,
                       "options": {"colour": "red"}}], "payment_method": "bank_card"}
    # when it is sent
    response = call("POST", "/checkouts", user=market.buyer, body=body)
    # then it is refused as invalid input naming the field, and nothing is created
    assert response.status_code == 422
    assert response.json() == {
        "code": "invalid_input",
        "message": "Some fields are missing or invalid.",
        "details": {"errors": [{"type": "int_type",
                                "loc": ["body", "body", "items", 0, "quantity"],
                                "msg": "Input should be a valid integer"}]}}
    assert _order_rows() == before


def test_a_numeric_string_quantity_is_invalid_input_not_coerced(market, call):
    # given a checkout whose quantity is the string "2"
    before = _order_rows()
    body = {"items": [{"product_id": market.product.pk, "quantity": "2",
                       "options": {"colour": "red"}}], "payment_method": "bank_card"}
    # when it is sent
    response = call("POST", "/checkouts", user=market.buyer, body=body)
    # then strict input refuses it
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_input"
    assert [e["loc"] for e in response.json()["details"]["errors"]] == [
        ["body", "body", "items", 0, "quantity"]]
    assert _order_rows() == before


def test_an_unknown_field_is_invalid_input(market, call):
    # given a paid order and a cancellation request with a field the API does not know
    order = _paid_a_day_ago(market)
    before = _order_rows()
    body = {"reason": "no_longer_needed", "report_supplier": False, "refund_to": "elsewhere"}
    # when it is sent
    response = call("POST", f"/orders/{order.pk}/cancellation-request", user=market.buyer,
                    body=body)
    # then the field is refused by name and no request is made
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_input"
    assert [(e["type"], e["loc"]) for e in response.json()["details"]["errors"]] == [
        ("extra_forbidden", ["body", "body", "refund_to"])]
    assert _order_rows() == before


def test_a_missing_field_is_invalid_input(market, call):
    # given a paid order and a cancellation request without the R9 report answer
    order = _paid_a_day_ago(market)
    # when it is sent
    response = call("POST", f"/orders/{order.pk}/cancellation-request", user=market.buyer,
                    body={"reason": "no_longer_needed"})
    # then the missing field is named
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_input"
    assert [(e["type"], e["loc"]) for e in response.json()["details"]["errors"]] == [
        ("missing", ["body", "body", "report_supplier"])]


def test_a_body_that_is_not_json_is_a_bad_request(market, client, bearer):
    # given a checkout body cut short
    # when it is sent
    response = client.post("/api/v1/checkouts", data='{"items": [', content_type="application/json",
                           headers=bearer(market.buyer))
    # then it is a 400 in the error shape
    assert response.status_code == 400
    assert response.json() == {"code": "bad_request", "message": "Cannot parse request body",
                               "details": {}}


def test_a_path_id_that_is_not_a_number_is_invalid_input(market, call):
    # given an order id that is not a number
    # when the order is read
    response = call("GET", "/orders/abc", user=market.buyer)
    # then it is invalid input about the path
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_input"
    assert response.json()["details"]["errors"][0]["loc"] == ["path", "order_id"]


def test_text_with_a_nul_character_is_invalid_input(market, call):
    # given a ship request whose tracking number holds a NUL (PostgreSQL cannot store it)
    order = _paid_a_day_ago(market)
    before = _order_rows()
    # when the seller sends it
    response = call("POST", f"/orders/{order.pk}/ship", user=market.seller,
                    body={"carrier": "DHL", "tracking_number": "TRK\x001"})
    # then it is refused as invalid input, not failed as a server error, and nothing ships
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_input"
    assert response.json()["details"]["errors"][0]["loc"] == ["body", "body", "tracking_number"]
    assert _order_rows() == before


def test_a_clock_advance_beyond_any_date_is_invalid_input(market, call, settings):
    # given demo mode
    settings.DEMO_MODE = True
    # when the clock is told to move by more days than a date can hold
    response = call("POST", "/clock/advance", user=market.buyer, body={"by": "9999999999d"})
    # then it is a bad duration, not a server error
    assert response.status_code == 422
    assert response.json() == {"code": "bad_duration", "message": "That duration is too long.",
                               "details": {}}


def test_the_clock_does_not_move_outside_demo_mode(market, call):
    # given production mode
    # when someone tries to move the clock
    response = call("POST", "/clock/advance", user=market.buyer, body={"by": "25h"})
    # then it is forbidden and the clock shows no offset
    assert response.status_code == 403
    assert response.json()["code"] == "not_demo_mode"
    clock = call("GET", "/clock", user=market.buyer).json()
    assert (clock["offset_seconds"], clock["demo_mode"]) == (0, False)


def test_an_order_nobody_has_is_not_found(market, call):
    # given no order 999999
    # when it is read
    response = call("GET", "/orders/999999", user=market.buyer)
    # then the answer is 404 order_not_found
    assert response.status_code == 404
    assert response.json() == {"code": "order_not_found", "message": "No such order.",
                               "details": {}}


def test_another_buyers_order_is_not_found_rather_than_forbidden(market, call):
    # given the buyer's order
    order = market.place()
    # when another buyer reads it
    response = call("GET", f"/orders/{order.pk}", user=market.other_buyer)
    # then it does not exist for them: its existence is not revealed
    assert response.status_code == 404
    assert response.json()["code"] == "order_not_found"


def test_a_buyer_approving_their_own_request_is_forbidden(market, call):
    # given an order with a pending cancellation request
    from rescind.clock.service import now as clock_now

    order = market.requested(at=clock_now() - 26 * HOUR)
    before = _order_rows()
    # when the buyer tries to approve it
    response = call("POST", f"/orders/{order.pk}/cancellation-request/approve",
                    user=market.buyer, body={})
    # then only the seller may: 403, and the request still waits
    assert response.status_code == 403
    assert response.json() == {"code": "not_your_action",
                               "message": "Only the order's seller may do this.", "details": {}}
    assert _order_rows() == before


def test_r4_requesting_cancellation_of_an_unpaid_order_conflicts(market, call):
    # given an unpaid order
    order = market.place()
    before = _order_rows()
    # when the buyer requests its cancellation
    response = call("POST", f"/orders/{order.pk}/cancellation-request", user=market.buyer,
                    body={"reason": "no_longer_needed", "report_supplier": False})
    # then it is 409 order_not_paid (an unpaid order is cancelled at once), and nothing changes
    assert response.status_code == 409
    assert response.json() == {
        "code": "order_not_paid",
        "message": "An unpaid order is cancelled at once; no request is needed.",
        "details": {}}
    assert _order_rows() == before


def test_r4_an_unpaid_order_is_cancelled_at_once(market, call):
    # given an unpaid order
    order = market.place()
    # when the buyer cancels it
    response = call("POST", f"/orders/{order.pk}/cancel", user=market.buyer)
    # then it closes as cancelled by the buyer, counted against nobody
    assert response.status_code == 200
    body = response.json()
    assert (body["state"], body["close_reason"], body["responsible_side"]) == (
        "closed", "cancelled_by_buyer", None)
    assert body["actions"] == [{"action": "add_to_cart_again", "label": "Add to cart again"}]


def test_r7_requesting_cancellation_within_24_hours_of_payment_conflicts(market, call):
    # given an order paid an hour ago
    from rescind.clock.service import now as clock_now

    order = market.paid(at=clock_now() - HOUR)
    before = _order_rows()
    # when the buyer requests its cancellation
    response = call("POST", f"/orders/{order.pk}/cancellation-request", user=market.buyer,
                    body={"reason": "no_longer_needed", "report_supplier": False})
    # then it is too early, and the answer says from when it is possible
    assert response.status_code == 409
    assert response.json()["code"] == "cancel_not_yet_available"
    assert _at(response.json()["details"]["available_from"]) == order.paid_at + 24 * HOUR
    assert _order_rows() == before


def test_r8_an_unknown_reason_is_refused_with_the_allowed_list(market, call):
    # given a paid order
    order = _paid_a_day_ago(market)
    # when the buyer gives a reason that is not on the list
    response = call("POST", f"/orders/{order.pk}/cancellation-request", user=market.buyer,
                    body={"reason": "changed_my_mind", "report_supplier": False})
    # then it is invalid, with the reasons that are allowed
    assert response.status_code == 422
    assert response.json()["code"] == "unknown_reason"
    assert response.json()["details"]["allowed"] == sorted([
        "ordered_wrong_item", "no_longer_needed", "found_better_price",
        "wrong_shipping_details", "paid_wrong_order", "seller_too_slow",
        "seller_asked_to_cancel", "out_of_stock", "seller_not_replying",
        "duplicate_system_order"])


def test_r17_a_shipped_order_cannot_be_cancelled(market, call):
    # given an order shipped after payment
    order = _paid_a_day_ago(market)
    shipped = call("POST", f"/orders/{order.pk}/ship", user=market.seller,
                   body={"carrier": "DHL", "tracking_number": "TRK-1"})
    before = _order_rows()
    # when the buyer requests its cancellation
    response = call("POST", f"/orders/{order.pk}/cancellation-request", user=market.buyer,
                    body={"reason": "no_longer_needed", "report_supplier": False})
    # then it conflicts, pointing to the seller or a dispute
    assert shipped.status_code == 200
    assert response.status_code == 409
    assert response.json() == {
        "code": "cancellation_not_available",
        "message": "Once an order has shipped it cannot be cancelled: message the seller or "
                   "open a dispute instead.",
        "details": {"state": "awaiting_delivery"}}
    assert _order_rows() == before


def test_an_unknown_payment_method_is_refused_with_the_allowed_list(market, call):
    # given a checkout paid by cheque
    before = _order_rows()
    body = {"items": [{"product_id": market.other_product.pk, "quantity": 1}],
            "payment_method": "cheque"}
    # when it is sent
    response = call("POST", "/checkouts", user=market.buyer, body=body)
    # then it is refused, with the methods there are
    assert response.status_code == 422
    assert response.json() == {
        "code": "unknown_payment_method",
        "message": "'cheque' is not a payment method.",
        "details": {"allowed": ["bank_card", "e_wallet", "bank_transfer"]}}
    assert _order_rows() == before


def test_wrong_credentials_get_no_token(market, call):
    # given the buyer's username with a wrong password
    from rescind.accounts.models import ApiToken

    # when a token is asked for
    response = call("POST", "/auth/tokens", body={"username": "buyer", "password": "nope"})
    # then none is issued
    assert response.status_code == 422
    assert response.json() == {"code": "bad_credentials",
                               "message": "Wrong username or password.", "details": {}}
    assert ApiToken.objects.count() == 0


# --- one buyer's way through the API ------------------------------------------------------------

def test_r1_r21_r22_r23_checkout_pay_cancel_a_day_later_and_get_refunded(market, call, client,
                                                                        settings):
    from rescind.orders.models import Checkout, Payment

    def as_(token):
        return {"Authorization": f"Bearer {token}"}

    # given the buyer's app, which exchanges a password for a token
    settings.DEMO_MODE = True
    login = call("POST", "/auth/tokens", body={"username": "buyer", "password": "pw"})
    assert login.status_code == 201
    buyer = as_(login.json()["token"])

    # and shows the catalogue
    products = call("GET", "/products", headers=buyer)
    assert products.status_code == 200
    assert products.json() == [
        {"id": market.product.pk, "store": {"id": market.store.pk, "name": "Store A"},
         "name": "Shirt", "unit_price": {"amount": 1250, "currency": "USD"},
         "option_choices": {"colour": ["red", "blue"]}},
        {"id": market.other_product.pk, "store": {"id": market.other_store.pk, "name": "Store B"},
         "name": "Mug", "unit_price": {"amount": 725, "currency": "USD"}, "option_choices": {}},
    ]

    # when the buyer checks out a shirt and a mug from two stores
    checkout = call("POST", "/checkouts", headers=buyer, body={
        "items": [{"product_id": market.product.pk, "quantity": 2, "options": {"colour": "red"}},
                  {"product_id": market.other_product.pk, "quantity": 1}],
        "payment_method": "e_wallet"})

    # then (R1) there is one order per store and one payment for both
    assert checkout.status_code == 201
    made = checkout.json()
    assert [(o["store"]["name"], o["state"], o["total"]["amount"]) for o in made["orders"]] == [
        ("Store A", "awaiting_payment", 2800), ("Store B", "awaiting_payment", 725)]
    assert made["payment"]["amount"] == {"amount": 3525, "currency": "USD"}
    assert (made["payment"]["method"], made["payment"]["state"]) == ("e_wallet", "pending")
    assert Checkout.objects.count() == 1
    shirt_order, mug_order = (o["id"] for o in made["orders"])

    # when the buyer pays
    paid = call("POST", f"/payments/{made['payment']['id']}/capture", headers=buyer)
    assert paid.status_code == 200
    assert paid.json()["payment"]["state"] == "captured"
    assert [o["state"] for o in paid.json()["orders"]] == ["awaiting_shipment"] * 2
    assert Payment.objects.get().state == "captured"
    paid_at = _at(paid.json()["orders"][0]["paid_at"])

    # and (R7) cannot cancel yet, but may 24 hours after payment
    early = call("GET", f"/orders/{shirt_order}", headers=buyer).json()
    assert [a["action"] for a in early["actions"]] == ["request_change"]  # R13, not cancel
    assert [(u["action"], _at(u["available_from"])) for u in early["upcoming_actions"]] == [
        ("request_cancellation", paid_at + 24 * HOUR)]

    # when the demo clock moves 25 hours on
    moved = call("POST", "/clock/advance", headers=buyer, body={"by": "25h"})
    assert moved.status_code == 200
    assert (moved.json()["offset_seconds"], moved.json()["demo_mode"]) == (90000, True)

    # and the buyer asks to cancel the shirt order
    requested = call("POST", f"/orders/{shirt_order}/cancellation-request", headers=buyer,
                     body={"reason": "no_longer_needed", "report_supplier": False})
    assert requested.status_code == 201
    request = requested.json()["cancellation_request"]
    assert (request["state"], request["reason"], request["side"]) == (
        "pending", "no_longer_needed", "buyer")
    requested_at = _at(request["requested_at"])
    assert timedelta(hours=25) <= requested_at - paid_at < timedelta(hours=25, minutes=1)
    assert _at(request["respond_by"]) == requested_at + 72 * HOUR

    # and the seller, with a token of their own, approves it
    seller_login = call("POST", "/auth/tokens", body={"username": "seller", "password": "pw"})
    seller = as_(seller_login.json()["token"])
    approved = call("POST", f"/orders/{shirt_order}/cancellation-request/approve",
                    headers=seller, body={"note": "No problem."})
    assert approved.status_code == 200

    # then the buyer reads the order closed, with a refund of what they paid for it (R22),
    # back to the e-wallet (R21), due within the e-wallet's 7 days (R23)
    order = call("GET", f"/orders/{shirt_order}", headers=buyer).json()
    assert (order["state"], order["state_label"], order["close_reason"]) == (
        "closed", "Closed", "cancelled_on_request")
    assert order["responsible_side"] == "buyer"
    assert order["refunded"] == {"amount": 2800, "currency": "USD"}
    assert order["cancellation_request"]["state"] == "approved"
    assert order["cancellation_request"]["decision_note"] == "No problem."
    assert order["deadlines"] == []
    assert len(order["refunds"]) == 1
    refund = order["refunds"][0]
    assert refund["amount"] == {"amount": 2800, "currency": "USD"}
    assert refund["method"] == "e_wallet" == order["payment_method"]
    assert refund["state"] == "pending"
    assert refund["overdue"] is False
    assert _at(refund["arrive_by"]) == _at(refund["created_at"]) + timedelta(days=7)
    assert timedelta(0) <= _at(refund["created_at"]) - requested_at < timedelta(minutes=1)
    assert [e["kind"] for e in order["timeline"]] == [
        "OrderPlaced", "OrderPaid", "CancellationRequested", "CancellationApproved",
        "RefundCreated"]
    assert [e["actor"] for e in order["timeline"]] == [
        "buyer", "buyer", "buyer", "seller", "seller"]

    # and the other store's order is untouched: still paid, awaiting shipment, nothing refunded
    other = call("GET", f"/orders/{mug_order}", headers=buyer).json()
    assert (other["state"], other["refunds"], other["refunded"]["amount"]) == (
        "awaiting_shipment", [], 0)


def test_r28_ids_beyond_the_databases_range_are_not_found_not_a_crash(market, call):
    # given a paid order, and order ids no bigint can hold
    _paid_a_day_ago(market)
    before = _order_rows()
    body = {"reason": "no_longer_needed", "report_supplier": False}
    for order_id in (2**70, -(2**70)):
        # when the buyer reads such an order, and asks to cancel it
        read = call("GET", f"/orders/{order_id}", user=market.buyer)
        cancel = call("POST", f"/orders/{order_id}/cancellation-request", user=market.buyer,
                      body=body)
        # then both are the order that does not exist, in the error shape (not a 422 for
        # Citus's "bigint out of range", nor a 500), and nothing was written
        for response in (read, cancel):
            assert (response.status_code, response.json()) == (404, {
                "code": "order_not_found", "message": "No such order.", "details": {}})
    assert _order_rows() == before


def test_r28_unknown_api_paths_and_methods_answer_in_the_error_shape(client):
    # when a caller asks for an endpoint that does not exist, or with the wrong method
    missing = client.get("/api/v1/no-such-thing")
    wrong = client.get("/api/v1/orders/1/cancel")
    # then both answer JSON {code, message, details}
    assert (missing.status_code, missing.json()["code"]) == (404, "not_found")
    assert (wrong.status_code, wrong.json()["code"]) == (405, "method_not_allowed")


def test_r28_an_idempotency_claim_left_by_a_dead_process_is_taken_over(client, market):
    # given a key claimed two minutes ago by a request that never answered
    from datetime import timedelta

    from django.utils import timezone

    from rescind.accounts.models import ApiToken, hash_token
    from rescind.api.idempotency import _fingerprint
    from rescind.api.models import IdempotencyRecord
    from tests.conftest import T0

    order = market.place(at=T0)
    token = ApiToken.issue(market.buyer)
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": "k-dead"}
    path = f"/api/v1/orders/{order.pk}/cancel"

    class SameRequest:
        content_type, body = "application/json", b""

    SameRequest.path = path
    record = IdempotencyRecord.objects.create(scope="t:" + hash_token(token)[:40], key="k-dead",
                                              request_hash=_fingerprint(SameRequest))
    IdempotencyRecord.objects.filter(pk=record.pk).update(
        created_at=timezone.now() - timedelta(minutes=3))
    # when the client repeats it, then it is served, not told "in progress" forever
    response = client.post(path, headers=headers)
    assert response.status_code == 200
    assert response.json()["state"] == "closed"
