"""The order page's money table after changes of items, through the real services: the rows
still sum to the total charged, each movement shown once (R3, R13; issue 13)."""

from __future__ import annotations

from rescind.aftersale.changes import change_accept, change_charge_confirm, change_request
from rescind.coupons.models import Coupon
from rescind.domain.actions import Party
from rescind.domain.changes import LineChange
from rescind.orders.reads import order_detail
from rescind.orders.services import CheckoutItem, checkout_create, payment_capture
from rescind.web.order_money import CHEAPER_CHANGE, DISCOUNT_DROPPED, order_money
from tests.conftest import DAY, T0


def _table(order) -> tuple[list[int], list[tuple[str, str, int]], int, list[tuple]]:
    order.refresh_from_db()
    table = order_money(order, order_detail(order, Party.BUYER, now=T0 + 3 * DAY))
    assert table["adds_up"] is True
    return ([line["amount"]["amount"] for line in table["lines"]],
            [(r["label"], r["sign"], r["amount"]["amount"]) for r in table["rows"]],
            table["total"]["amount"],
            [(r["label"], r["sign"], r["amount"]["amount"]) for r in table["refunds"]])


def _with_coupon(market, amount: int):
    """Two red shirts (25.00 + 3.00 shipping) bought at T0 with store coupon SHIRTS of
    `amount`, paid."""
    Coupon.objects.create(code="SHIRTS", kind="seller", amount=amount, store=market.store,
                          expires_at=T0 + 30 * DAY, owner=market.buyer)
    checkout = checkout_create(buyer=market.buyer, payment_method="bank_card", now=T0,
                               items=[CheckoutItem(market.product.pk, 2, {"colour": "red"})],
                               coupon_codes=["SHIRTS"])
    payment_capture(payment_id=checkout.payment.pk, buyer=market.buyer, now=T0)
    return checkout.orders.get()


def _one_shirt_accepted(market, order) -> None:
    change_request(order_id=order.pk, user=market.buyer, now=T0 + DAY, delivery=None,
                   changes=[LineChange(line=1, quantity=1)])
    change_accept(order_id=order.pk, user=market.seller, now=T0 + 2 * DAY)


def test_r3_r13_a_cheaper_change_shows_what_was_paid_before_it_and_the_refund_after(market):
    # given: two shirts with a 5.00 coupon (23.00 paid), changed to one: 12.50 refunded
    order = _with_coupon(market, 500)
    _one_shirt_accepted(market, order)

    # when: the money table is built
    lines, rows, total, refunds = _table(order)

    # then: the one shirt at list price, shipping, the coupon once, the 12.50 paid before the
    # change added back: 23.00 charged; the refund and what is left after it below
    assert lines == [1250]
    assert rows == [("Shipping", "+", 300), ("Store coupon SHIRTS", "-", 500),
                    (CHEAPER_CHANGE, "+", 1250)]
    assert total == 2300
    assert refunds == [("Refunded", "-", 1250), ("Paid after refunds", "+", 1050)]


def test_r3_r13_a_discount_the_changed_items_cannot_carry_is_shown_added_back(market):
    # given: two shirts with a 20.00 coupon (25.00 - 20.00 + 3.00 = 8.00 paid), changed to one
    # shirt (12.50), which can carry only 12.50 of the discount: 5.00 refunded
    order = _with_coupon(market, 2000)
    _one_shirt_accepted(market, order)

    # when: the money table is built
    lines, rows, total, refunds = _table(order)

    # then: the 7.50 of discount dropped and the 5.00 paid before the change are each added
    # back once: 12.50 + 3.00 - 20.00 + 7.50 + 5.00 = 8.00 charged
    assert lines == [1250]
    assert rows == [("Shipping", "+", 300), ("Store coupon SHIRTS", "-", 2000),
                    (DISCOUNT_DROPPED, "+", 750), (CHEAPER_CHANGE, "+", 500)]
    assert total == 800
    assert refunds == [("Refunded", "-", 500), ("Paid after refunds", "+", 300)]


def test_r3_r13_a_dearer_change_charged_and_applied_needs_no_row_of_its_own(market):
    # given: two shirts paid (28.00), then a third asked for, accepted and its 12.50 charged
    order = market.paid(at=T0)
    change_request(order_id=order.pk, user=market.buyer, now=T0 + DAY, delivery=None,
                   changes=[LineChange(line=1, quantity=3)])
    change_accept(order_id=order.pk, user=market.seller, now=T0 + DAY)
    change_charge_confirm(order_id=order.pk, user=market.buyer, now=T0 + 2 * DAY)

    # when: the money table is built
    lines, rows, total, refunds = _table(order)

    # then: three shirts and shipping make the 40.50 charged in all
    assert (lines, rows, total, refunds) == ([3750], [("Shipping", "+", 300)], 4050, [])
