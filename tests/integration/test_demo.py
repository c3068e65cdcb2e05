"""`rescind demo` seeds a marketplace with orders at every step built so far."""

from __future__ import annotations

from collections import Counter

from rescind.demo import demo_seed
from rescind.orders.models import Order
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
