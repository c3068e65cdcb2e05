"""The seller's metrics with pictures through the API: weekly series, thresholds, the platform's
median, and the orders behind a count (R30, R28)."""

from __future__ import annotations

import pytest

from tests.metric_history import MARCH, history_make


@pytest.fixture
def store_a_history(market):
    return history_make(market)


def test_r30_api_trends_give_each_rate_its_weeks_threshold_and_median(call, market,
                                                                      store_a_history):
    response = call("GET", f"/metrics/trends?{MARCH}", user=market.seller)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["store"] == {"id": market.store.pk, "name": "Store A"}
    assert body["period"] == {"from": "2026-03-02", "to": "2026-03-22"}
    assert [m["metric"] for m in body["metrics"]] == [
        "cancellation_rate", "auto_approval_share", "late_shipment_rate",
        "shipment_cancellation_rate", "dispute_lost_rate"]
    cancellations = body["metrics"][0]
    assert cancellations == {
        "metric": "cancellation_rate",
        "rate": {"numerator": 2, "denominator": 7, "percent": 28.6},
        "threshold_percent": 2.0, "at_risk": True, "platform_median_percent": 64.3,
        "previous_rate": {"numerator": 0, "denominator": 0, "percent": None},
        "weeks": [
            {"from": "2026-03-02", "to": "2026-03-08", "at_risk": True,
             "rate": {"numerator": 2, "denominator": 4, "percent": 50.0}},
            {"from": "2026-03-09", "to": "2026-03-15", "at_risk": False,
             "rate": {"numerator": 0, "denominator": 3, "percent": 0.0}},
            {"from": "2026-03-16", "to": "2026-03-22", "at_risk": False,
             "rate": {"numerator": 0, "denominator": 0, "percent": None}}]}
    requests = body["metrics"][1]
    assert (requests["rate"], requests["at_risk"]) == (
        {"numerator": 0, "denominator": 2, "percent": 0.0}, False)


def test_r30_api_orders_behind_a_count_are_exactly_its_numerator(call, market,
                                                                 store_a_history):
    trends = call("GET", f"/metrics/trends?{MARCH}", user=market.seller).json()
    for metric, expected in (("cancellation_rate", "cancelled"), ("late_shipment_rate", "late"),
                             ("shipment_cancellation_rate", "voided"),
                             ("dispute_lost_rate", None)):
        numerator = next(m for m in trends["metrics"] if m["metric"] == metric)["rate"][
            "numerator"]
        answer = call("GET", f"/metrics/trends/orders?{MARCH}&metric={metric}",
                      user=market.seller).json()
        ids = [o["id"] for o in answer["orders"]]
        assert answer["count"] == numerator == len(ids)
        assert sorted(ids) == sorted(store_a_history[expected] if expected else [])
    # a page of one, then the next
    first = call("GET", f"/metrics/trends/orders?{MARCH}&metric=cancellation_rate&limit=1",
                 user=market.seller).json()
    second = call("GET", f"/metrics/trends/orders?{MARCH}&metric=cancellation_rate&limit=1"
                  "&offset=1", user=market.seller).json()
    assert [o["id"] for o in first["orders"] + second["orders"]] == sorted(
        store_a_history["cancelled"], reverse=True)
    assert first["orders"][0]["state"] == "closed"


def test_r30_api_trends_refusals(call, market, store_a_history):
    def refusal(path: str, user) -> tuple[int, str]:
        response = call("GET", path, user=user)
        return response.status_code, response.json()["code"]

    assert refusal("/metrics/trends", market.buyer) == (403, "sellers_and_support_only")
    assert refusal(f"/metrics/trends?store={market.other_store.pk}", market.seller) == (
        404, "store_not_found")
    assert refusal("/metrics/trends", market.support) == (422, "store_required")
    assert refusal("/metrics/trends?from=2024-01-01&to=2026-03-01", market.seller) == (
        422, "period_too_long")
    assert refusal("/metrics/trends?from=2026-03-09&to=2026-03-01", market.seller) == (
        422, "invalid_period")
    assert refusal("/metrics/trends/orders?metric=refund_rate", market.seller) == (
        422, "unknown_metric")
    assert refusal("/metrics/trends/orders", market.seller) == (422, "invalid_input")
    # support reads any store by naming it
    other = call("GET", f"/metrics/trends?store={market.other_store.pk}&{MARCH}",
                 user=market.support).json()
    assert other["metrics"][0]["rate"] == {"numerator": 1, "denominator": 1, "percent": 100.0}


def test_r8_r23_r30_api_platform_dashboard(call, market, store_a_history):
    body = call("GET", f"/metrics/platform?{MARCH}", user=market.support).json()
    assert body["period"] == {"from": "2026-03-02", "to": "2026-03-22"}
    assert body["cancellations_by_side"] == {"buyer": 1, "seller": 3, "platform": 0}
    assert sorted((r["reason"], r["side"], r["count"]) for r in body["cancellations"]) == [
        ("no_longer_needed", "buyer", 1), ("not_shipped_in_time", "seller", 1),
        ("out_of_stock", "seller", 1), ("seller_too_slow", "seller", 1)]
    assert [(s["store"]["name"], [m["metric"] for m in s["metrics"]])
            for s in body["stores_at_risk"]] == [
        ("Store A", ["cancellation_rate", "late_shipment_rate", "shipment_cancellation_rate"]),
        ("Store B", ["cancellation_rate"])]
    assert body["stores_at_risk"][0]["metrics"][0] == {
        "metric": "cancellation_rate", "threshold_percent": 2.0,
        "rate": {"numerator": 2, "denominator": 7, "percent": 28.6}}
    wallet = next(a for a in body["refund_arrivals"] if a["method"] == "e_wallet")
    assert {k: wallet[k] for k in ("deadline", "deadline_in_working_days", "arrived",
                                   "deadline_after_bins")} == {
        "deadline": 7, "deadline_in_working_days": False, "arrived": 0,
        "deadline_after_bins": 7}
    assert wallet["bins"][-1] == {"low": 14, "high": None, "count": 0}
    refused = call("GET", "/metrics/platform", user=market.seller)
    assert (refused.status_code, refused.json()["code"]) == (403, "support_only")
