"""Small frictions of the API found by the fuzzer and by hand (issue 12, item 5): 401 for every
unauthenticated call, CSRF only for logged-in browser sessions, bounded inputs and bounded
echoes, and fixed lists typed as enums in the OpenAPI schema."""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client

from tests.api.conftest import API
from tests.conftest import HOUR

PUBLIC_OPERATIONS = {("POST", f"{API}/auth/tokens")}
MEGABYTE = 1024 * 1024


def _schema() -> dict:
    response = Client().get(f"{API}/openapi.json")
    assert response.status_code == 200
    return response.json()


def _operations() -> list[tuple[str, str]]:
    return [(method.upper(), path) for path, item in _schema()["paths"].items()
            for method in item if method in {"get", "put", "post", "patch", "delete"}]


# --- 401 for every call without credentials, CSRF only for a logged-in session --------------

@pytest.mark.parametrize(("method", "path"), [
    operation for operation in _operations() if operation not in PUBLIC_OPERATIONS])
def test_every_operation_without_credentials_answers_401_even_with_csrf_enforced(
        market, method, path):
    # given a client that enforces CSRF as a browser's requests are, and sends no credentials
    client = Client(enforce_csrf_checks=True)
    # when it calls the operation (any id: authentication comes first)
    response = client.generic(method, re.sub(r"{\w+}", "1", path), data="{}",
                              content_type="application/json")
    # then the answer is 401 not_authenticated with a Bearer challenge, for a POST as a GET
    assert (response.status_code, response.json()["code"]) == (401, "not_authenticated")
    assert response["WWW-Authenticate"] == "Bearer"


def test_a_logged_in_session_without_its_csrf_token_is_refused_and_changes_nothing(market):
    # given the buyer logged in to the web pages, and their unpaid order
    order = market.place()
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(market.buyer)
    # when the session cancels the order without the CSRF token
    refused = browser.post(f"{API}/orders/{order.pk}/cancel")
    # then it is refused as a CSRF failure and the order still awaits payment
    assert refused.status_code == 403
    assert refused.json() == {
        "code": "csrf_failed",
        "message": "A logged-in browser session must send its CSRF token (X-CSRFToken "
                   "header); apps send a bearer token instead.",
        "details": {}}
    order.refresh_from_db()
    assert order.state == "awaiting_payment"
    # and a read needs no token, while the same change with the token is done
    assert browser.get(f"{API}/orders/{order.pk}").status_code == 200
    secret = "a" * 32
    browser.cookies["csrftoken"] = secret
    done = browser.post(f"{API}/orders/{order.pk}/cancel", headers={"X-CSRFToken": secret})
    assert (done.status_code, done.json()["state"]) == (200, "closed")


def test_a_bearer_token_needs_no_csrf_token(market, bearer):
    # given an app with the buyer's token, against a client that enforces CSRF
    order = market.place()
    app = Client(enforce_csrf_checks=True)
    # when it cancels the unpaid order
    response = app.post(f"{API}/orders/{order.pk}/cancel", headers=bearer(market.buyer))
    # then the token is enough
    assert (response.status_code, response.json()["state"]) == (200, "closed")


# --- every free-text input has a maximum length, and errors never echo much of it -----------

def _strings_without_bound(node, where: str, components: dict, seen=()):
    """Each string schema under `node` that has neither maxLength nor a fixed list of values."""
    if not isinstance(node, dict):
        return
    if "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[-1]
        if name not in seen:
            yield from _strings_without_bound(components[name], f"{where}->{name}", components,
                                              (*seen, name))
        return
    bounded = "maxLength" in node or "enum" in node or "const" in node
    if node.get("type") == "string" and node.get("format") != "binary" and not bounded:
        yield where
    for name, sub in node.get("properties", {}).items():
        yield from _strings_without_bound(sub, f"{where}.{name}", components, seen)
    for key in ("items", "additionalProperties", "propertyNames"):
        if isinstance(node.get(key), dict):
            yield from _strings_without_bound(node[key], f"{where}[{key}]", components, seen)
    for key in ("anyOf", "allOf", "oneOf"):
        for sub in node.get(key, []):
            yield from _strings_without_bound(sub, where, components, seen)


