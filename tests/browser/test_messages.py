"""The order's conversation in a real browser: the buyer sends a screenshot, the seller sees it
and answers (R16, R17)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Page, expect

from tests.sample_files import png_bytes

DAY = timedelta(days=1)


@pytest.fixture
def media(settings, tmp_path):
    """Attachments of the live server (a thread of this process) go to this test's directory."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def _thumbnail_width(page: Page, selector: str) -> int:
    """The decoded width of an <img> once the browser is done with it (0 if it could not fetch
    or decode it): a visible <img> may still be loading."""
    page.wait_for_function("sel => document.querySelector(sel).complete", arg=selector)
    return page.locator(selector).evaluate("img => img.naturalWidth")


@pytest.mark.browser
def test_r16_buyer_sends_a_screenshot_and_the_seller_sees_it(
        page: Page, live_server, live_market, log_in, log_out, media, tmp_path):
    from rescind.messaging.models import MessageAttachment, OrderMessage

    # given: an order the buyer paid two days ago, and a screenshot on the buyer's disk
    order = live_market.paid(at=datetime.now(UTC) - 2 * DAY)
    screenshot = tmp_path / "tracking-screenshot.png"
    screenshot.write_bytes(png_bytes(width=3, height=2))

    # when: the buyer opens the order and sends a message with the screenshot
    log_in("buyer")
    page.goto(f"{live_server.url}/orders/{order.pk}/")
    expect(page.get_by_role("heading", name="Messages")).to_be_visible()
    expect(page.locator("#messages .hint")).to_have_text("No messages yet.")
    page.get_by_label("Message to the seller").fill("The tracking page says nothing.")
    page.get_by_label("Attach images or PDF (up to 5)").set_input_files(screenshot)
    page.get_by_role("button", name="Send message").click()

    # then: the page says it was sent and shows it as the buyer's own, with the thumbnail
    expect(page.get_by_role("status")).to_have_text("Message sent.")
    messages = page.locator("#messages li.message")
    expect(messages).to_have_count(1)
    expect(messages.first).to_have_class("message mine")
    expect(messages.first.locator(".author")).to_have_text("You")
    expect(messages.first.locator(".message-body")).to_have_text(
        "The tracking page says nothing.")
    thumb = messages.first.get_by_role("img", name="tracking-screenshot.png")
    expect(thumb).to_be_visible()
    assert _thumbnail_width(page, "#messages img.thumb") == 3
    # and: the history says so
    expect(page.locator('#timeline li[data-kind="BuyerMessaged"]')).to_contain_text(
        "The buyer sent a message with 1 attachment.")
    # and: the file is stored once, under a name of the platform's, by its detected type
    attachment = MessageAttachment.objects.get()
    assert (attachment.original_name, attachment.content_type, attachment.size) == (
        "tracking-screenshot.png", "image/png", screenshot.stat().st_size)
    assert (media / attachment.file.name).read_bytes() == screenshot.read_bytes()

    # when: the buyer logs out and the seller opens the order
    log_out()
    log_in("seller")
    page.goto(f"{live_server.url}/orders/{order.pk}/")

    # then: the seller sees the buyer's message and the thumbnail, not as their own
    messages = page.locator("#messages li.message")
    expect(messages).to_have_count(1)
    expect(messages.first).to_have_class("message")
    expect(messages.first.locator(".author")).to_have_text("Buyer")
    expect(messages.first.locator(".message-body")).to_have_text(
        "The tracking page says nothing.")
    expect(messages.first.get_by_role("img", name="tracking-screenshot.png")).to_be_visible()
    assert _thumbnail_width(page, "#messages img.thumb") == 3

    # when: the seller answers
    page.get_by_label("Message to the buyer").fill("Sorry, I will check with the carrier.")
    page.get_by_role("button", name="Send message").click()

    # then: both messages are on the page, oldest first
    expect(page.get_by_role("status")).to_have_text("Message sent.")
    expect(page.locator("#messages .message-body")).to_have_text(
        ["The tracking page says nothing.", "Sorry, I will check with the carrier."])
    assert list(OrderMessage.objects.order_by("pk").values_list("author_party", flat=True)) == [
        "buyer", "seller"]
