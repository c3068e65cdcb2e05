"""RFC 7240 `Prefer: return=minimal` on the order writes (issue 16 item 2): the order's state
(and after a cancellation request, the request made) instead of the whole detail, which stays
the default."""

from __future__ import annotations

import re
from datetime import datetime

from django.db import connection
from django.test.utils import CaptureQueriesContext

from rescind.api.prefer import preferred_return
from tests.conftest import DAY, HOUR

REQUEST = {"reason": "no_longer_needed", "report_supplier": False}
MINIMAL = {"Prefer": "return=minimal"}


def _paid_a_day_ago(market):
    from rescind.clock.service import now as clock_now

    return market.paid(at=clock_now() - 26 * HOUR)


def _iso(value: str) -> str:
    return value.replace("Z", "+00:00")


def _ms(value: datetime) -> str:
    """An instant as the API writes it: to the millisecond."""
    return value.isoformat(timespec="milliseconds")


def _sql(statements: CaptureQueriesContext) -> list[str]:
    """What each statement does, without its values: the SQL before VALUES or WHERE, numbers
    (savepoint names) left out."""
    return [re.sub(r"\d+", "N", re.split(" VALUES | WHERE ", s["sql"])[0])
            for s in statements.captured_queries]


def test_r7_a_cancellation_request_answers_the_whole_order_by_default(market, call):
    # given a paid order
    order = _paid_a_day_ago(market)
    # when its buyer requests cancellation without a Prefer header
    response = call("POST", f"/orders/{order.pk}/cancellation-request", user=market.buyer,
                    body=REQUEST)
    # then the answer is the whole detail, as it always was, and says it could have been less
    assert response.status_code == 201
    body = response.json()
    assert body["id"] == order.pk
    assert body["cancellation_request"]["state"] == "pending"
    assert {"lines", "timeline", "deadlines", "actions", "refunds"} <= set(body)
    assert "Preference-Applied" not in response.headers
    assert "Prefer" in [name.strip() for name in response.headers["Vary"].split(",")]


def test_r7_return_minimal_answers_the_order_state_and_the_request_made(market, call):
    # given a paid order
    from rescind.aftersale.models import CancellationRequest

    order = _paid_a_day_ago(market)
    # when its buyer requests cancellation and prefers a minimal answer
    response = call("POST", f"/orders/{order.pk}/cancellation-request", user=market.buyer,
                    body=REQUEST, headers=MINIMAL)
    # then the answer is the order's state and the request, and says the preference was applied
    assert response.status_code == 201
    assert response.headers["Preference-Applied"] == "return=minimal"
    made = CancellationRequest.objects.get(order=order)
    body = response.json()
    request = body["cancellation_request"]
    assert {**request, "requested_at": _iso(request["requested_at"]),
            "respond_by": _iso(request["respond_by"])} == {
        "state": "pending", "reason": "no_longer_needed", "reason_label": "I no longer need it",
        "side": "buyer", "report_supplier": False,
        "requested_at": _ms(made.requested_at), "respond_by": _ms(made.respond_by),
        "decided_at": None, "decision_note": "", "refusal_reason": None,
        "refusal_reason_label": None}
    assert {k: v for k, v in body.items() if k != "cancellation_request"} == {
        "id": order.pk, "state": "awaiting_shipment", "close_reason": None,
        "refunded": {"amount": 0, "currency": "USD"}, "closed_at": None}


def test_r7_return_minimal_reads_nothing_after_the_write(market, call, bearer):
    # given two paid orders and the buyer's token, already issued
    whole, minimal = _paid_a_day_ago(market), _paid_a_day_ago(market)
    bearer(market.buyer)
    # when the buyer requests cancellation of one with the whole answer, of the other minimal
    with CaptureQueriesContext(connection) as whole_statements:
        call("POST", f"/orders/{whole.pk}/cancellation-request", user=market.buyer,
             body=REQUEST)
    with CaptureQueriesContext(connection) as minimal_statements:
        call("POST", f"/orders/{minimal.pk}/cancellation-request", user=market.buyer,
             body=REQUEST, headers=MINIMAL)
    # then both write alike; the minimal answer ends with the end of the write's transaction
    # (a savepoint inside the test's own), where the whole one then reads the order, its store
    # and each of its 7 related tables
    writes = _sql(minimal_statements)
    assert _sql(whole_statements)[:len(writes)] == writes
    assert len(whole_statements) - len(minimal_statements) == 9
    assert writes[-1] == 'RELEASE SAVEPOINT "sN_xN"'


