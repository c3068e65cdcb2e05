"""After shipment in a real browser: the seller ships, the carrier drops the parcel through the
API, the buyer sees "shipment canceled", the seller ships again (R15, R16)."""

from __future__ import annotations

import json
import urllib.request
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Page, expect


def carrier_reports(live_server, token: str, tracking_number: str, event: str) -> dict:
    """POST a tracking event to the API as the carrier does, over real HTTP."""
    request = urllib.request.Request(
        f"{live_server.url}/api/v1/carrier/events", method="POST",
        data=json.dumps({"tracking_number": tracking_number, "event": event}).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - loopback
        assert response.status == 202
        return json.loads(response.read())


@pytest.mark.browser
def test_r15_r16_dropped_parcel_shows_shipment_canceled_and_seller_ships_again(
        page: Page, live_server, live_market, log_in, log_out):
    from django.contrib.auth import get_user_model

    from rescind.accounts.models import ApiToken
    from rescind.orders.models import Carrier

    # given: a paid order and a carrier account for Cainiao
    order = live_market.paid(at=datetime.now(UTC) - timedelta(days=2))
    bot = get_user_model().objects.create_user("cainiao-bot", password="pw")
    Carrier.objects.create(name="Cainiao").accounts.add(bot)
    token = ApiToken.issue(bot)

    # when: the seller ships it from the order page
    log_in("seller")
    page.goto(f"{live_server.url}/orders/{order.pk}/")
    page.get_by_label("Carrier", exact=True).select_option("Cainiao")
    page.get_by_label("Tracking number", exact=True).fill("LP100200300")
    page.get_by_role("button", name="Ship", exact=True).click()
    page.get_by_role("dialog").get_by_role("button", name="Ship", exact=True).click()
    expect(page.locator("#order-state")).to_have_text("Awaiting delivery")
    log_out()

    # and: the carrier reports the tracking number invalid (the parcel was dropped)
    answer = carrier_reports(live_server, token, "LP100200300", "tracking_invalid")
    assert answer == {"outcome": "applied", "order_id": order.pk, "state": "shipment_canceled",
                      "queued_event_id": None}

    # then: the buyer sees "shipment canceled" and what they are owed
    log_in("buyer")
    page.goto(f"{live_server.url}/orders/{order.pk}/")
    expect(page.locator("#order-state")).to_have_text("Shipment canceled")
    expect(page.locator("#shipment-canceled")).to_contain_text(
        "you are owed a new shipment or a full refund")
    expect(page.locator("#timeline")).to_contain_text("the carrier dropped the parcel")
    log_out()

    # when: the seller assigns a new tracking number
    log_in("seller")
    page.goto(f"{live_server.url}/orders/{order.pk}/")
    page.get_by_label("Carrier", exact=True).select_option("Cainiao")
    page.get_by_label("New tracking number", exact=True).fill("LP100200399")
    page.get_by_role("button", name="Ship again").click()
    page.get_by_role("dialog").get_by_role("button", name="Ship", exact=True).click()
    expect(page.get_by_role("status")).to_have_text("Shipped again with the new tracking number.")
    log_out()

    # then: the buyer sees the order on its way again, on the new parcel
    log_in("buyer")
    page.goto(f"{live_server.url}/orders/{order.pk}/")
    expect(page.locator("#order-state")).to_have_text("Awaiting delivery")
    expect(page.locator("#shipments")).to_contain_text("LP100200399")
    expect(page.locator("#shipments li.voided")).to_contain_text("LP100200300")


@pytest.mark.browser
def test_r15_a_taken_number_is_refused_on_the_page_and_a_stray_event_reaches_support(
        page: Page, live_server, live_market, log_in, log_out):
    from django.contrib.auth import get_user_model

    from rescind.accounts.models import ApiToken
    from rescind.aftersale.services import order_ship
    from rescind.orders.models import Carrier

    # given: store B's parcel on its way with Cainiao LP555, and store A's paid order
    paid_at = datetime.now(UTC) - timedelta(days=2)
    theirs = live_market.paid(at=paid_at, product=live_market.other_product, quantity=1)
    order_ship(order_id=theirs.pk, user=live_market.other_seller, carrier="Cainiao",
               tracking_number="LP555", now=paid_at + timedelta(hours=1))
    mine = live_market.paid(at=paid_at)
    bot = get_user_model().objects.create_user("cainiao-bot", password="pw")
    Carrier.objects.create(name="Cainiao").accounts.add(bot)

    # when: store A's seller ships with LP555
    log_in("seller")
    page.goto(f"{live_server.url}/orders/{mine.pk}/")
    page.get_by_label("Carrier", exact=True).select_option("Cainiao")
    page.get_by_label("Tracking number", exact=True).fill("LP555")
    page.get_by_role("button", name="Ship", exact=True).click()
    page.get_by_role("dialog").get_by_role("button", name="Ship", exact=True).click()
    # then: the page says why, and the order is not shipped
    expect(page.get_by_role("status")).to_contain_text(
        "Cainiao tracking number LP555 already belongs to another parcel")
    expect(page.locator("#order-state")).to_have_text("Awaiting shipment")
    log_out()

    # when: the carrier reports a number no parcel carries
    answer = carrier_reports(live_server, ApiToken.issue(bot), "LP556", "delivered")
    assert answer["outcome"] == "queued_for_support"
    # then: support finds it in the queue and marks it handled
    log_in("support")
    page.goto(f"{live_server.url}/support/disputes/")
    event = page.locator("#carrier-events li.carrier-event")
    expect(event).to_contain_text("Cainiao reported delivered for tracking number LP556")
    expect(event).to_contain_text("no parcel on its way carries this number")
    event.get_by_label("What you did").fill("Asked Cainiao to check the label.")
    event.get_by_role("button", name="Mark handled").click()
    expect(page.get_by_role("status")).to_have_text("Carrier event marked as handled.")
    expect(page.locator("#carrier-events")).to_have_count(0)
    expect(page.get_by_text("No carrier events waiting.")).to_be_visible()
