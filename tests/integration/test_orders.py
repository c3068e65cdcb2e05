"""Checkout, payment and the unpaid order's life (R1-R6, R29) through the real services."""

from __future__ import annotations

import pytest

from rescind.domain.actions import Party
from rescind.domain.errors import DomainError
from rescind.orders.models import (
    AppendOnlyError,
    CartLine,
    Checkout,
    Deadline,
    Order,
    Payment,
    TimelineEntry,
)
from rescind.orders.reads import order_summary
from rescind.orders.services import (
    CheckoutItem,
    checkout_create,
    order_add_to_cart_again,
    order_cancel_unpaid,
    order_lower_price,
    payment_capture,
)
from rescind.scheduler import deadlines_fire_due
from tests.conftest import DAY, T0


def test_r1_checkout_makes_one_order_per_store_and_one_payment(market):
    # given a cart with items from two stores
    items = [CheckoutItem(market.product.pk, 2, {"colour": "blue"}),
             CheckoutItem(market.other_product.pk, 3, {})]
    # when the buyer checks out
    checkout = checkout_create(buyer=market.buyer, items=items, payment_method="e_wallet", now=T0)
    # then there is one order per store and one payment for both
    orders = list(checkout.orders.order_by("store__name"))
    assert [(o.store.name, o.items_total, o.shipping_fee, o.total) for o in orders] == [
        ("Store A", 2500, 300, 2800), ("Store B", 2175, 0, 2175)]
    assert checkout.payment.amount == 4975
    assert checkout.payment.method == "e_wallet"
    assert [o.state for o in orders] == ["awaiting_payment", "awaiting_payment"]
    line = orders[0].lines.get()
    assert (line.product_name, line.options, line.quantity, line.unit_price) == (
        "Shirt", {"colour": "blue"}, 2, 1250)
    assert TimelineEntry.objects.filter(order__in=orders, kind="OrderPlaced").count() == 2


@pytest.mark.parametrize(("items", "method", "code"), [
    ([], "bank_card", "empty_checkout"),
    ([(999_999, 1, {})], "bank_card", "unknown_product"),
    ([("product", 1, {"colour": "green"})], "bank_card", "bad_options"),
    ([("product", 1, {})], "bank_card", "bad_options"),
    ([("product", 1, {"colour": "red", "size": "M"})], "bank_card", "bad_options"),
    ([("product", 1000, {"colour": "red"})], "bank_card", "bad_quantity"),
    ([("product", 1, {"colour": "red"})], "cash", "unknown_payment_method"),
])
def test_r1_bad_checkout_is_refused_and_stores_nothing(market, items, method, code):
    # given an invalid checkout
    resolved = [CheckoutItem(market.product.pk if pid == "product" else pid, qty, opts)
                for pid, qty, opts in items]
    # when the buyer checks out, then it is refused with a stable code
    with pytest.raises(DomainError) as refused:
        checkout_create(buyer=market.buyer, items=resolved, payment_method=method, now=T0)
    assert refused.value.code == code
    # and nothing was stored
    assert Checkout.objects.count() == 0
    assert Order.objects.count() == 0


def test_r7_r12_paying_starts_the_handling_time_in_working_days(market):
    # given an unpaid order placed on Monday 2 March 2026
    order = market.place(at=T0)
    # when it is paid at once
    payment_capture(payment_id=order.checkout.payment.pk, buyer=market.buyer, now=T0)
    # then it awaits shipment, must ship within 7 working days (Wednesday 11 March)
    order.refresh_from_db()
    assert order.state == "awaiting_shipment"
    assert order.paid_at == T0
    assert order.ship_by == T0 + 9 * DAY
    # and the unpaid timeout is voided while the handling-time deadline runs
    deadlines = {d.kind: d for d in order.deadlines.all()}
    assert deadlines["unpaid_timeout"].voided_at == T0
    assert deadlines["handling_time"].due_at == T0 + 9 * DAY
    assert Payment.objects.get().state == "captured"


def test_r4_buyer_cancels_an_unpaid_order_at_once(market):
    # given an unpaid order
    order = market.place(at=T0)
    # when the buyer cancels it
    order_cancel_unpaid(order_id=order.pk, user=market.buyer, now=T0 + DAY)
    # then it is closed, attributed to no one, and nothing is owed
    order.refresh_from_db()
    assert (order.state, order.close_reason, order.responsible_side) == (
        "closed", "cancelled_by_buyer", "")
    assert order.checkout.payment.amount == 0
    assert order.deadlines.get(kind="unpaid_timeout").voided_at == T0 + DAY
    assert list(order.timeline.values_list("kind", "actor")) == [
        ("OrderPlaced", "buyer"), ("UnpaidOrderCancelled", "buyer")]


def test_r4_seller_cannot_cancel_for_the_buyer(market):
    order = market.place(at=T0)
    with pytest.raises(DomainError) as refused:
        order_cancel_unpaid(order_id=order.pk, user=market.seller, now=T0)
    assert refused.value.code == "not_your_action"
    order.refresh_from_db()
    assert order.state == "awaiting_payment"


