"""Buyer protection after completion (R18) and the promised delivery (R17) in the API's order
detail and dispute endpoint, as the mobile app reads them (R2, R28)."""

from __future__ import annotations

from rescind.aftersale.services import order_ship
from rescind.clock.service import now as clock_now
from rescind.orders.shipping import order_confirm_receipt
from tests.conftest import DAY


def _shipped(market, shipped):
    order = market.paid(at=shipped - DAY)
    order_ship(order_id=order.pk, user=market.seller, carrier="DHL", tracking_number="T1",
               now=shipped)
    return order


def _now():
    return clock_now().replace(microsecond=0)  # the API writes whole seconds as such


def _iso(value) -> str:
    return value.isoformat().replace("+00:00", "Z")


def test_r2_r18_a_completed_order_shows_its_protection_and_can_be_disputed(market, call):
    # given an order the buyer confirmed 3 days ago
    confirmed = _now() - 3 * DAY
    order = _shipped(market, confirmed - 8 * DAY)
    order_confirm_receipt(order_id=order.pk, user=market.buyer, now=confirmed)
    protected_until = confirmed + 15 * DAY
    # when the buyer reads it
    detail = call("GET", f"/orders/{order.pk}", user=market.buyer).json()
    # then it is completed, with the dispute action and when protection ends
    assert (detail["state"], detail["completed_at"], detail["dispute_until"]) == (
        "completed", _iso(confirmed), _iso(protected_until))
    assert detail["actions"] == [{"action": "open_dispute", "label": "Open a dispute"}]
    assert detail["deadlines"] == [{
        "kind": "protection_end", "due_at": _iso(protected_until),
        "label": "Buyer protection ends, and with it the right to open a dispute, on"}]
    # and the seller sees the same deadline, with nothing to do
    seller = call("GET", f"/orders/{order.pk}", user=market.seller).json()
    assert (seller["actions"], [d["kind"] for d in seller["deadlines"]]) == (
        [], ["protection_end"])
    # when the buyer opens a dispute, it opens and the order is in dispute
    opened = call("POST", f"/orders/{order.pk}/dispute", user=market.buyer,
                  body={"dispute_reason": "damaged"})
    assert (opened.status_code, opened.json()["state"]) == (201, "awaiting_seller")
    after = call("GET", f"/orders/{order.pk}", user=market.buyer).json()
    assert (after["state"], after["dispute_until"], after["deadlines"]) == (
        "in_dispute", None, [])


def test_r18_after_protection_the_api_refuses_the_dispute(market, call):
    # given an order confirmed 16 days ago: protection ended yesterday
    confirmed = _now() - 16 * DAY
    order = _shipped(market, confirmed - 8 * DAY)
    order_confirm_receipt(order_id=order.pk, user=market.buyer, now=confirmed)
    detail = call("GET", f"/orders/{order.pk}", user=market.buyer).json()
    assert (detail["actions"], detail["dispute_until"]) == ([], _iso(confirmed + 15 * DAY))
    refused = call("POST", f"/orders/{order.pk}/dispute", user=market.buyer,
                   body={"dispute_reason": "damaged"})
    assert (refused.status_code, refused.json()["code"],
            refused.json()["details"]["protection_ended_at"]) == (
        409, "dispute_not_available", (confirmed + 15 * DAY).isoformat())


def test_r2_r17_a_shipped_order_shows_its_promised_delivery(market, call):
    # given a parcel shipped 2 days ago, with no carrier event
    shipped = _now() - 2 * DAY
    order = _shipped(market, shipped)
    promised = shipped + 60 * DAY
    # when the buyer reads it
    detail = call("GET", f"/orders/{order.pk}", user=market.buyer).json()
    # then the shipment, the running deadlines and the upcoming actions carry the promise
    assert detail["shipments"][0]["deliver_by"] == _iso(promised)
    assert detail["deadlines"] == [{"kind": "promised_delivery", "label": "Delivery promised by",
                                    "due_at": _iso(promised)}]
    assert detail["upcoming_actions"] == [{
        "action": "dispute_not_received", "label": "Open a dispute: the parcel has not arrived",
        "available_from": _iso(promised)}]
    # and a non-delivery dispute before then is refused, saying from when it is possible
    refused = call("POST", f"/orders/{order.pk}/dispute", user=market.buyer,
                   body={"dispute_reason": "not_received"})
    assert (refused.status_code, refused.json()["code"], refused.json()["details"]) == (
        409, "dispute_not_available", {"state": "awaiting_delivery", "reason": "not_received",
                                       "available_from": promised.isoformat()})


def test_r17_past_the_promise_the_api_opens_a_non_delivery_dispute(market, call):
    # given a parcel shipped 61 days ago that never arrived
    order = _shipped(market, _now() - 61 * DAY)
    detail = call("GET", f"/orders/{order.pk}", user=market.buyer).json()
    assert [a["action"] for a in detail["actions"]] == [
        "confirm_receipt", "open_dispute", "dispute_not_received"]
    opened = call("POST", f"/orders/{order.pk}/dispute", user=market.buyer,
                  body={"dispute_reason": "not_received"})
    assert (opened.status_code, opened.json()["reason"]) == (201, "not_received")
