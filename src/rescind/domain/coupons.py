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
from typing import Any

from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from rescind.domain.errors import DomainError, ErrorKind
from rescind.domain.money import SUPPORTED_CURRENCIES, allocate
from rescind.domain.states import CloseReason, OrderState


class CouponKind(StrEnum):
    SELLER = "seller"  # issued by one store, for its own items; never comes back (R26)
    PROMO = "promo"  # a typed promo code, for one store's items or all; never comes back (R26)
    PLATFORM = "platform"  # issued by the marketplace over any items; may come back (R25)


@dataclass(frozen=True, slots=True)
class CouponFacts:
    code: str
    kind: CouponKind
    amount: int  # minor units; for a percentage coupon, the most it takes off
    currency: str
    expires_at: datetime
    store_id: int | None = None  # None: any store (platform coupons, platform promo codes)
    coupon_id: int | None = None  # the stored coupon's id, for links (quote, coupon list)
    percent_off: int | None = None  # None: worth `amount`; else this share of what it pays for


@dataclass(frozen=True, slots=True)
class LineFacts:
    store_id: int
    total: int  # minor units, before coupons


# A platform coupon comes back only when every order it paid for closed by a cancellation.
CANCELLED = frozenset({
    CloseReason.CANCELLED_BY_BUYER, CloseReason.CANCELLED_ON_REQUEST, CloseReason.UNPAID_TIMEOUT,
    CloseReason.NOT_SHIPPED_IN_TIME, CloseReason.REFUNDED_SHIPMENT_CANCELED,
})


def _refuse(code: str, message: Any, coupon: CouponFacts,
            params: dict[str, Any] | None = None) -> DomainError:
    return DomainError(code, message, kind=ErrorKind.INVALID, details={"coupon": coupon.code},
                       params=params)


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
            raise _refuse("coupon_repeated", _("Coupon %(code)s is used twice."),
                                             coupon, params={"code": coupon.code})
        if (coupon.kind, coupon.store_id) in seen:
            raise _refuse("coupon_kind_repeated",
                          _("Only one %(kind)s coupon can be used per store."),
                          coupon, params={"kind": coupon.kind.value})
        seen.add((coupon.kind, coupon.store_id))
        if now >= coupon.expires_at:
            raise _refuse("coupon_expired", _("Coupon %(code)s has expired."),
                                            coupon, params={"code": coupon.code})
        if coupon.currency != currency:
            raise _refuse("coupon_currency_mismatch",
                          _("Coupon %(code)s is in %(currency)s, not %(checkout_currency)s."),
                          coupon, params={"code": coupon.code, "currency": coupon.currency,
                                          "checkout_currency": currency})
        weights = [left if coupon.store_id in (None, line.store_id) else 0
                   for line, left in zip(lines, remaining, strict=True)]
        if not any(weights):
            raise _refuse("coupon_not_applicable",
                          _("Coupon %(code)s does not apply to anything in this checkout."),
                          coupon, params={"code": coupon.code})
        used = min(coupon.amount, coupon_value(coupon, sum(weights)), sum(weights))
        coupon_shares = allocate(used, weights)
        remaining = [left - share for left, share in zip(remaining, coupon_shares, strict=True)]
        shares[coupon.code] = coupon_shares
    return shares


def coupon_value(coupon: CouponFacts, applicable: int) -> int:
    """What the coupon takes off `applicable` minor units before its cap: all of its amount, or
    its percentage rounded down (never a cent more than the buyer was promised, R3)."""
    if coupon.percent_off is None:
        return coupon.amount
    return applicable * coupon.percent_off // 100


@dataclass(frozen=True, slots=True)
class CouponFate:
    code: str
    kind: CouponKind
    returned: bool
    reason: str  # a stable code, see FATE_TEXT
    coupon_id: int | None = None