def test_r10_return_minimal_on_an_approval_answers_the_closed_order(market, call):
    # given an order whose buyer asked to cancel a day after paying
    from rescind.clock.service import now as clock_now

    order = market.requested(at=clock_now() - 2 * DAY)
    # when the seller approves and prefers a minimal answer
    response = call("POST", f"/orders/{order.pk}/cancellation-request/approve",
                    user=market.seller, body={"note": ""}, headers=MINIMAL)
    # then the answer is the order's new state alone: closed and refunded in full
    assert response.status_code == 200
    assert response.headers["Preference-Applied"] == "return=minimal"
    body = response.json()
    order.refresh_from_db()
    assert {**body, "closed_at": _iso(body["closed_at"])} == {
        "id": order.pk, "state": "closed", "close_reason": "cancelled_on_request",
        "refunded": {"amount": 2800, "currency": "USD"}, "closed_at": _ms(order.closed_at)}


def test_r14_return_representation_on_a_shipment_answers_the_whole_order(market, call):
    # given a paid order
    order = _paid_a_day_ago(market)
    # when the seller ships it and prefers the whole representation, as RFC 7240 spells it
    response = call("POST", f"/orders/{order.pk}/ship", user=market.seller,
                    body={"carrier": "DHL", "tracking_number": "T-1"},
                    headers={"Prefer": "return=representation"})
    # then the answer is the whole detail, without a Preference-Applied header
    assert response.status_code == 200
    assert response.json()["shipments"][0]["tracking_number"] == "T-1"
    assert "Preference-Applied" not in response.headers


def test_r7_a_refused_request_answers_the_error_whatever_the_preference(market, call):
    # given an order whose cancellation request already waits for the seller
    from rescind.clock.service import now as clock_now

    order = market.requested(at=clock_now() - 2 * DAY)
    # when the buyer asks again, preferring a minimal answer
    response = call("POST", f"/orders/{order.pk}/cancellation-request", user=market.buyer,
                    body=REQUEST, headers=MINIMAL)
    # then the answer is the usual error, and no preference was applied to it
    assert response.status_code == 409
    assert response.json()["code"] == "request_already_pending"
    assert "Preference-Applied" not in response.headers


def test_the_return_preference_is_read_as_rfc_7240_writes_it():
    # given Prefer headers as clients send them, when the return preference is read,
    # then names are case-insensitive, values may be quoted, parameters and other
    # preferences are ignored, and the first return preference wins
    assert [preferred_return(h) for h in (
        None, "", "return=minimal", "RETURN=Minimal", 'respond-async, return="minimal"',
        "return=minimal; foo=bar", "wait=10", "return=representation, return=minimal",
        "return", "return=minimal,", ",,;=;",
    )] == [None, None, "minimal", "minimal", "minimal", "minimal", None, "representation",
           "", "minimal", None]


def test_the_schema_documents_the_preference_and_both_answers(client):
    # when the OpenAPI schema is read
    schema = client.get("/api/v1/openapi.json").json()
    operation = schema["paths"]["/api/v1/orders/{order_id}/cancellation-request"]["post"]
    # then it names the Prefer header, both answers, and the Preference-Applied header
    assert [p["name"] for p in operation["parameters"] if p["in"] == "header"] == ["Prefer"]
    created = operation["responses"]["201"]
    assert [s["$ref"].rsplit("/", 1)[1] for s in
            created["content"]["application/json"]["schema"]["anyOf"]] == [
        "OrderDetailOut", "CancellationRequestedOut"]
    assert list(created["headers"]) == ["Preference-Applied"]
    approve = schema["paths"]["/api/v1/orders/{order_id}/cancellation-request/approve"]["post"]
    assert [s["$ref"].rsplit("/", 1)[1] for s in
            approve["responses"]["200"]["content"]["application/json"]["schema"]["anyOf"]] == [
        "OrderDetailOut", "OrderStateOut"]
