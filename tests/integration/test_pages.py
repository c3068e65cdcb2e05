"""The pages render what the services decided: quote, shipment canceled, inbox, coupons
(R2, R16, R24, R25, R28). Browser tests drive the full flows; these check the pages' content."""

from __future__ import annotations

from django.utils.html import strip_tags

from rescind.aftersale.services import order_ship
from rescind.coupons.models import Coupon
from rescind.notifications.models import Notification
from rescind.orders.models import CartLine, Checkout
from rescind.orders.shipping import shipment_void
from tests.conftest import DAY, HOUR, T0


def _page(client, user, path):
    client.force_login(user)
    response = client.get(path)
    assert response.status_code == 200
    return response.content.decode()


def test_r16_buyer_page_says_what_a_canceled_shipment_owes_them(client, market):
    order = market.paid(at=T0)
    order_ship(order_id=order.pk, user=market.seller, carrier="Cainiao", tracking_number="LP9",
               now=T0 + HOUR)
    shipment_void(order_id=order.pk, user=market.seller, now=T0 + DAY)
    html = _page(client, market.buyer, f"/orders/{order.pk}/")
    assert "Shipment canceled" in html
    assert "you are owed a new shipment or a full refund" in html
    assert "LP9" in html
    seller_html = _page(client, market.seller, f"/orders/{order.pk}/")
    assert "Ship again" in seller_html and "Refund in full" in seller_html


def test_r4_unpaid_order_page_quotes_the_cancellation(client, market):
    order = market.place(at=T0)
    html = _page(client, market.buyer, f"/orders/{order.pk}/")
    assert "Nothing was paid, so nothing is refunded." in html
    assert "It is cancelled at once; nobody is penalised." in html


def test_r7_r8_quote_fragment_for_a_reason(client, market):
    order = market.paid(at=T0)
    client.force_login(market.buyer)
    # the page's clock is the real one, so the order was paid long ago: cancel is available
    response = client.get(f"/orders/{order.pk}/cancellation-quote/?reason=out_of_stock")
    html = response.content.decode()
    assert 'Refund of <strong><span class="money">$28.00</span></strong> to your bank card' \
        in html
    assert "This reason counts against the seller." in html
    other = client.get(f"/orders/{order.pk}/cancellation-quote/?reason=ordered_wrong_item")
    assert "This reason does not count against the seller." in other.content.decode()


def test_r24_inbox_shows_unread_count_on_every_page_and_opening_it_reads_nothing(client,
                                                                                  market):
    # given an unread notification
    Notification.objects.create(user=market.buyer, kind="RefundStarted", title="Refund started",
                                body="", created_at=T0, dedup_key="k1")
    assert '<span class="badge">1</span>' in _page(client, market.buyer, "/orders/")
    # when the inbox is opened (a GET, which a link preview or prefetch may send too)
    assert "Refund started" in _page(client, market.buyer, "/inbox/")
    # then it is still unread
    assert '<span class="badge">1</span>' in _page(client, market.buyer, "/orders/")
    assert Notification.objects.get().read_at is None


def test_r24_inbox_mark_read_is_a_post_per_notification_or_for_all(client, market):
    # given three unread notifications
    first, second, third = (
        Notification.objects.create(user=market.buyer, kind="RefundStarted", title=f"Refund {i}",
                                    body="", created_at=T0 + i * HOUR, dedup_key=f"k{i}")
        for i in range(3))
    client.force_login(market.buyer)
    # when the buyer marks one read
    response = client.post(f"/inbox/{second.pk}/read/")
    # then only that one is read, and the inbox shows again
    assert (response.status_code, response["Location"]) == (302, "/inbox/")
    read = set(Notification.objects.filter(read_at__isnull=False).values_list("pk", flat=True))
    assert read == {second.pk}
    assert '<span class="badge">2</span>' in _page(client, market.buyer, "/inbox/")
    # when they mark all read, then none is unread
    assert client.post("/inbox/read/").status_code == 302
    assert Notification.objects.filter(read_at__isnull=True).count() == 0
    assert '<span class="badge">' not in _page(client, market.buyer, "/inbox/")
    # and a GET of the action changes nothing (405)
    assert client.get(f"/inbox/{first.pk}/read/").status_code == 405
    # and another user's notification is not found
    client.force_login(market.other_buyer)
    assert client.post(f"/inbox/{third.pk}/read/").status_code == 404


