"""Issue 12 in a real browser: the pages run under their Content-Security-Policy without one
violation, the API docs render with every other host unreachable, and the inbox is read only
when the reader says so."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect


@pytest.fixture
def console_problems(page: Page) -> list[str]:
    """Every console error and uncaught page error (a CSP violation is a console error)."""
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    return problems


@pytest.fixture
def offline(page: Page, live_server) -> list[str]:
    """Every request to a host other than the live server's fails, as on a machine without
    internet; returns the URLs that were tried."""
    ours = urlsplit(live_server.url).netloc
    tried: list[str] = []

    def route(request_route):
        if urlsplit(request_route.request.url).netloc == ours:
            request_route.continue_()
        else:
            tried.append(request_route.request.url)
            request_route.abort()

    page.route("**/*", route)
    return tried


@pytest.mark.browser
def test_api_docs_render_their_operations_with_no_other_host_reachable(
        page: Page, live_server, offline, console_problems):
    # given a browser that can reach this server only
    # when it opens the API docs
    # (the schema is built on its first request: slow on a loaded machine, so wait for it)
    with page.expect_response(f"{live_server.url}/api/v1/openapi.json", timeout=60_000) as schema:
        page.goto(f"{live_server.url}/api/v1/docs")
    assert schema.value.status == 200
    # then swagger-ui shows the API's operations, having asked no other host for anything
    expect(page.get_by_role("heading", name="Rescind API")).to_be_visible(timeout=30_000)
    expect(page.get_by_text("/api/v1/auth/tokens").first).to_be_visible()
    expect(page.get_by_text("/api/v1/orders/{order_id}/cancellation-request").first) \
        .to_be_visible()
    assert offline == []
    assert console_problems == []


@pytest.mark.browser
def test_pages_and_their_htmx_actions_raise_no_csp_violation(
        page: Page, live_server, live_market, log_in, demo_mode, console_problems, offline):
    from rescind.notifications.models import Notification

    # given an order paid two days ago, and an unread notification about it
    paid = live_market.paid(at=datetime.now(UTC) - timedelta(days=2))
    Notification.objects.create(user=live_market.buyer, order=paid, kind="order_paid",
                                title="Payment received", body="", dedup_key="n1",
                                created_at=datetime.now(UTC))
    # when the buyer logs in, opens the order (countdowns tick, the quote loads through htmx),
    # moves the demo clock and opens the inbox
    log_in("buyer")
    page.get_by_role("link", name=f"Order #{paid.pk}", exact=False).click()
    # htmx pushes the URL once the new page is swapped in and processed: only then does the
    # reason's "change" reach htmx (a select made earlier, on a loaded machine, was lost)
    page.wait_for_url(f"**/orders/{paid.pk}/")
    page.wait_for_function(
        "() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')")
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Order #{paid.pk}")
    expect(page.locator("time.countdown .left").first).to_have_text(
        re.compile(r"\d+ days? (\d+ hours? )?left"))
    page.get_by_label("The item is out of stock").check()
    expect(page.locator("#quote")).to_contain_text("This reason counts against the seller.")
    page.get_by_role("button", name="Advance clock").click()
    expect(page.get_by_role("status")).to_contain_text("The clock moved forward")
    page.get_by_role("link", name="Inbox").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Inbox")
    # then opening the inbox left the notification unread
    expect(page.locator("li.notification.unread")).to_have_count(1)
    expect(page.locator("#inbox-link .badge")).to_have_text("1")
    # when they mark it read, then it is read and the badge is gone
    page.get_by_role("button", name="Mark “Payment received” read").click()
    expect(page.locator("li.notification.unread")).to_have_count(0)
    expect(page.locator("#inbox-link .badge")).to_have_count(0)
    # and nothing on the way broke the Content-Security-Policy or asked another host
    assert console_problems == []
    assert offline == []


@pytest.mark.browser
def test_a_locked_out_login_page_says_when_to_try_again(page: Page, live_server, live_market,
                                                       settings):
    # given a limit of two failures (the live server shares these settings)
    settings.AXES_FAILURE_LIMIT = 2
    page.goto(f"{live_server.url}/login/")
    # when a wrong password is tried once, then the page says so
    for password, shown in (("guess1", "Wrong username or password."),
                            ("guess2", "Too many failed login attempts. "
                                       "Try again in 15 minutes."),
                            ("pw", "Too many failed login attempts. Try again in 15 minutes.")):
        page.get_by_label("Username").fill("buyer")
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Log in").click()
        # then the second, and even the right password after it, show the lockout
        expect(page.locator(".flash.error")).to_have_text(shown)
    expect(page.get_by_role("heading", level=1)).to_have_text("Log in")
    expect(page.locator("nav .who")).to_have_count(0)
