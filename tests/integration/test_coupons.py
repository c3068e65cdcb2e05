"""Coupons at checkout and on cancellation, and money conserved to the cent (R3, R22, R25, R26)."""

from __future__ import annotations

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rescind.aftersale.services import cancellation_approve, cancellation_request
from rescind.coupons.models import Coupon, CouponUse
from rescind.domain.errors import DomainError
from rescind.orders.models import Checkout, Order, TimelineEntry
from rescind.orders.services import (
    CheckoutItem,
    checkout_create,
    order_cancel_unpaid,
    payment_capture,
)
from rescind.refunds.models import Refund
from tests.conftest import DAY, HOUR, T0


def _coupon(market, code, kind, amount, *, store=None, owner="buyer", expires=30 * DAY):
    return Coupon.objects.create(
        code=code, kind=kind, amount=amount, store=store, expires_at=T0 + expires,
        owner=market.buyer if owner == "buyer" else None)


def _checkout(market, codes, *, shirts=2, mugs=1, at=T0):
    items = [CheckoutItem(market.product.pk, shirts, {"colour": "red"})] if shirts else []
    items += [CheckoutItem(market.other_product.pk, mugs, {})] if mugs else []
    return checkout_create(buyer=market.buyer, items=items, payment_method="bank_card", now=at,
                           coupon_codes=codes)


def _pay(checkout, at=T0):
    payment_capture(payment_id=checkout.payment.pk, buyer=checkout.buyer, now=at)


def _cancel(order, at):
    """Cancel an order the way its state allows: at once if unpaid, else request + approve."""
    order.refresh_from_db()
    if order.state == "awaiting_payment":
        order_cancel_unpaid(order_id=order.pk, user=order.buyer, now=at)
    else:
        cancellation_request(order_id=order.pk, user=order.buyer, reason="no_longer_needed",
                             report_supplier=False, now=at)
        cancellation_approve(order_id=order.pk, user=order.store.sellers.get(), now=at)


def test_r3_r25_platform_coupon_spreads_over_two_stores_to_the_cent(market):
    # given a 10.00 platform coupon over 25.00 of shirts and 7.25 of mugs
    _coupon(market, "PLAT10", "platform", 1000)
    # when the buyer checks out with it
    checkout = _checkout(market, ["plat10"])
    # then its shares follow the line totals exactly: 1000 * 2500/3225 = 775.19 -> 775, 225
    orders = {o.store_id: o for o in checkout.orders.all()}
    shirt_order, mug_order = orders[market.store.pk], orders[market.other_store.pk]
    assert (shirt_order.discount_total, shirt_order.total) == (775, 2500 + 300 - 775)
    assert (mug_order.discount_total, mug_order.total) == (225, 725 - 225)
    assert checkout.payment.amount == 2025 + 500
    assert sorted(CouponUse.objects.values_list("amount", flat=True)) == [225, 775]
    assert Coupon.objects.get(code="PLAT10").state == "spent"


def test_r3_seller_coupon_applies_first_to_its_store_then_platform_on_the_rest(market):
    _coupon(market, "SELLER5", "seller", 500, store=market.store)
    _coupon(market, "PLAT10", "platform", 1000)
    checkout = _checkout(market, ["PLAT10", "SELLER5"])
    shirt_line = checkout.orders.get(store=market.store).lines.get()
    mug_line = checkout.orders.get(store=market.other_store).lines.get()
    # shirts: 5.00 seller + 1000 * 2000/2725 = 733.9 -> 734; mugs: 266
    assert (shirt_line.discount, mug_line.discount) == (500 + 734, 266)


def test_r3_coupon_larger_than_its_items_is_used_up_to_their_value(market):
    _coupon(market, "BIG", "seller", 99_999, store=market.other_store)
    checkout = _checkout(market, ["BIG"], shirts=0, mugs=2)
    order = checkout.orders.get()
    assert (order.discount_total, order.total) == (1450, 0)


