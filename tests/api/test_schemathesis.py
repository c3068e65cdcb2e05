"""The API against its own OpenAPI schema: generated requests, in-process through WSGI.

Every operation is called as a buyer who owns orders in several states: no answer may be a server
error, and every answer must be one the schema declares, in the shape it declares.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from rescind.wsgi import application

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)

CHECKS = [
    schemathesis.checks.not_a_server_error,
    schemathesis.checks.status_code_conformance,
    schemathesis.checks.content_type_conformance,
    schemathesis.checks.response_schema_conformance,
    schemathesis.checks.response_headers_conformance,
    schemathesis.checks.negative_data_rejection,
    schemathesis.checks.ignored_auth,
    schemathesis.checks.missing_required_header,
    schemathesis.checks.unsupported_method,
]


@pytest.fixture
def requests_share_the_test_transaction():
    """Keep Django's WSGI handler from closing the connection that holds the test transaction
    (its test client does the same)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def owner(market, requests_share_the_test_transaction, settings, tmp_path):
    """market.buyer with a token, their orders unpaid, paid, asked to cancel and cancelled, and
    (as a seller of market.other_store too) orders of another buyer to ship or decide on; a
    message with a picture, a notification, a cart line and a coupon."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from rescind.accounts.models import ApiToken
    from rescind.clock.service import now as clock_now
    from rescind.coupons.models import Coupon
    from rescind.messaging.services import message_send
    from rescind.notifications.models import Notification
    from rescind.orders.models import CartLine
    from tests.sample_files import png_bytes

    settings.MEDIA_ROOT = str(tmp_path)

    market.other_store.sellers.add(market.buyer)
    since = clock_now() - timedelta(hours=26)
    sold = {"buyer": market.other_buyer, "product": market.other_product}
    orders = [market.place(at=since), market.paid(at=since),
              market.requested(at=since - timedelta(hours=1)), market.paid(at=since),
              market.place(at=since, product=market.other_product),
              market.place(at=since, **sold), market.paid(at=since, **sold),
              market.requested(at=since - timedelta(hours=1), **sold)]
    message = message_send(order_id=orders[1].pk, user=market.buyer, body="Colour?",
                           attachments=[SimpleUploadedFile("shirt.png", png_bytes(),
                                                           content_type="image/png")],
                           now=since + timedelta(hours=1))
    line = CartLine.objects.create(buyer=market.buyer, product=market.other_product,
                                   options={}, quantity=2)
    coupon = Coupon.objects.create(code="OWNED5", kind="platform", amount=500,
                                   owner=market.buyer, expires_at=since + timedelta(days=30))
    notification = Notification.objects.create(
        user=market.buyer, order=orders[1], kind="order_paid", title="Paid", body="Thank you.",
        created_at=since, dedup_key="owner-notification")
    return {
        "headers": {"Authorization": f"Bearer {ApiToken.issue(market.buyer)}"},
        "ids": {"order_id": [o.pk for o in orders],
                "payment_id": [o.checkout.payment.pk for o in orders],
                "checkout_id": [o.checkout_id for o in orders],
                "message_id": [message.pk],
                "attachment_id": [message.attachments.get().pk],
                "notification_id": [notification.pk],
                "line_id": [line.pk], "coupon_id": [coupon.pk]},
    }


def _aim_at_owned_resources(case, ids: dict[str, list[int]]) -> None:
    """Point two generated ids in three at the owner's resources, so that the actions are
    exercised as well as the 404 of an unknown id."""
    for name, value in (case.path_parameters or {}).items():
        if name in ids and isinstance(value, int) and value % 3:
            case.path_parameters[name] = ids[name][value % len(ids[name])]


@pytest.mark.django_db
@schema.parametrize()
@hypothesis_settings(max_examples=10, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.filter_too_much])
def test_api_conforms_to_its_schema(case, owner):
    # given a generated request from the buyer who owns orders in several states
    _aim_at_owned_resources(case, owner["ids"])
    # when it is sent, then the answer is no server error and conforms to the schema
    case.call_and_validate(headers=owner["headers"], checks=CHECKS)
