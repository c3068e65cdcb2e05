"""The buyer's order list, disputes and inbox in a real browser (issue 13): tabs and search,
pictures and the next step; photos and PDFs uploaded in the dispute form, answers that ask for
confirmation; the inbox grouped by order (R2, R18, R19, R24, R27)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_buyer_pages import _shipped, shown_day, shown_instant
from tests.sample_files import pdf_bytes, png_bytes

MINUTE = timedelta(minutes=1)
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)


@pytest.fixture
def media(settings, tmp_path):
    """Attachments of the live server (a thread of this process) go to this test's directory."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def _settled(page: Page) -> None:
    page.wait_for_function(
        "() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')")


@pytest.mark.browser
def test_r2_the_list_has_tabs_search_pictures_and_each_orders_next_step(
        page: Page, live_server, live_market, log_in):
    from rescind.orders.services import order_cancel_unpaid

    # given an unpaid shirt order, a paid mug order, a shipped shirt order and a cancelled one
    now = datetime.now(UTC)
    m = live_market
    cancelled = m.place(at=now - 4 * DAY)
    order_cancel_unpaid(order_id=cancelled.pk, user=m.buyer, now=now - 4 * DAY + HOUR)
    shipped = _shipped(m, paid_at=now - 3 * DAY, shipped_at=now - 2 * DAY, tracking="LP1")
    mug = m.paid(at=now - DAY, product=m.other_product, quantity=1)
    unpaid = m.place(at=now - HOUR)
    # when the buyer opens the list
    log_in("buyer")
    cards = page.locator("li.order-card")
    # then every tab says how many orders it holds, and "All" lists them newest first
    expect(page.locator("nav.tabs a")).to_have_text(
        ["All 4", "To pay 1", "To ship 1", "Shipped 1", "Refunds and disputes 0", "Closed 1"])
    expect(page.locator('nav.tabs a[aria-current="page"]')).to_have_text("All 4")
    expect(cards).to_have_count(4)
    expect(cards.locator(".order-card-head a")).to_have_text(
        [f"Order #{o.pk} · {store}" for o, store in ((unpaid, "Store A"), (mug, "Store B"),
                                                     (shipped, "Store A"),
                                                     (cancelled, "Store A"))])
    # and each order says when it was placed, what is in it (with a picture) and what is next
    first = cards.nth(0)
    expect(first.locator(".placed")).to_have_text(f"Placed {shown_day(unpaid.placed_at)}")
    expect(first.locator(".order-lines li")).to_have_text(["2 × Shirt · colour: red"])
    expect(cards.locator(".next-step")).to_have_text([
        "Next: pay for the order", "Next: the seller ships it",
        "Next: the parcel arrives, then you confirm receipt",
        "Nothing more to do; you can add the items to your cart again"])
    picture = first.locator("img.product-thumb")
    expect(picture).to_have_attribute(
        "src", f"/products/{m.product.pk}/image.svg?colour=red")
    page.wait_for_function(
        "() => [...document.querySelectorAll('img.product-thumb')]"
        ".every(img => img.complete && img.naturalWidth === 96)")

    # when the buyer opens "To pay", then only the unpaid order is there
    page.get_by_role("link", name="To pay 1").click()
    expect(page.locator('nav.tabs a[aria-current="page"]')).to_have_text("To pay 1")
    expect(cards).to_have_count(1)
    expect(cards.first).to_have_attribute("data-order-id", str(unpaid.pk))
    # when they open "Refunds and disputes", then it says nothing is there, and why it would be
    page.get_by_role("link", name="Refunds and disputes 0").click()
    expect(cards).to_have_count(0)
    expect(page.locator(".empty p")).to_have_text(
        ["No refunds or disputes", "Cancellation requests, refunds and disputes show up here."])
    expect(page.get_by_role("button", name="See all orders")).to_be_visible()

    # when they search every tab for "mug"
    page.get_by_role("link", name="All 4").click()
    expect(page.locator('nav.tabs a[aria-current="page"]')).to_have_text("All 4")
    _settled(page)
    page.get_by_label("Search by order number or item").fill("mug")
    page.get_by_role("button", name="Search").click()
    # then only the mug order is listed, and the tabs count for the search
    expect(cards).to_have_count(1)
    expect(cards.first).to_have_attribute("data-order-id", str(mug.pk))
    expect(page.locator("nav.tabs a")).to_have_text(
        ["All 1", "To pay 0", "To ship 1", "Shipped 0", "Refunds and disputes 0", "Closed 0"])
    # when they search for an order number, then that order is found
    _settled(page)
    page.get_by_label("Search by order number or item").fill(f"#{shipped.pk}")
    page.get_by_role("button", name="Search").click()
    expect(cards).to_have_count(1)
    expect(cards.first).to_have_attribute("data-order-id", str(shipped.pk))
    # when nothing matches, then the page says so and offers to clear the search
    _settled(page)
    page.get_by_label("Search by order number or item").fill("teapot")
    page.get_by_role("button", name="Search").click()
    expect(page.locator(".empty p")).to_have_text(
        ["No orders match “teapot”", "Search by order number or item name."])
    page.get_by_role("button", name="Clear the search").click()
    expect(cards).to_have_count(4)


