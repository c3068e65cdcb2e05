"""Seller metrics with pictures, support's dashboard and the refund desk, in a real browser: a
seller clicks a count and sees the orders behind it; support follows a seller at risk to their
metrics, and retries a failed refund from the desk (R23, R30). Each page passes axe and does not
scroll sideways, on a desktop and on a phone."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.axe import assert_accessible, assert_no_sideways_scroll
from tests.metric_history import MARCH, history_make

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


def _checked_on_both(page: Page) -> None:
    """axe and no sideways scroll on a desktop and on a phone, every <details> open."""
    for viewport in (DESKTOP, PHONE):
        page.set_viewport_size(viewport)
        page.evaluate("document.querySelectorAll('details:not(.menu)').forEach(d => d.open = true)")
        assert_accessible(page)
        assert_no_sideways_scroll(page)
    page.set_viewport_size(DESKTOP)


@pytest.mark.browser
def test_r30_seller_clicks_a_count_and_sees_the_orders_behind_it(page: Page, live_server,
                                                                 live_market, log_in):
    # given: three weeks of a store's orders, two of them cancelled against the seller
    history = history_make(live_market)
    log_in("seller")
    # when: the seller opens their metrics for those weeks
    page.goto(f"{live_server.url}/seller/metrics/?{MARCH}")
    card = page.locator("#metric-cancellation_rate")
    # then: the cancellation rate reads at risk, with its threshold and the platform's median
    expect(card.locator(".metric-rate")).to_have_text("28.6 %")
    expect(card.locator(".metric-figure .badge")).to_have_text("At risk")
    expect(card.locator("dd.threshold")).to_have_text("2 %")
    expect(card.locator("dd.median")).to_have_text("64.3 %")
    expect(card.locator("figcaption")).to_contain_text(
        "Cancellation rate by week; the highest was 50 % in the week of Mon 2 Mar 2026.")
    expect(page.locator(".metric-verdict")).to_contain_text(
        "3 rates are above their thresholds: Cancellation rate, Late shipments, "
        "Shipment cancellations")
    _checked_on_both(page)
    # when: they click the count
    card.get_by_role("link", name="2 of 7 paid orders").click()
    # then: the page lists exactly those two orders
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Orders behind: Cancellation rate")
    expect(page.locator(".metric-orders-count")).to_have_text(
        "Store A: 2 orders placed from Mon 2 Mar 2026 to Sun 22 Mar 2026 count here.")
    rows = page.locator("table.metric-orders tbody tr")
    expect(rows.locator("td").first).to_have_text(f"#{max(history['cancelled'])}")
    expect(rows).to_have_count(2)
    expect(rows.nth(1).locator("td").first).to_have_text(f"#{min(history['cancelled'])}")
    expect(rows.first.locator(".badge")).to_have_text("Closed")
    _checked_on_both(page)
    # when: they go back and open the week-by-week figures of the shipment cancellations
    page.get_by_role("button", name="Back to the metrics").click()
    shipments = page.locator("#metric-shipment_cancellation_rate")
    shipments.get_by_text("The figures by week").click()
    week = shipments.locator("tbody tr").nth(1)
    expect(week.locator("th")).to_have_text("9 Mar 2026")
    expect(week.locator("td").first).to_have_text("33.3 % At risk")
    week.get_by_role("link", name="1").click()
    # then: the week's one order with a canceled shipment is listed
    expect(page.locator(".metric-orders-count")).to_have_text(
        "Store A: 1 order placed from Mon 9 Mar 2026 to Sun 15 Mar 2026 counts here.")
    expect(page.locator("table.metric-orders tbody tr td").first).to_have_text(
        f"#{history['voided'][0]}")


@pytest.mark.browser
def test_r30_support_follows_a_seller_at_risk_from_the_dashboard(page: Page, live_server,
                                                                 live_market, log_in):
    history_make(live_market)
    log_in("support")
    page.goto(f"{live_server.url}/support/dashboard/?{MARCH}")
    at_risk = page.locator("#stores-at-risk tbody tr")
    expect(at_risk).to_have_count(2)
    expect(at_risk.first).to_contain_text("Store A")
    expect(at_risk.first).to_contain_text("Cancellation rate: 28.6 % (threshold 2 %)")
    expect(page.locator("#cancellations figcaption")).to_have_text(
        "Buyer: 1 (25 %); Seller: 3 (75 %); Platform: 0 (0 %)")
    expect(page.locator('article[data-method="bank_card"]')).to_contain_text(
        "No refund to this method has arrived in this period. The deadline is 15 working days.")
    _checked_on_both(page)
    at_risk.first.get_by_role("link", name="Store A").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Metrics of Store A")
    expect(page.locator("#metric-cancellation_rate .metric-rate")).to_have_text("28.6 %")


@pytest.mark.browser
def test_r23_support_filters_the_refund_desk_and_retries_a_failed_refund(
        page: Page, live_server, live_market, log_in):
    from django.contrib.auth.models import Permission

    from rescind.refunds.models import Refund
    from tests.integration.test_refund_desk import desk_make

    desk = desk_make(live_market)
    live_market.support.user_permissions.add(Permission.objects.get(codename="retry_refund"))
    log_in("support")
    page.goto(f"{live_server.url}/support/refunds/")
    expect(page.locator(".desk-count")).to_have_text("4 refunds need you.")
    _checked_on_both(page)
    # when: support narrows the desk to failed refunds
    page.get_by_label("Problem").select_option(label="Failed")
    page.get_by_role("button", name="Show").click()
    expect(page.locator(".desk-count")).to_have_text("2 refunds need you.")
    row = page.locator(f'tr[data-refund-id="{desk["renewed"].pk}"]')
    expect(row).to_contain_text("The buyer renewed their payment details: send it again.")
    # and retries the one whose buyer renewed the card, confirming first
    row.get_by_role("button", name="Retry").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text(
        f"Send refund #{desk['renewed'].pk} of $28.00 again to the buyer's bank card?")
    dialog.get_by_role("button", name="Send again").click()
    # then: it is sent again and leaves the desk; the filter stays
    expect(page.get_by_role("status")).to_have_text(
        "The refund is being sent again, as a new refund on the ledger.")
    expect(page.locator(".desk-count")).to_have_text("1 refund needs you.")
    expect(page.get_by_label("Problem")).to_have_value("failed")
    assert Refund.objects.get(retry_of=desk["renewed"]).instrument == "renewed_card"
