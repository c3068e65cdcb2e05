"""GET /orders/{id}/state: the lean read an app polls, and the trivial endpoint the HTTP
benchmark (bench/http_ratio.py) compares the cancellation request against."""

from __future__ import annotations

from tests.conftest import DAY, T0


def test_the_buyer_reads_the_state_of_a_paid_order(market, call):
    # given an order paid at T0
    order = market.paid(at=T0)
    # when its buyer reads its state
    response = call("GET", f"/orders/{order.pk}/state", user=market.buyer)
    # then the answer is its state alone
    assert response.status_code == 200
    assert response.json() == {"id": order.pk, "state": "awaiting_shipment",
                               "close_reason": None,
                               "refunded": {"amount": 0, "currency": "USD"},
                               "closed_at": None}


def test_a_closed_order_reads_with_its_reason_and_refund(market, call):
    # given an order paid at T0, cancellation requested 25 h later, approved by the seller on day 2
    from rescind.aftersale.services import cancellation_approve

    order = market.requested(at=T0)
    cancellation_approve(order_id=order.pk, user=market.seller, note="", now=T0 + 2 * DAY)
    order.refresh_from_db()
    # when the seller reads its state
    response = call("GET", f"/orders/{order.pk}/state", user=market.seller)
    # then it is closed, refunded in full, at the moment of the approval
    assert response.status_code == 200
    body = response.json()
    assert {**body, "closed_at": body["closed_at"].replace("Z", "+00:00")} == {
        "id": order.pk, "state": "closed", "close_reason": "cancelled_on_request",
        "refunded": {"amount": 2800, "currency": "USD"},
        "closed_at": (T0 + 2 * DAY).isoformat()}


def test_someone_elses_order_reads_as_not_found(market, call):
    # given an order of `buyer`
    order = market.paid(at=T0)
    # when another buyer reads its state
    response = call("GET", f"/orders/{order.pk}/state", user=market.other_buyer)
    # then it does not exist for them
    assert response.status_code == 404
    assert response.json()["code"] == "order_not_found"


def test_the_state_costs_three_queries_the_token_its_user_and_the_order(
        market, call, bearer, django_assert_num_queries):
    # given an order and its buyer's token, already issued
    order = market.paid(at=T0)
    bearer(market.buyer)
    # when its state is read, then the token, its user and the order are the only queries
    with django_assert_num_queries(3):
        response = call("GET", f"/orders/{order.pk}/state", user=market.buyer)
    assert response.status_code == 200