@pytest.mark.browser
def test_r18_the_buyer_uploads_a_photo_and_a_pdf_in_the_dispute_form(
        page: Page, live_server, live_market, log_in, media, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from rescind.disputes.models import Dispute
    from rescind.messaging.models import MessageAttachment
    from rescind.messaging.services import message_send

    # given a shipped order, an earlier message with a screenshot, and two files on disk
    now = datetime.now(UTC)
    order = _shipped(live_market, paid_at=now - 3 * DAY, shipped_at=now - 2 * DAY,
                     tracking="LP1")
    message_send(order_id=order.pk, user=live_market.buyer, body="Look",
                 attachments=[SimpleUploadedFile("tracking.png", png_bytes())], now=now - DAY)
    photo, receipt, notes = tmp_path / "torn.png", tmp_path / "receipt.pdf", tmp_path / "notes.txt"
    photo.write_bytes(png_bytes(width=4, height=3))
    receipt.write_bytes(pdf_bytes())
    notes.write_text("not evidence")
    log_in("buyer")
    page.goto(f"{live_server.url}/orders/{order.pk}/")
    _settled(page)

    # when the buyer opens the dispute form
    page.get_by_text("Open a dispute", exact=True).click()
    form = page.locator("#dispute-form")
    # then it takes photos and PDFs, and says the earlier files come from the messages
    expect(form.get_by_label("Photos or PDFs of the problem (up to 5)")).to_be_visible()
    expect(form.locator(".earlier-evidence")).to_contain_text(
        "Files already sent in the messages of this order (below). Tick those that show the "
        "problem; they are added to the dispute as they are.")
    expect(form.get_by_label("tracking.png")).to_be_visible()

    # when they try a text file first
    form.get_by_label("Dispute reason").select_option(label="The item arrived damaged")
    form.get_by_label("Photos or PDFs of the problem (up to 5)").set_input_files(notes)
    form.get_by_role("button", name="Open the dispute").click()
    # then it is refused with the messages' own words, and no dispute is opened
    expect(page.get_by_role("status")).to_have_text(
        "notes.txt is not a PNG, JPEG, GIF or WebP image or a PDF.")
    assert not Dispute.objects.filter(order=order).exists()
    assert MessageAttachment.objects.count() == 1

    # when they send the photo and the PDF, and tick the earlier screenshot
    page.get_by_text("Open a dispute", exact=True).click()
    form.get_by_label("Dispute reason").select_option(label="The item arrived damaged")
    form.get_by_label("What happened").fill("Torn on arrival")
    form.get_by_label("tracking.png").check()
    form.get_by_label("Photos or PDFs of the problem (up to 5)").set_input_files([photo, receipt])
    form.get_by_role("button", name="Open the dispute").click()

    # then the dispute is open with all three files as evidence, each a link to the file
    expect(page.get_by_role("status")).to_have_text(
        "Your dispute is open; the seller has 15 days to answer.")
    evidence = page.locator("#dispute .evidence a")
    expect(evidence).to_have_text(["tracking.png", "torn.png", "receipt.pdf"])
    expect(page.locator("#dispute .claim")).to_have_text("You asked for $28.00.")
    # and the new files are the buyer's message with them, stored by their detected types
    expect(page.locator("#messages li.message").last.locator(".attachment")).to_have_count(2)
    dispute = Dispute.objects.get(order=order)
    assert list(MessageAttachment.objects.filter(pk__in=dispute.evidence).order_by("pk")
                .values_list("original_name", "content_type")) == [
        ("tracking.png", "image/png"), ("torn.png", "image/png"),
        ("receipt.pdf", "application/pdf")]
    opened = page.request.get(live_server.url + evidence.nth(2).get_attribute("href"))
    assert (opened.status, opened.body()) == (200, pdf_bytes())


@pytest.mark.browser
def test_r19_accepting_a_claim_or_a_proposal_asks_for_confirmation_first(
        page: Page, live_server, live_market, log_in, log_out):
    from rescind.disputes.models import Dispute
    from rescind.disputes.services import dispute_open, dispute_propose

    # given two disputed orders: one waiting for the seller, one with the seller's offer
    now = datetime.now(UTC)
    m = live_market
    claimed = _shipped(m, paid_at=now - 3 * DAY, shipped_at=now - 2 * DAY, tracking="LP1")
    offered = _shipped(m, paid_at=now - 3 * DAY, shipped_at=now - 2 * DAY, tracking="LP2")
    for order in (claimed, offered):
        dispute_open(order_id=order.pk, user=m.buyer, reason="damaged", claim=None,
                     return_item=False, description="", evidence=[], now=now - HOUR)
    dispute_propose(order_id=offered.pk, user=m.seller, amount=1000, return_item=False,
                    note="", now=now - MINUTE)

    # when the seller accepts the buyer's claim
    log_in("seller")
    page.goto(f"{live_server.url}/orders/{claimed.pk}/")
    expect(page.locator("#dispute .claim")).to_have_text("The buyer asks for $28.00.")
    expect(page.locator("#dispute .dispute-state")).to_have_text("Waiting for your answer")
    page.get_by_role("button", name="Accept the claim").click()
    # then a dialog asks first; going back changes nothing
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("Accept the buyer's claim? $28.00 goes back to the buyer.")
    dialog.get_by_role("button", name="Go back").click()
    expect(dialog).to_be_hidden()
    assert Dispute.objects.get(order=claimed).state == "awaiting_seller"
    # when they accept and confirm, then it is done
    page.get_by_role("button", name="Accept the claim").click()
    page.get_by_role("dialog").get_by_role("button", name="Accept the claim").click()
    expect(page.get_by_role("status")).to_have_text("You accepted the buyer's claim.")
    log_out()

    # when the buyer accepts the seller's offer on the other order
    log_in("buyer")
    page.goto(f"{live_server.url}/orders/{offered.pk}/")
    expect(page.locator("#order-substatus")).to_have_text(
        "In dispute: the seller offers $10.00; accept it or take it to support")
    page.get_by_role("button", name="Accept the proposal").click()
    # then it asks first, then the proposal is accepted
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text(
        "Accept the seller's proposal of $10.00? The dispute ends with this refund.")
    dialog.get_by_role("button", name="Accept the proposal").click()
    expect(page.get_by_role("status")).to_have_text("You accepted the seller's proposal.")
    assert Dispute.objects.get(order=offered).state == "resolved"


@pytest.mark.browser
def test_r24_r27_the_inbox_groups_notifications_by_order_newest_first(
        page: Page, live_server, live_market, log_in):
    from rescind.notifications.models import Notification

    # given notifications about two orders (the newest about the second) and one about neither
    now = datetime.now(UTC)
    first, second = live_market.place(at=now - DAY), live_market.place(at=now - DAY)

    def told(order, title: str, at: datetime, *, read: bool = False) -> None:
        Notification.objects.create(user=live_market.buyer, order=order, kind="k", title=title,
                                    body=f"About {title.lower()}.", created_at=at,
                                    read_at=at if read else None, dedup_key=title)

    told(None, "Welcome", now - 3 * HOUR, read=True)
    told(first, "Order placed", now - 2 * HOUR, read=True)
    told(first, "Refund started", now - HOUR)
    told(second, "Refund arrived", now - MINUTE)
    # when the buyer opens the inbox
    log_in("buyer")
    page.get_by_role("link", name="Inbox").click()
    groups = page.locator("section.inbox-group")
    # then each order is one group, the one with the newest notification first
    expect(groups.locator("h2")).to_have_text([
        re.compile(rf"^Order #{second.pk} · Store A\s+1 unread$"),
        re.compile(rf"^Order #{first.pk} · Store A\s+1 unread$"),
        "About your account"])
    expect(groups.nth(1).locator(".title")).to_have_text(["Refund started", "Order placed"])
    # and unread ones are marked, with their time and its zone
    expect(groups.nth(1).locator("li.notification.unread .title")).to_have_text(
        "Refund started")
    expect(groups.nth(1).locator("li.notification.unread .badge")).to_have_text("Unread")
    expect(groups.nth(1).locator(".sent").first).to_have_text(shown_instant(now - HOUR))
    # when the buyer marks it read
    groups.nth(1).get_by_role("button", name="Mark “Refund started” read").click()
    # then it is read, and the group no longer counts it
    expect(groups.nth(1).locator("h2")).to_have_text(f"Order #{first.pk} · Store A")
    expect(page.locator("li.notification.unread")).to_have_count(1)
    assert Notification.objects.get(title="Refund started").read_at is not None
