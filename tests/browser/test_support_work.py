"""Support at work in a real browser: the queue's ageing and filters, claiming a dispute, a
quick decision guarded against a colleague's claim and a stale page, then on an order without
a dispute a message to both sides, a goodwill refund and a shipment canceled on the seller's
behalf (R16, R20, R22, R27). Each page passes axe and does not scroll sideways on a phone."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth.models import Permission
from playwright.sync_api import Page, expect

from tests.browser.axe import assert_accessible, assert_no_sideways_scroll

DAY = timedelta(days=1)
PHONE = {"width": 390, "height": 844}


def _shipped(market, tracking):
    from rescind.aftersale.services import order_ship

    now = datetime.now(UTC)
    order = market.paid(at=now - 5 * DAY)
    order_ship(order_id=order.pk, user=market.seller, carrier="Cainiao",
               tracking_number=tracking, now=now - 4 * DAY)
    return order


def _escalated(market, tracking):
    from rescind.disputes.services import dispute_escalate, dispute_open, dispute_refuse

    order = _shipped(market, tracking)
    at = datetime.now(UTC) - 2 * DAY
    dispute_open(order_id=order.pk, user=market.buyer, reason="damaged", claim=None,
                 return_item=False, description="Torn sleeve", evidence=[], now=at)
    dispute_refuse(order_id=order.pk, user=market.seller, note="It was fine", now=at)
    dispute_escalate(order_id=order.pk, user=market.buyer, note="", now=at)
    return order


def _check_phone(page: Page) -> None:
    page.set_viewport_size(PHONE)
    assert_accessible(page)
    assert_no_sideways_scroll(page)
    page.set_viewport_size({"width": 1280, "height": 900})


def _confirm(page: Page, question: str, label: str) -> None:
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text(question)
    dialog.get_by_role("button", name=label, exact=True).click()


@pytest.mark.browser
def test_r20_support_claims_and_decides_a_dispute_a_colleague_took_meanwhile(
        page: Page, live_server, live_market, log_in):
    from rescind.disputes.assignment import dispute_claim
    from rescind.disputes.models import Dispute

    # given an escalated dispute, a waiting one that is not support's yet, and two agents
    m = live_market
    order = _escalated(m, "LP1")
    _shipped(m, "LP2")
    decide = Permission.objects.get(codename="decide_dispute")
    m.support.user_permissions.add(decide)
    ann = type(m.support).objects.create_user("ann", password="pw", is_staff=True)
    ann.user_permissions.add(decide)

    # when support opens the queue
    log_in("support")
    page.get_by_role("link", name="Disputes", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Dispute queue")
    row = page.locator(f'tr.queued-dispute[data-order-id="{order.pk}"]')
    # then the dispute says how long it has waited, in words, and that nobody has it
    expect(row.locator(".age")).to_have_text(re.compile(r"^Waiting\s+2 days"))
    expect(row.locator(".assignee")).to_have_text("Nobody")
    _check_phone(page)
    # when support filters to what waits for support and searches the item
    page.get_by_label("Waiting for").select_option(label="Waiting for the seller")
    page.get_by_role("button", name="Show disputes").click()
    expect(page.get_by_text("No dispute matches.")).to_be_visible()
    page.get_by_label("Waiting for").select_option(label="Waiting for support")
    page.get_by_label("Search", exact=True).fill("shirt")
    page.get_by_role("button", name="Show disputes").click()
    expect(page.locator("tr.queued-dispute")).to_have_count(1)

    # when support opens it and claims it
    row.get_by_role("link", name=f"Order #{order.pk}").click()
    page.get_by_role("button", name="Claim this dispute").click()
    expect(page.get_by_role("status")).to_have_text("You are working on this dispute now.")
    expect(page.locator("#assignment .assignee-text")).to_have_text(
        re.compile(r"^You have worked on this dispute since "))
    _check_phone(page)

    # when ann takes it over while support's page is open, and support grants the claim
    dispute_claim(order_id=order.pk, user=ann, take_over=True, now=datetime.now(UTC))
    grant = page.locator("#decide-grant")
    grant.get_by_role("button", name="Grant $28.00").click()
    _confirm(page, f"Refund $28.00 to the buyer of order #{order.pk}?", "Grant the claim")
    # then the decision is refused: the page was older than the change
    expect(page.get_by_role("status")).to_have_text(
        "The dispute changed since you loaded it. Read it again, then decide.")
    expect(page.locator("#assignment .assignee-text")).to_have_text(re.compile(
        r"^Support agent ann has worked on this dispute since .*Decide it only after taking "
        r"it over\.$"))
    # when support grants again without taking it over
    grant.get_by_role("button", name="Grant $28.00").click()
    _confirm(page, "Refund $28.00", "Grant the claim")
    expect(page.get_by_role("status")).to_have_text(
        "Support agent ann is working on this dispute. Take it over to act on it.")
    assert Dispute.objects.get(order=order).state == "escalated"
    # when support takes it over with the decision and a note
    grant.get_by_label("Take the dispute over from ann").check()
    grant.get_by_label("Note to both sides").fill("The photos show the tear")
    grant.get_by_role("button", name="Grant $28.00").click()
    _confirm(page, "Refund $28.00", "Grant the claim")
    # then it is decided, the buyer refunded in full, and the timeline says who did what
    expect(page.get_by_role("status")).to_have_text("Decision recorded.")
    expect(page.locator("#order-state")).to_have_text("Closed")
    expect(page.locator("#order-refunded")).to_have_text("$28.00")
    expect(page.locator('#timeline li[data-kind="DisputeClaimed"]')).to_have_text([
        re.compile(r"support claimed the dispute\.$"),
        re.compile(r"ann took the dispute over from support\.$"),
        re.compile(r"support took the dispute over from ann\.$")])
    dispute = Dispute.objects.get(order=order)
    assert (dispute.state, dispute.refund, dispute.assignee_id) == (
        "resolved", 2800, m.support.pk)


@pytest.mark.browser
def test_r16_r22_r27_support_writes_refunds_goodwill_and_cancels_a_shipment(
        page: Page, live_server, live_market, log_in, log_out):
    from rescind.refunds.models import Refund

    # given a shipped order without a dispute, and support allowed to decide
    m = live_market
    order = _shipped(m, "LP7")
    m.support.user_permissions.add(Permission.objects.get(codename="decide_dispute"))

    # when support finds the order by its number and opens its support page
    log_in("support")
    page.goto(f"{live_server.url}/support/disputes/?q=%23{order.pk}")
    page.get_by_role("link", name=f"open order #{order.pk} for support").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        re.compile(rf"^Order #{order.pk}\s+Store A$"))
    _check_phone(page)

    # when support writes to both sides
    page.get_by_label("Message (both read it, signed as platform support)").fill(
        "We asked the carrier where the parcel is.")
    page.get_by_role("button", name="Send to both").click()
    expect(page.get_by_role("status")).to_have_text(
        "Your message was sent to the buyer and the seller.")
    expect(page.locator('#messages li.message[data-author="support"] .message-body')).to_have_text(
        "We asked the carrier where the parcel is.")

    # when support grants more than is left, then 5.00, as goodwill
    goodwill = page.locator("#goodwill-refund")
    goodwill.get_by_label("Amount").fill("30.00")
    goodwill.get_by_label("Reason (the buyer reads it)").fill("Slow parcel")
    goodwill.get_by_role("button", name="Refund as goodwill").click()
    _confirm(page, f"to the buyer of order #{order.pk} as a goodwill gesture?", "Refund")
    expect(page.get_by_role("status")).to_have_text(
        "At most $28.00 is left to refund on this order.")
    goodwill.get_by_label("Amount").fill("5.00")
    goodwill.get_by_label("Reason (the buyer reads it)").fill("Slow parcel")
    goodwill.get_by_role("button", name="Refund as goodwill").click()
    _confirm(page, "as a goodwill gesture?", "Refund")
    expect(page.get_by_role("status")).to_have_text(
        "Goodwill refund recorded; it goes back to the buyer's payment method.")
    expect(page.locator("#order-refunded")).to_have_text("$5.00")
    expect(page.locator("#order-refundable")).to_have_text("$23.00")
    expect(page.locator('#timeline li[data-kind="GoodwillRefundGranted"]')).to_have_text(
        re.compile(r"Support granted a goodwill refund of \$5\.00: “Slow parcel”$"))

    # when support cancels the shipment on the seller's behalf
    cancel = page.locator("#cancel-shipment")
    cancel.get_by_label("Reason (both sides read it)").fill("The carrier lost the parcel")
    cancel.get_by_role("button", name="Cancel the shipment").click()
    _confirm(page, f"Cancel the shipment of order #{order.pk} on the seller's behalf?",
             "Cancel the shipment")
    # then the order shows the shipment canceled by support, with what the seller owes
    expect(page.get_by_role("status")).to_have_text(
        "Shipment canceled. The seller must ship again or refund the buyer in full; both "
        "were told.")
    expect(page.locator("#order-state")).to_have_text("Shipment canceled")
    expect(page.locator('#timeline li[data-kind="ShipmentCanceled"]')).to_have_text(re.compile(
        r"Shipment canceled: canceled by platform support on the seller's behalf\. The seller "
        r"owes a new shipment or a full refund\. “The carrier lost the parcel”$"))
    expect(page.locator("#cancel-shipment")).to_have_count(0)
    _check_phone(page)
    assert list(Refund.objects.filter(order=order).values_list("amount", "cause")) == [
        (500, "GoodwillRefundGranted")]

    # and the buyer reads support's message and why the shipment was canceled
    log_out()
    log_in("buyer")
    page.goto(f"{live_server.url}/orders/{order.pk}/")
    expect(page.locator('#messages li.message[data-author="support"] .author')).to_have_text(
        "Support")
    expect(page.locator("#order-state")).to_have_text("Shipment canceled")
    expect(page.locator("li.shipment.voided")).to_contain_text(
        "shipment canceled (canceled by platform support)")
