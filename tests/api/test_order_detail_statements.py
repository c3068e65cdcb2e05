"""The order detail reads each related table once, whatever the number of its rows (issue 16
item 2): every write of the API answers with it, so it must not grow with an order's lines,
requests, shipments or timeline."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.conftest import DAY, HOUR, T0

# The token and its user, the order, then one statement per table: cancellation requests,
# change requests, shipments, deadlines, lines, refunds, the timeline and the store (those eight
# sent together, one round trip on PostgreSQL), and the payment (the refunds' destination).
DETAIL_STATEMENTS = 12


def _order_of(market, lines: int):
    """An order paid at T0 with `lines` lines (one product each), cancelled on request on day
    2, after `lines - 1` requests the buyer withdrew: `lines` requests, a refund, and
    3 + 2 x `lines` timeline entries."""
    from rescind.aftersale.services import (
        cancellation_approve,
        cancellation_request,
        cancellation_withdraw,
    )
    from rescind.orders.models import Product
    from rescind.orders.services import CheckoutItem, checkout_create, payment_capture

    products = [Product.objects.create(store=market.store, name=f"Item {n}", unit_price=500)
                for n in range(lines)]
    checkout = checkout_create(buyer=market.buyer,
                               items=[CheckoutItem(p.pk, 1, {}) for p in products],
                               payment_method="bank_card", now=T0)
    order = checkout.orders.get()
    payment_capture(payment_id=checkout.payment.pk, buyer=market.buyer, now=T0)
    at = T0 + 25 * HOUR
    for _ in range(lines - 1):
        cancellation_request(order_id=order.pk, user=market.buyer, reason="no_longer_needed",
                             report_supplier=False, now=at)
        cancellation_withdraw(order_id=order.pk, user=market.buyer, now=at + HOUR)
        at += 2 * HOUR
    cancellation_request(order_id=order.pk, user=market.buyer, reason="no_longer_needed",
                         report_supplier=False, now=at)
    cancellation_approve(order_id=order.pk, user=market.seller, note="", now=T0 + 2 * DAY)
    return order


def _statements_of_detail(call, user, order) -> tuple[int, dict]:
    with CaptureQueriesContext(connection) as statements:
        response = call("GET", f"/orders/{order.pk}", user=user)
    assert response.status_code == 200
    return len(statements), response.json()


def test_the_detail_costs_the_same_statements_for_one_line_and_for_five(market, call, bearer):
    # given an order with one line, one request and 5 timeline entries, and an order with
    # five lines, five requests and 13 timeline entries, and the buyer's token
    small, large = _order_of(market, 1), _order_of(market, 5)
    bearer(market.buyer)
    # when the buyer reads each order's detail
    small_count, small_body = _statements_of_detail(call, market.buyer, small)
    large_count, large_body = _statements_of_detail(call, market.buyer, large)
    # then both cost the same statements, one per table, and the detail shows every row
    assert (small_count, large_count) == (DETAIL_STATEMENTS, DETAIL_STATEMENTS)
    assert [(len(b["lines"]), len(b["timeline"]), len(b["refunds"])) for b in (
        small_body, large_body)] == [(1, 5, 1), (5, 13, 1)]


def test_the_detail_of_an_order_without_refunds_skips_the_payment(market, call, bearer):
    # given a paid order with its buyer's token, already issued
    order = market.paid(at=T0)
    bearer(market.buyer)
    # when its buyer reads the detail
    count, body = _statements_of_detail(call, market.buyer, order)
    # then the payment (the refunds' destination) is not read
    assert count == DETAIL_STATEMENTS - 1
    assert (body["refunds"], body["refund_destination"]) == ([], None)


def test_a_pending_request_is_read_once_for_the_actions_and_the_answer(market, call, bearer):
    # given an order whose cancellation request waits for the seller, and the buyer's token
    order = market.requested(at=T0)
    bearer(market.buyer)
    # when the buyer reads the detail
    count, body = _statements_of_detail(call, market.buyer, order)
    # then the request that makes "withdraw" available is the one the detail shows, read in
    # the same statement
    assert count == DETAIL_STATEMENTS - 1
    assert body["cancellation_request"]["state"] == "pending"
    assert [a["action"] for a in body["actions"]] == ["withdraw_cancellation"]


def _database_lost_after(statements: int):
    """An execute wrapper under which the database goes away once `statements` statements
    were sent: PostgreSQL ends this connection's session (as a restart does); SQLite aborts
    every later statement (it has no connection to lose)."""
    sent = []

    def wrapper(execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        sent.append(sql)
        if len(sent) == statements:
            if connection.vendor == "postgresql":  # a second session, as Django opens one
                with connection.get_new_connection(connection.get_connection_params()) as other:
                    # Cast: bound on the server, a pid under 32768 is a smallint, and Citus
                    # adds a pg_terminate_backend(bigint, bigint) beside PostgreSQL's.
                    other.execute("SELECT pg_terminate_backend(%s::integer)",
                                  [connection.connection.info.backend_pid])
            else:
                connection.connection.set_progress_handler(lambda: 1, 1)
        return result

    return wrapper


def test_the_database_lost_while_the_tables_are_read_together_answers_503(market, call,
                                                                          bearer):
    # given a paid order and its buyer's token
    order = market.paid(at=T0)
    bearer(market.buyer)
    # when the database goes away once the token, its user, the order and the eight tables
    # read together were sent (on PostgreSQL the end of that pipeline is the first to meet the
    # lost connection, outside Django's cursor)
    try:
        with connection.execute_wrapper(_database_lost_after(3 + 8)):
            response = call("GET", f"/orders/{order.pk}", user=market.buyer)
    finally:
        if connection.vendor == "sqlite":
            connection.connection.set_progress_handler(None, 1)
    # then the buyer is told to retry: a 503 in the API's error shape, not a 500
    assert (response.status_code, response["Retry-After"], response.json()["code"]) == (
        503, "5", "service_unavailable")