def test_every_request_string_in_the_schema_has_a_maximum_length():
    # given the OpenAPI schema
    schema = _schema()
    components = schema["components"]["schemas"]
    # when every query parameter and request body is walked, option names included
    unbounded = []
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "query":
                    unbounded += _strings_without_bound(
                        parameter["schema"], f"{method} {path} ?{parameter['name']}", components)
            for kind, content in operation.get("requestBody", {}).get("content", {}).items():
                unbounded += _strings_without_bound(content["schema"],
                                                    f"{method} {path} {kind}", components)
    # then no free-text field is without a maximum length
    assert unbounded == []


def _checkout(call, market, **changes):
    body = {"items": [{"product_id": market.other_product.pk, "quantity": 1}],
            "payment_method": "bank_card", **changes}
    return call("POST", "/checkouts", user=market.buyer, body=body)


def test_a_megabyte_coupon_code_is_refused_without_being_echoed(market, call):
    # given a checkout with a coupon code of one megabyte
    from rescind.orders.models import Checkout

    # when it is sent
    response = _checkout(call, market, coupon_codes=["X" * MEGABYTE])
    # then it is invalid input naming the field, the answer is small, and nothing is bought
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_input"
    assert [(e["type"], e["loc"]) for e in response.json()["details"]["errors"]] == [
        ("string_too_long", ["body", "body", "coupon_codes", 0])]
    assert len(response.content) < 1000
    assert Checkout.objects.count() == 0


def test_a_megabyte_option_name_is_refused_without_being_echoed(market, call):
    # given a checkout whose shirt has an option named by a megabyte of text
    from rescind.orders.models import Checkout

    items = [{"product_id": market.product.pk, "quantity": 1,
              "options": {"colour": "red", "Y" * MEGABYTE: "big"}}]
    # when it is sent
    response = _checkout(call, market, items=items)
    # then it is refused, naming the key cut to 100 characters, in a few hundred bytes
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_input"
    assert [(e["type"], e["loc"]) for e in response.json()["details"]["errors"]] == [
        ("string_too_long", ["body", "body", "items", 0, "options", "Y" * 100 + "…", "[key]"])]
    assert len(response.content) < 1000
    assert Checkout.objects.count() == 0


def test_a_megabyte_payment_method_is_refused_with_a_cut_echo(market, call):
    # given a checkout paid by a method named with a megabyte of text
    response = _checkout(call, market, payment_method="Z" * MEGABYTE)
    # then it is the documented refusal, quoting at most 300 characters of the input
    assert response.status_code == 422
    assert response.json()["code"] == "unknown_payment_method"
    assert response.json()["message"] == "'" + "Z" * 299 + "…"
    assert response.json()["details"] == {"allowed": ["bank_card", "e_wallet", "bank_transfer"]}


def test_a_refusal_quotes_at_most_100_characters_of_any_value():
    # given a refusal whose details quote a megabyte of a caller's input
    from django.test import RequestFactory

    from rescind.api.api import api
    from rescind.domain.errors import DomainError, ErrorKind

    refusal = DomainError("unknown_coupon", "There is no such coupon.", kind=ErrorKind.INVALID,
                          details={"coupon": "C" * MEGABYTE, "tried": ["D" * 101, "E" * 100]})
    # when the API renders it
    response = api.on_exception(RequestFactory().post(f"{API}/checkouts"), refusal)
    # then each value is cut to 100 characters and an ellipsis
    assert response.status_code == 422
    assert json.loads(response.content)["details"] == {"coupon": "C" * 100 + "…",
                                          "tried": ["D" * 100 + "…", "E" * 100]}


# --- fixed lists are enums in the schema, and off-list values keep their documented codes ----

