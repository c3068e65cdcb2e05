"""Percentage platform coupons and the checks on what support issues (R3, R25), without a
database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from rescind.domain.coupons import (
    PLATFORM_COUPON_MAX_AMOUNT,
    CouponFacts,
    CouponKind,
    CouponStanding,
    LineFacts,
    apply_coupons,
    coupon_standing,
    platform_coupon_checked,
)
from rescind.domain.errors import DomainError

NOW = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)


def _percent(percent: int, cap: int = PLATFORM_COUPON_MAX_AMOUNT) -> CouponFacts:
    return CouponFacts(code="TENPC", kind=CouponKind.PLATFORM, amount=cap, currency="USD",
                       expires_at=NOW + timedelta(days=1), percent_off=percent)


def test_r3_r25_a_percentage_coupon_takes_its_share_rounded_down_spread_to_the_cent():
    # given 25.00 of shirts in one store and 7.25 of mugs in another (32.25 in all)
    lines = [LineFacts(1, 2500), LineFacts(2, 725)]
    # when a 10 % platform coupon pays for them
    shares = apply_coupons(lines, [_percent(10)], currency="USD", now=NOW)
    # then it takes 3.22 (10 % of 32.25, rounded down), spread over the lines by their totals
    assert shares == {"TENPC": [250, 72]}


def test_r25_a_percentage_coupon_takes_no_more_than_its_cap():
    shares = apply_coupons([LineFacts(1, 2500)], [_percent(50, cap=400)], currency="USD",
                           now=NOW)
    assert shares == {"TENPC": [400]}


def test_r25_a_percentage_coupon_after_a_store_coupon_takes_its_share_of_what_is_left():
    store = CouponFacts(code="SHOP5", kind=CouponKind.SELLER, amount=500, currency="USD",
                        expires_at=NOW + timedelta(days=1), store_id=1)
    shares = apply_coupons([LineFacts(1, 2500)], [_percent(10), store], currency="USD",
                           now=NOW)
    assert shares == {"SHOP5": [500], "TENPC": [200]}


@pytest.mark.parametrize(("change", "code"), [
    ({"percent_off": 0}, "coupon_percent_invalid"),
    ({"percent_off": 101}, "coupon_percent_invalid"),
    ({"amount": 0}, "coupon_amount_invalid"),
    ({"amount": PLATFORM_COUPON_MAX_AMOUNT + 1}, "coupon_amount_invalid"),
    ({"currency": "usd"}, "coupon_currency_unsupported"),
    ({"expires_at": NOW}, "coupon_expiry_past"),
])
def test_r25_what_support_issues_is_checked_with_a_stable_code(change, code):
    given = {"amount": 500, "currency": "USD", "expires_at": NOW + timedelta(seconds=1),
             "now": NOW, "percent_off": None, **change}
    with pytest.raises(DomainError) as refused:
        platform_coupon_checked(**given)
    assert refused.value.code == code


def test_r25_a_coupon_stands_used_expired_returned_or_available():
    later, earlier = NOW + timedelta(days=1), NOW - timedelta(days=1)
    assert [coupon_standing(spent=spent, returned=returned, expires_at=expires, now=NOW)
            for spent, returned, expires in [(True, False, earlier), (False, True, earlier),
                                             (False, True, later), (False, False, later)]] == [
        CouponStanding.USED, CouponStanding.EXPIRED, CouponStanding.RETURNED,
        CouponStanding.AVAILABLE]