@pytest.mark.parametrize(("code", "setup", "error"), [
    ("NOPE", {}, "unknown_coupon"),
    ("OLD", {"kind": "platform", "amount": 100, "expires": -DAY}, "coupon_expired"),
    ("THEIRS", {"kind": "platform", "amount": 100, "owner": "other"}, "unknown_coupon"),
    ("ELSEWHERE", {"kind": "seller", "amount": 100, "store": "other_store"},
     "coupon_not_applicable"),
])
def test_r25_bad_coupons_are_refused_and_nothing_is_stored(market, code, setup, error):
    if setup:
        owner = market.other_buyer if setup.get("owner") == "other" else market.buyer
        Coupon.objects.create(code=code, kind=setup["kind"], amount=setup["amount"],
                              store=getattr(market, setup["store"]) if "store" in setup else None,
                              owner=owner, expires_at=T0 + setup.get("expires", DAY))
    with pytest.raises(DomainError) as refused:
        _checkout(market, [code], mugs=0)
    assert refused.value.code == error
    assert Checkout.objects.count() == 0
    assert not Coupon.objects.filter(state="spent").exists()


def test_r25_spent_coupon_cannot_be_used_twice(market):
    _coupon(market, "ONCE", "platform", 100)
    _checkout(market, ["ONCE"])
    with pytest.raises(DomainError) as refused:
        _checkout(market, ["ONCE"])
    assert refused.value.code == "coupon_already_used"


def test_r25_platform_coupon_comes_back_only_when_every_order_it_paid_for_is_cancelled(market):
    # given a platform coupon over two orders, paid
    _coupon(market, "PLAT10", "platform", 1000)
    checkout = _checkout(market, ["PLAT10"])
    _pay(checkout)
    first, second = checkout.orders.order_by("pk")
    # when the first order is cancelled, the coupon stays spent, and the timeline says why
    _cancel(first, T0 + 2 * DAY)
    assert Coupon.objects.get().state == "spent"
    kept = first.timeline.get(kind="CouponNotReturned")
    assert kept.params == {"code": "PLAT10", "coupon_kind": "platform",
                           "reason": "other_items_still_active"}
    # when the second is cancelled too, it comes back
    _cancel(second, T0 + 3 * DAY)
    coupon = Coupon.objects.get()
    assert (coupon.state, coupon.returned_at) == ("available", T0 + 3 * DAY)
    assert second.timeline.filter(kind="CouponReturned").count() == 1
    # and the refunds are what was actually paid for each order
    assert sorted(Refund.objects.values_list("amount", flat=True)) == sorted(
        o.total for o in checkout.orders.all())


def test_r25_expired_platform_coupon_does_not_come_back(market):
    _coupon(market, "SHORT", "platform", 500, expires=2 * DAY)
    checkout = _checkout(market, ["SHORT"], mugs=0)
    _pay(checkout)
    _cancel(checkout.orders.get(), T0 + 2 * DAY)
    assert Coupon.objects.get().state == "spent"
    entry = TimelineEntry.objects.get(kind="CouponNotReturned")
    assert entry.params["reason"] == "expired"


