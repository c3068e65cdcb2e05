"""Two orders of one checkout closing at the same moment, in separate transactions, decide the
fate of the platform coupon they share exactly once (R25).

Each contender runs in its own thread with its own connection. On PostgreSQL both closes run
truly at once: without a lock on the coupon, each transaction sees the other order still open
and the coupon never comes back. SQLite serialises writers, so there it can only confirm the
outcome.
"""

from __future__ import annotations

import pytest

from rescind.aftersale.services import cancellation_approve, cancellation_request
from rescind.coupons.models import Coupon
from rescind.orders.models import Deadline, TimelineEntry
from rescind.scheduler import deadline_fire
from tests.conftest import DAY, HOUR, T0
from tests.integration.test_concurrency import _race
from tests.integration.test_coupons import _checkout, _coupon, _pay

ROUNDS = 15


def _approve_both(market, orders):
    requested = T0 + 25 * HOUR
    for order in orders:
        cancellation_request(order_id=order.pk, user=market.buyer, reason="no_longer_needed",
                             report_supplier=False, now=requested)
    sellers = {market.store.pk: market.seller, market.other_store.pk: market.other_seller}
    return {f"seller_of_{order.pk}": (lambda o=order: cancellation_approve(
        order_id=o.pk, user=sellers[o.store_id], now=requested + HOUR)) for order in orders}


def _handling_time_in_two_workers(market, orders):
    late = T0 + 30 * DAY  # past the 7 working days of handling time
    contenders = {}
    for order in orders:
        deadline = order.deadlines.get(kind=Deadline.Kind.HANDLING_TIME)
        contenders[f"worker_for_{order.pk}"] = (lambda d=deadline, o=order: deadline_fire(
            deadline_id=d.pk, order_id=o.pk, now=late))
    return contenders


@pytest.mark.parametrize("closes", [_approve_both, _handling_time_in_two_workers],
                         ids=["two_sellers_approve", "two_handling_time_deadlines"])
def test_r25_platform_coupon_comes_back_exactly_once_when_its_orders_close_at_once(
        live_market, closes):
    for round_no in range(ROUNDS):
        # given a platform coupon spread over two paid orders of one checkout
        code = f"RACE{round_no}"
        _coupon(live_market, code, "platform", 1000, expires=60 * DAY)
        checkout = _checkout(live_market, [code])
        _pay(checkout)
        orders = list(checkout.orders.order_by("pk"))
        # when both orders close at the same moment, each in its own transaction
        results = _race(closes(live_market, orders))
        # then both closed, and the coupon came back once: never zero, never twice
        assert set(results.values()) == {"won"}, results
        kinds = list(TimelineEntry.objects.filter(order__checkout=checkout,
                                                  kind__startswith="Coupon")
                     .values_list("kind", flat=True))
        assert sorted(kinds) == ["CouponNotReturned", "CouponReturned"], (round_no, kinds)
        assert Coupon.objects.get(code=code).state == "available"
