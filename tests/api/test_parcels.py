"""Tracking numbers through the API: one live parcel per carrier and number, and carrier events
that name no parcel waiting in support's queue (R15, R28)."""

from __future__ import annotations

from django.contrib.auth import get_user_model

from tests.conftest import HOUR


def _paid(market, product):
    from rescind.clock.service import now as clock_now

    return market.paid(at=clock_now() - 26 * HOUR, product=product, quantity=1)


def _carrier(name: str):
    from rescind.orders.models import Carrier

    account = get_user_model().objects.create_user(f"{name.lower()}-bot", password="pw")
    Carrier.objects.create(name=name).accounts.add(account)
    return account


def test_r15_shipping_with_another_parcels_live_number_is_a_conflict(market, call):
    # given store B's order shipped with Cainiao LP1
    theirs = _paid(market, market.other_product)
    first = call("POST", f"/orders/{theirs.pk}/ship", user=market.other_seller,
                 body={"carrier": "Cainiao", "tracking_number": "LP1"})
    assert first.status_code == 200
    # when store A's seller ships with the same number
    mine = _paid(market, market.product)
    response = call("POST", f"/orders/{mine.pk}/ship", user=market.seller,
                    body={"carrier": "cainiao", "tracking_number": "lp1"})
    # then it is refused with a clear code, and store A's order is not shipped
    assert response.status_code == 409
    assert response.json()["code"] == "tracking_number_in_use"
    assert response.json()["details"] == {"carrier": "cainiao", "tracking_number": "lp1"}
    assert call("GET", f"/orders/{mine.pk}", user=market.seller).json()["state"] == \
        "awaiting_shipment"


def test_r15_carrier_events_are_applied_or_queued_for_support(market, call):
    # given store A's order shipped with Cainiao LP1
    carrier = _carrier("Cainiao")
    order = _paid(market, market.product)
    call("POST", f"/orders/{order.pk}/ship", user=market.seller,
         body={"carrier": "Cainiao", "tracking_number": "LP1"})
    # when the carrier reports LP1 delivered, and LP2 (no parcel) delivered
    applied = call("POST", "/carrier/events", user=carrier,
                   body={"tracking_number": "LP1", "event": "delivered"})
    queued = call("POST", "/carrier/events", user=carrier,
                  body={"tracking_number": "LP2", "event": "delivered", "location": "Lyon"})
    # then the first moved the order and the second waits for support
    assert (applied.status_code, applied.json()) == (202, {
        "outcome": "applied", "order_id": order.pk, "state": "awaiting_delivery",
        "queued_event_id": None})
    assert queued.status_code == 202
    queued_id = queued.json()["queued_event_id"]
    assert queued.json() == {"outcome": "queued_for_support", "order_id": None, "state": None,
                             "queued_event_id": queued_id}
    # and support lists it, then marks it handled with a note
    listed = call("GET", "/support/carrier-events", user=market.support)
    assert [(e["id"], e["account"], e["tracking_number"], e["event"], e["location"],
             e["live_matches"], e["last_order_id"]) for e in listed.json()] == [
        (queued_id, "cainiao-bot", "LP2", "delivered", "Lyon", 0, None)]
    handled = call("POST", f"/support/carrier-events/{queued_id}/handle", user=market.support,
                   body={"note": "Asked Cainiao for the right number."})
    assert handled.status_code == 200
    assert handled.json()["handling_note"] == "Asked Cainiao for the right number."
    assert call("GET", "/support/carrier-events", user=market.support).json() == []


def test_r15_only_carrier_accounts_report_and_only_support_sees_the_queue(market, call):
    as_buyer = call("POST", "/carrier/events", user=market.buyer,
                    body={"tracking_number": "LP1", "event": "delivered"})
    as_seller = call("GET", "/support/carrier-events", user=market.seller)
    assert (as_buyer.status_code, as_buyer.json()["code"]) == (403, "carrier_account_required")
    assert (as_seller.status_code, as_seller.json()["code"]) == (403, "support_only")