def test_r25_cart_checkout_takes_a_coupon_code(client, market):
    Coupon.objects.create(code="WELCOME5", kind="platform", amount=500, owner=market.buyer,
                          expires_at=T0 + 3650 * DAY)
    CartLine.objects.create(buyer=market.buyer, product=market.product,
                            options={"colour": "red"}, quantity=2)
    client.force_login(market.buyer)
    response = client.post("/cart/checkout/", {"payment_method": "e_wallet",
                                               "coupon_codes": "welcome5"})
    assert response.status_code == 302
    order = Checkout.objects.get().orders.get()
    assert (order.discount_total, order.total) == (500, 2300)


def test_r1_cart_checkout_asks_where_to_deliver_and_offers_the_last_address_again(client,
                                                                                 market):
    # given a cart
    CartLine.objects.create(buyer=market.buyer, product=market.product,
                            options={"colour": "red"}, quantity=1)
    client.force_login(market.buyer)
    # when the buyer checks out with an address
    address = {"recipient": "Ada Byron", "line1": "12 Rue des Lilas", "city": "Paris",
               "postal_code": "75011", "country": "France"}
    response = client.post("/cart/checkout/", {
        "payment_method": "e_wallet", **{f"delivery_{k}": v for k, v in address.items()}})
    # then the order goes there
    assert response.status_code == 302
    assert Checkout.objects.get().orders.get().delivery == address
    # and the next cart offers the same address, its required fields marked so
    CartLine.objects.create(buyer=market.buyer, product=market.other_product, quantity=1)
    html = client.get("/cart/").content.decode()
    assert '<input id="delivery-city" name="delivery_city" value="Paris" required' in html
    assert '<input id="delivery-line2" name="delivery_line2" value="" maxlength' in html


def test_r28_page_for_an_id_beyond_any_row_is_not_found(client, market):
    client.force_login(market.buyer)
    assert client.get(f"/orders/{2**70}/").status_code == 404


def test_r18_buyer_page_shows_when_protection_ends_and_offers_the_dispute(client, market):
    from rescind.clock.service import now as clock_now
    from rescind.orders.shipping import order_confirm_receipt

    # given an order the buyer confirmed 3 days ago: protected until 12 days from now
    confirmed = clock_now() - 3 * DAY
    order = market.paid(at=confirmed - 9 * DAY)
    order_ship(order_id=order.pk, user=market.seller, carrier="Cainiao", tracking_number="LP7",
               now=confirmed - 8 * DAY)
    order_confirm_receipt(order_id=order.pk, user=market.buyer, now=confirmed)
    order.refresh_from_db()
    # when the buyer opens the order page
    html = _page(client, market.buyer, f"/orders/{order.pk}/")
    # then it says when buyer protection ends, with a countdown, and offers the dispute form
    ends = order.dispute_until.strftime("%a %-d %b %Y, %H:%M")
    assert f"Buyer protection ends, and with it the right to open a dispute, on {ends} UTC" \
        in " ".join(strip_tags(html).split())
    assert 'data-kind="protection_end"' in html
    assert "Open the dispute" in html


def test_r17_buyer_page_shows_the_promised_delivery_while_shipped(client, market):
    from rescind.clock.service import now as clock_now

    # given a parcel shipped a day ago, promised within 60 days
    shipped = clock_now() - DAY
    order = market.paid(at=shipped - DAY)
    order_ship(order_id=order.pk, user=market.seller, carrier="Cainiao", tracking_number="LP8",
               now=shipped)
    promised = order.shipments.get().deliver_by
    html = _page(client, market.buyer, f"/orders/{order.pk}/")
    # then the page gives the promised date, and when a non-delivery dispute becomes possible
    assert f"Delivery promised by {promised.strftime('%a %-d %b %Y, %H:%M')} UTC" in html
    # (the shipment line and the status headline, in the page's text)
    assert f"delivery promised by {promised.strftime('%a %-d %b %Y')}" in strip_tags(html)
    assert f"Shipped: delivery promised by {promised.strftime('%a %-d %b %Y')}" \
        in strip_tags(html)
    assert "“Open a dispute: the parcel has not arrived” available from " \
        f"{promised.strftime('%a %-d %b %Y, %H:%M')} UTC" in " ".join(strip_tags(html).split())
    # and the dispute form does not offer "did not arrive" yet
    assert "The item did not arrive" not in html
    assert "The item arrived damaged" in html
