"""The cancellation quote: exactly what cancelling would do, before the buyer confirms.

It is computed by the same decisions the cancellation itself runs, so the quote and the outcome
cannot drift apart (tested across every scenario).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.utils.translation import gettext_lazy as _

from rescind.domain.calendar import BusinessCalendar
from rescind.domain.cancellation import decide_request_cancellation
from rescind.domain.coupons import CouponFacts, CouponFate, coupon_fate
from rescind.domain.errors import DomainError, ErrorKind
from rescind.domain.events import CancellationRequested
from rescind.domain.facts import OrderFacts
from rescind.domain.money import Money
from rescind.domain.ordering import decide_cancel_unpaid
from rescind.domain.policy import Policy, Side
from rescind.domain.refunds import refund_in_full
from rescind.domain.states import CloseReason, OrderState

# A coupon used on the order, with the states of the *other* orders it paid for.
CouponOnOrder = tuple[CouponFacts, Sequence[tuple[OrderState, CloseReason | None]]]


@dataclass(frozen=True, slots=True)
class CancellationQuote:
    needs_seller_approval: bool
    refund: Money | None
    refund_method: str | None
    refund_arrive_by: datetime | None  # if the cancellation is decided now
    refund_arrive_by_latest: datetime | None  # if the seller stays silent to the end (R10)
    seller_respond_by: datetime | None
    reason: str | None
    reason_side: Side | None
    counts_against_seller: bool | None
    coupons: tuple[CouponFate, ...]


def quote_cancellation(
    order: OrderFacts, coupons: Sequence[CouponOnOrder], *, reason: str | None, now: datetime,
    policy: Policy, calendar: BusinessCalendar,
) -> CancellationQuote:
    """R4, R7-R10, R21-R23, R25, R26: what cancelling `order` now would do."""
    if order.state is OrderState.AWAITING_PAYMENT:
        decide_cancel_unpaid(order)
        fates = _fates(coupons, CloseReason.CANCELLED_BY_BUYER, now)
        return CancellationQuote(False, None, None, None, None, None, None, None, None, fates)
    if reason is None:
        raise DomainError("reason_required", _("Choose a reason to see what cancelling would do."),
                          kind=ErrorKind.INVALID,
                          details={"allowed": sorted(policy.reasons_by_code)})
    requested = decide_request_cancellation(order, reason=reason, report_supplier=False, now=now,
                                            policy=policy)[0]
    assert isinstance(requested, CancellationRequested)
    return _on_request(order, coupons, reason=requested.reason, side=requested.side,
                       respond_by=requested.respond_by, now=now, policy=policy,
                       calendar=calendar)


def quote_pending_request(
    order: OrderFacts, coupons: Sequence[CouponOnOrder], *, now: datetime, policy: Policy,
    calendar: BusinessCalendar,
) -> CancellationQuote:
    """R10, R21-R23, R25, R26: what the order's pending cancellation request does once the seller
    approves it now, or by silence at the end of the response window; shown while it waits."""
    request = order.pending_request
    if request is None:
        raise DomainError("no_pending_request", _("There is no cancellation request waiting."))
    return _on_request(order, coupons, reason=request.reason, side=request.side,
                       respond_by=request.respond_by, now=now, policy=policy, calendar=calendar)


def _on_request(
    order: OrderFacts, coupons: Sequence[CouponOnOrder], *, reason: str, side: Side,
    respond_by: datetime, now: datetime, policy: Policy, calendar: BusinessCalendar,
) -> CancellationQuote:
    refunds_now = refund_in_full(order, now=now, policy=policy, calendar=calendar)
    refunds_late = refund_in_full(order, now=respond_by, policy=policy, calendar=calendar)
    now_refund = refunds_now[0] if refunds_now else None  # a RefundCreated
    late_refund = refunds_late[0] if refunds_late else None
    return CancellationQuote(
        needs_seller_approval=True,
        refund=now_refund.amount if now_refund else None,
        refund_method=now_refund.method if now_refund else None,
        refund_arrive_by=now_refund.arrive_by if now_refund else None,
        refund_arrive_by_latest=late_refund.arrive_by if late_refund else None,
        seller_respond_by=respond_by,
        reason=reason,
        reason_side=side,
        counts_against_seller=side is Side.SELLER,
        coupons=_fates(coupons, CloseReason.CANCELLED_ON_REQUEST, now),
    )


def _fates(coupons: Sequence[CouponOnOrder], close_reason: CloseReason,
           now: datetime) -> tuple[CouponFate, ...]:
    return tuple(
        coupon_fate(coupon, [*others, (OrderState.CLOSED, close_reason)], now=now)
        for coupon, others in coupons
    )
