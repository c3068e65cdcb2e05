"""Money on the pages in the reader's locale (issue 15): amounts typed as the reader types them
("15,50" in Spanish, "1.200" yen), shown as their locale shows them, and a clear message for
what is not an amount of the order's currency (R3: never rounded into one)."""

from __future__ import annotations

import html

from django.contrib.auth.models import Permission
from django.utils.html import strip_tags

from rescind.clock.service import now as clock_now
from rescind.orders.models import Product, Store
from rescind.orders.services import payment_capture

NBSP = "\u00a0"


def _text(response) -> str:
    return " ".join(html.unescape(strip_tags(response.content.decode())).split())


def _yen_order(market):
    store = Store.objects.create(name="Sakura", currency="JPY", shipping_fee=500)
    store.sellers.add(market.seller)
    pen = Product.objects.create(store=store, name="Pen", unit_price=3500, currency="JPY")
    return market.place(at=clock_now(), product=pen, quantity=1)  # 3,500 + 500 = 4,000 yen


def test_r6_a_spanish_seller_lowers_the_price_typing_a_decimal_comma(client, market):
    # given an unpaid order of 28.00 USD and its seller reading Spanish
    order = market.place(at=clock_now())
    client.force_login(market.seller)
    # when they type the new total as Spanish writes it
    page = client.post(f"/orders/{order.pk}/lower-price/", {"new_total": "15,50", "note": ""},
                       HTTP_ACCEPT_LANGUAGE="es", follow=True)
    # then the order costs 15.50 USD, shown in the Spanish format
    order.refresh_from_db()
    assert (order.total, order.currency) == (1550, "USD")
    assert f'<span class="money">15,50{NBSP}US$</span>' in page.content.decode()


def test_r3_a_point_in_spanish_is_refused_with_a_spanish_example(client, market):
    # given the same seller reading Spanish, where "." only groups thousands
    order = market.place(at=clock_now())
    client.force_login(market.seller)
    # when they type "15.50"
    page = client.post(f"/orders/{order.pk}/lower-price/", {"new_total": "15.50", "note": ""},
                       HTTP_ACCEPT_LANGUAGE="es", follow=True)
    # then nothing changes and the page says, in Spanish, how to type it
    order.refresh_from_db()
    assert order.total == 2800
    assert "15.50 no es un importe: escríbalo como 12,50." in _text(page)


def test_r3_an_english_seller_still_types_a_point(client, market):
    order = market.place(at=clock_now())
    client.force_login(market.seller)
    client.post(f"/orders/{order.pk}/lower-price/", {"new_total": "15.50", "note": ""},
                HTTP_ACCEPT_LANGUAGE="en")
    order.refresh_from_db()
    assert order.total == 1550


def test_r3_yen_have_no_decimals_on_the_page(client, market):
    # given an unpaid order of 4,000 yen
    order = _yen_order(market)
    client.force_login(market.seller)
    # when the seller types a fraction of a yen, then it is refused, not rounded
    page = client.post(f"/orders/{order.pk}/lower-price/", {"new_total": "3999.5", "note": ""},
                       HTTP_ACCEPT_LANGUAGE="en", follow=True)
    order.refresh_from_db()
    assert order.total == 4000
    assert "JPY amounts have no decimals: enter it like 1500." in _text(page)
    # and the field's hint shows how to type yen
    assert "For example 1500." in _text(page)
    # when they type it grouped as English does, then the order costs that many yen
    page = client.post(f"/orders/{order.pk}/lower-price/", {"new_total": "3,200", "note": ""},
                       HTTP_ACCEPT_LANGUAGE="en", follow=True)
    order.refresh_from_db()
    assert (order.total, order.currency) == (3200, "JPY")
    assert '<span class="money">¥3,200</span>' in page.content.decode()


def test_r21_r22_a_french_agent_gives_a_goodwill_refund_in_the_charged_currency(client,
                                                                               market):
    # given a paid order in yen and support reading French
    order = _yen_order(market)
    payment_capture(payment_id=order.checkout.payment.pk, buyer=order.buyer, now=clock_now())
    market.support.user_permissions.add(Permission.objects.get(codename="decide_dispute"))
    client.force_login(market.support)
    # when they type 1 000 yen, as French groups thousands
    page = client.post(f"/support/orders/{order.pk}/goodwill-refund/",
                       {"amount": "1 000", "reason": "Retard"}, HTTP_ACCEPT_LANGUAGE="fr",
                       follow=True)
    # then 1000 yen go back, in yen, and the page shows it the French way
    refund = order.refunds.get()
    assert (refund.amount, refund.currency) == (1000, "JPY")
    assert f"1{chr(0x202f)}000{NBSP}JPY" in page.content.decode()
