"""The cancellation quote equals what then happens, in every scenario (R4, R10, R21-R26)."""

from __future__ import annotations

import pytest

from rescind.aftersale.quote import cancellation_quote, pending_request_quote, quote_read
from rescind.aftersale.services import cancellation_approve, cancellation_request
from rescind.coupons.models import Coupon
from rescind.domain.errors import DomainError
from rescind.orders.models import TimelineEntry
from rescind.orders.services import (
    CheckoutItem,
    checkout_create,
    order_cancel_unpaid,
    payment_capture,
)
from rescind.refunds.models import Refund
from rescind.scheduler import deadlines_fire_due
from tests.conftest import DAY, HOUR, T0

# scenario -> (paid, coupons [(code, kind, amount, days to expiry, store)], two stores?,
#              reason, decided by: "buyer" | "seller" | "silence", cancel the sibling first?)
SCENARIOS = {
    "unpaid": (False, [], False, None, "buyer", False),
    "unpaid_platform_coupon": (False, [("P", "platform", 800, 30, None)], False, None, "buyer",
                               False),
    "paid_buyer_reason_approved": (True, [], False, "ordered_wrong_item", "seller", False),
    "paid_seller_reason_silence": (True, [], False, "out_of_stock", "silence", False),
    "paid_platform_sibling_active": (True, [("P", "platform", 900, 30, None)], True,
                                     "no_longer_needed", "seller", False),
    "paid_platform_sibling_cancelled": (True, [("P", "platform", 900, 30, None)], True,
                                        "no_longer_needed", "seller", True),
    "paid_platform_expired": (True, [("P", "platform", 900, 2, None)], False,
                              "no_longer_needed", "seller", False),
    "paid_seller_coupon_and_promo": (True, [("S", "seller", 300, 30, "store"),
                                            ("PR", "promo", 200, 30, None)], False,
                                     "found_better_price", "seller", False),
    "paid_in_full_by_coupon": (True, [("S", "seller", 99_999, 30, "store")], False,
                               "duplicate_system_order", "seller", False),
}


def _setup(market, paid, coupons, two_stores):
    for code, kind, amount, days, store in coupons:
        Coupon.objects.create(code=code, kind=kind, amount=amount,
                              store=market.store if store else None,
                              owner=None if kind == "promo" else market.buyer,
                              expires_at=T0 + days * DAY)
    items = [CheckoutItem(market.product.pk, 2, {"colour": "red"})]
    if two_stores:
        items.append(CheckoutItem(market.other_product.pk, 1, {}))
    checkout = checkout_create(buyer=market.buyer, items=items, payment_method="e_wallet", now=T0,
                               coupon_codes=[c[0] for c in coupons])
    if paid:
        payment_capture(payment_id=checkout.payment.pk, buyer=market.buyer, now=T0)
    orders = list(checkout.orders.order_by("pk"))
    return orders[0], orders[1:]


def _cancel_sibling(market, sibling, at):
    cancellation_request(order_id=sibling.pk, user=market.buyer, reason="no_longer_needed",
                         report_supplier=False, now=at)
    cancellation_approve(order_id=sibling.pk, user=market.other_seller, now=at)


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_r4_r10_r22_r25_r26_quote_equals_outcome(market, scenario):
    paid, coupons, two_stores, reason, decider, sibling_first = SCENARIOS[scenario]
    order, siblings = _setup(market, paid, coupons, two_stores)
    at = T0 + 3 * DAY
    if sibling_first:
        _cancel_sibling(market, siblings[0], at - HOUR)
    # given the quote the buyer sees before confirming
    quote = cancellation_quote(order_id=order.pk, user=market.buyer, reason=reason, now=at)
    # when the buyer confirms and the order is decided the way the scenario says
    if not paid:
        order_cancel_unpaid(order_id=order.pk, user=market.buyer, now=at)
        decided_at = at
    else:
        request = cancellation_request(order_id=order.pk, user=market.buyer, reason=reason,
                                       report_supplier=False, now=at)
        assert (quote.needs_seller_approval, quote.seller_respond_by) == (True, request.respond_by)
        # and while it waits, the request shows the same quote (issue 13)
        order.refresh_from_db()
        assert pending_request_quote(order, now=at) == quote_read(quote)
        if decider == "silence":
            decided_at = request.respond_by
            deadlines_fire_due(now=decided_at)
        else:
            decided_at = at
            cancellation_approve(order_id=order.pk, user=market.seller, now=at)
    order.refresh_from_db()
    assert order.state == "closed"
    # then the refund is the one quoted: amount, method, arrival
    refund = Refund.objects.filter(order=order).first()
    if quote.refund is None:
        assert refund is None
    else:
        arrive_by = quote.refund_arrive_by if decided_at == at else quote.refund_arrive_by_latest
        assert (refund.amount, refund.currency, refund.method, refund.arrive_by) == (
            quote.refund.amount, quote.refund.currency, quote.refund_method, arrive_by)
    # and whether it counts against the seller is as quoted
    if paid:
        assert quote.counts_against_seller == (order.responsible_side == "seller")
        assert quote.reason_side.value == order.responsible_side
    # and each coupon's fate is as quoted, with the same reason
    outcome = {}
    for entry in TimelineEntry.objects.filter(order=order,
                                              kind__in=["CouponReturned", "CouponNotReturned"]):
        outcome[entry.params["code"]] = (entry.kind == "CouponReturned",
                                         entry.params.get("reason", "all_items_cancelled"))
    assert {f.code: (f.returned, f.reason) for f in quote.coupons} == outcome


def test_r10_no_pending_quote_without_a_pending_request(market):
    order, _ = _setup(market, True, [], False)
    assert pending_request_quote(order, now=T0 + 2 * DAY) is None


def test_r7_quote_for_a_paid_order_needs_a_reason(market):
    order, _ = _setup(market, True, [], False)
    with pytest.raises(DomainError) as refused:
        cancellation_quote(order_id=order.pk, user=market.buyer, reason=None, now=T0 + 2 * DAY)
    assert refused.value.code == "reason_required"


def test_r7_quote_before_the_cancel_action_opens_says_when(market):
    order, _ = _setup(market, True, [], False)
    with pytest.raises(DomainError) as refused:
        cancellation_quote(order_id=order.pk, user=market.buyer, reason="no_longer_needed",
                           now=T0 + HOUR)
    assert refused.value.code == "cancel_not_yet_available"


def test_quote_is_for_the_buyer_only(market):
    order, _ = _setup(market, False, [], False)
    with pytest.raises(DomainError) as seller:
        cancellation_quote(order_id=order.pk, user=market.seller, reason=None, now=T0)
    with pytest.raises(DomainError) as stranger:
        cancellation_quote(order_id=order.pk, user=market.other_buyer, reason=None, now=T0)
    assert (seller.value.code, stranger.value.code) == ("not_your_action", "order_not_found")
