"""Seller metrics through the API (R30, R28): who sees which stores, sorting, the period."""

from __future__ import annotations

from datetime import timedelta

from rescind.accounts.models import ApiToken
from rescind.aftersale.services import cancellation_approve
from rescind.clock.service import now as clock_now
from tests.conftest import DAY, T0


def _get(client, user, query: str = ""):
    token = ApiToken.issue(user)
    return client.get(f"/api/v1/metrics/stores{query}",
                      headers={"Authorization": f"Bearer {token}"})


def _stores_and_orders(response) -> list[tuple[str, int]]:
    assert response.status_code == 200, response.content
    return [(row["store"]["name"], row["orders"]) for row in response.json()["stores"]]


def test_r30_api_seller_sees_own_stores_support_all_buyer_none(client, market):
    # given one order in store A and two in store B, placed yesterday
    yesterday = clock_now() - DAY
    market.paid(at=yesterday)
    for _ in range(2):
        market.paid(at=yesterday, product=market.other_product)
    # when each party asks for the default period (the last 30 days)
    as_seller = _get(client, market.seller)
    as_support = _get(client, market.support)
    as_buyer = _get(client, market.buyer)
    # then the seller sees their store, support both, and a buyer is refused
    assert _stores_and_orders(as_seller) == [("Store A", 1)]
    assert _stores_and_orders(as_support) == [("Store A", 1), ("Store B", 2)]
    assert (as_buyer.status_code, as_buyer.json()["code"]) == (403, "sellers_and_support_only")
    today = clock_now().date()
    assert as_seller.json()["period"] == {"from": (today - timedelta(days=29)).isoformat(),
                                          "to": today.isoformat()}


def test_r30_api_row_shape(client, market):
    order = market.requested(at=T0, reason="out_of_stock")
    cancellation_approve(order_id=order.pk, user=market.seller, now=T0 + 2 * DAY)
    response = _get(client, market.seller, "?from=2026-03-01&to=2026-03-31")
    assert response.status_code == 200
    assert response.json() == {
        "period": {"from": "2026-03-01", "to": "2026-03-31"}, "sort": "store", "order": "asc",
        "stores": [{
            "store": {"id": market.store.pk, "name": "Store A"}, "orders": 1, "paid_orders": 1,
            "seller_cancellations": 1,
            "cancellation_rate": {"numerator": 1, "denominator": 1, "percent": 100.0},
            "requests": 1, "auto_approved_by_silence": 0,
            "auto_approval_share": {"numerator": 0, "denominator": 1, "percent": 0.0},
            "late_shipments": 0, "shipments_canceled": 0, "disputes_opened": 0,
            "disputes_lost": 0, "refunds_paid": 1,
            "refunded": [{"amount": 2800, "currency": "USD"}]}]}


def test_r30_api_sorts_by_any_figure_either_way(client, market):
    # given store A with 1 order of which 1 seller-side cancellation, store B with 2 orders
    order = market.requested(at=T0, reason="seller_too_slow")
    cancellation_approve(order_id=order.pk, user=market.seller, now=T0 + 2 * DAY)
    for _ in range(2):
        market.paid(at=T0, product=market.other_product)
    period = "from=2026-03-01&to=2026-03-31"
    # when support sorts by orders and by cancellation rate
    by_orders = _get(client, market.support, f"?{period}&sort=orders&order=desc")
    by_orders_asc = _get(client, market.support, f"?{period}&sort=orders&order=asc")
    by_rate = _get(client, market.support, f"?{period}&sort=cancellation_rate&order=desc")
    # then the rows come in that order
    assert _stores_and_orders(by_orders) == [("Store B", 2), ("Store A", 1)]
    assert _stores_and_orders(by_orders_asc) == [("Store A", 1), ("Store B", 2)]
    assert _stores_and_orders(by_rate) == [("Store A", 1), ("Store B", 2)]
    assert (by_rate.json()["sort"], by_rate.json()["order"]) == ("cancellation_rate", "desc")
    unknown = _get(client, market.support, "?sort=profit")
    assert (unknown.status_code, unknown.json()["code"]) == (422, "invalid_input")


def test_r30_api_period_includes_its_first_and_last_whole_days_only(client, market):
    # given orders placed just before, at the start of, at the very end of, and just after
    # the days 2 and 3 March 2026 (UTC)
    first_instant = T0.replace(hour=0)
    end = first_instant + 2 * DAY
    tick = timedelta(microseconds=1)
    for at in (first_instant - tick, first_instant, end - tick, end):
        market.paid(at=at)
    # when the seller asks for those two days, then only the two inside count
    response = _get(client, market.seller, "?from=2026-03-02&to=2026-03-03")
    assert _stores_and_orders(response) == [("Store A", 2)]
    assert _stores_and_orders(_get(client, market.seller, "?from=2026-03-02&to=2026-03-02")) \
        == [("Store A", 1)]
    assert _stores_and_orders(_get(client, market.seller, "?from=2026-03-01&to=2026-03-04")) \
        == [("Store A", 4)]


def test_r30_api_refuses_bad_dates_and_a_period_ending_before_it_starts(client, market):
    for query in ("?from=2026-03-03&to=2026-03-02", "?from=2026-02-30", "?to=yesterday",
                  "?from=2026-3-2"):
        response = _get(client, market.seller, query)
        assert (response.status_code, response.json()["code"]) == (422, "invalid_period"), query