FATE_TEXT = {
    "seller_coupon_never_returns": gettext_noop("Seller coupons do not come back on cancellation."),
    "promo_code_never_returns": gettext_noop("Promo codes do not come back on cancellation."),
    "other_items_still_active": gettext_noop("It also paid for items that are not cancelled."),
    "expired": gettext_noop("It has expired."),
    "all_items_cancelled": gettext_noop("Everything it paid for is cancelled, so it is yours to "
                                        "use again."),
}


def coupon_fate(
    coupon: CouponFacts, orders_it_paid_for: Sequence[tuple[OrderState, CloseReason | None]],
    *, now: datetime,
) -> CouponFate:
    """R25, R26: whether a coupon comes back, given the orders it paid for as they are now."""
    if coupon.kind is CouponKind.SELLER:
        return _fate(coupon, False, "seller_coupon_never_returns")
    if coupon.kind is CouponKind.PROMO:
        return _fate(coupon, False, "promo_code_never_returns")
    if any(state is not OrderState.CLOSED or reason not in CANCELLED
           for state, reason in orders_it_paid_for):
        return _fate(coupon, False, "other_items_still_active")
    if now >= coupon.expires_at:
        return _fate(coupon, False, "expired")
    return _fate(coupon, True, "all_items_cancelled")


def _fate(coupon: CouponFacts, returned: bool, reason: str) -> CouponFate:
    return CouponFate(coupon.code, coupon.kind, returned, reason, coupon.coupon_id)


class CouponStanding(StrEnum):
    """Where a coupon stands for the buyer holding it (their coupon list)."""

    AVAILABLE = "available"
    USED = "used"  # spent by a checkout that is not (all) cancelled
    RETURNED = "returned"  # came back after a cancellation (R25) and is usable again
    EXPIRED = "expired"  # past its expiry, never spent


def coupon_standing(*, spent: bool, returned: bool, expires_at: datetime,
                    now: datetime) -> CouponStanding:
    """R25, R26: a spent coupon is used (promo codes are never spent); an unspent one past its
    expiry is expired; one that came back is returned; anything else is available."""
    if spent:
        return CouponStanding.USED
    if now >= expires_at:
        return CouponStanding.EXPIRED
    return CouponStanding.RETURNED if returned else CouponStanding.AVAILABLE


# What support may give one buyer as a platform coupon, in minor units (1 to 100,000.00).
PLATFORM_COUPON_MAX_AMOUNT = 10_000_000


def platform_coupon_checked(*, amount: int, currency: str, expires_at: datetime,
                            now: datetime, percent_off: int | None = None) -> None:
    """R25: what support issues as a platform coupon: a positive amount within the limit (for
    a percentage coupon, the most it takes off), a percentage from 1 to 100 if it is one, a
    supported currency, an expiry in the future. Raises a 422 with a stable code otherwise."""
    if percent_off is not None and not 1 <= percent_off <= 100:
        raise DomainError("coupon_percent_invalid", _("A percentage is from 1 to 100."),
                          kind=ErrorKind.INVALID, details={"min": 1, "max": 100})
    if not 1 <= amount <= PLATFORM_COUPON_MAX_AMOUNT:
        raise DomainError("coupon_amount_invalid",
                          _("A coupon is worth at least 1 minor unit and at most "
                            "%(max)s minor units."),
                          params={"max": PLATFORM_COUPON_MAX_AMOUNT}, kind=ErrorKind.INVALID,
                          details={"min": 1, "max": PLATFORM_COUPON_MAX_AMOUNT})
    if currency not in SUPPORTED_CURRENCIES:
        raise DomainError("coupon_currency_unsupported",
                          _("Currency %(currency)s is not supported."),
                          params={"currency": repr(currency)}, kind=ErrorKind.INVALID,
                          details={"allowed": sorted(SUPPORTED_CURRENCIES)})
    if expires_at <= now:
        raise DomainError("coupon_expiry_past", _("The expiry must be in the future."),
                          kind=ErrorKind.INVALID, details={"now": now.isoformat()})
