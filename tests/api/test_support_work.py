"""Support's work through the API, as the console does it (R16, R20, R22, R27, R28): the queue
with filters, search and cursor; claim and release; decisions guarded against another agent's
claim and stale reads; messages to both sides; shipment canceled by the platform; goodwill
refunds; and buyers and sellers refused."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission

from rescind.aftersale.services import order_ship
from rescind.clock.service import now as clock_now
from rescind.disputes.services import dispute_escalate, dispute_open, dispute_refuse
from rescind.refunds.models import Refund
from tests.conftest import DAY


def _shipped(market, tracking="LP1"):
    now = clock_now()
    order = market.paid(at=now - 5 * DAY)
    order_ship(order_id=order.pk, user=market.seller, carrier="Cainiao",
               tracking_number=tracking, now=now - 4 * DAY)
    return order


def _escalated(market, tracking="LP1"):
    order = _shipped(market, tracking)
    at = clock_now() - 2 * DAY
    dispute_open(order_id=order.pk, user=market.buyer, reason="damaged", claim=None,
                 return_item=False, description="Torn", evidence=[], now=at)
    dispute_refuse(order_id=order.pk, user=market.seller, note="No", now=at)
    dispute_escalate(order_id=order.pk, user=market.buyer, note="", now=at)
    return order


def _agent(name):
    agent = get_user_model().objects.create_user(name, password="pw", is_staff=True)
    agent.user_permissions.add(Permission.objects.get(codename="decide_dispute"))
    return agent


def test_r20_the_queue_lists_filters_searches_and_pages(market, call):
    # given two escalated disputes and one waiting for the seller
    first, second = _escalated(market, "LP1"), _escalated(market, "LP2")
    waiting = _shipped(market, "LP3")
    dispute_open(order_id=waiting.pk, user=market.buyer, reason="damaged", claim=None,
                 return_item=False, description="", evidence=[], now=clock_now())
    # when support reads the queue a page of two at a time, and filtered
    page = call("GET", "/support/dispute-queue?limit=2", user=market.support).json()
    rest = call("GET", f"/support/dispute-queue?limit=2&cursor={page['next_cursor']}",
                user=market.support).json()
    support = call("GET", "/support/dispute-queue?waiting_for=support&q=shirt",
                   user=market.support).json()
    by_number = call("GET", f"/support/dispute-queue?q=%23{waiting.pk}",
                     user=market.support).json()
    # then every dispute comes once, the longest waiting first, with its age in words
    assert [d["order_id"] for d in page["disputes"] + rest["disputes"]] == [
        first.pk, second.pk, waiting.pk]
    assert rest["next_cursor"] is None
    head = page["disputes"][0]
    assert (head["age_label"], head["age_tone"], head["waited_seconds"] // 600, head["buyer"],
            head["items"], head["assignee"], head["mine"]) == (
        "waiting", "warning", 2 * 86400 // 600, "buyer", ["Shirt"], None, False)
    assert rest["disputes"][0]["age_label"] == "new"
    assert [d["order_id"] for d in support["disputes"]] == [first.pk, second.pk]
    assert [d["order_id"] for d in by_number["disputes"]] == [waiting.pk]


def test_r20_bad_queue_input_gets_a_code(market, call):
    bad_cursor = call("GET", "/support/dispute-queue?cursor=nope", user=market.support)
    bad_filter = call("GET", "/support/dispute-queue?waiting_for=nobody", user=market.support)
    buyer = call("GET", "/support/dispute-queue", user=market.buyer)
    assert (bad_cursor.status_code, bad_cursor.json()["code"]) == (422, "bad_cursor")
    assert bad_filter.status_code == 422
    assert (buyer.status_code, buyer.json()["code"]) == (403, "support_only")


def test_r20_claim_release_and_the_guarded_decision(market, call):
    # given an escalated dispute and two agents
    order = _escalated(market)
    ann, bob = _agent("ann"), _agent("bob")
    base = f"/orders/{order.pk}/dispute"
    # when ann claims it, bob reads it and decides without taking over, then from a stale
    # read, then ann decides with the version she read
    claimed = call("POST", f"{base}/claim", user=ann, body={})
    read = call("GET", base, user=bob).json()
    refused = call("POST", f"{base}/decision", user=bob,
                   body={"refund": 0, "version": read["version"]})
    stale = call("POST", f"{base}/decision", user=bob,
                 body={"refund": 0, "version": read["version"] - 1, "take_over": True})
    release_theirs = call("POST", f"{base}/release", user=bob)
    decided = call("POST", f"{base}/decision", user=ann,
                   body={"refund": 2800, "note": "Torn", "version": read["version"]})
    late = call("POST", f"{base}/decision", user=bob,
                body={"refund": 0, "version": read["version"], "take_over": True})
    # then each answer says what happened, with a stable code
    assert (claimed.status_code, claimed.json()["assignee"]) == (200, "ann")
    assert (refused.status_code, refused.json()["code"], refused.json()["details"]) == (
        409, "dispute_claimed", {"assignee": "ann"})
    assert (stale.status_code, stale.json()["code"]) == (409, "dispute_changed")
    assert (release_theirs.status_code, release_theirs.json()["code"]) == (
        403, "dispute_not_yours")
    assert (decided.status_code, decided.json()["state"], decided.json()["refund"]) == (
        200, "resolved", {"amount": 2800, "currency": "USD"})
    assert (late.status_code, late.json()["code"]) == (409, "dispute_changed")
    assert list(Refund.objects.filter(order=order).values_list("amount", flat=True)) == [2800]


def test_r20_release_puts_the_dispute_back(market, call):
    order = _escalated(market)
    ann = _agent("ann")
    call("POST", f"/orders/{order.pk}/dispute/claim", user=ann, body={})
    released = call("POST", f"/orders/{order.pk}/dispute/release", user=ann)
    assert (released.status_code, released.json()["assignee"]) == (200, None)
    queue = call("GET", "/support/dispute-queue?assignee=unassigned", user=ann).json()
    assert [d["order_id"] for d in queue["disputes"]] == [order.pk]


def test_r27_support_messages_both_sides(market, call):
    order = _shipped(market)
    sent = call("POST", f"/orders/{order.pk}/support-messages", user=market.support,
                body={"body": "We are checking with the carrier."})
    assert (sent.status_code, sent.json()["author_party"], sent.json()["mine"]) == (
        201, "support", True)
    for user in (market.buyer, market.seller):
        seen = call("GET", f"/orders/{order.pk}/messages", user=user).json()
        assert [(m["author_party"], m["body"], m["mine"]) for m in seen] == [
            ("support", "We are checking with the carrier.", False)]
        refused = call("POST", f"/orders/{order.pk}/support-messages", user=user,
                       body={"body": "Hi"})
        assert (refused.status_code, refused.json()["code"]) == (403, "not_your_action")


def test_r16_support_cancels_a_shipment_for_the_seller(market, call):
    order = _shipped(market)
    ann = _agent("ann")
    path = f"/orders/{order.pk}/shipment/cancel-by-platform"
    seller = call("POST", path, user=market.seller, body={"note": "x"})
    plain_support = call("POST", path, user=market.support, body={"note": "x"})
    canceled = call("POST", path, user=ann, body={"note": "Lost at the hub"})
    again = call("POST", path, user=ann, body={"note": "Again"})
    assert (seller.status_code, seller.json()["code"]) == (403, "not_your_action")
    assert (plain_support.status_code, plain_support.json()["code"]) == (
        403, "support_permission_required")
    assert canceled.status_code == 200
    detail = canceled.json()
    assert detail["state"] == "shipment_canceled"
    assert detail["shipments"][-1]["void_cause"] == "canceled_by_platform"
    assert again.status_code == 409
    # the seller then has the same choices as after a carrier's drop
    actions = call("GET", f"/orders/{order.pk}", user=market.seller).json()["actions"]
    assert {"reship", "refund_canceled_shipment"} <= {a["action"] for a in actions}


def test_r22_goodwill_refunds_through_the_ledger_never_above_what_is_left(market, call):
    order = market.paid(at=clock_now() - DAY)
    ann = _agent("ann")
    path = f"/orders/{order.pk}/goodwill-refunds"
    granted = call("POST", path, user=ann, body={"amount": 800, "reason": "Late"})
    above = call("POST", path, user=ann, body={"amount": 2001, "reason": "More"})
    buyer = call("POST", path, user=market.buyer, body={"amount": 100, "reason": "Me"})
    stranger = call("POST", path, user=market.other_buyer, body={"amount": 100, "reason": "x"})
    zero = call("POST", path, user=ann, body={"amount": 0, "reason": "x"})
    assert (granted.status_code, granted.json()["refunded"]) == (
        201, {"amount": 800, "currency": "USD"})
    assert (above.status_code, above.json()["code"], above.json()["details"]["refundable"]) == (
        409, "refund_exceeds_refundable", {"amount": 2000, "currency": "USD"})
    assert (buyer.status_code, buyer.json()["code"]) == (403, "not_your_action")
    assert (stranger.status_code, stranger.json()["code"]) == (404, "order_not_found")
    assert zero.status_code == 422
    assert list(Refund.objects.filter(order=order).values_list("amount", "cause")) == [
        (800, "GoodwillRefundGranted")]
