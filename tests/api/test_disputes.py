"""Disputes through the API, as the mobile app drives them (R18-R20, R23, R28)."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth.models import Permission

from tests.conftest import HOUR


def _shipped(market):
    from rescind.aftersale.services import order_ship
    from rescind.clock.service import now as clock_now

    order = market.paid(at=clock_now() - 3 * 24 * HOUR)
    order_ship(order_id=order.pk, user=market.seller, carrier="DHL", tracking_number="T1",
               now=clock_now() - 2 * 24 * HOUR)
    return order


def test_r19_r20_open_propose_escalate_and_support_decides_a_partial_refund(market, call):
    # given a shipped order and support staff allowed to decide
    order = _shipped(market)
    market.support.user_permissions.add(Permission.objects.get(codename="decide_dispute"))
    base = f"/orders/{order.pk}/dispute"
    # when the buyer opens a dispute for everything, the seller proposes 10.00, the buyer
    # escalates, and support decides 15.00
    opened = call("POST", base, user=market.buyer,
                  body={"dispute_reason": "not_as_described", "description": "Wrong colour"})
    assert (opened.status_code, opened.json()["state"], opened.json()["claim"]) == (
        201, "awaiting_seller", {"amount": 2800, "currency": "USD"})
    assert call("GET", base, user=market.seller).json()["actions"] == [
        "accept", "refuse", "propose"]
    proposed = call("POST", f"{base}/propose", user=market.seller, body={"amount": 1000})
    assert proposed.json()["proposal"] == {"amount": 1000, "currency": "USD"}
    escalated = call("POST", f"{base}/escalate", user=market.buyer, body={"note": "No"})
    assert escalated.json()["state"] == "escalated"
    queue = call("GET", "/support/disputes", user=market.support).json()
    assert [(d["order_id"], d["actions"]) for d in queue["disputes"]] == [
        (order.pk, ["decide"])]
    decided = call("POST", f"{base}/decision", user=market.support,
                   body={"refund": 1500, "note": "Partly"})
    # then the buyer sees the dispute resolved with 15.00, and the order completed
    assert decided.status_code == 200
    seen = call("GET", base, user=market.buyer).json()
    assert (seen["state"], seen["refund"], seen["decided_by"]) == (
        "resolved", {"amount": 1500, "currency": "USD"}, "support")
    detail = call("GET", f"/orders/{order.pk}", user=market.buyer).json()
    assert (detail["state"], detail["refunded"]["amount"]) == ("completed", 1500)


def test_r20_the_queue_is_for_support_and_deciding_needs_the_permission(market, call):
    order = _shipped(market)
    call("POST", f"/orders/{order.pk}/dispute", user=market.buyer,
         body={"dispute_reason": "damaged"})
    call("POST", f"/orders/{order.pk}/dispute/refuse", user=market.seller, body={"note": "No"})
    call("POST", f"/orders/{order.pk}/dispute/escalate", user=market.buyer, body={})
    refused = call("GET", "/support/disputes", user=market.buyer)
    assert (refused.status_code, refused.json()["code"]) == (403, "support_only")
    denied = call("POST", f"/orders/{order.pk}/dispute/decision", user=market.support,
                  body={"refund": 0})
    assert (denied.status_code, denied.json()["code"]) == (403, "decide_permission_required")
    market.support.user_permissions.add(Permission.objects.get(codename="decide_dispute"))
    over = call("POST", f"/orders/{order.pk}/dispute/decision", user=market.support,
                body={"refund": 2801})
    assert (over.status_code, over.json()["code"]) == (409, "refund_exceeds_charge")


def test_r23_the_queue_lists_overdue_refunds_that_have_not_arrived(market, call):
    from rescind.aftersale.services import cancellation_approve
    from rescind.clock.service import now as clock_now
    from rescind.refunds.models import Refund

    order = market.requested(at=clock_now() - timedelta(days=3))
    cancellation_approve(order_id=order.pk, user=market.seller, now=clock_now())
    refund = Refund.objects.get(order=order)
    Refund.objects.filter(pk=refund.pk).update(overdue_flagged_at=clock_now())
    queue = call("GET", "/support/disputes", user=market.support).json()
    assert [(r["id"], r["order_id"], r["amount"]["amount"]) for r in queue["overdue_refunds"]] \
        == [(refund.pk, order.pk, 2800)]
