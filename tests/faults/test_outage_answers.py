"""A database error raised outside a view (in a middleware: the Idempotency-Key claim, the
session) is answered 503 with Retry-After like one raised in the view, not with a 500 page.
The PostgreSQL-restart test proves it end to end; these pin the handler down in a second."""

from __future__ import annotations

import io
import json
import logging

import pytest
from django.db import InterfaceError, OperationalError
from django.test import RequestFactory
from django.urls import path

from rescind.api.outage import server_error

pytestmark = [pytest.mark.faults]


def _broken(request):
    raise ZeroDivisionError("a bug")


def _outage(request):
    raise OperationalError("server closed the connection")


urlpatterns = [path("api/v1/broken", _broken), path("api/v1/outage", _outage)]
handler500 = "rescind.api.outage.server_error"


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


@pytest.fixture
def error_log():
    """What the server prints on its console for django.request (settings.LOGGING)."""
    handler = logging.getLogger("django.request").handlers[0]
    printed = io.StringIO()
    # Swapped by hand: setStream() flushes the stream it replaces, the stderr of the moment
    # logging was last configured, which may be closed: a CLI test (typer's CliRunner) sets
    # Django up again while its own stderr, closed after the command, stands in.
    saved, handler.stream = handler.stream, printed
    try:
        yield printed
    finally:
        handler.stream = saved


@pytest.mark.urls(__name__)
def test_a_500_prints_its_traceback_and_an_outage_503_does_not(client, error_log):
    # given a server whose console shows django.request's errors
    client.raise_request_exception = False
    # when one request meets a bug and another a database outage
    statuses = [client.get("/api/v1/broken").status_code, client.get("/api/v1/outage").status_code]
    # then the bug's traceback is on the console for the engineer; the outage's 503 is not
    # (rescind.api.outage logs it as one line)
    assert statuses == [500, 503]
    printed = error_log.getvalue()
    assert ("Internal Server Error: /api/v1/broken" in printed,
            'ZeroDivisionError: a bug' in printed, "/api/v1/outage" in printed) == (
        True, True, False)