def _field(schema: dict, component: str, field: str) -> dict:
    node = schema["components"]["schemas"][component]["properties"][field]
    return next((n for n in node.get("anyOf", [node]) if n.get("type") != "null"), node)


def _query(schema: dict, path: str, name: str) -> dict:
    parameter = next(p for p in schema["paths"][API + path]["get"]["parameters"]
                     if p["name"] == name)
    return next(n for n in parameter["schema"].get("anyOf", [parameter["schema"]])
                if n.get("type") != "null")


def test_fields_that_take_a_fixed_list_are_enums_in_the_schema():
    # given the domain's lists
    from rescind.aftersale.models import CancellationRequest, ChangeRequest
    from rescind.config import policy
    from rescind.domain.actions import Action
    from rescind.domain.disputes import DISPUTE_REASONS, DisputeState
    from rescind.domain.policy import Side
    from rescind.domain.refunds import PaymentMethod, RefundState
    from rescind.domain.shipping import CarrierEvent
    from rescind.domain.states import CloseReason, OrderState

    methods = [m.value for m in PaymentMethod]
    reasons = [r.code for r in policy().r8_reasons]
    states = [s.value for s in OrderState]
    # when the schema is read
    schema = _schema()
    # then each field that takes one of them lists exactly them
    enums = {
        "CheckoutIn.payment_method": _field(schema, "CheckoutIn", "payment_method"),
        "CancellationRequestIn.reason": _field(schema, "CancellationRequestIn", "reason"),
        "DisputeIn.dispute_reason": _field(schema, "DisputeIn", "dispute_reason"),
        "CarrierEventIn.event": _field(schema, "CarrierEventIn", "event"),
        "GET /orders ?state": _query(schema, "/orders", "state"),
        "GET cancellation-quote ?reason": _query(
            schema, "/orders/{order_id}/cancellation-quote", "reason"),
        "OrderSummaryOut.state": _field(schema, "OrderSummaryOut", "state"),
        "OrderSummaryOut.close_reason": _field(schema, "OrderSummaryOut", "close_reason"),
        "OrderSummaryOut.responsible_side": _field(schema, "OrderSummaryOut",
                                                   "responsible_side"),
        "OrderSummaryOut.payment_method": _field(schema, "OrderSummaryOut", "payment_method"),
        "CancellationRequestOut.state": _field(schema, "CancellationRequestOut", "state"),
        "RefundOut.state": _field(schema, "RefundOut", "state"),
        "ChangeRequestOut.state": _field(schema, "ChangeRequestOut", "state"),
        "DisputeOut.state": _field(schema, "DisputeOut", "state"),
        "DisputeOut.reason": _field(schema, "DisputeOut", "reason"),
        "ShipmentOut.void_cause": _field(schema, "ShipmentOut", "void_cause"),
        "ActionOut.action": _field(schema, "ActionOut", "action"),
        "DeadlineOut.kind": _field(schema, "DeadlineOut", "kind"),
    }
    assert {name: node.get("enum") for name, node in enums.items()} == {
        "CheckoutIn.payment_method": methods,
        "CancellationRequestIn.reason": reasons,
        "DisputeIn.dispute_reason": list(DISPUTE_REASONS),
        "CarrierEventIn.event": [e.value for e in CarrierEvent],
        "GET /orders ?state": states,
        "GET cancellation-quote ?reason": reasons,
        "OrderSummaryOut.state": states,
        "OrderSummaryOut.close_reason": [r.value for r in CloseReason],
        "OrderSummaryOut.responsible_side": [s.value for s in Side],
        "OrderSummaryOut.payment_method": methods,
        "CancellationRequestOut.state": CancellationRequest.State.values,
        "RefundOut.state": [s.value for s in RefundState],
        "ChangeRequestOut.state": ChangeRequest.State.values,
        "DisputeOut.state": [s.value for s in DisputeState],
        "DisputeOut.reason": list(DISPUTE_REASONS),
        "ShipmentOut.void_cause": ["tracking_invalid", "voided_by_seller",
                                   "canceled_by_platform"],
        "ActionOut.action": [a.value for a in Action],
        "DeadlineOut.kind": ["unpaid_timeout", "seller_response", "handling_time",
                             "delivery_confirmation", "shipment_canceled_reply",
                             "change_request_response", "promised_delivery", "protection_end"],
    }


