"""Support's refund desk through the API (R23, R28)."""

from __future__ import annotations

import pytest

from tests.integration.test_refund_desk import desk_make


@pytest.fixture
def desk(market):
    return desk_make(market)


def test_r23_api_desk_lists_the_same_refunds_with_next_steps(call, market, desk):
    response = call("GET", "/refunds", user=market.support)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["count"] == 4
    assert [(r["id"], r["problem"], r["next_step"]) for r in body["refunds"]] == [
        (desk["renewed"].pk, "failed", "retry"), (desk["closed"].pk, "failed", "contact_buyer"),
        (desk["late"].pk, "late_start", "chase_provider"),
        (desk["overdue"].pk, "overdue", "chase_provider")]
    closed = body["refunds"][1]
    assert {k: closed[k] for k in ("order_id", "store", "buyer_id", "amount", "method", "state",
                                   "failure_code", "buyer_renewed", "due_at")} == {
        "order_id": desk["closed"].order_id,
        "store": {"id": market.other_store.pk, "name": "Store B"},
        "buyer_id": market.buyer.pk, "amount": {"amount": 1450, "currency": "USD"},
        "method": "e_wallet", "state": "failed", "failure_code": "account_closed",
        "buyer_renewed": False,
        "due_at": desk["closed"].arrive_by.isoformat().replace("+00:00", "Z")}


def test_r23_api_desk_filters_and_pages(call, market, desk):
    def ids(query: str) -> tuple[int, list[int]]:
        body = call("GET", f"/refunds?{query}", user=market.support).json()
        return body["count"], [r["id"] for r in body["refunds"]]

    assert ids("problem=overdue") == (1, [desk["overdue"].pk])
    assert ids("method=e_wallet") == (1, [desk["closed"].pk])
    assert ids(f"store={market.store.pk}&problem=failed") == (1, [desk["renewed"].pk])
    assert ids("older_than_days=3650") == (0, [])
    assert ids("limit=2&offset=1") == (4, [desk["closed"].pk, desk["late"].pk])


def test_r23_api_desk_refusals(call, market, desk):
    answer = call("GET", "/refunds", user=market.seller)
    assert (answer.status_code, answer.json()["code"]) == (403, "support_only")
    answer = call("GET", "/refunds?problem=lost", user=market.support)
    assert (answer.status_code, answer.json()["code"]) == (422, "invalid_input")
    answer = call("GET", "/refunds?method=cash", user=market.support)
    assert answer.status_code == 422