def test_r4_paid_order_cannot_be_cancelled_at_once(market):
    order = market.paid(at=T0)
    with pytest.raises(DomainError) as refused:
        order_cancel_unpaid(order_id=order.pk, user=market.buyer, now=T0 + DAY)
    assert refused.value.code == "order_already_paid"


def test_r5_unpaid_order_closes_after_20_days_and_offers_add_to_cart_again(market):
    # given an order left unpaid
    order = market.place(at=T0)
    # when the clock reaches one second before 20 days, only the buyer's reminder fires (R27)
    assert deadlines_fire_due(now=T0 + 20 * DAY - DAY / 86400) == 1
    assert order.timeline.last().kind == "BuyerReminded"
    order.refresh_from_db()
    assert order.state == "awaiting_payment"
    # when it reaches 20 days, the order closes by itself
    assert deadlines_fire_due(now=T0 + 20 * DAY) == 1
    order.refresh_from_db()
    assert (order.state, order.close_reason) == ("closed", "unpaid_timeout")
    assert order.timeline.last().actor == "platform"
    # then the buyer is offered "add to cart again" instead of "pay now"
    view = order_summary(order, Party.BUYER, now=T0 + 20 * DAY)
    assert [a["action"] for a in view["actions"]] == ["add_to_cart_again"]
    added = order_add_to_cart_again(order_id=order.pk, user=market.buyer, now=T0 + 21 * DAY)
    assert added == 1
    cart = CartLine.objects.get(buyer=market.buyer)
    assert (cart.product_id, cart.quantity, cart.options) == (
        market.product.pk, 2, {"colour": "red"})


def test_r5_paid_order_is_not_closed_by_the_unpaid_timeout(market):
    order = market.paid(at=T0)
    deadlines_fire_due(now=T0 + 8 * DAY)  # before the handling time runs out
    order.refresh_from_db()
    assert order.state == "awaiting_shipment"


def test_r6_r3_seller_lowers_the_price_exactly_across_lines_and_shipping(market):
    # given an unpaid order of 28.00 (25.00 of items + 3.00 shipping)
    order = market.place(at=T0)
    # when the seller lowers it to 20.01
    order_lower_price(order_id=order.pk, user=market.seller, new_total=2001,
                      note="Welcome discount", now=T0 + DAY)
    # then the 7.99 reduction is spread to the cent and the payment follows
    order.refresh_from_db()
    line = order.lines.get()
    assert (order.total, order.discount_total) == (2001, 799)
    assert line.discount == 713  # 799 * 2500 / 2800 = 713.4 -> 713; shipping takes 86
    assert order.checkout.payment.amount == 2001
    entry = order.timeline.last()
    assert (entry.kind, entry.actor, entry.params["new_total"]["amount"]) == (
        "PriceLowered", "seller", 2001)


@pytest.mark.parametrize("new_total", [2800, 2900, 0])
def test_r6_price_can_only_go_down_and_stay_positive(market, new_total):
    order = market.place(at=T0)
    with pytest.raises(DomainError) as refused:
        order_lower_price(order_id=order.pk, user=market.seller, new_total=new_total, note="",
                          now=T0)
    assert refused.value.code == "price_not_lower"
    order.refresh_from_db()
    assert order.total == 2800


def test_r6_only_the_seller_lowers_the_price(market):
    order = market.place(at=T0)
    with pytest.raises(DomainError) as refused:
        order_lower_price(order_id=order.pk, user=market.buyer, new_total=100, note="", now=T0)
    assert refused.value.code == "not_your_action"


def test_r29_timeline_entries_are_never_changed_or_deleted(market):
    # given an order with a history
    order = market.place(at=T0)
    entry = order.timeline.get()
    # when someone tries to rewrite or delete it, then it refuses
    entry.kind = "Forged"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    assert TimelineEntry.objects.get(pk=entry.pk).kind == "OrderPlaced"


def test_r2_order_read_shows_state_actions_and_running_deadlines(market):
    # given an order paid an hour ago
    order = market.paid(at=T0)
    # when the buyer reads it
    view = order_summary(order, Party.BUYER, now=T0 + 1 * DAY / 24)
    # then it shows its state, no cancel yet (with when it opens) but a change (R13), and the
    # handling deadline
    assert view["state"] == "awaiting_shipment"
    assert [a["action"] for a in view["actions"]] == ["request_change"]
    assert [(u["action"], u["available_from"]) for u in view["upcoming_actions"]] == [
        ("request_cancellation", T0 + DAY)]
    assert [(d["kind"], d["due_at"]) for d in view["deadlines"]] == [
        ("handling_time", T0 + 9 * DAY)]
    # and the seller sees ship as their action
    seller_view = order_summary(order, Party.SELLER, now=T0)
    assert [a["action"] for a in seller_view["actions"]] == ["ship"]
    assert list(Deadline.objects.filter(order=order, fired_at__isnull=True,
                                        voided_at__isnull=True).values_list("kind", "due_at")
                .order_by("due_at")) == [("handling_time_reminder", T0 + 8 * DAY),
                                         ("handling_time", T0 + 9 * DAY)]
