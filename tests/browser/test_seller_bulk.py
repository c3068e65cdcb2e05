"""A seller's bulk work in a real browser (issue 14): approving several cancellation requests
at once with one that can no longer be approved, and shipping orders from a CSV file; each
ends on a report of what happened to every order (R10, R15)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.axe import assert_accessible, assert_no_sideways_scroll

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def _checked_on_both_screens(page: Page) -> None:
    for viewport in (DESKTOP, PHONE):
        page.set_viewport_size(viewport)
        assert_accessible(page)
        assert_no_sideways_scroll(page)
    page.set_viewport_size(DESKTOP)


def expect_report(page: Page, title: str, summary: str, lines: list[str]) -> None:
    """The bulk report page: its title, its summary, and one row per order saying `lines`."""
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    expect(page.locator("#bulk-summary")).to_have_text(summary)
    rows = page.locator("#bulk-report tbody tr")
    expect(rows).to_have_count(len(lines))
    for index, line in enumerate(lines):
        expect(rows.nth(index)).to_contain_text(line)


@pytest.mark.browser
def test_r10_seller_approves_three_requests_at_once_and_one_is_refused(
        page: Page, live_server, live_market, log_in):
    from rescind.aftersale.services import cancellation_withdraw
    from rescind.refunds.models import Refund

    # given three orders of the seller's store whose buyers asked to cancel
    paid_at = datetime.now(UTC) - timedelta(days=2)
    first, second, third = (live_market.requested(at=paid_at) for _ in range(3))
    # when the seller opens the requests page
    log_in("seller")
    page.get_by_role("link", name="Cancellation requests").click()
    expect(page.locator("li.request")).to_have_count(3)
    _checked_on_both_screens(page)
    # and selects all three
    for order in (first, second, third):
        page.get_by_label(f"Select order #{order.pk}").check()
    # while the second buyer withdraws their request
    cancellation_withdraw(order_id=second.pk, user=second.buyer, now=datetime.now(UTC))
    # and the seller approves the selected ones, confirming first
    page.get_by_role("button", name="Approve the selected").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("Approve the cancellation of every selected order? Each "
                                   "order closes and its buyer is refunded in full.")
    dialog.get_by_role("button", name="Approve them").click()

    # then the report says what happened to each order
    expect_report(page, "Approving the selected requests",
                  "2 orders done, 1 refused. The refused ones were left exactly as they were.", [
                      f"#{first.pk} Done You approved the cancellation of order #{first.pk}; "
                      "$28.00 goes back to the buyer's bank card.",
                      f"#{second.pk} Refused There is no cancellation request waiting. "
                      "no_pending_request",
                      f"#{third.pk} Done You approved the cancellation"])
    _checked_on_both_screens(page)
    # and the refused order was left as it was: awaiting shipment, no refund
    second.refresh_from_db()
    assert (second.state, Refund.objects.filter(order=second).count()) == (
        "awaiting_shipment", 0)
    assert Refund.objects.filter(order__in=[first, third]).count() == 2
    # and the requests page has nothing left to answer
    page.get_by_role("button", name="Back to the requests waiting for you").click()
    expect(page.locator("li.request")).to_have_count(0)
    expect(page.get_by_text("No pending requests.")).to_be_visible()


@pytest.mark.browser
def test_r11_seller_refuses_on_the_order_page_with_a_reason_the_buyer_reads(
        page: Page, live_server, live_market, log_in, log_out):
    order = live_market.requested(at=datetime.now(UTC) - timedelta(days=2))
    log_in("seller")
    page.goto(f"{live_server.url}/orders/{order.pk}/")
    # the panel shows the buyer, the deadline and both answers as separate cards
    expect(page.locator("#seller-context")).to_have_text("Buyer: buyer")
    expect(page.locator("#answer-request .respond-by")).to_contain_text("Respond by")
    expect(page.locator("#approve-effect")).to_have_text(
        "The order closes. $28.00 goes back to the buyer's bank card.")
    _checked_on_both_screens(page)
    refuse = page.locator("#refuse-card")
    refuse.get_by_label("Why you refuse").select_option(label="The buyer agreed to keep the order")
    refuse.get_by_role("button", name="Refuse cancellation").click()
    page.get_by_role("dialog").get_by_role("button", name="Refuse cancellation").click()
    expect(page.get_by_role("status")).to_have_text(
        "You refused the cancellation; the buyer is told your reason.")
    expect(page.locator(".refusal-reason")).to_have_text(
        "You refused: the buyer agreed to keep the order.")
    log_out()
    log_in("buyer")
    page.goto(f"{live_server.url}/orders/{order.pk}/")
    expect(page.locator(".refusal-reason")).to_have_text(
        "The seller refused: the buyer agreed to keep the order.")
    expect(page.locator('#timeline li[data-kind="CancellationRefused"]')).to_have_text(
        re.compile(r"The seller refused the cancellation: the buyer agreed to keep the "
                   r"order\.$"))


@pytest.mark.browser
def test_r15_seller_ships_from_a_csv_file_and_reads_the_report(
        page: Page, live_server, live_market, log_in):
    from rescind.orders.models import Carrier, Shipment

    # given two paid orders of the store, another store's, and Cainiao as a known carrier
    Carrier.objects.create(name="Cainiao")
    paid_at = datetime.now(UTC) - timedelta(days=1)
    mine, also_mine = live_market.paid(at=paid_at), live_market.paid(at=paid_at)
    theirs = live_market.paid(at=paid_at, product=live_market.other_product)
    log_in("seller")
    page.get_by_role("link", name="Ship from a file").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ship many orders from a file")
    _checked_on_both_screens(page)
    # the template downloads with its columns
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the template (CSV)").click()
    assert Path(download.value.path()).read_bytes().decode() == (
        "order_number,carrier,tracking_number\r\n1001,Cainiao,TRACKING-0001\r\n")
    # when the seller uploads an empty file, the error stands next to the field
    field = page.get_by_label("Shipment file (CSV, UTF-8)")
    field.set_input_files({"name": "empty.csv", "mimeType": "text/csv", "buffer": b""})
    page.get_by_role("button", name="Ship the orders in the file").click()
    page.get_by_role("dialog").get_by_role("button", name="Ship them").click()
    expect(page.locator("#shipments-file-error")).to_have_text(
        "The file is empty. Download the template, fill in one row per order and upload it "
        "again.")
    assert Shipment.objects.count() == 0
    # when they upload a file with a good row and two bad ones
    csv = (f"order_number,carrier,tracking_number\n{mine.pk},Cainiao,LP-100\n"
           f"{theirs.pk},Cainiao,LP-101\n{also_mine.pk},Pigeon Post,LP-102\n").encode()
    page.get_by_label("Shipment file (CSV, UTF-8)").set_input_files(
        {"name": "shipments.csv", "mimeType": "text/csv", "buffer": csv})
    page.get_by_role("button", name="Ship the orders in the file").click()
    page.get_by_role("dialog").get_by_role("button", name="Ship them").click()
    # then the report has a line per row
    expect_report(page, "Shipping from your file",
                  "1 order done, 2 refused. The refused ones were left exactly as they were.", [
                      f"2 #{mine.pk} Done Shipped order #{mine.pk} with Cainiao, tracking number "
                      "LP-100.",
                      f"3 #{theirs.pk} Refused No such order. order_not_found",
                      f"4 #{also_mine.pk} Refused Pigeon Post is not a carrier we know. Use one "
                      "of: Cainiao. unknown_carrier"])
    _checked_on_both_screens(page)
    assert list(Shipment.objects.values_list("order_id", "tracking_number")) == [
        (mine.pk, "LP-100")]
