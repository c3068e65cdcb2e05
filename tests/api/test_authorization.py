"""Who may touch what, for every operation of the OpenAPI schema, found automatically.

A new endpoint joins these tests by being in the schema. One with a path parameter the tests
cannot fill fails them loudly, so that nobody adds an endpoint whose access was never tried.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.db import transaction

from tests.api.conftest import API

HTTP_METHODS = {"get", "put", "post", "patch", "delete"}
PUBLIC_OPERATIONS = {("POST", f"{API}/auth/tokens")}
# How a resource that is not the caller's is refused: as if it did not exist, or as forbidden.
REFUSALS = {"order_not_found", "payment_not_found", "checkout_not_found",
            "attachment_not_found", "notification_not_found", "not_your_action",
            "support_only", "webhooks_permission_required", "token_not_found",
            "cart_line_not_found", "coupon_not_found"}
# A valid value for fields whose plausible content the schema alone cannot tell.
FIELD_EXAMPLES = {
    "reason": "no_longer_needed",
    "report_supplier": False,
    "carrier": "DHL",
    "tracking_number": "TRK-0001",
    "note": "As agreed with the buyer.",
    "reason_code": "already_shipped",  # R11: a refusal reason of the fixed list
    "new_total": 1000,
    "payment_method": "bank_card",
    "by": "1h",
    "username": "buyer",
    "password": "pw",
    "body": "Has it left the warehouse?",
    "event": "in_transit",
    "url": "https://example.com/hook",
    "event_kinds": ["OrderPaid"],  # R27: a webhook subscriber's filters
    "store_ids": [],
    "lines": [{"line": 1, "quantity": 1}],  # R13: one shirt fewer
    "dispute_reason": "damaged",  # R18 ("not_received" waits for the promised delivery, R17)
    "evidence": [],
    "method": "bank_card",  # R21, R23: the refund destination keeps the payment's method
    "instrument": "renewed_card",
    "version": None,  # R20: a decision that names no version seen is not checked for staleness
}


@dataclass
class Estate:
    """Resources of `market.buyer` in `market.store`, in every state an action applies to."""

    orders: dict[str, int]
    payments: dict[str, int]
    checkouts: dict[str, int]
    messages: dict[str, int]
    attachments: dict[str, int]
    notifications: dict[str, int]
    carrier_events: dict[str, int]
    webhooks: dict[str, int]
    webhook_deliveries: dict[str, int]
    refunds: dict[str, int]
    tokens: dict[str, int]
    cart_lines: dict[str, int]
    coupons: dict[str, int]

    def values_of(self, parameter: str) -> dict[str, int] | None:
        return {"order_id": self.orders, "payment_id": self.payments,
                "checkout_id": self.checkouts, "message_id": self.messages,
                "attachment_id": self.attachments,
                "notification_id": self.notifications,
                "event_id": self.carrier_events, "webhook_id": self.webhooks,
                "delivery_id": self.webhook_deliveries, "refund_id": self.refunds,
                "token_id": self.tokens, "line_id": self.cart_lines,
                "coupon_id": self.coupons}.get(parameter)


@pytest.fixture
def estate(market, settings, tmp_path) -> Estate:
    """Orders placed 26 hours ago (so a paid one may be asked to cancel), one per state; a
    message with a picture on the paid one; a notification in the buyer's inbox; a webhook
    subscriber with a delivered event, managed by support (R27); an API token of the buyer's
    (say, of their phone); a failed refund; a carrier event waiting for support; a line in the
    buyer's cart and a platform coupon of theirs (R25)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from rescind.accounts.models import ApiToken
    from rescind.aftersale.changes import change_accept, change_request
    from rescind.aftersale.services import cancellation_approve, order_ship
    from rescind.clock.service import now as clock_now
    from rescind.coupons.models import Coupon
    from rescind.domain.changes import LineChange
    from rescind.messaging.services import message_send
    from rescind.notifications.models import Notification
    from rescind.orders.models import CartLine
    from rescind.orders.services import order_cancel_unpaid
    from rescind.orders.shipping import shipment_void
    from tests.sample_files import png_bytes

    settings.MEDIA_ROOT = str(tmp_path)

    since = clock_now() - timedelta(hours=26)
    unpaid = market.place(at=since)
    paid = market.paid(at=since)
    requested = market.requested(at=since - timedelta(hours=1))
    cancelled_unpaid = market.place(at=since)
    order_cancel_unpaid(order_id=cancelled_unpaid.pk, user=market.buyer, now=since)
    shipped = market.paid(at=since)
    order_ship(order_id=shipped.pk, user=market.seller, carrier="DHL", tracking_number="T1",
               now=since + timedelta(hours=1))
    refunded = market.requested(at=since - timedelta(hours=1))
    cancellation_approve(order_id=refunded.pk, user=market.seller, now=since + timedelta(hours=1))
    shipment_canceled = market.paid(at=since)
    order_ship(order_id=shipment_canceled.pk, user=market.seller, carrier="DHL",
               tracking_number="T2", now=since + timedelta(hours=1))
    shipment_void(order_id=shipment_canceled.pk, user=market.seller,
                  now=since + timedelta(hours=2))
    change_requested, charge_awaited = market.paid(at=since), market.paid(at=since)
    for order, quantity in ((change_requested, 1), (charge_awaited, 3)):  # R13
        change_request(order_id=order.pk, user=market.buyer, now=since + timedelta(hours=1),
                       changes=[LineChange(line=1, quantity=quantity)])
    change_accept(order_id=charge_awaited.pk, user=market.seller, now=since + timedelta(hours=2))
    disputes = _disputes(market, since)
    refund_failed = _refund_failed(market, since)
    message = message_send(order_id=paid.pk, user=market.buyer, body="Colour?",
                           attachments=[SimpleUploadedFile("shirt.png", png_bytes(),
                                                           content_type="image/png")],
                           now=since + timedelta(hours=1))
    notification = Notification.objects.create(
        user=market.buyer, order=paid, kind="order_paid", title="Paid", body="Thank you.",
        created_at=since, dedup_key="estate-notification")
    queued = _carrier_event_queued(since)
    orders = {"unpaid": unpaid, "paid": paid, "requested": requested,
              "cancelled_unpaid": cancelled_unpaid, "shipped": shipped, "refunded": refunded,
              "shipment_canceled": shipment_canceled, "change_requested": change_requested,
              "charge_awaited": charge_awaited, "refund_failed": refund_failed.order, **disputes}
    return Estate(
        orders={name: o.pk for name, o in orders.items()},
        payments={"pending": unpaid.checkout.payment.pk, "captured": paid.checkout.payment.pk},
        checkouts={name: o.checkout_id for name, o in orders.items()},
        messages={"with_picture": message.pk},
        attachments={"picture": message.attachments.get().pk},
        notifications={"paid": notification.pk},
        carrier_events={"queued": queued.pk},
        **_webhooks(market, since),
        refunds={"failed": refund_failed.pk},
        tokens={"phone": ApiToken.issue_row(market.buyer, "phone")[1].pk},
        cart_lines={"shirt": CartLine.objects.create(buyer=market.buyer, product=market.product,
                                                     options={"colour": "red"}, quantity=1).pk},
        coupons={"platform": Coupon.objects.create(
            code="ESTATE5", kind="platform", amount=500, owner=market.buyer,
            expires_at=since + timedelta(days=30)).pk},
    )


