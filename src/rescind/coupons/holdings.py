"""A buyer's coupons as they stand, and the platform coupons support gives buyers (R25, R26)."""

from __future__ import annotations

import re
import secrets
from datetime import datetime

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from rescind.accounts.parties import is_support
from rescind.coupons.models import Coupon, CouponUse
from rescind.domain.coupons import (
    PLATFORM_COUPON_MAX_AMOUNT,
    CouponKind,
    coupon_standing,
    platform_coupon_checked,
)
from rescind.domain.errors import DomainError, ErrorKind

ISSUE_PERMISSION = "rescind_coupons.issue_platform_coupon"
_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud on the phone
CODE_PATTERN = r"^[A-Z0-9][A-Z0-9-]{2,39}$"


def _held_by(buyer):
    """The buyer's coupons: those given to them, and promo codes they used on their orders."""
    return Coupon.objects.filter(
        Q(owner=buyer) | Q(pk__in=CouponUse.objects.filter(order__buyer=buyer)
                           .values("coupon_id"))).select_related("store")


def coupons_of_buyer(buyer, *, now: datetime, coupon_id: int | None = None) -> list[dict]:
    """The buyer's coupons, soonest expiry first, each with where it stands (available, used,
    returned, expired) and the orders of theirs it paid for since it was last given back.
    Two statements, however many coupons."""
    coupons = _held_by(buyer)
    if coupon_id is not None:
        coupons = coupons.filter(pk=coupon_id)
    coupons = list(coupons.order_by("expires_at", "pk"))
    uses = (CouponUse.objects.filter(coupon__in=[c.pk for c in coupons], order__buyer=buyer)
            .values_list("coupon_id", "order_id", "order__placed_at")
            .distinct().order_by("order_id"))
    used_on: dict[int, list[int]] = {}
    returned_at = {c.pk: c.returned_at for c in coupons}
    for cid, order_id, placed_at in uses:
        since = returned_at[cid]
        if since is None or placed_at >= since:  # a use before it came back is over
            used_on.setdefault(cid, []).append(order_id)
    return [_coupon_read(c, used_on.get(c.pk, []), now=now) for c in coupons]


def _coupon_read(coupon: Coupon, used_on: list[int], *, now: datetime) -> dict:
    standing = coupon_standing(spent=coupon.state == Coupon.State.SPENT,
                               returned=coupon.returned_at is not None,
                               expires_at=coupon.expires_at, now=now)
    return {"id": coupon.pk, "code": coupon.code, "kind": coupon.kind,
            "value": {"amount": coupon.amount, "currency": coupon.currency},
            "percent_off": coupon.percent_off,
            "store": {"id": coupon.store_id, "name": coupon.store.name} if coupon.store_id
            else None,
            "state": standing.value, "expires_at": coupon.expires_at,
            "returned_at": coupon.returned_at, "used_on_orders": used_on,
            "comes_back_on_cancellation": coupon.kind == CouponKind.PLATFORM}


def coupon_of_buyer(buyer, *, coupon_id: int, now: datetime) -> dict:
    """One of the buyer's coupons; 404 `coupon_not_found` for anyone else's."""
    found = coupons_of_buyer(buyer, now=now, coupon_id=coupon_id)
    if not found:
        raise DomainError("coupon_not_found", _("No such coupon."), kind=ErrorKind.NOT_FOUND)
    return found[0]


def coupon_issue_check(user) -> None:
    """Only support staff holding the issue_platform_coupon permission give coupons."""
    if not (is_support(user) and user.has_perm(ISSUE_PERMISSION)):
        raise DomainError("coupon_issue_forbidden",
                          _("Only support staff allowed to issue platform coupons may do this."),
                          kind=ErrorKind.FORBIDDEN)


def platform_coupon_issue(*, user, buyer_id: int | None = None, buyer_username: str = "",
                          amount: int | None, currency: str, expires_at: datetime,
                          percent_off: int | None = None, note: str = "", code: str = "",
                          now: datetime) -> Coupon:
    """R25: support gives a buyer (by id or user name) a platform coupon: any store's items,
    single use, comes back if everything it paid for is cancelled. It is worth `amount`, or
    `percent_off` of what it pays for, up to `amount` if given. Errors: 403
    coupon_issue_forbidden, 422 coupon_buyer_unknown, coupon_value_missing,
    coupon_amount_invalid, coupon_percent_invalid,
    coupon_currency_unsupported, coupon_expiry_past, coupon_code_invalid, 409 coupon_code_taken."""
    coupon_issue_check(user)
    buyers = get_user_model().objects.filter(is_active=True)
    buyer = (buyers.filter(pk=buyer_id) if buyer_id is not None
             else buyers.filter(username=buyer_username.strip())).first()
    if buyer is None:
        raise DomainError("coupon_buyer_unknown", _("There is no such buyer."),
                          kind=ErrorKind.INVALID)
    if amount is None and percent_off is None:
        raise DomainError("coupon_value_missing", _("Give an amount or a percentage."),
                          kind=ErrorKind.INVALID)
    if amount is None:  # a percentage without a cap: the most any coupon may take off
        amount = PLATFORM_COUPON_MAX_AMOUNT
    currency = currency.strip().upper()
    platform_coupon_checked(amount=amount, currency=currency, expires_at=expires_at, now=now,
                            percent_off=percent_off)
    code = code.strip().upper()
    if code and not re.fullmatch(CODE_PATTERN, code):
        raise DomainError("coupon_code_invalid", _("A coupon code has 3 to 40 letters, digits "
                            "or dashes."), kind=ErrorKind.INVALID)
    code = code or "P" + "".join(secrets.choice(_CODE_ALPHABET)
                                                 for _ in range(9))
    try:
        with transaction.atomic():
            return Coupon.objects.create(
                code=code, kind=CouponKind.PLATFORM.value, owner=buyer, amount=amount,
                percent_off=percent_off,
                currency=currency, expires_at=expires_at, issued_by=user, issued_at=now,
                note=note.strip())
    except IntegrityError:
        raise DomainError("coupon_code_taken", _("There is already a coupon %(code)s."),
                                               params={"code": code},
                          details={"code": code}) from None
