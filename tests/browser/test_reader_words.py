"""A reader's language and time zone in the browser (issue 15): countdowns in words of the page's
language that follow the server's clock, and the browser's zone kept on the first visit."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Browser, Page, expect

MINUTE = timedelta(minutes=1)
SWAP = 30_000  # ms: generous, for an htmx swap on a loaded machine


def _choose(user, language: str, time_zone: str) -> None:
    from rescind.accounts.models import Reader

    Reader.objects.update_or_create(user=user, defaults={"language": language,
                                                         "time_zone": time_zone})


@pytest.mark.browser
def test_a_spanish_readers_countdown_is_in_spanish_words_and_follows_the_moved_clock(
        page: Page, live_server, live_market, demo_mode, log_in, rescind_cli):
    # given: demo mode, a buyer who reads Spanish in Madrid, and their order placed a minute
    # ago, unpaid (it closes 20 days after it was placed: R5)
    _choose(live_market.buyer, "es", "Europe/Madrid")
    order = live_market.place(at=datetime.now(UTC) - MINUTE)
    log_in("buyer")
    page.goto(f"{live_server.url}/orders/{order.pk}/")
    left = page.locator('.deadline[data-kind="unpaid_timeout"] .left')
    # then: the countdown says in Spanish words how long is left, no seconds
    expect(left).to_have_text("en 19 días y 23 horas")
    # and: the deadline is in Madrid time, named, with the UTC instant on hover
    when = page.locator('.deadline[data-kind="unpaid_timeout"] time:not(.countdown)')
    # (\S+, not \w{3}: the browser matches in JavaScript, where \w is ASCII and "sáb" is not)
    expect(when).to_have_text(re.compile(r"^\S+, \d{1,2} \S+ \d{4}, \d{1,2}:\d\d CES?T$"))
    expect(when).to_have_attribute("title", re.compile(r", \d{1,2}:\d\d UTC$"))

    # when: someone moves the shared clock two days on from the command line
    rescind_cli("clock", "advance", "2d")
    # then: the open page, untouched, counts in the same words from the server's moved clock
    expect(left).to_have_text("en 17 días y 23 horas", timeout=SWAP)


@pytest.mark.browser
def test_an_arabic_readers_countdown_uses_arabic_plural_forms(
        page: Page, live_server, live_market, log_in):
    # given: a buyer who reads Arabic, with an order paid 23 hours ago: cancelling opens in
    # under an hour (R7), the seller ships within days
    _choose(live_market.buyer, "ar", "Asia/Riyadh")
    order = live_market.paid(at=datetime.now(UTC) - timedelta(hours=23))
    log_in("buyer")
    page.goto(f"{live_server.url}/orders/{order.pk}/")
    # then: under an hour, said in Arabic
    expect(page.locator('.upcoming[data-action="request_cancellation"] .left')).to_have_text(
        "الوقت المتبقي: أقل من ساعة")
    # and: the menu offers the profile, in Arabic
    expect(page.locator("#profile-link")).to_have_text("اللغة والمنطقة الزمنية")


@pytest.mark.browser
def test_the_browsers_zone_is_kept_on_the_first_visit_and_dates_follow_it(
        browser: Browser, live_server, live_market):
    from rescind.accounts.models import Reader

    # given: a buyer who never chose a zone, in a browser set to São Paulo
    order = live_market.place(at=datetime(2026, 3, 2, 10, 0, tzinfo=UTC))
    context = browser.new_context(timezone_id="America/Sao_Paulo", locale="en-GB")
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/login/")
        page.get_by_label("Username").fill("buyer")
        page.get_by_label("Password").fill("pw")
        page.get_by_role("button", name="Log in").click()
        expect(page.locator("nav .who")).to_have_text("buyer")
        # when: they open their order
        page.goto(f"{live_server.url}/orders/{order.pk}/")
        # then: the zone is theirs, and the order was placed at 07:00 São Paulo time
        expect(page.locator(".placed time").first).to_have_text(
            "Mon 2 Mar 2026, 07:00 GMT-03:00")
        assert Reader.objects.get(user=live_market.buyer).time_zone == "America/Sao_Paulo"
        # and: their profile names it, chosen
        page.locator("#profile-link").click()
        expect(page.locator("#time_zone")).to_have_value("America/Sao_Paulo")
    finally:
        context.close()
