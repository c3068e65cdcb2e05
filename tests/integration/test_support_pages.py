"""Support's console pages act through the same services as the API: the queue's filters and
ageing, claim, quick decisions with the stale-page guard, messages to both sides, shipment
cancellation and goodwill refunds (R16, R20, R22, R27, R28). Browser tests walk it whole."""

from __future__ import annotations

import re
from html import unescape

from django.contrib.auth.models import Permission

from rescind.aftersale.services import order_ship
from rescind.clock.service import now as clock_now
from rescind.disputes.assignment import dispute_claim
from rescind.disputes.models import Dispute
from rescind.disputes.services import dispute_escalate, dispute_open, dispute_refuse
from rescind.messaging.models import OrderMessage
from rescind.refunds.models import Refund
from tests.conftest import DAY


def _escalated(market, *, tracking="LP1", days_ago=2):
    now = clock_now()
    order = market.paid(at=now - 5 * DAY)
    order_ship(order_id=order.pk, user=market.seller, carrier="Cainiao",
               tracking_number=tracking, now=now - 4 * DAY)
    at = now - days_ago * DAY
    dispute_open(order_id=order.pk, user=market.buyer, reason="damaged", claim=None,
                 return_item=False, description="Torn", evidence=[], now=at)
    dispute_refuse(order_id=order.pk, user=market.seller, note="Not torn", now=at)
    dispute_escalate(order_id=order.pk, user=market.buyer, note="", now=at)
    return order


def _allowed(market):
    market.support.user_permissions.add(Permission.objects.get(codename="decide_dispute"))


def _text(page: str) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", page)))


def test_r20_the_queue_page_shows_age_in_words_filters_and_searches(client, market):
    # given a dispute escalated 2 days ago and 1 hour
    order = _escalated(market)
    client.force_login(market.support)
    # when support opens the queue, then filters for the seller, then searches the buyer
    page = _text(client.get("/support/disputes/").content.decode())
    none = _text(client.get("/support/disputes/?waiting=seller").content.decode())
    found = _text(client.get("/support/disputes/?q=buyer&assignee=unassigned").content.decode())
    bad = _text(client.get("/support/disputes/?waiting=nobody").content.decode())
    # then the row says how long it waited, with a badge in words, and who holds it
    assert f"Order #{order.pk} Shirt Waiting 2 days" in page
    assert "Waiting for support" in page and "Nobody" in page
    assert "No dispute matches." in none and f"Order #{order.pk}" not in none
    assert f"Order #{order.pk}" in found
    assert "'nobody' is not a waiting-for filter." in bad


def test_r20_support_claims_and_decides_with_a_quick_decision(client, market):
    # given an escalated dispute and support allowed to decide
    order = _escalated(market)
    _allowed(market)
    client.force_login(market.support)
    page = client.get(f"/support/disputes/{order.pk}/").content.decode()
    assert "Grant the buyer's claim" in _text(page) and "Another amount" in page
    assert "Nobody has claimed this dispute yet." in _text(page)
    # when support claims it, then grants the claim from the page's version
    client.post(f"/support/orders/{order.pk}/claim/")
    version = Dispute.objects.get(order=order).version
    claimed = _text(client.get(f"/support/disputes/{order.pk}/").content.decode())
    assert "You have worked on this dispute since" in claimed
    response = client.post(f"/orders/{order.pk}/dispute/decide/", {
        "refund_minor": "2800", "version": str(version), "note": "Torn indeed"}, follow=True)
    # then the dispute is decided and the order refunded in full
    assert "Decision recorded." in response.content.decode()
    dispute = Dispute.objects.get(order=order)
    assert (dispute.state, dispute.refund, dispute.decision_note) == (
        "resolved", 2800, "Torn indeed")