def _carrier_event_queued(since):
    """R15: a carrier's event that names no parcel, waiting for support."""
    from django.contrib.auth import get_user_model

    from rescind.orders.models import Carrier
    from rescind.orders.shipping import carrier_event_record

    account = get_user_model().objects.create_user("dhl-bot", password="pw")
    Carrier.objects.create(name="DHL").accounts.add(account)
    return carrier_event_record(user=account, tracking_number="LOST-1", event="delivered",
                                now=since)


def _webhooks(market, since) -> dict:
    """R27: a subscriber with one delivered event; support holding manage_webhooks."""
    from django.contrib.auth.models import Permission

    from rescind.notifications.models import WebhookDelivery, WebhookSubscriber

    market.support.user_permissions.add(Permission.objects.get(codename="manage_webhooks"))
    subscriber = WebhookSubscriber.objects.create(name="ERP", url="https://93.184.215.14/hooks")
    delivery = WebhookDelivery.objects.create(
        subscriber=subscriber, event_kind="OrderPaid", payload={"kind": "OrderPaid"},
        created_at=since, delivered_at=since, status="delivered", attempts=1, last_status=200,
        dedup_key="estate:webhook:1")
    return {"webhooks": {"erp": subscriber.pk}, "webhook_deliveries": {"delivered": delivery.pk}}