def test_r15_an_unknown_carrier_event_keeps_its_documented_code(market, call):
    # given a carrier account
    from django.contrib.auth import get_user_model

    from rescind.orders.models import Carrier

    account = get_user_model().objects.create_user("cainiao-bot", password="pw")
    Carrier.objects.create(name="Cainiao").accounts.add(account)
    # when it reports an event that is not on the list
    response = call("POST", "/carrier/events", user=account,
                    body={"tracking_number": "LP1", "event": "exploded"})
    # then it is 422 unknown_carrier_event with the events there are
    assert response.status_code == 422
    assert response.json() == {
        "code": "unknown_carrier_event", "message": "'exploded' is not a tracking event.",
        "details": {"allowed": ["in_transit", "delivered", "tracking_invalid"]}}


def test_r18_an_unknown_dispute_reason_keeps_its_documented_code(market, call):
    # given a shipped order
    from rescind.aftersale.services import order_ship
    from rescind.clock.service import now as clock_now
    from rescind.domain.disputes import DISPUTE_REASONS

    order = market.paid(at=clock_now() - 26 * HOUR)
    order_ship(order_id=order.pk, user=market.seller, carrier="DHL", tracking_number="T1",
               now=clock_now() - 25 * HOUR)
    # when the buyer disputes it for a reason that is not on the list
    response = call("POST", f"/orders/{order.pk}/dispute", user=market.buyer,
                    body={"dispute_reason": "no_longer_needed"})
    # then it is 422 unknown_dispute_reason with the reasons there are, and no dispute opens
    assert response.status_code == 422
    assert response.json() == {
        "code": "unknown_dispute_reason",
        "message": "'no_longer_needed' is not a dispute reason.",
        "details": {"allowed": list(DISPUTE_REASONS)}}
    order.refresh_from_db()
    assert order.state == "awaiting_delivery"


def test_r8_an_unknown_quote_reason_keeps_its_documented_code(market, call):
    # given a paid order
    from rescind.clock.service import now as clock_now

    order = market.paid(at=clock_now() - 26 * HOUR)
    # when the buyer asks what cancelling for an unlisted reason would do
    response = call("GET", f"/orders/{order.pk}/cancellation-quote?reason=changed_my_mind",
                    user=market.buyer)
    # then it is 422 unknown_reason
    assert (response.status_code, response.json()["code"]) == (422, "unknown_reason")


def test_an_unknown_reason_beside_another_bad_field_is_invalid_input_naming_both(market, call):
    # given a paid order and a request with an unlisted reason and no R9 answer
    from rescind.clock.service import now as clock_now

    order = market.paid(at=clock_now() - 26 * HOUR)
    # when it is sent
    response = call("POST", f"/orders/{order.pk}/cancellation-request", user=market.buyer,
                    body={"reason": "changed_my_mind"})
    # then both fields are named in one invalid_input answer
    assert (response.status_code, response.json()["code"]) == (422, "invalid_input")
    assert [(e["type"], e["loc"]) for e in response.json()["details"]["errors"]] == [
        ("literal_error", ["body", "body", "reason"]),
        ("missing", ["body", "body", "report_supplier"])]


def test_an_order_state_filter_off_the_list_is_invalid_input(market, call):
    # when the buyer lists orders in a state that does not exist
    response = call("GET", "/orders?state=lost_in_space", user=market.buyer)
    # then it is refused rather than answered with an empty list
    assert (response.status_code, response.json()["code"]) == (422, "invalid_input")
    assert response.json()["details"]["errors"][0]["loc"] == ["query", "state"]