def test_r20_a_decision_from_a_stale_page_or_on_anothers_claim_is_refused(client, market):
    # given an escalated dispute another agent claims after support loaded the page
    order = _escalated(market)
    _allowed(market)
    client.force_login(market.support)
    seen = Dispute.objects.get(order=order).version
    other = type(market.support).objects.create_user("ann", password="pw", is_staff=True)
    dispute_claim(order_id=order.pk, user=other, now=clock_now())
    # when support decides from the old page, then from a fresh one without taking over
    stale = client.post(f"/orders/{order.pk}/dispute/decide/", {
        "refund_minor": "0", "version": str(seen)}, follow=True).content.decode()
    fresh = client.get(f"/support/disputes/{order.pk}/").content.decode()
    claimed = client.post(f"/orders/{order.pk}/dispute/decide/", {
        "refund_minor": "0", "version": str(seen + 1)}, follow=True).content.decode()
    # then both are refused with what happened, and nothing is decided
    assert "The dispute changed since you loaded it. Read it again, then decide." in stale
    assert "Support agent <strong>ann</strong> has worked on this dispute since" in fresh
    assert "Take the dispute over from ann" in fresh
    assert "Support agent ann is working on this dispute. Take it over to act on it." in claimed
    assert Dispute.objects.get(order=order).state == "escalated"


def test_r16_r22_r27_support_acts_on_an_order_without_a_dispute(client, market):
    # given a shipped order without a dispute, and support allowed to decide
    now = clock_now()
    order = market.paid(at=now - 3 * DAY)
    order_ship(order_id=order.pk, user=market.seller, carrier="Cainiao",
               tracking_number="LP9", now=now - 2 * DAY)
    _allowed(market)
    client.force_login(market.support)
    page = _text(client.get(f"/support/orders/{order.pk}/").content.decode())
    assert "Cancel the shipment for the seller" in page and "Goodwill refund" in page
    # when support writes to both, refunds 5.00 as goodwill, and cancels the shipment
    base = f"/support/orders/{order.pk}"
    sent = client.post(f"{base}/message/", {"body": "We are on it."}, follow=True)
    refunded = client.post(f"{base}/goodwill-refund/", {"amount": "5.00",
                                                         "reason": "Slow parcel"}, follow=True)
    above = client.post(f"{base}/goodwill-refund/", {"amount": "30.00", "reason": "More"},
                        follow=True)
    canceled = client.post(f"{base}/cancel-shipment/", {"note": "Lost at the hub"},
                           follow=True)
    # then each says what happened, and the order shows it
    assert "Your message was sent to the buyer and the seller." in sent.content.decode()
    assert "Goodwill refund recorded" in refunded.content.decode()
    assert "At most $23.00 is left to refund on this order." in above.content.decode()
    assert "Shipment canceled. The seller must ship again" in canceled.content.decode()
    assert list(Refund.objects.filter(order=order).values_list("amount", flat=True)) == [500]
    assert OrderMessage.objects.get(order=order).author_party == "support"
    order.refresh_from_db()
    assert order.state == "shipment_canceled"
    # and the buyer reads the message as support's, and the cancellation's cause
    client.force_login(market.buyer)
    buyer_page = _text(client.get(f"/orders/{order.pk}/").content.decode())
    assert "Support" in buyer_page and "We are on it." in buyer_page
    assert "canceled by platform support" in buyer_page


def test_r20_support_actions_are_not_for_buyers_or_sellers(client, market):
    order = _escalated(market)
    for user in (market.buyer, market.seller):
        client.force_login(user)
        assert client.get(f"/support/orders/{order.pk}/").status_code == 404
        assert client.post(f"/support/orders/{order.pk}/claim/").status_code == 404
        assert client.post(f"/support/orders/{order.pk}/goodwill-refund/",
                           {"amount": "1.00", "reason": "x"}).status_code == 404
    client.force_login(market.support)
    assert client.post(f"/support/orders/{order.pk}/nonsense/").status_code == 404
    assert not Refund.objects.filter(order=order).exists()
    assert Dispute.objects.get(order=order).assignee_id is None




def test_r20_the_queue_page_costs_the_same_statements_for_one_or_many_disputes(client,
                                                                               market):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    # given one escalated dispute, then four more
    _escalated(market, tracking="LP0")
    client.force_login(market.support)
    counts = []
    for more in (0, 4):
        for i in range(more):
            _escalated(market, tracking=f"LP{i + 1}")
        # when support opens the queue
        with CaptureQueriesContext(connection) as statements:
            page = client.get("/support/disputes/").content.decode()
        counts.append(len(statements))
        # then every dispute is listed
        assert page.count('class="queued-dispute') == 1 + more
    assert counts[0] == counts[1], counts