def test_r26_seller_coupons_and_promo_codes_never_come_back(market):
    _coupon(market, "SELLER5", "seller", 500, store=market.store)
    _coupon(market, "PROMO", "promo", 200, owner=None)
    checkout = _checkout(market, ["SELLER5", "PROMO"], mugs=0)
    _pay(checkout)
    _cancel(checkout.orders.get(), T0 + 2 * DAY)
    reasons = dict(TimelineEntry.objects.filter(kind="CouponNotReturned")
                   .values_list("params__code", "params__reason"))
    assert reasons == {"SELLER5": "seller_coupon_never_returns",
                       "PROMO": "promo_code_never_returns"}
    assert Coupon.objects.get(code="SELLER5").state == "spent"
    assert not TimelineEntry.objects.filter(kind="CouponReturned").exists()


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(
    shirts=st.integers(0, 4), mugs=st.integers(0, 4),
    seller_amount=st.none() | st.integers(1, 6000),
    promo_amount=st.none() | st.integers(1, 3000),
    platform_amount=st.none() | st.integers(1, 9000),
    platform_days=st.integers(1, 12),
    paid=st.booleans(),
    plan=st.lists(st.tuples(st.booleans(), st.integers(1, 100)), min_size=2, max_size=2),
)
def test_r3_r22_r25_r26_money_is_conserved_and_coupons_return_exactly_by_the_rule(
        market, shirts, mugs, seller_amount, promo_amount, platform_amount, platform_days, paid,
        plan):
    if shirts == mugs == 0:
        shirts = 1
    with transaction.atomic():
        # given a random checkout with random coupons, maybe paid
        codes = []
        if seller_amount:
            codes.append(_coupon(market, "S", "seller", seller_amount, store=market.store).code)
        if promo_amount:
            codes.append(_coupon(market, "P", "promo", promo_amount, owner=None,
                                 store=market.other_store).code)
        if platform_amount:
            codes.append(_coupon(market, "X", "platform", platform_amount,
                                 expires=platform_days * DAY).code)
        try:
            checkout = _checkout(market, codes, shirts=shirts, mugs=mugs)
        except DomainError as exc:  # a store-scoped coupon with none of its items
            assert exc.code == "coupon_not_applicable"
            transaction.set_rollback(True)
            return
        if paid:
            _pay(checkout)
        orders = list(checkout.orders.order_by("pk"))
        # when some orders are cancelled, in a random order at random times
        cancelled_at = {}
        at = T0 + DAY
        for order, (cancel, hours) in zip(orders, plan, strict=False):
            if cancel:
                at += hours * HOUR
                _cancel(order, at)
                cancelled_at[order.pk] = at
        # then every order's lines add up, and charged = refunded + kept, to the cent
        for order in orders:
            order.refresh_from_db()
            lines = list(order.lines.all())
            assert sum(line.discount for line in lines) == order.discount_total
            assert order.items_total + order.shipping_fee - order.discount_total == order.total
            assert sum(u.amount for u in order.coupon_uses.all()) == order.discount_total
        charged = sum(o.total for o in orders) if paid else 0
        refunded = sum(Refund.objects.filter(order__in=orders).values_list("amount", flat=True))
        kept = sum(o.total for o in orders if o.pk not in cancelled_at) if paid else 0
        assert charged == refunded + kept
        # and the platform coupon is back exactly when all it paid for was cancelled in time
        if platform_amount:
            touched = set(CouponUse.objects.filter(coupon__code="X")
                          .values_list("order_id", flat=True))
            expected_back = touched <= set(cancelled_at) and \
                max(cancelled_at[o] for o in touched) < T0 + platform_days * DAY
            assert (Coupon.objects.get(code="X").state == "available") is expected_back
        if seller_amount:
            assert Coupon.objects.get(code="S").state == "spent"
        assert not TimelineEntry.objects.filter(kind="CouponReturned",
                                                params__code__in=["S", "P"]).exists()
        refunded_orders = {o.pk for o in orders if o.pk in cancelled_at and o.total} if paid \
            else set()
        assert set(Order.objects.filter(refunded__gt=0).values_list("pk", flat=True)) == \
            refunded_orders
        transaction.set_rollback(True)


def test_r22_r26_order_paid_entirely_by_coupon_cancels_without_a_refund(market):
    # given a mug order a promo code paid for in full (no shipping fee in that store)
    _coupon(market, "FREE", "promo", 5000, owner=None)
    checkout = _checkout(market, ["FREE"], shirts=0, mugs=1)
    _pay(checkout)
    order = checkout.orders.get()
    assert order.total == 0
    # when it is cancelled on request
    _cancel(order, T0 + 2 * DAY)
    # then it closes with nothing to refund, and the promo code is not given back
    order.refresh_from_db()
    assert (order.state, order.refunded) == ("closed", 0)
    assert not Refund.objects.exists()
    assert order.timeline.get(kind="CouponNotReturned").params["reason"] == \
        "promo_code_never_returns"
