"""R3, R21, R22 in every currency (issue 15): property tests over currencies with 0 (JPY, KRW),
2 (USD, EUR, BRL) and 3 (KWD, BHD) decimals. Amounts are integer minor units of the currency's
own minor unit; allocation never leaks a unit, and a refund is always in the charged currency."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import translation
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from rescind.domain.calendar import BusinessCalendar
from rescind.domain.cancellation import decide_approve_cancellation
from rescind.domain.coupons import CouponFacts, CouponKind, LineFacts, apply_coupons
from rescind.domain.errors import DomainError
from rescind.domain.events import RefundCreated
from rescind.domain.facts import OrderFacts, RequestFacts
from rescind.domain.money import Money, currency_exponent
from rescind.domain.ordering import LineDraft, decide_checkout, with_line_discounts
from rescind.domain.policy import Policy, Side
from rescind.domain.refunds import decide_full_refund, decide_refund
from rescind.domain.states import OrderState
from rescind.web.money_format import amount_parse, money_text

FEW = settings(max_examples=60, deadline=None)
POLICY = Policy()
US = BusinessCalendar("US")
T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)

ZERO, TWO, THREE = ("JPY", "KRW"), ("USD", "EUR", "BRL"), ("KWD", "BHD")
currencies = st.sampled_from([*ZERO, *TWO, *THREE])
minor_amounts = st.integers(min_value=1, max_value=10**9)
weight_lists = st.lists(st.integers(min_value=0, max_value=10**6), min_size=1, max_size=12)


def test_r3_each_currency_has_its_own_minor_unit():
    # given the demo's and the tests' currencies
    # when their minor units are asked for (Babel's CLDR data)
    # then they are 0, 2 and 3 decimals as ISO 4217 says
    assert [currency_exponent(c) for c in ZERO] == [0, 0]
    assert [currency_exponent(c) for c in TWO] == [2, 2, 2]
    assert [currency_exponent(c) for c in THREE] == [3, 3]
    assert Money(1500, "JPY").format() == "1500 JPY"
    assert Money(5125, "KWD").format() == "5.125 KWD"
    assert Money(-5, "BHD").format() == "-0.005 BHD"


def test_r3_an_unknown_currency_is_refused():
    with pytest.raises(DomainError) as refused:
        Money(100, "ABC")
    assert refused.value.code == "unsupported_currency"


@FEW
@given(currency=currencies, amount=minor_amounts, weights=weight_lists)
def test_r3_a_split_adds_up_in_any_currency_and_stays_in_it(currency, amount, weights):
    # given an amount in a currency with 0, 2 or 3 decimals
    money = Money(amount, currency)
    # when it is split over any weights
    shares = money.split(weights)
    # then every share is in that currency, whole minor units, and they sum to it exactly
    assert {share.currency for share in shares} == {currency}
    assert sum(share.amount for share in shares) == amount
    assert all(isinstance(share.amount, int) and share.amount >= 0 for share in shares)


line_specs = st.lists(st.tuples(st.integers(min_value=1, max_value=3),  # store
                                st.integers(min_value=1, max_value=10**7),  # unit price
                                st.integers(min_value=1, max_value=5)),  # quantity
                      min_size=1, max_size=8)


@FEW
@given(currency=currencies, specs=line_specs, fee=st.integers(min_value=0, max_value=10**5),
       coupon=st.integers(min_value=1, max_value=10**8),
       percent=st.one_of(st.none(), st.integers(min_value=1, max_value=100)))
def test_r3_checkout_coupons_in_any_currency_leak_no_minor_unit(currency, specs, fee, coupon,
                                                                percent):
    # given a checkout over up to three stores, in one currency, with a platform coupon
    lines = [LineDraft(product_id=i, product_name=f"P{i}", options={}, quantity=qty,
                       unit_price=Money(price, currency))
             for i, (_, price, qty) in enumerate(specs)]
    store_of = {i: store for i, (store, _, _) in enumerate(specs)}
    drafts = decide_checkout(lines, store_of=store_of,
                             shipping_fees={s: Money(fee, currency) for s in (1, 2, 3)})
    facts = CouponFacts(code="C", kind=CouponKind.PLATFORM, amount=coupon, currency=currency,
                        expires_at=T0 + timedelta(days=1), percent_off=percent)
    # when the coupon is spread over the lines
    shares = apply_coupons([LineFacts(d.store_id, line.total.amount)
                            for d in drafts for line in d.lines], [facts], currency=currency,
                           now=T0)["C"]
    drafts = with_line_discounts(drafts, shares)
    # then every order's money is in the checkout's currency ...
    assert {m.currency for d in drafts for m in (d.total, d.items_total, d.discount_total)} \
        == {currency}
    # ... no line gets more discount than it costs, and nothing leaks: what the orders charge
    # plus what the coupon took is exactly the items and shipping, to the minor unit
    assert all(0 <= share <= line.total.amount
               for share, line in zip(shares, [ln for d in drafts for ln in d.lines],
                                      strict=True))
    items = sum(qty * price for _, price, qty in specs)
    assert sum(d.total.amount for d in drafts) + sum(shares) == items + fee * len(drafts)
    assert sum(shares) == min(coupon, items if percent is None else items * percent // 100)


def paid_order(total: Money, refunded: int = 0, *, pending: bool = False) -> OrderFacts:
    return OrderFacts(
        state=OrderState.AWAITING_SHIPMENT, placed_at=T0, total=total,
        refunded=Money(refunded, total.currency), payment_method="bank_card", paid_at=T0,
        ship_by=T0 + timedelta(days=5),
        pending_request=RequestFacts(reason="no_longer_needed", side=Side.BUYER, requested_at=T0,
                                     respond_by=T0 + timedelta(days=3)) if pending else None)


@FEW
@given(currency=currencies, total=minor_amounts,
       parts=st.lists(st.integers(min_value=1, max_value=10**9), max_size=6))
def test_r3_r21_r22_refunds_in_any_currency_sum_to_the_charge_in_the_charged_currency(
        currency, total, parts):
    # given an order paid `total` minor units of `currency`
    order = paid_order(Money(total, currency))
    refunds: list[RefundCreated] = []
    # when partial refunds are asked for (those that would exceed the charge are refused) ...
    for part in parts:
        try:
            refund = decide_refund(order, amount=Money(part, currency), now=T0, policy=POLICY,
                                   calendar=US)
        except DomainError as refused:
            assert refused.code == "refund_exceeds_charge"
            assert order.refunded.amount + part > total
            continue
        refunds.append(refund)
        order = paid_order(order.total, order.refunded.amount + refund.amount.amount)
    # ... and then the rest is refunded in full
    if order.refundable.amount:
        refunds.append(decide_full_refund(order, now=T0, policy=POLICY, calendar=US))
    # then every refund is in the charged currency, to the card it was paid with, and together
    # they are exactly what was charged: not a minor unit more or less
    assert {r.amount.currency for r in refunds} == {currency}
    assert {r.method for r in refunds} == {"bank_card"}
    assert sum(r.amount.amount for r in refunds) == total


@FEW
@given(currency=currencies, total=minor_amounts)
def test_r22_an_approved_cancellation_refunds_all_paid_in_the_charged_currency(currency, total):
    # given a paid order in any currency with the buyer's cancellation request pending
    order = paid_order(Money(total, currency), pending=True)
    # when the seller approves
    events = decide_approve_cancellation(order, note="", now=T0, policy=POLICY, calendar=US)
    # then exactly the amount charged goes back, in that currency
    refunds = [e for e in events if isinstance(e, RefundCreated)]
    assert [r.amount for r in refunds] == [Money(total, currency)]


@FEW
@given(currency=currencies, total=minor_amounts,
       other=st.sampled_from([*ZERO, *TWO, *THREE]))
def test_r21_a_refund_in_another_currency_is_refused_never_converted(currency, total, other):
    # given an order paid in `currency`
    assume(other != currency)
    order = paid_order(Money(total, currency))
    # when a refund in another currency is asked for
    with pytest.raises(DomainError) as refused:
        decide_refund(order, amount=Money(1, other), now=T0, policy=POLICY, calendar=US)
    # then it is refused: no conversion happens anywhere
    assert refused.value.code == "currency_mismatch"


@FEW
@given(currency=currencies, amount=st.integers(min_value=0, max_value=10**12),
       language=st.sampled_from(["en", "es", "pt-br", "fr", "ar"]))
def test_r3_an_amount_shown_in_any_locale_reads_back_to_the_same_minor_unit(currency, amount,
                                                                            language):
    # given any amount of a currency with 0, 2 or 3 decimals, shown to a reader of `language`
    with translation.override(language):
        shown = money_text(Money(amount, currency))
        # when the reader types what they see
        # then it is the same number of minor units: formatting neither rounds nor invents
        assert amount_parse(shown, currency) == amount
