"""The frame every page shares (issue 13): axe-core finds no serious violation and nothing
scrolls sideways on the main pages at phone and desktop size; the skip link, the phone menu,
touch targets of 44 px, the confirmation dialog, and a login page that keeps the username and
lists the demo logins in demo mode only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Page, expect

from tests.browser.axe import assert_accessible, assert_no_sideways_scroll

DAY = timedelta(days=1)
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def busy_market(live_market):
    """Something on every main page: a line in the buyer's cart, a pending cancellation request,
    an escalated dispute, a notification; returns the disputed order."""
    from rescind.aftersale.services import order_ship
    from rescind.disputes.services import dispute_escalate, dispute_open, dispute_refuse
    from rescind.notifications.models import Notification
    from rescind.orders.models import CartLine

    now = datetime.now(UTC)
    market = live_market
    CartLine.objects.create(buyer=market.buyer, product=market.product,
                            options={"colour": "blue"}, quantity=2)
    market.requested(at=now - 3 * DAY)
    disputed = market.paid(at=now - 4 * DAY)
    order_ship(order_id=disputed.pk, user=market.seller, carrier="Cainiao",
               tracking_number="LP1", now=now - 3 * DAY)
    dispute_open(order_id=disputed.pk, user=market.buyer, reason="not_as_described", claim=None,
                 return_item=False, description="Wrong colour", evidence=[], now=now - 2 * DAY)
    dispute_refuse(order_id=disputed.pk, user=market.seller, note="It is the colour shown",
                   now=now - 2 * DAY + timedelta(hours=1))
    dispute_escalate(order_id=disputed.pk, user=market.buyer, note="It is not",
                     now=now - DAY)
    Notification.objects.create(user=market.buyer, order=disputed, kind="order_paid",
                                title="Payment received", body="We received $28.00.",
                                dedup_key="frame-n1", created_at=now - DAY)
    return disputed


MAIN_PAGES = [  # (who, path; {order} is the disputed order)
    (None, "/login/"),
    (None, "/design/"),
    ("buyer", "/shop/"),
    ("buyer", "/cart/"),
    ("buyer", "/inbox/"),
    ("seller", "/seller/orders/"),
    ("seller", "/seller/requests/"),
    ("seller", "/seller/metrics/"),
    ("support", "/support/disputes/"),
    ("support", "/support/disputes/{order}/"),
    ("support", "/support/metrics/"),
]


@pytest.mark.browser
@pytest.mark.parametrize(("who", "path"), MAIN_PAGES)
def test_main_pages_pass_axe_and_fit_a_phone_and_a_desktop(
        page: Page, live_server, busy_market, demo_mode, log_in, who, path):
    # given the page as its reader sees it (demo mode: with the demo clock bar too)
    page.set_viewport_size(DESKTOP)
    if who:
        log_in(who)
    url = live_server.url + path.format(order=busy_market.pk)
    # when it is shown on a desktop, then on a phone
    for viewport in (DESKTOP, PHONE):
        page.set_viewport_size(viewport)
        page.goto(url)
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        # then axe-core finds no serious or critical violation and nothing scrolls sideways
        assert_accessible(page)
        assert_no_sideways_scroll(page)


@pytest.mark.browser
def test_the_skip_link_is_first_and_moves_focus_to_the_content(
        page: Page, live_server, live_market, log_in):
    # given a page with the whole header before its content
    log_in("buyer")
    page.goto(f"{live_server.url}/shop/")
    # when the reader presses Tab once, then the skip link has focus and shows
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    # when they follow it, then the focus is on the main content
    page.keyboard.press("Enter")
    expect(page.locator("main#main")).to_be_focused()


@pytest.mark.browser
def test_the_menu_collapses_on_a_phone_and_opens_on_demand(
        page: Page, live_server, live_market, log_in):
    # given a logged-in buyer
    log_in("buyer")
    menu = page.locator("details.menu > summary")
    # then on a desktop the links show directly, without a menu button
    expect(page.get_by_role("link", name="My orders")).to_be_visible()
    expect(menu).to_be_hidden()
    # when the window is a phone's, then only the menu button shows
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/shop/")
    expect(menu).to_have_text("Menu")
    expect(page.get_by_role("link", name="My orders")).to_be_hidden()
    expect(page.get_by_role("button", name="Log out")).to_be_hidden()
    # when the reader opens it, then the links show and lead where they say
    menu.click()
    expect(page.get_by_role("link", name="My orders")).to_be_visible()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    page.get_by_role("link", name="My orders").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My orders")


_SMALL_TARGETS = """() => [...document.querySelectorAll('button, [role=button], nav a, summary, '
    + 'input:not([type=hidden], [type=checkbox], [type=radio]), select')]
  .filter((el) => el.getClientRects().length && getComputedStyle(el).visibility !== 'hidden')
  .filter((el) => el.getBoundingClientRect().height < 44)
  .map((el) => el.outerHTML.slice(0, 80) + ' ' + el.getBoundingClientRect().height + 'px')"""


@pytest.mark.browser
@pytest.mark.parametrize("path", ["/shop/", "/cart/", "/design/"])
def test_touch_targets_are_at_least_44px_tall_on_a_phone(
        page: Page, live_server, busy_market, demo_mode, log_in, path):
    # given a buyer on a phone, with the menu open
    log_in("buyer")
    page.set_viewport_size(PHONE)
    page.goto(live_server.url + path)
    page.locator("details.menu > summary").click()
    expect(page.get_by_role("link", name="My orders")).to_be_visible()
    # then every button, link of the menu and form control is at least 44 px tall
    assert page.evaluate(_SMALL_TARGETS) == []


@pytest.mark.browser
def test_login_keeps_the_username_after_a_wrong_password_and_hides_demo_logins(
        page: Page, live_server, live_market):
    # given the login page outside demo mode
    page.goto(f"{live_server.url}/login/")
    # then it lists no demo logins
    expect(page.get_by_role("heading", name="Log in", level=1)).to_be_visible()
    expect(page.get_by_role("heading", name="Demo logins")).to_have_count(0)
    expect(page.get_by_role("button", name="Enter as alice")).to_have_count(0)
    # when a wrong password is tried
    page.get_by_label("Username").fill("buyer")
    page.get_by_label("Password").fill("wrong")
    page.get_by_role("button", name="Log in").click()
    # then the page says so, keeps the username and asks for the password again
    expect(page.locator(".flash.error")).to_have_text("Wrong username or password.")
    expect(page.get_by_label("Username")).to_have_value("buyer")
    expect(page.get_by_label("Password")).to_have_value("")
    expect(page.get_by_label("Password")).to_be_focused()


@pytest.mark.browser
def test_demo_login_page_lists_the_demo_logins_and_enters_as_one(
        page: Page, live_server, live_market, demo_mode):
    from django.contrib.auth import get_user_model

    from rescind.demo import DEMO_LOGINS, PASSWORD

    # given demo mode and the demo's buyer alice
    get_user_model().objects.create_user("alice", password=PASSWORD)
    # when the login page is opened
    page.goto(f"{live_server.url}/login/")
    # then it lists every demo login with its role, and the password
    expect(page.get_by_role("heading", name="Demo logins")).to_be_visible()
    expect(page.locator(".demo-logins")).to_contain_text("every user's password is demo")
    expect(page.locator(".demo-login button")).to_have_text(
        [f"Enter as {name}" for name, _role, _shows in DEMO_LOGINS])
    expect(page.locator(".demo-login .demo-role")).to_have_text(
        [role for _name, role, _shows in DEMO_LOGINS])
    # when "Enter as alice" is chosen, then alice is logged in
    page.get_by_role("button", name="Enter as alice").click()
    expect(page.locator("nav .who")).to_have_text("alice")
    expect(page.get_by_role("heading", level=1)).to_have_text("My orders")


@pytest.mark.browser
def test_design_page_is_shown_in_demo_mode_only(page: Page, live_server, live_market, settings):
    # given demo mode off, then /design/ is not found
    settings.DEMO_MODE = False
    assert page.goto(f"{live_server.url}/design/").status == 404
    # given demo mode on, then it shows the components, amounts kept on one line
    settings.DEMO_MODE = True
    assert page.goto(f"{live_server.url}/design/").status == 200
    expect(page.get_by_role("heading", level=1)).to_have_text("Components")
    expect(page.get_by_role("heading", level=2)).to_have_text([
        "Buttons", "Confirmation dialog", "Status badge", "Stepper", "Card", "Empty state",
        "Field", "Toast", "Loading bar", "Money, dates and durations", "Data table"])
    expect(page.locator("#formatting dd .money")).to_have_text("$5,098.00")
    expect(page.locator("#formatting dd .money")).to_have_css("white-space", "nowrap")
    expect(page.locator("#stepper ol.stepper").first.locator('li[aria-current="step"]')) \
        .to_have_text("Shipped")


@pytest.mark.browser
def test_a_form_with_data_confirm_asks_first_and_is_sent_only_when_confirmed(
        page: Page, live_server, live_market, demo_mode):
    # given a boosted form that asks before it is sent
    page.goto(f"{live_server.url}/design/")
    form_button = page.locator("#confirm").get_by_role("button", name="Cancel order")
    dialog = page.get_by_role("dialog")
    # when its button is pressed, then the question shows; going back sends nothing
    form_button.click()
    expect(dialog).to_contain_text("Cancel order #12? It is cancelled at once; nothing was paid.")
    dialog.get_by_role("button", name="Go back").click()
    expect(dialog).to_have_count(0)
    expect(page).to_have_url(f"{live_server.url}/design/")
    # when it is pressed again and confirmed, then the form is sent
    form_button.click()
    dialog.get_by_role("button", name="Cancel order").click()
    expect(page.get_by_role("status")).to_have_text("You confirmed; the form was sent.")
    expect(page).to_have_url(f"{live_server.url}/design/?confirmed=yes")


@pytest.mark.browser
def test_the_loading_bar_shows_while_an_htmx_request_is_under_way(
        page: Page, live_server, live_market, log_in):
    # given a buyer on the shop; the network notes the page's classes while it holds the
    # request for the cart
    log_in("buyer")
    page.goto(f"{live_server.url}/shop/")
    while_held: list[str] = []

    def hold(route):
        while_held.append(page.evaluate("document.documentElement.className"))
        route.continue_()

    page.route("**/cart/", hold)
    # when they follow the (htmx-boosted) link to the cart
    page.get_by_role("link", name="Cart", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Cart")
    # then the loading bar showed while the request was under way, and went with its answer
    assert while_held == ["is-loading"]
    expect(page.locator("html")).not_to_have_class("is-loading")


@pytest.mark.browser
def test_a_toast_says_what_happened_and_fades_on_escape_staying_readable(
        page: Page, live_server, live_market, demo_mode):
    # given the component page, when its "Show a toast" is followed
    page.goto(f"{live_server.url}/design/")
    page.get_by_role("button", name="Show a toast").click()
    # then a toast says what happened
    toast = page.get_by_role("status")
    expect(toast).to_have_text("Your change request was sent to the seller.")
    # when the reader presses Escape, then it fades but keeps its words for whoever reads it
    page.keyboard.press("Escape")
    expect(toast).to_have_class("toast toast-faded")
    expect(toast).to_have_text("Your change request was sent to the seller.")
