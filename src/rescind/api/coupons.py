"""Coupons: the buyer's own with where each stands, and platform coupons support gives
(R25, R26, R28)."""

from __future__ import annotations

from datetime import datetime

from ninja import Router, Schema, Status
from pydantic import AwareDatetime, Field

from rescind.api.common import ERRORS
from rescind.api.schemas import MAX_ID, MoneyOut, StoreRef, StrictIn
from rescind.clock.service import now as clock_now
from rescind.coupons.holdings import (
    coupon_of_buyer,
    coupons_of_buyer,
    platform_coupon_issue,
)
from rescind.domain.coupons import PLATFORM_COUPON_MAX_AMOUNT, CouponStanding

router = Router(tags=["coupons"])


class CouponOut(Schema):
    id: int
    code: str
    kind: str = Field(description="platform, seller or promo")
    value: MoneyOut = Field(description="what it takes off; for a percentage coupon, the most")
    percent_off: int | None = Field(description="a percentage coupon's share of what it pays "
                                                "for; none: worth its value")
    store: StoreRef | None = Field(description="the one store it is for; none: any store")
    state: CouponStanding = Field(
        description="available; used (see used_on_orders); returned (came back after a "
                    "cancellation, usable again); expired")
    expires_at: datetime
    returned_at: datetime | None
    used_on_orders: list[int] = Field(description="the caller's orders it paid for")
    comes_back_on_cancellation: bool = Field(
        description="R25: platform coupons come back once everything they paid for is "
                    "cancelled, if not expired; R26: seller coupons and promo codes never")


class CouponIssueIn(StrictIn):
    buyer_id: int = Field(ge=1, le=MAX_ID)
    # Amount, currency and expiry are checked by the service, so that each refusal has its own
    # code (coupon_amount_invalid, coupon_currency_unsupported, coupon_expiry_past).
    amount: int | None = Field(
        default=None, description=f"minor units, 1 to {PLATFORM_COUPON_MAX_AMOUNT}: what it is "
        "worth, or with percent_off the most it takes off (none: no cap below that)")
    percent_off: int | None = Field(default=None, description="1 to 100: a percentage coupon")
    currency: str = Field(max_length=10, description="ISO 4217, e.g. USD")
    expires_at: AwareDatetime = Field(strict=False,  # an ISO 8601 string, as JSON has it
                                      description="in the future, with a time zone",
                                      json_schema_extra={"maxLength": 40})
    note: str = Field(default="", max_length=300, description="why; kept for support")
    code: str = Field(default="", max_length=40, pattern=r"^([A-Z0-9][A-Z0-9-]{2,39})?$",
                      description="empty: a code is made up")


class CouponIssuedOut(CouponOut):
    owner_id: int
    issued_at: datetime
    note: str


@router.get("/coupons", response={200: list[CouponOut], **ERRORS})
def coupons_list(request):
    """The caller's coupons, soonest expiry first: those given to them and promo codes they
    used, each with its state, expiry and the orders it paid for."""
    return coupons_of_buyer(request.user, now=clock_now())


@router.get("/coupons/{coupon_id}", response={200: CouponOut, **ERRORS})
def coupons_read(request, coupon_id: int):
    """One of the caller's coupons. Errors: 404 coupon_not_found (also someone else's)."""
    return coupon_of_buyer(request.user, coupon_id=coupon_id, now=clock_now())


@router.post("/support/coupons", response={201: CouponIssuedOut, **ERRORS})
def coupons_issue(request, body: CouponIssueIn):
    """R25: support (staff with rescind_coupons.issue_platform_coupon) gives a buyer a
    platform coupon worth an amount, or a percentage of what it pays for (capped by the amount
    if given). Errors: 403 coupon_issue_forbidden, 422 coupon_buyer_unknown,
    422 coupon_value_missing, 422 coupon_amount_invalid, 422 coupon_percent_invalid,
    422 coupon_currency_unsupported, 422 coupon_expiry_past, 409 coupon_code_taken."""
    coupon = platform_coupon_issue(
        user=request.user, buyer_id=body.buyer_id, amount=body.amount,
        percent_off=body.percent_off, currency=body.currency,
        expires_at=body.expires_at, note=body.note, code=body.code, now=clock_now())
    read = coupon_of_buyer(coupon.owner, coupon_id=coupon.pk, now=clock_now())
    return Status(201, {**read, "owner_id": coupon.owner_id, "issued_at": coupon.issued_at,
                        "note": coupon.note})
