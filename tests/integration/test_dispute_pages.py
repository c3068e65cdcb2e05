"""The dispute forms on the order page and the support console render and act through the
same services as the API (R18-R20, R23, R28). Browser tests drive the full flows."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth.models import Permission

from rescind.aftersale.services import cancellation_approve, order_ship
from rescind.clock.service import now as clock_now
from rescind.disputes.models import Dispute
from rescind.disputes.services import dispute_escalate, dispute_open, dispute_refuse
from rescind.refunds.models import Refund

DAY = timedelta(days=1)


def _shipped(market):
    at = clock_now() - 3 * DAY
    order = market.paid(at=at)
    order_ship(order_id=order.pk, user=market.seller, carrier="Cainiao", tracking_number="LP1",
               now=at + DAY)
    return order


def _escalated(market, order):
    now = clock_now()
    dispute_open(order_id=order.pk, user=market.buyer, reason="damaged", claim=None,
                 return_item=False, description="Torn", evidence=[], now=now)
    dispute_refuse(order_id=order.pk, user=market.seller, note="Not torn", now=now)
    dispute_escalate(order_id=order.pk, user=market.buyer, note="", now=now)


def test_r18_the_buyer_opens_a_partial_dispute_from_the_order_page(client, market):
    order = _shipped(market)
    client.force_login(market.buyer)
    assert "Open the dispute" in client.get(f"/orders/{order.pk}/").content.decode()
    response = client.post(f"/orders/{order.pk}/dispute/open/", {
        "reason": "not_as_described", "refund": "partial", "amount": "12.50",
        "return_item": "yes", "description": "Wrong colour"})
    assert response.status_code == 302
    dispute = Dispute.objects.get(order=order)
    assert (dispute.state, dispute.claim, dispute.return_item, dispute.description) == (
        "awaiting_seller", 1250, True, "Wrong colour")
    buyer_html = client.get(f"/orders/{order.pk}/").content.decode()
    assert 'You asked for <span class="money">$12.50</span>, returning the item.' \
        in buyer_html
    client.force_login(market.seller)
    seller_html = client.get(f"/orders/{order.pk}/").content.decode()
    assert ('The buyer asks for <span class="money">$12.50</span>, returning the item.'
            in seller_html)
    assert "Accept the claim" in seller_html


def test_r20_r23_the_console_queues_disputes_and_overdue_refunds_for_support_only(client,
                                                                                  market):
    # given an escalated dispute and an overdue refund
    order = _shipped(market)
    _escalated(market, order)
    cancelled = market.requested(at=clock_now() - 3 * DAY)
    cancellation_approve(order_id=cancelled.pk, user=market.seller, now=clock_now())
    Refund.objects.filter(order=cancelled).update(overdue_flagged_at=clock_now())
    # then a buyer does not find the console, and support sees both
    client.force_login(market.buyer)
    assert client.get("/support/disputes/").status_code == 404
    assert client.get(f"/support/disputes/{order.pk}/").status_code == 404
    client.force_login(market.support)
    queue = client.get("/support/disputes/").content.decode()
    assert f'data-order-id="{order.pk}" data-state="escalated"' in queue
    assert f"on order #{cancelled.pk}" in queue
    page = client.get(f"/support/disputes/{order.pk}/").content.decode()
    assert "Not torn" in page and "Refund ledger" in page and "The seller refused" in page
    assert "deciding needs the" in page  # staff without the permission read, but do not decide


def test_r20_support_with_the_permission_decides_on_the_console(client, market):
    order = _shipped(market)
    _escalated(market, order)
    market.support.user_permissions.add(Permission.objects.get(codename="decide_dispute"))
    client.force_login(market.support)
    assert "Refund amount" in client.get(f"/support/disputes/{order.pk}/").content.decode()
    response = client.post(f"/orders/{order.pk}/dispute/decide/",
                           {"refund": "15.00", "note": "Half torn"})
    assert response.status_code == 302
    order.refresh_from_db()
    assert (order.state, order.refunded) == ("completed", 1500)
    client.force_login(market.buyer)
    html = client.get(f"/orders/{order.pk}/").content.decode()
    assert "Decided by support:" in html and "$15.00 back to the buyer" in html
