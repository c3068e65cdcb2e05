"""The buyer's pages in the buyer's language (issue 15): Arabic right to left, mirrored (html
dir, stepper, menu, tables, amounts kept left to right), Spanish left to right; and the
cancellation journey (request, the seller's answer, the refund tracker) as a Spanish buyer and
as an Arabic buyer, each in their language, time zone and money format. The screenshots it takes
go to var/screenshots/languages/ for a person to look at; those of docs/screenshots/
(`*-ar-*.png`, `*-es-*.png`) were taken by it on 5 December 2026."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Browser, Page, expect

# var/ is not kept in git: a test run never rewrites the recorded screenshots in docs/.
SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots" / "languages"
DESKTOP = {"viewport": {"width": 1280, "height": 900}}
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
DAY = timedelta(days=1)


def _reader(browser: Browser, *, lang: str, zone: str = "UTC", device: dict = DESKTOP):
    """A browser context of a person whose browser asks for `lang` and lives in `zone`."""
    return browser.new_context(locale=lang, timezone_id=zone, device_scale_factor=1,
                               extra_http_headers={"Accept-Language": lang}, **device)


def _log_in(page: Page, base: str, username: str) -> None:
    """Through the login form, whatever language it is in (its fields by id)."""
    page.goto(f"{base}/login/")
    page.locator("#login-username").fill(username)
    page.locator("#login-password").fill("pw")
    page.locator("form button[type=submit]").click()
    expect(page.locator("nav .who")).to_have_text(username)


def _box(page: Page, selector: str) -> dict:
    box = page.locator(selector).bounding_box()
    assert box is not None, f"{selector} is not shown"
    return box


def _shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"))


def _when(at: datetime, zone: str, lang: str) -> str:
    """How the formatting layer writes an instant for this reader (moments/instants.py)."""
    from rescind.moments.instants import instant_words

    return instant_words(at, ZoneInfo(zone), lang)


@pytest.mark.browser
def test_arabic_buyer_reads_the_orders_list_and_order_page_right_to_left(
        browser: Browser, live_server, live_market):
    # given: a buyer's order paid two days ago (28.00 USD), read by a browser asking for Arabic
    order = live_market.paid(at=datetime.now(UTC) - 2 * DAY)
    context = _reader(browser, lang="ar")
    page = context.new_page()
    _log_in(page, live_server.url, "buyer")

    # when: the buyer opens their orders
    page.goto(f"{live_server.url}/orders/")

    # then: the page is Arabic, right to left, and the menu starts at the right
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.locator("html")).to_have_attribute("lang", "ar")
    expect(page.get_by_role("heading", level=1)).to_have_text("طلباتي")
    expect(page.locator(f'[data-order-id="{order.pk}"] .order-card-head a')).to_have_text(
        f"الطلب رقم {order.pk} · Store A")
    items = page.locator(".site-nav > ul > li")
    first, last = items.first.bounding_box(), items.last.bounding_box()
    assert first["x"] > last["x"], (first, last)
    assert _box(page, ".brand")["x"] > _box(page, ".site-nav ul")["x"]
    _shot(page, "buyer-orders-ar-desktop")

    # when: the buyer opens the order
    page.goto(f"{live_server.url}/orders/{order.pk}/")

    # then: its stepper runs right to left, the table starts at the right, the total keeps
    # its digits left to right, and the heading is Arabic
    expect(page.get_by_role("heading", level=1)).to_have_text(f"الطلب رقم {order.pk} Store A")
    steps = page.locator("#order-status ol.stepper > li")
    assert steps.first.bounding_box()["x"] > steps.last.bounding_box()["x"]
    item, amount = _box(page, "table.money thead th:first-child"), \
        _box(page, "table.money thead th:last-child")
    assert item["x"] + item["width"] > amount["x"] + amount["width"], (item, amount)
    expect(page.locator("table.money thead th").first).to_have_text("المنتج")
    expect(page.locator("#order-total")).to_have_text(re.compile("^\u200f?28[.]00\\sUS[$]$"))
    assert page.locator("#order-total .money").evaluate(
        "e => getComputedStyle(e).direction") == "ltr"
    expect(page.locator("#cancel-form summary")).to_have_text("إلغاء الطلب")
    _shot(page, "buyer-order-ar-desktop")
    context.close()

    # when: the same order on a phone
    phone = _reader(browser, lang="ar", device=PHONE)
    page = phone.new_page()
    _log_in(page, live_server.url, "buyer")
    page.goto(f"{live_server.url}/orders/{order.pk}/")

    # then: the brand stands at the right and the menu button at the left, as Arabic reads
    expect(page.locator(".menu > summary")).to_have_text("القائمة")
    assert _box(page, ".brand")["x"] > _box(page, ".menu > summary")["x"]
    _shot(page, "buyer-order-ar-phone")
    phone.close()


@pytest.mark.browser
def test_spanish_buyer_reads_the_order_page_left_to_right(browser: Browser, live_server,
                                                          live_market):
    # given: the same kind of order, read by a browser asking for Spanish
    order = live_market.paid(at=datetime.now(UTC) - 2 * DAY)
    context = _reader(browser, lang="es")
    page = context.new_page()
    _log_in(page, live_server.url, "buyer")

    # when: the buyer opens the order
    page.goto(f"{live_server.url}/orders/{order.pk}/")

    # then: Spanish, left to right, the stepper from the left, the total in Spanish format
    expect(page.locator("html")).to_have_attribute("dir", "ltr")
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Pedido #{order.pk} Store A")
    steps = page.locator("#order-status ol.stepper > li")
    assert steps.first.bounding_box()["x"] < steps.last.bounding_box()["x"]
    expect(page.locator("table.money thead th").first).to_have_text("Artículo")
    expect(page.locator("#order-total")).to_have_text(re.compile(r"^28,00\sUS[$]$"))
    expect(page.locator("#cancel-form legend").first).to_have_text("¿Por qué quieres cancelar?")
    _shot(page, "buyer-order-es-desktop")
    context.close()


# What each buyer reads: their language's words, the zone their times are shown in, their
# money format, and which way their pages run.
READERS = {
    # A Spanish buyer's browser asks for Spanish and lives in Madrid (countdown.js tells the
    # server the zone on the first page).
    "es": {"accept": "es", "browser_zone": "Europe/Madrid", "profile": None,
           "zone": "Europe/Madrid", "zone_words": re.compile(r"CES?T$"), "dir": "ltr",
           "request": "Solicitar la cancelación", "no": "No",
           "request_title": "Solicitud de cancelación", "asked": "Lo pediste el {at}.",
           "refunds": "Reembolsos", "decided": "Decidido",
           "amount": re.compile(r"^28,00\sUS[$]\s+a\s"),
           "pending": "El vendedor debe responder antes de {by}; si no lo hace, se aprueba "
                      "automáticamente."},
    # An Arabic buyer chose Arabic and Riyadh's time on their profile: that wins over a
    # browser that asks for English in UTC.
    "ar": {"accept": "en", "browser_zone": "UTC", "profile": ("ar", "Asia/Riyadh"),
           "zone": "Asia/Riyadh", "zone_words": re.compile(r"غرينتش\+03:00$"), "dir": "rtl",
           "request": "اطلب الإلغاء", "no": "لا",
           "request_title": "طلب الإلغاء", "asked": "طلبت ذلك في {at}.",
           "refunds": "عمليات استرداد المبالغ", "decided": "تاريخ القرار",
           "amount": re.compile("^\u200f?28[.]00\\sUS[$]\\s+إلى\\s"),
           "pending": "على البائع الرد قبل {by}؛ وإن لم يفعل، تتم الموافقة تلقائيًا."},
}


@pytest.mark.browser
@pytest.mark.parametrize("lang", ["es", "ar"])
def test_cancellation_journey_in_the_buyers_language_time_zone_and_money_format(
        browser: Browser, live_server, live_market, lang):
    from rescind.accounts.reading import reading_update
    from rescind.aftersale.models import CancellationRequest
    from rescind.refunds.models import Refund

    reader = READERS[lang]
    # given: a buyer with an order paid two days ago, and their language and zone as above
    order = live_market.paid(at=datetime.now(UTC) - 2 * DAY)
    if reader["profile"]:
        language, zone = reader["profile"]
        reading_update(user=live_market.buyer, language=language, time_zone=zone)
    buyer = _reader(browser, lang=reader["accept"], zone=reader["browser_zone"])
    page = buyer.new_page()
    page.goto(f"{live_server.url}/login/")  # the first visit: countdown.js names the zone
    _log_in(page, live_server.url, "buyer")

    # when: the buyer asks to cancel the order, not reporting the supplier
    page.goto(f"{live_server.url}/orders/{order.pk}/")
    expect(page.locator("html")).to_have_attribute("dir", reader["dir"])
    page.locator('input[name="reason"][value="no_longer_needed"]').check()
    page.get_by_label(reader["no"], exact=True).check()
    page.get_by_role("button", name=reader["request"]).click()

    # then: the request card is in their language, with the instant in their zone, named
    card = page.locator("#cancellation-request")
    expect(card.get_by_role("heading", level=2)).to_have_text(reader["request_title"])
    request = CancellationRequest.objects.get(order=order)
    asked = _when(request.requested_at, reader["zone"], lang)
    assert reader["zone_words"].search(asked), asked
    expect(card.locator(".requested")).to_have_text(reader["asked"].format(at=asked))
    by = _when(request.respond_by, reader["zone"], lang)
    expect(card.get_by_text(reader["pending"].format(by=by))).to_be_visible()
    _shot(page, f"buyer-cancellation-requested-{lang}-desktop")

    # when: the seller (in English) approves the cancellation
    seller = _reader(browser, lang="en")
    seller_page = seller.new_page()
    _log_in(seller_page, live_server.url, "seller")
    seller_page.goto(f"{live_server.url}/orders/{order.pk}/")
    seller_page.get_by_role("button", name="Approve cancellation").click()
    dialog = seller_page.get_by_role("dialog")
    expect(dialog).to_contain_text(f"Approve the cancellation of order #{order.pk}?")
    dialog.get_by_role("button", name="Approve cancellation").click()
    expect(seller_page.locator("#approve-card")).to_have_count(0)
    seller.close()

    # then: the buyer's refund tracker shows the refund in their language, money format and zone
    page.goto(f"{live_server.url}/orders/{order.pk}/")
    refunds = page.locator("#refunds")
    expect(refunds.get_by_role("heading", level=2)).to_have_text(reader["refunds"])
    expect(refunds.locator(".refund-head")).to_have_text(reader["amount"])
    refund = Refund.objects.get(order=order)
    decided = _when(refund.created_at, reader["zone"], lang)
    expect(refunds.locator("dt").first).to_have_text(reader["decided"])
    expect(refunds.locator(".refund-decided")).to_have_text(decided)
    steps = refunds.locator("ol.stepper > li")
    first, last = steps.first.bounding_box(), steps.last.bounding_box()
    assert (first["x"] > last["x"]) == (lang == "ar"), (first, last)
    refunds.scroll_into_view_if_needed()
    _shot(page, f"buyer-refund-{lang}-desktop")
    buyer.close()