def _refund_failed(market, since):
    """R23: a refund refused for good (the sandbox's expired card); support may retry it."""
    from django.contrib.auth.models import Permission

    from rescind.aftersale.services import cancellation_approve
    from rescind.refunds.models import Refund
    from rescind.refunds.services import refund_submit

    market.support.user_permissions.add(Permission.objects.get(codename="retry_refund"))
    order = market.requested(at=since - timedelta(hours=1), instrument="expired_card")
    cancellation_approve(order_id=order.pk, user=market.seller, now=since + timedelta(hours=1))
    refund = Refund.objects.get(order=order)
    assert refund_submit(refund_id=refund.pk, now=since + timedelta(hours=1)) == "failed"
    return refund


def _disputes(market, since) -> dict:
    """R18-R20: a shipped order's dispute in each state an action applies to; support staff
    allowed to decide them."""
    from django.contrib.auth.models import Permission

    from rescind.aftersale.services import order_ship
    from rescind.disputes.returns import dispute_return_ship
    from rescind.disputes.services import (
        dispute_accept,
        dispute_escalate,
        dispute_open,
        dispute_propose,
    )

    market.support.user_permissions.add(Permission.objects.get(codename="decide_dispute"))
    at = since + timedelta(hours=3)
    orders = {}
    for name in ("disputed", "proposed", "escalated", "returning", "returned"):
        order = orders[name] = market.paid(at=since)
        order_ship(order_id=order.pk, user=market.seller, carrier="DHL",
                   tracking_number=f"T-{name}", now=since + timedelta(hours=1))
        dispute_open(order_id=order.pk, user=market.buyer, reason="damaged", claim=1000,
                     return_item=name.startswith("return"), description="", evidence=[],
                     now=since + timedelta(hours=2))
    for name in ("proposed", "escalated"):
        dispute_propose(order_id=orders[name].pk, user=market.seller, amount=500,
                        return_item=False, note="", now=at)
    dispute_escalate(order_id=orders["escalated"].pk, user=market.buyer, note="", now=at)
    for name in ("returning", "returned"):
        dispute_accept(order_id=orders[name].pk, user=market.seller, now=at)
    dispute_return_ship(order_id=orders["returned"].pk, user=market.buyer, carrier="DHL",
                        tracking_number="RET-1", now=at)
    return orders


def _openapi(client) -> dict:
    response = client.get(f"{API}/openapi.json")
    assert response.status_code == 200
    return response.json()


def _operations(schema: dict) -> list[tuple[str, str, dict]]:
    return [(method.upper(), path, operation)
            for path, item in schema["paths"].items()
            for method, operation in item.items() if method in HTTP_METHODS]


