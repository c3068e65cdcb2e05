"""Disputes in a real browser: negotiate, escalate and a support decision; and a return-and-refund
paid out by the carrier's delivered event and the seller's silence (R18-R20, R22)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_cancellation import shown_day

DAY = timedelta(days=1)


def _shipped(market):
    from rescind.aftersale.services import order_ship

    order = market.paid(at=datetime.now(UTC) - 3 * DAY)
    order_ship(order_id=order.pk, user=market.seller, carrier="Cainiao", tracking_number="LP1",
               now=datetime.now(UTC) - 2 * DAY)
    return order


def open_dispute(page: Page, *, reason: str, description: str, return_item: bool) -> None:
    """On the open order page: open the dispute form, ask for a full refund, submit."""
    page.get_by_text("Open a dispute", exact=True).click()
    page.get_by_label("Dispute reason").select_option(label=reason)
    page.get_by_label("Full refund").check()
    if return_item:
        page.get_by_label("I will return the item").check()
    page.get_by_label("What happened").fill(description)
    page.get_by_role("button", name="Open the dispute").click()
    expect(page.get_by_role("status")).to_have_text(
        "Your dispute is open; the seller has 15 days to answer.")


@pytest.mark.browser
def test_r19_r20_seller_proposes_buyer_escalates_support_decides_a_partial_refund(
        page: Page, live_server, live_market, log_in, log_out):
    from django.contrib.auth.models import Permission

    # given: a shipped order, and support staff allowed to decide disputes
    order = _shipped(live_market)
    live_market.support.user_permissions.add(Permission.objects.get(codename="decide_dispute"))
    order_url = f"{live_server.url}/orders/{order.pk}/"

    # when: the buyer opens a dispute asking for everything back
    log_in("buyer")
    page.goto(order_url)
    open_dispute(page, reason="The item is not as described", description="Wrong colour",
                 return_item=False)
    # then: the order is in dispute, waiting for the seller
    expect(page.locator("#order-state")).to_have_text("In dispute")
    expect(page.locator("#dispute .dispute-state")).to_have_text(
        "Waiting for the seller's answer")
    expect(page.locator("#dispute .claim")).to_have_text("You asked for $28.00.")

    # when: the seller proposes 10.00 instead
    log_out()
    log_in("seller")
    page.goto(order_url)
    page.get_by_label("Proposed amount").fill("10.00")
    page.get_by_label("Note to the buyer").fill("The colour is close enough")
    page.get_by_role("button", name="Propose").click()
    page.get_by_role("dialog").get_by_role("button", name="Propose").click()
    expect(page.get_by_role("status")).to_have_text("Your proposal was sent to the buyer.")

    # when: the buyer sees the proposal and escalates to support
    log_out()
    log_in("buyer")
    page.goto(order_url)
    expect(page.locator("#dispute-proposal")).to_have_text("The seller proposes $10.00.")
    page.get_by_label("Note to support").fill("It is clearly another colour")
    page.get_by_role("button", name="Escalate to support").click()
    expect(page.get_by_role("status")).to_have_text("The dispute is with platform support now.")
    expect(page.locator("#dispute .dispute-state")).to_have_text("Platform support is deciding")

    # when: support finds it in the queue and decides a partial refund of 15.00
    log_out()
    log_in("support")
    page.get_by_role("link", name="Disputes", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Dispute queue")
    row = page.locator(f'tr.queued-dispute[data-order-id="{order.pk}"]')
    expect(row.locator(".dispute-state")).to_have_text("escalated")
    row.get_by_role("link", name=f"Order #{order.pk}").click()
    expect(page.locator('#timeline li[data-kind="DisputeSellerProposed"]')).to_have_text(
        re.compile(r"The seller proposes \$10\.00\. “The colour is close enough”$"))
    other = page.locator("#decide-other")
    other.get_by_label("Refund amount").fill("15.00")
    other.get_by_label("Note to both sides").fill("Partly as described")
    other.get_by_role("button", name="Decide this amount").click()
    page.get_by_role("dialog").get_by_role("button", name="Decide", exact=True).click()
    expect(page.get_by_role("status")).to_have_text("Decision recorded.")
    expect(page.locator("#order-state")).to_have_text("Completed")

    # then: the buyer sees the decision, the order completed and 15.00 on its way back
    log_out()
    log_in("buyer")
    page.goto(order_url)
    expect(page.locator("#order-state")).to_have_text("Completed")
    expect(page.locator("#dispute .dispute-state")).to_have_text("Resolved")
    expect(page.locator("#dispute-decision")).to_have_text(re.compile(
        r"^Decided by support:\s+\$15\.00 back to you\.\s+“Partly as described”$"))
    refund = order.refunds.get()
    assert (refund.amount, refund.method) == (1500, "bank_card")
    expect(page.locator("#order-substatus")).to_have_text("Completed, your refund is on its way")
    expect(page.locator("#refunds li.refund .refund-head")).to_have_text(
        ["$15.00 to your bank card Decided"])
    expect(page.locator("#refunds li.refund .refund-expected")).to_have_text(
        [f"between {shown_day(refund.start_by + DAY)} and {shown_day(refund.arrive_by)}"])


@pytest.mark.browser
def test_r20_return_and_refund_completes_on_the_carriers_delivery_and_the_sellers_silence(
        page: Page, live_server, live_market, log_in, log_out, rescind_cli, reload_live):
    from django.contrib.auth import get_user_model

    from rescind.orders.models import Carrier
    from rescind.orders.shipping import carrier_event_record

    # given: a shipped order and the carrier's account
    order = _shipped(live_market)
    carrier = get_user_model().objects.create_user("cainiao-bot", password="pw")
    Carrier.objects.create(name="Cainiao").accounts.add(carrier)
    order_url = f"{live_server.url}/orders/{order.pk}/"

    # when: the buyer disputes it, offering to return the item, and the seller accepts
    log_in("buyer")
    page.goto(order_url)
    open_dispute(page, reason="The item arrived damaged", description="Broken",
                 return_item=True)
    log_out()
    log_in("seller")
    page.goto(order_url)
    page.get_by_role("button", name="Accept the claim").click()
    expect(page.get_by_role("dialog")).to_contain_text(
        "Accept the buyer's claim? $28.00 goes back to the buyer once the item is back with "
        "you.")
    page.get_by_role("dialog").get_by_role("button", name="Accept the claim").click()
    expect(page.get_by_role("status")).to_have_text("You accepted the buyer's claim.")
    expect(page.locator("#dispute .dispute-state")).to_have_text(
        "Waiting for the item to come back to you")

    # when: the buyer sends the item back with a tracking number
    log_out()
    log_in("buyer")
    page.goto(order_url)
    expect(page.locator("#dispute-decision")).to_have_text(re.compile(
        r"^Decided:\s+\$28\.00 back to you once the item is back with the "
        r"seller\.\s*$"))
    page.get_by_label("Return carrier").fill("Cainiao")
    page.get_by_label("Return tracking number").fill("RET1")
    page.get_by_role("button", name="Send the return").click()
    expect(page.get_by_role("status")).to_have_text(
        "The return is on its way; the refund pays out once the seller has it.")

    # when: the carrier reports the return delivered, and the seller stays silent for 8 days
    carrier_event_record(user=carrier, tracking_number="RET1", event="delivered",
                         now=datetime.now(UTC))
    reload_live()
    expect(page.locator("#dispute .return")).to_have_text(re.compile(
        r"Returned with Cainiao, tracking number RET1\s+· delivered [^·]+· the seller "
        r"confirms by .+ UTC, or it counts as received"))
    rescind_cli("clock", "advance", "8d")
    fired = rescind_cli("worker", "--once")
    reload_live()

    # then: the worker paid the refund out (after the seller's reminder, found due in the same
    # pass, R27): the order is closed, 28.00 is on its way back
    assert fired.splitlines()[-1] == "fired 2 deadline(s)"
    expect(page.locator("#order-state")).to_have_text("Closed")
    expect(page.locator("#order-substatus")).to_have_text(
        "Closed: the dispute ended with a refund, your refund is on its way")
    expect(page.locator("#dispute .dispute-state")).to_have_text("Resolved")
    received = page.locator('#timeline li[data-kind="DisputeReturnReceived"]')
    expect(received).to_have_text(re.compile(
        r" · platform · The returned item counts as received: the seller did not answer in "
        r"time\.$"))
    refund = order.refunds.get()
    assert (refund.amount, refund.state) == (2800, "processing")
    expect(page.locator("#refunds li.refund .refund-head")).to_have_text(
        ["$28.00 to your bank card On its way"])
    expect(page.locator("#refunds li.refund .refund-expected")).to_have_text(
        [f"between {shown_day(refund.started_at + DAY)} and {shown_day(refund.arrive_by)}"])
