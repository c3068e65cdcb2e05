"""The buyer's order page in a real browser (issue 13): the stepper and the status in words for
each state, the refund tracker from decided to arrived (or failed), the cancellation form's
explanations, and the delivery address (R2, R8-R10, R13, R16, R18, R21-R23)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Page, expect

from tests.browser.axe import assert_accessible, assert_no_sideways_scroll

MINUTE = timedelta(minutes=1)
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
MILESTONES = ["Placed", "Paid", "Shipped", "Delivered", "Completed"]
RAW_CODES = ("awaiting_", "shipment_canceled", "in_dispute", "cancelled_on_request",
             "bank_card", "auto_approved", "awaiting seller", "cancelled on request")
ADDRESS = {"recipient": "Ada Byron", "line1": "12 Rue des Lilas", "city": "Paris",
           "postal_code": "75011", "country": "France", "phone": "+33 6 12 34 56 78"}
EXPIRED = "The card has expired, so the bank cannot take the refund."


def shown_instant(at: datetime) -> str:
    """How the pages print an instant (the `when` filter), in UTC."""
    at = at.astimezone(UTC)
    return f"{at:%a} {at.day} {at:%b %Y, %H:%M} UTC"


def shown_day(at: datetime) -> str:
    """How the pages print a day (the `day` filter), in UTC."""
    at = at.astimezone(UTC)
    return f"{at:%a} {at.day} {at:%b %Y}"


def _shipped(market, *, paid_at: datetime, shipped_at: datetime, tracking: str):
    from rescind.aftersale.services import order_ship

    order = market.paid(at=paid_at)
    order_ship(order_id=order.pk, user=market.seller, carrier="Cainiao",
               tracking_number=tracking, now=shipped_at)
    return order


def _due(order, kind: str) -> datetime:
    return order.deadlines.get(kind=kind, fired_at__isnull=True, voided_at__isnull=True).due_at


def _status_is(page: Page, *, steps: list[str], current: str | None, headline: str,
               label: str, tone: str) -> None:
    status = page.locator("#order-status")
    expect(status.locator("ol.stepper > li")).to_have_text(steps)
    if current is not None:
        expect(status.locator('ol.stepper > li[aria-current="step"]')).to_have_text(current)
    expect(page.locator("#order-substatus")).to_have_text(headline)
    expect(page.locator("#order-state")).to_have_text(label)
    expect(page.locator("#order-state .badge")).to_have_class(f"badge badge-{tone}")
    text = page.locator("main").inner_text()
    assert [code for code in RAW_CODES if code in text] == []


@pytest.mark.browser
def test_r2_each_state_shows_its_step_and_a_status_in_words(page: Page, live_server,
                                                             live_market, log_in):
    from rescind.aftersale.services import cancellation_approve
    from rescind.disputes.services import dispute_open
    from rescind.orders.shipping import order_confirm_receipt, shipment_void
    from rescind.refunds.models import Refund
    from rescind.refunds.services import refund_check, refund_submit

    # given the buyer's orders in every main state
    now = datetime.now(UTC)
    m = live_market
    unpaid = m.place(at=now - HOUR)
    paid = m.paid(at=now - DAY)
    requested = m.requested(at=now - 25 * HOUR - MINUTE)  # the request made a minute ago
    shipped = _shipped(m, paid_at=now - 2 * DAY, shipped_at=now - DAY, tracking="LP1")
    canceled = _shipped(m, paid_at=now - 3 * DAY, shipped_at=now - 2 * DAY, tracking="LP2")
    shipment_void(order_id=canceled.pk, user=m.seller, now=now - DAY)
    completed = _shipped(m, paid_at=now - 6 * DAY, shipped_at=now - 5 * DAY, tracking="LP3")
    order_confirm_receipt(order_id=completed.pk, user=m.buyer, now=now - DAY)
    closed = m.requested(at=now - 20 * DAY)
    cancellation_approve(order_id=closed.pk, user=m.seller, note="", now=now - 18 * DAY)
    refund = Refund.objects.get(order=closed)
    assert refund_submit(refund_id=refund.pk, now=now - 18 * DAY + HOUR) == "started"
    assert refund_check(refund_id=refund.pk, now=now - HOUR) == "arrived"
    disputed = _shipped(m, paid_at=now - 4 * DAY, shipped_at=now - 3 * DAY, tracking="LP4")
    dispute_open(order_id=disputed.pk, user=m.buyer, reason="damaged", claim=None,
                 return_item=False, description="", evidence=[], now=now - MINUTE)
    for order in (completed, shipped):
        order.refresh_from_db()
    log_in("buyer")

    def opened(order) -> None:
        page.goto(f"{live_server.url}/orders/{order.pk}/")

    # then each order page shows where it is, and in words what happens next and by when
    opened(unpaid)
    _status_is(page, steps=MILESTONES, current="Placed", label="Awaiting payment",
               tone="warning",
               headline=f"Awaiting payment: pay by {shown_instant(_due(unpaid, 'unpaid_timeout'))}"
               ", or the order closes by itself")
    opened(paid)
    _status_is(page, steps=MILESTONES, current="Paid", label="Awaiting shipment", tone="info",
               headline="Paid: the seller must ship by "
               f"{shown_instant(_due(paid, 'handling_time'))}")
    opened(requested)
    _status_is(page, steps=MILESTONES, current="Paid", label="Awaiting shipment",
               tone="warning",
               headline="Cancellation requested: the seller has 2 days 23 hours to answer")
    opened(shipped)
    _status_is(page, steps=MILESTONES, current="Shipped", label="Awaiting delivery",
               tone="info", headline="Shipped: delivery promised by "
               f"{shown_day(shipped.shipments.get().deliver_by)}")
    opened(canceled)
    _status_is(page, steps=[*MILESTONES[:3], "Shipment canceled", *MILESTONES[3:]], current=None,
               label="Shipment canceled", tone="warning",
               headline="Shipment canceled: the seller must ship again or refund by "
               f"{shown_instant(_due(canceled, 'shipment_canceled_reply'))}")
    opened(completed)
    _status_is(page, steps=MILESTONES, current="Completed", label="Completed", tone="success",
               headline="Completed: you can open a dispute until "
               f"{shown_instant(completed.dispute_until)}")
    # and a cancelled, refunded order is no alarm: it closed as asked, and the money is back
    opened(closed)
    _status_is(page, steps=["Placed", "Paid", "Closed"], current="Closed", label="Closed",
               tone="success", headline="Closed: cancelled at your request, refunded")
    opened(disputed)
    _status_is(page, steps=[*MILESTONES[:3], "In dispute"], current=None, label="In dispute",
               tone="warning", headline="In dispute: the seller has 14 days 23 hours to answer")
    expect(page.locator("#dispute .dispute-state")).to_have_text("Waiting for the seller's answer")
    expect(page.locator("#dispute .claim")).to_have_text("You asked for $28.00.")


@pytest.mark.browser
def test_r21_r23_the_refund_tracker_follows_a_refund_from_decided_to_arrived(
        page: Page, live_server, live_market, log_in):
    from rescind.aftersale.services import cancellation_approve
    from rescind.refunds.models import Refund
    from rescind.refunds.services import refund_check, refund_submit

    # given a cancellation the seller approved an hour ago: $28.00 decided for the card
    now = datetime.now(UTC)
    order = live_market.requested(at=now - 3 * DAY)
    cancellation_approve(order_id=order.pk, user=live_market.seller, note="", now=now - HOUR)
    refund = Refund.objects.get(order=order)
    log_in("buyer")
    page.goto(f"{live_server.url}/orders/{order.pk}/")
    tracker = page.locator(f'#refunds li[data-refund-id="{refund.pk}"]')

    # then the tracker shows it decided, where it goes, and between which days it should arrive
    expect(tracker.locator("ol.stepper > li")).to_have_text(
        ["Decided", "Sent to the payment provider", "Arrived"])
    expect(tracker.locator('[aria-current="step"]')).to_have_text("Decided")
    expect(tracker.locator(".refund-head")).to_contain_text("$28.00 to your bank card")
    expect(tracker.locator(".refund-state")).to_have_text("Decided")
    expect(tracker.locator(".refund-decided")).to_have_text(shown_instant(refund.created_at))
    expect(tracker.locator(".refund-expected")).to_have_text(
        f"between {shown_day(refund.start_by + DAY)} and {shown_day(refund.arrive_by)}")
    expect(tracker.locator(".refund-reference")).to_have_text(
        "given once the payment provider accepts it")
    expect(page.locator("#order-substatus")).to_have_text(
        "Closed: cancelled at your request, your refund is on its way")

    # when the payment provider accepts it
    assert refund_submit(refund_id=refund.pk, now=now - 30 * MINUTE) == "started"
    refund.refresh_from_db()
    page.reload()
    # then it is sent, with the provider's reference and the range counted from the sending
    expect(tracker.locator('[aria-current="step"]')).to_have_text(
        "Sent to the payment provider")
    expect(tracker.locator(".refund-state")).to_have_text("On its way")
    expect(tracker.locator(".refund-sent")).to_have_text(shown_instant(refund.started_at))
    expect(tracker.locator(".refund-reference")).to_have_text(refund.gateway_reference)
    assert refund.gateway_reference.startswith("sbx_refund_")
    expect(tracker.locator(".refund-expected")).to_have_text(
        f"between {shown_day(refund.started_at + DAY)} and {shown_day(refund.arrive_by)}")

    # when the provider says it has arrived (the sandbox settles within 10 days)
    arrived = refund.started_at + 10 * DAY + HOUR
    assert refund_check(refund_id=refund.pk, now=arrived) == "arrived"
    page.reload()
    # then the tracker ends on "Arrived", with the day, and the order reads refunded
    expect(tracker.locator('[aria-current="step"]')).to_have_text("Arrived")
    expect(tracker.locator(".refund-state")).to_have_text("Arrived")
    expect(tracker.locator(".refund-arrived")).to_have_text(shown_day(arrived))
    expect(tracker.locator(".refund-expected")).to_have_count(0)
    expect(page.locator("#order-substatus")).to_have_text(
        "Closed: cancelled at your request, refunded")


@pytest.mark.browser
def test_r23_a_failed_refund_says_why_and_what_to_do(page: Page, live_server, live_market,
                                                      log_in):
    from rescind.aftersale.services import cancellation_approve
    from rescind.refunds.models import Refund
    from rescind.refunds.services import refund_submit

    # given a refund to the sandbox's expired card, refused for good by the provider
    now = datetime.now(UTC)
    order = live_market.requested(at=now - 3 * DAY, instrument="expired_card")
    cancellation_approve(order_id=order.pk, user=live_market.seller, note="", now=now - HOUR)
    refund = Refund.objects.get(order=order)
    assert refund_submit(refund_id=refund.pk, now=now - 30 * MINUTE) == "failed"
    refund.refresh_from_db()
    # when the buyer opens the order
    log_in("buyer")
    page.goto(f"{live_server.url}/orders/{order.pk}/")
    tracker = page.locator(f'#refunds li[data-refund-id="{refund.pk}"]')
    # then the tracker branches off to "Failed" with the provider's reason, and says what to do
    expect(tracker.locator("ol.stepper > li")).to_have_text(
        ["Decided", "Sent to the payment provider", "Failed"])
    expect(tracker.locator(".refund-state")).to_have_text("Failed")
    expect(tracker.locator(".refund-failed")).to_have_text(
        f"{shown_day(refund.failed_at)}: {EXPIRED}")
    expect(tracker.locator("#refund-destination p").first).to_have_text(
        "The money did not go back. Refunds can only go to the bank card you paid with "
        "(now: expired_card). Give its renewed details (a new card, a reopened account); "
        "support then sends the refund again.")
    expect(tracker.get_by_label("Renewed bank card (its name at the payment provider)")) \
        .to_be_visible()
    expect(page.locator("#order-substatus")).to_have_text(
        "Closed: cancelled at your request, but the refund failed: see below what to do")
    expect(page.locator("#order-state .badge")).to_have_class("badge badge-warning")


@pytest.mark.browser
def test_r8_r9_r13_the_cancel_form_explains_each_reason_and_offers_a_change_instead(
        page: Page, live_server, live_market, log_in):
    # given an order paid two days ago, to be delivered to Ada Byron in Paris
    order = live_market.paid(at=datetime.now(UTC) - 2 * DAY, delivery=ADDRESS)
    # when the buyer opens it
    log_in("buyer")
    page.goto(f"{live_server.url}/orders/{order.pk}/")
    page.wait_for_function(
        "() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')")
    # then the delivery address is shown
    expect(page.locator("#delivery")).to_have_text(
        "Ada Byron12 Rue des Lilas75011 ParisFrance+33 6 12 34 56 78")
    # and each reason of the form has its one-line explanation
    reasons = page.locator("#cancel-form .reason")
    expect(reasons).to_have_count(10)
    expect(reasons.nth(1)).to_have_text(re.compile(
        r"^\s*I no longer need it\s+You changed your mind; nothing is wrong with the order\.\s*$"))
    expect(page.get_by_label("Wrong shipping details")).to_have_accessible_description(
        "The address or phone number on the order is wrong.")
    # and the supplier report says what it does
    expect(page.locator("#report-hint")).to_have_text(
        "Yes also opens a dispute that goes straight to platform support, for everything you "
        "paid: choose it only if you suspect fraud (for example, the seller asked you to pay "
        "outside the site). No sends the seller a plain request.")

    # when the buyer follows "change the delivery address instead"
    page.get_by_role("link", name="Wrong shipping details? Change the delivery address "
                                  "instead").click()
    # then the change form opens, its delivery fields there to fill
    expect(page.get_by_role("button", name="Ask the seller to change the order")) \
        .to_be_visible()
    expect(page.get_by_label("Recipient")).to_be_visible()

    # when the buyer chooses a reason instead and asks to cancel
    page.get_by_label("I no longer need it").check()
    expect(page.locator("#quote")).to_contain_text("This reason does not count against the "
                                                   "seller.")
    page.get_by_role("button", name="Request cancellation").click()
    expect(page.get_by_role("status")).to_have_text(
        "Your cancellation request was sent to the seller.")
    # then while the request waits, its card shows what it will refund, where, and by when
    card = page.locator("#cancellation-request")
    expect(card.locator(".request-state")).to_have_text("Waiting for the seller's answer")
    expect(card.locator(".quote-refund")).to_have_text(re.compile(
        r"^Refund of 28\.00 USD to your bank card,\s+expected by \w{3} \d{1,2} \w{3} \d{4} if "
        r"the seller approves now\s+\(at the latest \w{3} \d{1,2} \w{3} \d{4}\)\.$"))
    expect(page.locator("#cancel-form")).to_have_count(0)


@pytest.mark.browser
def test_r9_no_cancel_form_while_a_dispute_about_the_order_is_open(page: Page, live_server,
                                                                    live_market, log_in):
    from rescind.aftersale.services import cancellation_refuse

    # given a request with a supplier report (a dispute beside it, with support), refused
    now = datetime.now(UTC)
    order = live_market.requested(at=now - 3 * DAY, report_supplier=True)
    cancellation_refuse(order_id=order.pk, user=live_market.seller, note="It leaves today",
                        now=now - HOUR)
    # when the buyer opens the order
    log_in("buyer")
    page.goto(f"{live_server.url}/orders/{order.pk}/")
    # then there is no cancel form, and the page says why
    expect(page.locator("#cancel-blocked")).to_have_text(
        "A dispute about this order is open, so the order cannot be cancelled now: the dispute "
        "settles it.")
    expect(page.get_by_role("button", name="Request cancellation")).to_have_count(0)
    expect(page.locator("#cancellation-request .request-state")).to_have_text(
        "Refused by the seller")
    expect(page.locator("#dispute .dispute-state")).to_have_text("Platform support is deciding")
    expect(page.locator("#order-substatus")).to_have_text(re.compile(
        r"^Supplier reported: platform support is deciding, and the seller must still ship by "
        r"\w{3} \d{1,2} \w{3} \d{4}, \d\d:\d\d UTC$"))


DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


@pytest.mark.browser
def test_the_buyers_pages_pass_axe_and_fit_a_phone_and_a_desktop(page: Page, live_server,
                                                                  live_market, demo_mode,
                                                                  log_in, log_out):
    from rescind.aftersale.services import cancellation_approve
    from rescind.disputes.services import dispute_open
    from rescind.orders.shipping import shipment_void
    from rescind.refunds.models import Refund
    from rescind.refunds.services import refund_submit

    # given the buyer's orders with every part of the order page on one of them: the cancel
    # form, a pending request with its quote, refunds on their way and failed, a canceled
    # shipment, and a dispute (with an earlier message's file to pick)
    now = datetime.now(UTC)
    m = live_market
    paid = m.paid(at=now - 2 * DAY, delivery=ADDRESS)
    requested = m.requested(at=now - 3 * DAY)
    refunded = m.requested(at=now - 4 * DAY)
    cancellation_approve(order_id=refunded.pk, user=m.seller, note="", now=now - DAY)
    refund_submit(refund_id=Refund.objects.get(order=refunded).pk, now=now - DAY + HOUR)
    failed = m.requested(at=now - 4 * DAY, instrument="expired_card")
    cancellation_approve(order_id=failed.pk, user=m.seller, note="", now=now - DAY)
    refund_submit(refund_id=Refund.objects.get(order=failed).pk, now=now - DAY + HOUR)
    canceled = _shipped(m, paid_at=now - 3 * DAY, shipped_at=now - 2 * DAY, tracking="LP1")
    shipment_void(order_id=canceled.pk, user=m.seller, now=now - DAY)
    disputed = _shipped(m, paid_at=now - 3 * DAY, shipped_at=now - 2 * DAY, tracking="LP2")
    dispute_open(order_id=disputed.pk, user=m.buyer, reason="damaged", claim=None,
                 return_item=False, description="Torn", evidence=[], now=now - HOUR)
    shipped = _shipped(m, paid_at=now - 3 * DAY, shipped_at=now - 2 * DAY, tracking="LP3")
    pages = {"buyer": ["/orders/", "/orders/?tab=refunds", "/orders/?tab=to_pay&q=teapot",
                       *(f"/orders/{o.pk}/" for o in (paid, requested, refunded, failed,
                                                      canceled, disputed, shipped))],
             "seller": [f"/orders/{o.pk}/" for o in (requested, disputed)]}
    for who, paths in pages.items():
        page.set_viewport_size(DESKTOP)
        log_in(who)
        for path in paths:
            # when each page is shown on a desktop, then on a phone (the dispute form open)
            for viewport in (DESKTOP, PHONE):
                page.set_viewport_size(viewport)
                page.goto(live_server.url + path)
                expect(page.get_by_role("heading", level=1)).to_be_visible()
                if page.locator("#dispute-form").count():
                    page.locator("#dispute-form > summary").click()
                # then axe-core finds no serious or critical violation, nothing scrolls sideways
                assert_accessible(page)
                assert_no_sideways_scroll(page)
        page.set_viewport_size(DESKTOP)
        log_out()
