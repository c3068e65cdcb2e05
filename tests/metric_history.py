"""A store's history over three weeks of March 2026 whose metrics the page, API and browser
tests of the seller's metrics read (R30)."""

from __future__ import annotations

from rescind.aftersale.services import cancellation_approve, order_ship
from rescind.orders.models import Order
from rescind.orders.shipping import shipment_void
from rescind.scheduler import deadlines_fire_due
from tests.conftest import DAY, HOUR, T0

MARCH = "from=2026-03-02&to=2026-03-22"  # three whole weeks, Monday to Sunday


def history_make(market) -> dict[str, list[int]]:
    """Store A: week 1 two seller-side cancellations (one approved, one late) of 4 paid orders;
    week 2 a shipment voided and one buyer-side cancellation of 3; week 3 nothing. Store B: one
    paid order, a seller-side cancellation."""
    first = market.requested(at=T0, reason="out_of_stock")
    cancellation_approve(order_id=first.pk, user=market.seller, now=T0 + 2 * DAY)
    late = market.paid(at=T0 + HOUR)
    for _ in range(2):
        market.paid(at=T0 + 2 * HOUR)
    voided = market.paid(at=T0 + 7 * DAY)
    order_ship(order_id=voided.pk, user=market.seller, carrier="DHL",
               tracking_number=f"V{voided.pk}", now=T0 + 7 * DAY + HOUR)
    shipment_void(order_id=voided.pk, user=market.seller, now=T0 + 7 * DAY + 2 * HOUR)
    buyer_side = market.requested(at=T0 + 7 * DAY, reason="no_longer_needed")
    cancellation_approve(order_id=buyer_side.pk, user=market.seller, now=T0 + 9 * DAY)
    shipped = market.paid(at=T0 + 7 * DAY)
    order_ship(order_id=shipped.pk, user=market.seller, carrier="DHL",
               tracking_number=f"S{shipped.pk}", now=T0 + 7 * DAY + HOUR)
    other = market.requested(at=T0, reason="seller_too_slow", product=market.other_product)
    cancellation_approve(order_id=other.pk, user=market.other_seller, now=T0 + 2 * DAY)
    for order in Order.objects.filter(state="awaiting_shipment").exclude(pk=late.pk):
        order_ship(order_id=order.pk, user=market.seller, carrier="DHL",
                   tracking_number=f"X{order.pk}", now=T0 + 3 * HOUR)
    deadlines_fire_due(now=T0 + 12 * DAY)  # the handling time of `late` passes
    return {"cancelled": [first.pk, late.pk], "late": [late.pk], "voided": [voided.pk]}


