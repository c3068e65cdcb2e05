"""A database error raised outside a view (in a middleware: the Idempotency-Key claim, the
session) is answered 503 with Retry-After like one raised in the view, not with a 500 page.
The PostgreSQL-restart test proves it end to end; these pin the handler down in a second."""

from __future__ import annotations

import json

import pytest
from django.db import InterfaceError, OperationalError
from django.test import RequestFactory

from rescind.api.outage import server_error

pytestmark = [pytest.mark.faults]


@pytest.mark.parametrize("error", [OperationalError("server closed the connection"),
                                   InterfaceError("connection already closed")])
def test_database_error_outside_a_view_is_a_503_with_retry_after(error):
    # given a request during which the database went away
    request = RequestFactory().post("/api/v1/orders/1/cancellation-request")
    # when Django renders the uncaught error
    try:
        raise error
    except type(error):
        response = server_error(request)
    # then the caller gets the API's error shape, a 503 and when to retry
    assert (response.status_code, response["Content-Type"], response["Retry-After"]) == (
        503, "application/json", "5")
    assert json.loads(response.content)["code"] == "service_unavailable"


def test_any_other_error_outside_a_view_stays_a_500():
    # given a request that failed for a reason other than the database
    request = RequestFactory().get("/api/v1/orders")
    # when Django renders the uncaught error
    try:
        raise ZeroDivisionError
    except ZeroDivisionError:
        response = server_error(request)
    # then it is Django's own 500, with no promise that retrying helps
    assert (response.status_code, response.has_header("Retry-After")) == (500, False)
