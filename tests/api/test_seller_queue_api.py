"""GET /api/v1/seller/orders: the seller's queue through the API (issue 14, R28), with the page's
tabs, search, sort and cursor, and a stable code for every bad value."""

from __future__ import annotations

import pytest

from rescind.clock.service import now as clock_now
from tests.conftest import HOUR, T0


def test_r28_the_api_walks_a_tab_by_deadline_with_the_cursor(market, call):
    # given: three orders with cancellation requests in the seller's store, one in another
    # store's, and one paid order without a request
    now = clock_now()
    requested = [market.requested(at=now - n * HOUR) for n in (2, 85, 30)]
    market.paid(at=now)
    market.requested(at=now, product=market.other_product)

    # when: the seller reads "awaiting your answer" two at a time
    first = call("GET", "/seller/orders?tab=awaiting_answer&limit=2", user=market.seller)
    body = first.json()
    second = call("GET", f"/seller/orders?tab=awaiting_answer&limit=2&cursor={body['next_cursor']}",
                  user=market.seller).json()

    # then: soonest answer first, the next page carries on, the last page has no cursor
    assert first.status_code == 200
    assert (body["tab"], body["sort"]) == ("awaiting_answer", "deadline")
    assert [o["id"] for o in body["items"] + second["items"]] == [
        requested[1].pk, requested[2].pk, requested[0].pk]
    assert second["next_cursor"] is None
    item = body["items"][0]
    assert item["buyer_name"] == "buyer"
    assert item["lines"] == [{"product_id": market.product.pk, "product_name": "Shirt",
                              "quantity": 2}]
    due = item["respond_by"]
    assert (due["kind"], due["label"], due["urgent"], due["overdue"]) == (
        "seller_response", "Answer the cancellation request", True, False)
    assert 12 * 3600 - 60 < due["seconds_left"] <= 12 * 3600  # 25 h + 72 h after payment
    assert body["counts"] == {"awaiting_answer": 3, "to_ship": 4, "shipment_canceled": 0,
                              "in_dispute": 0, "completed": 0, "closed": 0, "all": 4}
    assert body["count_cap"] == 100


def test_the_api_searches_and_sorts_by_date(market, call):
    older, newer = market.paid(at=T0), market.paid(at=T0 + HOUR, buyer=market.other_buyer)
    by_date = call("GET", "/seller/orders?tab=to_ship&sort=date", user=market.seller).json()
    assert [o["id"] for o in by_date["items"]] == [newer.pk, older.pk]
    found = call("GET", "/seller/orders?q=oth%00er", user=market.seller).json()
    assert [o["id"] for o in found["items"]] == [newer.pk]
    assert found["counts"]["all"] == 1


def test_a_buyer_without_a_store_reads_an_empty_queue(market, call):
    market.paid(at=T0)
    body = call("GET", "/seller/orders", user=market.buyer).json()
    assert (body["items"], body["next_cursor"], body["counts"]["all"]) == ([], None, 0)


@pytest.mark.parametrize(("query", "code"), [
    ("tab=later", "unknown_tab"), ("sort=price", "unknown_sort"),
    ("cursor=%25%25%25", "bad_cursor"), ("cursor=e30", "bad_cursor"),
    ("tab=to_ship&cursor=WyJhbGwiLCJkYXRlIiwiMjAyNi0wMS0wMVQwMDowMDowMCswMDowMCIsMV0",
     "bad_cursor"),
])
def test_bad_queue_values_get_a_stable_code_never_a_500(market, call, query, code):
    response = call("GET", f"/seller/orders?{query}", user=market.seller)
    assert response.status_code == 422
    assert response.json()["code"] == code


def test_the_old_orders_list_answers_as_before(market, call):
    # given: a paid order; when the seller reads GET /orders with its offset; then a plain list
    order = market.paid(at=T0)
    response = call("GET", "/orders?limit=5&offset=0", user=market.seller)
    assert [o["id"] for o in response.json()] == [order.pk]


def test_r28_the_api_streams_the_same_exports(market, call):
    # given: a paid order in the seller's store and one in another store
    from django.contrib.auth.models import Permission

    mine, theirs = market.paid(at=T0), market.paid(at=T0, product=market.other_product)
    # when: the seller exports their orders, and support (with the permission) everyone's
    seller = call("GET", "/seller/orders/export?kind=orders&tab=to_ship", user=market.seller)
    refused = call("GET", "/support/exports?kind=orders", user=market.support)
    market.support.user_permissions.add(Permission.objects.get(codename="export_orders"))
    support = call("GET", "/support/exports?kind=orders", user=market.support)
    # then: CSV, streamed; the seller's holds their order only; support needs the permission
    assert seller["Content-Type"] == "text/csv; charset=utf-8"
    seller_rows = b"".join(seller.streaming_content).decode().splitlines()
    assert [line.split(",")[0] for line in seller_rows] == ["order_id", str(mine.pk)]
    assert (refused.status_code, refused.json()["code"]) == (403, "export_not_allowed")
    support_rows = b"".join(support.streaming_content).decode().splitlines()
    assert [line.split(",")[0] for line in support_rows[1:]] == [str(mine.pk), str(theirs.pk)]


@pytest.mark.parametrize(("path", "code"), [
    ("/seller/orders/export?kind=secrets", "unknown_export"),
    ("/seller/orders/export?tab=later", "unknown_tab"),
])
def test_bad_export_values_get_a_stable_code(market, call, path, code):
    response = call("GET", path, user=market.seller)
    assert (response.status_code, response.json()["code"]) == (422, code)
