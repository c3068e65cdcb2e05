"""A refund refused for good, in a real browser: the buyer reads why and renews the card on the
order page; support retries it from the console (R21-R23)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Page, expect

EXPIRED = "The card has expired, so the bank cannot take the refund."


def failed_refund(market):
    """An order paid with the sandbox's expired card, cancelled, its refund refused for good."""
    from rescind.aftersale.services import cancellation_approve
    from rescind.refunds.models import Refund
    from rescind.refunds.services import refund_submit

    now = datetime.now(UTC)
    order = market.requested(at=now - timedelta(days=3), instrument="expired_card")
    cancellation_approve(order_id=order.pk, user=market.seller, now=now - timedelta(hours=1))
    refund = Refund.objects.get(order=order)
    assert refund_submit(refund_id=refund.pk, now=now) == "failed"
    return refund


@pytest.mark.browser
def test_r21_r23_buyer_renews_the_card_and_support_retries_the_failed_refund(
        page: Page, live_server, live_market, log_in, log_out):
    from django.contrib.auth.models import Permission

    from rescind.refunds.models import Refund

    # given: a refund the provider refused for good, and support allowed to retry
    refund = failed_refund(live_market)
    live_market.support.user_permissions.add(Permission.objects.get(codename="retry_refund"))

    # when: the buyer opens the order page
    log_in("buyer")
    page.goto(f"{live_server.url}/orders/{refund.order_id}/")
    # then: the refund reads failed, with the reason and what to do
    row = page.locator(f'#refunds li[data-refund-id="{refund.pk}"]')
    expect(row.locator(".refund-state")).to_have_text("Failed")
    expect(row.locator(".failure-reason")).to_have_text(EXPIRED)
    expect(row).to_contain_text("Refunds can only go to the bank card you paid with")
    # when: the buyer gives the renewed card
    page.get_by_label("Renewed bank card").fill("renewed_card")
    page.get_by_role("button", name="Use it for refunds").click()
    # then: the page thanks them and says support will send it again
    expect(page.get_by_role("status")).to_have_text(
        "Thank you: refunds go there now. Support will send the failed refund again.")
    expect(row).to_contain_text("You gave renewed details on")
    log_out()

    # when: support opens the console
    log_in("support")
    page.goto(f"{live_server.url}/support/disputes/")
    failed = page.locator(f'#failed-refunds li[data-refund-id="{refund.pk}"]')
    # then: the failed refund is listed with its reason and the buyer's renewal
    expect(failed.locator(".failure-reason")).to_have_text(EXPIRED)
    expect(failed).to_contain_text("The buyer renewed the method on")
    # when: support retries it
    failed.get_by_role("button", name="Retry the refund").click()
    # then: a new refund is on its way and the failed one leaves the queue
    expect(page.get_by_role("status")).to_have_text(
        "The refund is being sent again, as a new refund on the ledger.")
    expect(page.get_by_text("No failed refunds.")).to_be_visible()
    retry = Refund.objects.get(retry_of=refund)
    assert (retry.state, retry.instrument, retry.amount) == ("pending", "renewed_card", 2800)
