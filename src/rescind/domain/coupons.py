"""Coupons at checkout and on cancellation (R3, R25, R26).

At checkout each coupon's value is spread over the lines it pays for, exactly (largest
remainder): seller coupons and promo codes over their store's lines first, then a platform
coupon over every line of the checkout, on what is left of each line. On cancellation only a
platform coupon can come back, and only once everything it paid for is cancelled, and only if it
has not expired by then.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from rescind.domain.errors import DomainError, ErrorKind
from rescind.domain.money import allocate
from rescind.domain.states import CloseReason, OrderState


class CouponKind(StrEnum):
    SELLER = "seller"  # issued by one store, for its own items; never comes back (R26)
    PROMO = "promo"  # a typed promo code, for one store's items or all; never comes back (R26)
    PLATFORM = "platform"  # issued by the marketplace over any items; may come back (R25)


@dataclass(frozen=True, slots=True)
class CouponFacts:
    code: str
    kind: CouponKind
    amount: int  # minor units
    currency: str
    expires_at: datetime
    store_id: int | None = None  # None: any store (platform coupons, platform promo codes)


@dataclass(frozen=True, slots=True)
class LineFacts:
    store_id: int
    total: int  # minor units, before coupons


# A platform coupon comes back only when every order it paid for closed by a cancellation.
CANCELLED = frozenset({
    CloseReason.CANCELLED_BY_BUYER, CloseReason.CANCELLED_ON_REQUEST, CloseReason.UNPAID_TIMEOUT,
    CloseReason.NOT_SHIPPED_IN_TIME, CloseReason.REFUNDED_SHIPMENT_CANCELED,
})


def _refuse(code: str, message: str, coupon: CouponFacts) -> DomainError:
    return DomainError(code, message, kind=ErrorKind.INVALID, details={"coupon": coupon.code})


def apply_coupons(
    lines: Sequence[LineFacts], coupons: Sequence[CouponFacts], *, currency: str, now: datetime
) -> dict[str, list[int]]:
    """Each coupon's share of each line, in minor units. A coupon worth more than what it may
    pay for is used up to that amount. Refuses expired, foreign-currency or inapplicable
    coupons, and two coupons of one kind for one store."""
    remaining = [line.total for line in lines]
    shares: dict[str, list[int]] = {}
    seen: set[tuple[CouponKind, int | None]] = set()
    ordered = sorted(coupons, key=lambda c: c.kind is CouponKind.PLATFORM)  # store-level first
    for coupon in ordered:
        if coupon.code in shares:
            raise _refuse("coupon_repeated", f"Coupon {coupon.code} is used twice.", coupon)
        if (coupon.kind, coupon.store_id) in seen:
            raise _refuse("coupon_kind_repeated",
                          f"Only one {coupon.kind.value} coupon can be used per store.", coupon)
        seen.add((coupon.kind, coupon.store_id))
        if now >= coupon.expires_at:
            raise _refuse("coupon_expired", f"Coupon {coupon.code} has expired.", coupon)
        if coupon.currency != currency:
            raise _refuse("coupon_currency_mismatch",
                          f"Coupon {coupon.code} is in {coupon.currency}, not {currency}.", coupon)
        weights = [left if coupon.store_id in (None, line.store_id) else 0
                   for line, left in zip(lines, remaining, strict=True)]
        if not any(weights):
            raise _refuse("coupon_not_applicable",
                          f"Coupon {coupon.code} does not apply to anything in this checkout.",
                          coupon)
        used = min(coupon.amount, sum(weights))
        coupon_shares = allocate(used, weights)
        remaining = [left - share for left, share in zip(remaining, coupon_shares, strict=True)]
        shares[coupon.code] = coupon_shares
    return shares


@dataclass(frozen=True, slots=True)
class CouponFate:
    code: str
    kind: CouponKind
    returned: bool
    reason: str  # a stable code, see FATE_TEXT


FATE_TEXT = {
    "seller_coupon_never_returns": "Seller coupons do not come back on cancellation.",
    "promo_code_never_returns": "Promo codes do not come back on cancellation.",
    "other_items_still_active": "It also paid for items that are not cancelled.",
    "expired": "It has expired.",
    "all_items_cancelled": "Everything it paid for is cancelled, so it is yours to use again.",
}


def coupon_fate(
    coupon: CouponFacts, orders_it_paid_for: Sequence[tuple[OrderState, CloseReason | None]],
    *, now: datetime,
) -> CouponFate:
    """R25, R26: whether a coupon comes back, given the orders it paid for as they are now."""
    if coupon.kind is CouponKind.SELLER:
        return CouponFate(coupon.code, coupon.kind, False, "seller_coupon_never_returns")
    if coupon.kind is CouponKind.PROMO:
        return CouponFate(coupon.code, coupon.kind, False, "promo_code_never_returns")
    if any(state is not OrderState.CLOSED or reason not in CANCELLED
           for state, reason in orders_it_paid_for):
        return CouponFate(coupon.code, coupon.kind, False, "other_items_still_active")
    if now >= coupon.expires_at:
        return CouponFate(coupon.code, coupon.kind, False, "expired")
    return CouponFate(coupon.code, coupon.kind, True, "all_items_cancelled")
