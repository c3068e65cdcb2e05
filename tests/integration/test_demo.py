"""`rescind demo` seeds a marketplace with orders at every step built so far."""

from __future__ import annotations

from collections import Counter

from rescind.demo import demo_seed
from rescind.orders.models import Order, OrderLine
from rescind.refunds.models import Refund
from tests.conftest import T0


def test_r2_demo_seed_covers_every_reachable_state_once_and_only_once(db):
    # when the demo is seeded twice
    assert demo_seed(now=T0) is True
    assert demo_seed(now=T0) is False
    # then about 20 orders cover every state reachable so far
    states = Counter(Order.objects.values_list("state", flat=True))
    assert set(states) == {"awaiting_payment", "awaiting_shipment", "awaiting_delivery",
                           "shipment_canceled", "completed", "closed"}
    assert 18 <= sum(states.values()) <= 30
    # and every close reason of the cancellation flow is shown, with refunds on their way
    reasons = set(Order.objects.exclude(close_reason="").values_list("close_reason", flat=True))
    assert reasons == {"cancelled_by_buyer", "unpaid_timeout", "cancelled_on_request",
                       "not_shipped_in_time"}
    assert set(Refund.objects.values_list("state", flat=True)) >= {"processing", "succeeded"}


def test_r21_r22_demo_sells_in_four_currencies_and_refunds_each_in_its_own(db):
    # when the demo is seeded
    demo_seed(now=T0)
    # then its stores sell in US dollars, euros, reais and yen, with orders in each
    orders = Counter(Order.objects.values_list("currency", flat=True))
    assert set(orders) == {"USD", "EUR", "BRL", "JPY"}
    assert min(orders.values()) >= 2
    # and every order's lines are in its currency, and each refund is in the charged currency
    assert all(line.product.currency == line.order.currency
               for line in OrderLine.objects.select_related("product", "order"))
    assert all(refund.currency == refund.order.currency
               for refund in Refund.objects.select_related("order"))
    # and the approved cancellation in yen refunds the whole yen total, no minor unit added
    yen = Refund.objects.get(order__currency="JPY")
    assert (yen.amount, yen.currency) == (yen.order.total, "JPY") == (4000, "JPY")