def _path_parameters(path: str, operation: dict) -> list[str]:
    declared = {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
    return sorted(declared | set(re.findall(r"{(\w+)}", path)))


def _example(schema: dict, components: dict, name: str | None = None):
    """A value valid for `schema`: a known example for the field, else the smallest valid one."""
    if "$ref" in schema:
        return _example(components[schema["$ref"].rsplit("/", 1)[-1]], components, name)
    if name in FIELD_EXAMPLES:
        return FIELD_EXAMPLES[name]
    for combinator in ("allOf", "anyOf", "oneOf"):
        if combinator in schema:
            return _example(schema[combinator][0], components, name)
    kind = schema.get("type")
    if kind == "object":
        return {key: _example(sub, components, key)
                for key, sub in schema.get("properties", {}).items()}
    if kind == "array":
        return [_example(schema["items"], components)] * max(1, schema.get("minItems", 1))
    if kind == "integer":
        return max(1, schema.get("minimum", 1))
    if kind == "boolean":
        return False
    if kind == "string":
        return "x" * max(1, schema.get("minLength", 1))
    return None


def _is_file(schema: dict) -> bool:
    return schema.get("format") == "binary" or schema.get("items", {}).get("format") == "binary"


def _body(operation: dict, components: dict) -> dict:
    """`call` keyword arguments for a plausible body: `body=` JSON or `form=` multipart fields
    (every field but files)."""
    content = operation.get("requestBody", {}).get("content", {})
    if "multipart/form-data" in content:
        fields = content["multipart/form-data"]["schema"]
        if "$ref" in fields:
            fields = components[fields["$ref"].rsplit("/", 1)[-1]]
        return {"form": {name: _example(sub, components, name)
                         for name, sub in fields.get("properties", {}).items()
                         if not _is_file(sub)}}
    if "application/json" in content:
        return {"body": _example(content["application/json"]["schema"], components)}
    return {}


def _fill(path: str, values: dict[str, int]) -> str:
    return re.sub(r"{(\w+)}", lambda m: str(values[m.group(1)]), path)


def _resource_operations(schema: dict, estate: Estate):
    """Every operation naming a resource in its path, with each filling of its parameters.

    Fails when a path parameter is one the estate has no resource for.
    """
    unknown = sorted({f"{method} {path}: {name}"
                      for method, path, operation in _operations(schema)
                      for name in _path_parameters(path, operation)
                      if estate.values_of(name) is None})
    if unknown:
        pytest.fail("No resource to fill these path parameters; teach Estate about them: "
                    + "; ".join(unknown))
    for method, path, operation in _operations(schema):
        names = _path_parameters(path, operation)
        if not names:
            continue
        fillings = [{}]
        for name in names:
            fillings = [{**f, name: value} for f in fillings
                        for value in estate.values_of(name).values()]
        yield method, path, operation, fillings


def _snapshot() -> dict:
    """Everything an action on an order could change."""
    from django.db.models import Count

    from rescind.accounts.models import ApiToken
    from rescind.aftersale.models import CancellationRequest, ChangeRequest
    from rescind.coupons.models import Coupon
    from rescind.messaging.models import OrderMessage
    from rescind.notifications.models import Notification
    from rescind.orders.models import (
        CartLine,
        Checkout,
        Deadline,
        Order,
        Payment,
        Shipment,
        TimelineEntry,
    )
    from rescind.refunds.models import Refund

    return {
        "orders": list(Order.objects.order_by("pk").values_list(
            "pk", "state", "close_reason", "total", "discount_total", "refunded")),
        "timeline": list(Order.objects.order_by("pk").annotate(entries=Count("timeline"))
                         .values_list("pk", "entries")),
        "timeline_total": TimelineEntry.objects.count(),
        "deadlines": list(Deadline.objects.order_by("pk").values_list(
            "pk", "due_at", "fired_at", "voided_at")),
        "requests": list(CancellationRequest.objects.order_by("pk").values_list("pk", "state")),
        "changes": list(ChangeRequest.objects.order_by("pk").values_list("pk", "state")),
        "payments": list(Payment.objects.order_by("pk").values_list("pk", "state", "amount")),
        "refunds": Refund.objects.count(),
        "shipments": Shipment.objects.count(),
        "cart_lines": list(CartLine.objects.order_by("pk").values_list("pk", "quantity")),
        "coupons": list(Coupon.objects.order_by("pk").values_list("pk", "owner_id", "state")),
        "checkouts": Checkout.objects.count(),
        "messages": OrderMessage.objects.count(),
        "notifications": list(Notification.objects.order_by("pk").values_list("pk", "read_at")),
        "tokens": list(ApiToken.objects.order_by("pk").values_list("pk", "user_id")),
    }


def test_every_resource_operation_refuses_other_buyers_and_sellers(market, estate, client, call,
                                                                   bearer):
    # given every operation naming an order, payment or checkout of market.buyer in market.store
    for intruder in (market.other_buyer, market.other_seller):
        bearer(intruder)  # their tokens issued before the snapshot
    schema = _openapi(client)
    components = schema.get("components", {}).get("schemas", {})
    operations = list(_resource_operations(schema, estate))
    assert len(operations) >= 11
    before = _snapshot()
    states_and_timelines = _states_and_timelines(estate)
    assert states_and_timelines["unpaid"] == ("awaiting_payment", 1)
    assert states_and_timelines["requested"] == ("awaiting_shipment", 3)
    refused, wrong = 0, []
    # when another buyer and another store's seller call each of them on each resource
    for method, path, operation, fillings in operations:
        body = _body(operation, components)
        for values in fillings:
            for intruder in (market.other_buyer, market.other_seller):
                response = call(method, _fill(path, values), user=intruder, **body)
                # then each is refused as not found or forbidden, and nothing changed
                if response.status_code not in (403, 404):
                    wrong.append(f"{intruder.username} {method} {_fill(path, values)} -> "
                                 f"{response.status_code} {response.content[:200]!r}")
                elif response.json()["code"] not in REFUSALS:
                    wrong.append(f"{intruder.username} {method} {path}: {response.json()}")
                else:
                    refused += 1
                if _snapshot() != before:
                    wrong.append(f"{intruder.username} {method} {_fill(path, values)} "
                                 "changed the database")
                    before = _snapshot()
    assert wrong == []
    assert refused == 2 * sum(len(fillings) for *_, fillings in operations)
    assert _states_and_timelines(estate) == states_and_timelines


def _states_and_timelines(estate: Estate) -> dict[str, tuple[str, int]]:
    from rescind.orders.models import Order

    names = {pk: name for name, pk in estate.orders.items()}
    return {names[o.pk]: (o.state, o.timeline.count())
            for o in Order.objects.filter(pk__in=names)}


def test_every_resource_operation_succeeds_for_its_rightful_party_on_some_resource(
        market, estate, client, call, bearer):
    # given every resource operation and the order's own buyer and seller, with their tokens
    owners = (market.buyer, market.seller, market.support)  # support decides disputes (R20)
    for owner in owners:
        bearer(owner)  # issued outside the rolled-back calls below
    schema = _openapi(client)
    components = schema.get("components", {}).get("schemas", {})
    never = []
    for method, path, operation, fillings in _resource_operations(schema, estate):
        body = _body(operation, components)
        succeeded = False
        # when each of them calls it on each resource (each call undone afterwards)
        for values in fillings:
            for owner in owners:
                with transaction.atomic():
                    status = call(method, _fill(path, values), user=owner, **body).status_code
                    transaction.set_rollback(True)
                succeeded = succeeded or 200 <= status < 300
        # then one of them succeeds somewhere: the body is plausible and the estate covers it
        if not succeeded:
            never.append(f"{method} {path}")
    assert never == []


def test_every_operation_but_token_exchange_answers_401_without_valid_credentials(
        market, estate, client, call):
    # given every operation of the schema, with its path filled and a plausible body
    schema = _openapi(client)
    components = schema.get("components", {}).get("schemas", {})
    before = _snapshot()
    answers = {}
    for method, path, operation in _operations(schema):
        if (method, path) in PUBLIC_OPERATIONS:
            continue
        unknown = [n for n in _path_parameters(path, operation) if estate.values_of(n) is None]
        assert not unknown, f"{method} {path}: cannot fill {unknown}"
        ids = {n: next(iter(estate.values_of(n).values()))
               for n in _path_parameters(path, operation)}
        # when it is called with no credentials, and with a token nobody was issued
        for credentials in ({}, {"Authorization": "Bearer rsc_not-a-token"}):
            response = call(method, _fill(path, ids), **_body(operation, components),
                            headers=credentials)
            answers[(method, path, bool(credentials))] = (response.status_code,
                                                          response.json()["code"])
    # then each answers 401 not_authenticated, and nothing changed
    assert len(answers) == 2 * (len(_operations(schema)) - len(PUBLIC_OPERATIONS))
    assert {key: value for key, value in answers.items()
            if value != (401, "not_authenticated")} == {}
    assert _snapshot() == before


def test_token_exchange_is_the_one_operation_open_without_credentials(market, client, call):
    # given the schema's operations
    schema = _openapi(client)
    open_ones = {(method, path) for method, path, operation in _operations(schema)
                 if operation.get("security") is None}
    # when POST /auth/tokens is called without credentials
    response = call("POST", "/auth/tokens", body={"username": "buyer", "password": "pw"})
    # then it is the only operation the schema leaves open, and it issues a token
    assert open_ones == PUBLIC_OPERATIONS
    assert response.status_code == 201
    assert response.json()["user_id"] == market.buyer.pk
    assert response.json()["token"].startswith("rsc_")


def test_an_inactive_users_token_is_refused(market, call):
    # given a token of a buyer who has since been deactivated
    from rescind.accounts.models import ApiToken

    token = ApiToken.issue(market.buyer)
    market.buyer.is_active = False
    market.buyer.save(update_fields=["is_active"])
    # when they read their orders with it
    response = call("GET", "/orders", headers={"Authorization": f"Bearer {token}"})
    # then the API does not know them
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_the_order_list_shows_other_parties_none_of_the_buyers_orders(market, estate, call):
    # given the buyer's orders in market.store
    # when another buyer and another store's seller list their orders
    as_other_buyer = call("GET", "/orders", user=market.other_buyer)
    as_other_seller = call("GET", "/orders", user=market.other_seller)
    as_seller = call("GET", "/orders?limit=200", user=market.seller)
    # then they see none of them, while the store's seller sees all of them
    assert (as_other_buyer.status_code, as_other_buyer.json()) == (200, [])
    assert (as_other_seller.status_code, as_other_seller.json()) == (200, [])
    assert sorted(o["id"] for o in as_seller.json()) == sorted(estate.orders.values())
