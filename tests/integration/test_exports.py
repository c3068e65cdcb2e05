"""CSV exports of the seller's queue (issue 14): what each holds, whose orders, cells no
spreadsheet runs as formulas, support's own URL and permission, and flat memory while a
100,000-row export streams (a memory assertion, measured with tracemalloc, never a time)."""

from __future__ import annotations

import csv
import io
import tracemalloc

from django.contrib.auth.models import Permission

from rescind.aftersale.services import cancellation_approve
from rescind.orders.exports import cell
from rescind.orders.models import Checkout, Order, OrderLine
from tests.conftest import DAY, T0


def _csv(response) -> list[list[str]]:
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


def test_cells_that_would_run_as_formulas_get_a_quote():
    assert [cell(v) for v in ("=1+2", "+1", "-3", "@SUM(A1)", "\tx", "Shirt", 12, None)] == [
        "'=1+2", "'+1", "'-3", "'@SUM(A1)", "'\tx", "Shirt", "12", ""]


def test_the_seller_exports_their_own_orders_of_a_tab(market, client):
    # given: an order with a request in the seller's store, another paid one, and an order of
    # another store; the buyer's name starts with "="
    market.buyer.first_name = "=HYPERLINK"
    market.buyer.save()
    requested = market.requested(at=T0)
    market.paid(at=T0 + DAY)
    market.requested(at=T0, product=market.other_product)
    client.force_login(market.seller)

    # when: the seller exports "awaiting your answer" and its requests
    response = client.get("/seller/orders/export/orders.csv?tab=awaiting_answer")
    rows = _csv(response)
    requests = _csv(client.get("/seller/orders/export/requests.csv?tab=awaiting_answer"))

    # then: one order, theirs, named by its buyer's user name; an attachment named for it
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith(
        'attachment; filename="orders-awaiting_answer-')
    assert rows[0][:5] == ["order_id", "placed_at", "store", "buyer", "state"]
    assert [(r[0], r[2], r[3], r[4], r[6], r[7], r[8]) for r in rows[1:]] == [
        (str(requested.pk), "Store A", "buyer", "awaiting_shipment", "2 x Shirt", "USD", "2800")]
    assert [(r[0], r[2], r[3], r[4]) for r in requests[1:]] == [
        ("cancellation", str(requested.pk), "pending", "no_longer_needed")]


def test_refunds_and_formula_cells_in_an_export(market, client):
    # given: a request approved with a note that starts like a formula: a refund is opened
    order = market.requested(at=T0)
    cancellation_approve(order_id=order.pk, user=market.seller, note="=cmd|' /C calc'!A0",
                         now=T0 + 2 * DAY)
    client.force_login(market.seller)
    refunds = _csv(client.get("/seller/orders/export/refunds.csv?tab=closed"))
    requests = _csv(client.get("/seller/orders/export/requests.csv?tab=closed"))
    assert [(r[1], r[2], r[3], r[4]) for r in refunds[1:]] == [
        (str(order.pk), "USD", "2800", "bank_card")]
    assert requests[1][9] == "'=cmd|' /C calc'!A0"


def test_support_exports_every_store_with_the_permission_only(market, client):
    mine, theirs = market.paid(at=T0), market.paid(at=T0, product=market.other_product)
    client.force_login(market.support)
    refused = client.get("/support/exports/orders.csv")
    assert refused.status_code == 403
    market.support.user_permissions.add(Permission.objects.get(codename="export_orders"))
    client.force_login(market.support)
    rows = _csv(client.get("/support/exports/orders.csv?tab=to_ship"))
    assert [r[0] for r in rows[1:]] == [str(mine.pk), str(theirs.pk)]
    client.force_login(market.seller)
    assert client.get("/support/exports/orders.csv").status_code == 403


def test_an_unknown_export_goes_back_to_the_queue_with_a_message(market, client):
    client.force_login(market.seller)
    response = client.get("/seller/orders/export/secrets.csv", follow=True)
    assert response.redirect_chain == [("/seller/orders/", 302)]
    assert "&#x27;secrets&#x27; is not an export." in response.content.decode()


def _orders_in_bulk(market, count: int, *, start: int = 0) -> None:
    """`count` paid orders with a line each, inserted in batches (no services: the export only
    reads rows)."""
    checkouts = Checkout.objects.bulk_create(
        [Checkout(buyer=market.buyer, created_at=T0) for _ in range(count)], batch_size=2000)
    orders = Order.objects.bulk_create([
        Order(checkout=c, store=market.store, buyer=market.buyer, state="awaiting_shipment",
              currency="USD", items_total=2500, shipping_fee=300, total=2800,
              payment_method="bank_card", placed_at=T0, paid_at=T0, ship_by=T0 + 9 * DAY)
        for c in checkouts], batch_size=2000)
    OrderLine.objects.bulk_create([
        OrderLine(order=o, product=market.product, product_name=f"Shirt {start + n}",
                  quantity=2, unit_price=1250) for n, o in enumerate(orders)], batch_size=2000)


def _peak_while_streaming(client) -> tuple[int, int]:
    """(rows, tracemalloc peak in bytes) while the seller's orders export is consumed and
    dropped line by line."""
    response = client.get("/seller/orders/export/orders.csv?tab=to_ship")
    tracemalloc.start()
    try:
        lines = sum(1 for _line in response.streaming_content)
        return lines - 1, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_a_100000_row_export_streams_in_flat_memory(market, client):
    # given: 10,000 orders in the seller's store
    _orders_in_bulk(market, 10_000)
    client.force_login(market.seller)
    small_rows, small_peak = _peak_while_streaming(client)
    # when: the store has 100,000 and the export is streamed again
    _orders_in_bulk(market, 90_000, start=10_000)
    large_rows, large_peak = _peak_while_streaming(client)
    # then: ten times the rows, and the peak memory while streaming stays within 1.5 times
    # that of the small export (a chunk of rows at a time, never the whole export)
    assert (small_rows, large_rows) == (10_000, 100_000)
    assert large_peak < 1.5 * small_peak, (small_peak, large_peak)
