"""A paid order's cancellation request in a real browser: the seller approves it, or stays silent
until the platform approves it (R9, R10, R22, R23)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Page, expect

DAY = timedelta(days=1)


def shown_instant(at: datetime) -> str:
    """How the pages print an instant: Django's "D j M Y, H:i" in UTC."""
    return f"{at:%a} {at.day} {at:%b %Y, %H:%M}"


def shown_day(at: datetime) -> str:
    """How the pages print a date: Django's "D j M Y" in UTC."""
    return f"{at:%a} {at.day} {at:%b %Y}"


def request_cancellation(page: Page, *, reason: str) -> None:
    """On the open order page: pick `reason`, answer "No" to the supplier report, submit."""
    page.get_by_label(reason, exact=True).check()
    page.get_by_label("No", exact=True).check()
    page.get_by_role("button", name="Request cancellation").click()
    expect(page.get_by_role("status")).to_have_text(
        "Your cancellation request was sent to the seller.")


@pytest.mark.browser
def test_r10_r22_buyer_requests_cancellation_seller_approves_refund_appears(
        page: Page, live_server, live_market, log_in, log_out):
    from rescind.aftersale.models import CancellationRequest

    # given: an order the buyer paid two days ago (past the 24 h before "cancel" appears, R7)
    order = live_market.paid(at=datetime.now(UTC) - 2 * DAY)

    # when: the buyer opens it and asks to cancel, not reporting the supplier
    log_in("buyer")
    page.get_by_role("link", name=f"Order #{order.pk} · Store A").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Order #{order.pk} Store A")
    request_cancellation(page, reason="I no longer need it")

    # then: the request is pending with the seller, and no supplier report was made
    expect(page.locator("#cancellation-request p").first).to_have_text(
        "Status: Waiting for the seller's answer · Reason: I no longer need it")
    expect(page.locator("#order-state")).to_have_text("Awaiting shipment")
    expect(page.get_by_role("button", name="Withdraw cancellation request")).to_be_visible()
    request = CancellationRequest.objects.get(order=order)
    assert (request.state, request.reason, request.report_supplier) == (
        "pending", "no_longer_needed", False)

    # when: the buyer logs out and the seller logs in and looks at the requests waiting
    log_out()
    log_in("seller")
    page.get_by_role("link", name="Cancellation requests").click()

    # then: the request is listed with its answer-by instant and a 72 h countdown (R10)
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Cancellation requests waiting for you")
    rows = page.locator("li.request")
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_attribute("data-order-id", str(order.pk))
    expect(rows.first).to_have_text(re.compile(
        rf"^\s*Select\s+Order #{order.pk} ·\s+I no longer need it\s+— answer by "
        rf"{re.escape(shown_instant(request.respond_by))} UTC\s+"
        r"\(2 days 23 hours left\)\s*$"))

    # when: the seller opens the order and approves the cancellation
    rows.first.get_by_role("link", name=f"Order #{order.pk}").click()
    page.get_by_role("button", name="Approve cancellation").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text(f"Approve the cancellation of order #{order.pk}? The order "
                                   "closes and $28.00 goes back to the buyer's bank card.")
    dialog.get_by_role("button", name="Approve cancellation").click()

    # then: the seller sees it done, in the seller's words: how much goes back, and where
    expect(page.get_by_role("status")).to_have_text(
        f"You approved the cancellation of order #{order.pk}; $28.00 goes back to the "
        "buyer's bank card.")
    expect(page.locator("#order-state")).to_have_text("Closed")

    # when: the buyer logs back in and opens the order
    log_out()
    log_in("buyer")
    page.get_by_role("link", name=f"Order #{order.pk} · Store A").click()

    # then: it is closed on request, and the whole $28.00 paid is being refunded to the card,
    # with the date it is expected by (R22, R23)
    refund = order.refunds.get()
    assert (refund.amount, refund.method, refund.state) == (2800, "bank_card", "pending")
    expect(page.locator("#order-state")).to_have_text("Closed")
    expect(page.locator("#order-substatus")).to_have_text(
        "Closed: cancelled at your request, your refund is on its way")
    expect(page.locator("#refunds li.refund .refund-head")).to_have_text(
        ["$28.00 to your bank card Decided"])
    expect(page.locator("#refunds li.refund .refund-expected")).to_have_text(
        [f"between {shown_day(refund.start_by + DAY)} and {shown_day(refund.arrive_by)}"])
    expect(page.locator('#timeline li[data-kind="CancellationApproved"]')).to_have_text(
        re.compile(r" · seller · The seller approved the cancellation\.$"))
    expect(page.get_by_role("button", name="Request cancellation")).to_have_count(0)


@pytest.mark.browser
def test_r10_silence_auto_approves_after_clock_advance_73h(
        page: Page, live_server, live_market, log_in, rescind_cli, reload_live):
    # given: demo mode (via `rescind_cli`) and an order the buyer paid two days ago
    order = live_market.paid(at=datetime.now(UTC) - 2 * DAY)
    # and: the buyer has asked to cancel it in the browser
    log_in("buyer")
    page.goto(f"{live_server.url}/orders/{order.pk}/")
    request_cancellation(page, reason="I no longer need it")
    expect(page.locator("#cancellation-request p").first).to_have_text(
        "Status: Waiting for the seller's answer · Reason: I no longer need it")

    # when: nobody answers, the shared clock moves 73 h on and the worker makes one pass
    rescind_cli("clock", "advance", "73h")
    fired = rescind_cli("worker", "--once")
    reload_live()

    # then: the worker fired the seller's reminder (R27) and the response deadline, nothing else
    assert fired.splitlines()[-1] == "fired 2 deadline(s)"
    assert sorted(order.deadlines.filter(fired_at__isnull=False).values_list(
        "kind", flat=True)) == ["seller_response", "seller_response_reminder"]
    # and: the order is closed, approved automatically by the platform (R10)
    expect(page.locator("#order-state")).to_have_text("Closed")
    expect(page.locator("#cancellation-request .request-state")).to_have_text(
        "Approved automatically: the seller did not answer in time")
    auto = page.locator('#timeline li[data-kind="CancellationAutoApproved"]')
    expect(auto).to_have_count(1)
    expect(auto.locator(".actor")).to_have_text("platform")
    expect(auto).to_have_text(re.compile(
        r" · platform · Cancellation approved automatically: the seller did not answer in "
        r"time\.$"))
    # and: the full $28.00 is refunded to the card, already sent to the payment provider
    refund = order.refunds.get()
    assert (refund.amount, refund.method, refund.state) == (2800, "bank_card", "processing")
    expect(page.locator("#order-substatus")).to_have_text(
        "Closed: cancelled at your request, your refund is on its way")
    expect(page.locator("#refunds li.refund .refund-head")).to_have_text(
        ["$28.00 to your bank card On its way"])
    expect(page.locator("#refunds li.refund .refund-expected")).to_have_text(
        [f"between {shown_day(refund.started_at + DAY)} and {shown_day(refund.arrive_by)}"])
