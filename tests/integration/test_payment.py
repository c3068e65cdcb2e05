"""Paying a checkout: charged once, exactly what is marked paid, never inside a transaction
(R1, R3, R4, R5)."""

from __future__ import annotations

import pytest

from rescind.domain.errors import DomainError
from rescind.orders.models import Payment
from rescind.orders.services import (
    _capture_claim,
    order_cancel_unpaid,
    order_lower_price,
    payment_capture,
)
from rescind.refunds.models import SandboxFault, SandboxOperation
from rescind.scheduler import deadlines_fire_due
from tests.conftest import DAY, T0


def test_r1_paying_twice_charges_once(market):
    order = market.place(at=T0)
    payment_capture(payment_id=order.checkout.payment.pk, buyer=market.buyer, now=T0)
    payment_capture(payment_id=order.checkout.payment.pk, buyer=market.buyer, now=T0)
    assert SandboxOperation.objects.filter(kind="capture").count() == 1
    payment = Payment.objects.get()
    assert (payment.state, payment.amount) == ("captured", 2800)


def test_r4_r6_a_payment_going_through_freezes_its_orders(market):
    # given a payment claimed for capture whose gateway call has not answered yet
    order = market.place(at=T0)
    _capture_claim(order.checkout.payment)
    # when the buyer cancels or the seller reprices, then both are told to try again
    with pytest.raises(DomainError) as cancel:
        order_cancel_unpaid(order_id=order.pk, user=market.buyer, now=T0)
    with pytest.raises(DomainError) as reprice:
        order_lower_price(order_id=order.pk, user=market.seller, new_total=100, note="",
                          now=T0)
    assert (cancel.value.code, reprice.value.code) == ("payment_in_progress",
                                                        "payment_in_progress")
    # and the unpaid timeout waits instead of closing a paid-for order or being lost
    assert deadlines_fire_due(now=T0 + 21 * DAY) == 0
    order.refresh_from_db()
    assert order.state == "awaiting_payment"
    assert order.deadlines.get(kind="unpaid_timeout").voided_at is None
    # when the capture is retried (a crash between steps), it completes with the same key
    payment_capture(payment_id=order.checkout.payment.pk, buyer=market.buyer, now=T0)
    order.refresh_from_db()
    assert order.state == "awaiting_shipment"
    assert SandboxOperation.objects.filter(kind="capture").count() == 1


def test_r1_a_refused_payment_releases_the_orders(market):
    # given a gateway that refuses the next capture
    SandboxFault.objects.create(operation="capture", remaining=1)
    order = market.place(at=T0)
    with pytest.raises(DomainError) as refused:
        payment_capture(payment_id=order.checkout.payment.pk, buyer=market.buyer, now=T0)
    # then the buyer hears why, nothing is paid, and the order can be cancelled again
    assert refused.value.code == "payment_failed"
    assert Payment.objects.get().state == "pending"
    order_cancel_unpaid(order_id=order.pk, user=market.buyer, now=T0 + DAY)
    order.refresh_from_db()
    assert order.state == "closed"


def test_r1_pays_only_the_orders_still_awaiting_payment(market):
    # given a two-store checkout where one order was cancelled before paying
    from rescind.orders.services import CheckoutItem, checkout_create

    checkout = checkout_create(buyer=market.buyer, payment_method="bank_card", now=T0, items=[
        CheckoutItem(market.product.pk, 1, {"colour": "red"}),
        CheckoutItem(market.other_product.pk, 1, {})])
    first, second = checkout.orders.order_by("pk")
    order_cancel_unpaid(order_id=second.pk, user=market.buyer, now=T0)
    # when the buyer pays
    payment_capture(payment_id=checkout.payment.pk, buyer=market.buyer, now=T0)
    # then exactly the remaining order's total was charged
    assert SandboxOperation.objects.get(kind="capture").amount == first.total == 1550
    first.refresh_from_db()
    assert first.state == "awaiting_shipment"
