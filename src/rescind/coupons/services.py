"""Coupons in a checkout, and what becomes of them when an order is cancelled (R25, R26)."""

from __future__ import annotations

from datetime import datetime

from django.db.models import F
from django.utils.translation import gettext_lazy as _

from rescind.coupons.models import Coupon, CouponUse
from rescind.domain.coupons import CouponFacts, CouponKind, coupon_fate
from rescind.domain.errors import DomainError, ErrorKind
from rescind.domain.events import CouponNotReturned, CouponReturned, Event
from rescind.domain.states import CloseReason, OrderState
from rescind.statements import rows_where


def coupons_for_checkout(codes: list[str], *, buyer) -> list[Coupon]:
    """The buyer's usable coupons for these codes, locked until the checkout commits."""
    codes = [c.strip().upper() for c in codes if c.strip()]
    found = {c.code: c for c in Coupon.objects.select_for_update().filter(code__in=codes)}
    for code in codes:
        coupon = found.get(code)
        if coupon is None or (coupon.owner_id is not None and coupon.owner_id != buyer.pk):
            raise DomainError("unknown_coupon", _("There is no coupon %(code)s for you."),
                                                params={"code": code},
                              kind=ErrorKind.INVALID, details={"coupon": code})
        if coupon.state != Coupon.State.AVAILABLE:
            raise DomainError("coupon_already_used", _("Coupon %(code)s has been used."),
                                                     params={"code": code},
                              kind=ErrorKind.INVALID, details={"coupon": code})
    return [found[c] for c in codes]


def coupons_spend(coupons: list[Coupon]) -> None:
    """Single-use coupons are spent by the checkout; promo codes stay open to others."""
    Coupon.objects.filter(pk__in=[c.pk for c in coupons],
                          kind__in=[CouponKind.SELLER, CouponKind.PLATFORM]).update(
        state=Coupon.State.SPENT)


def coupons_on_order(order, *, lock: bool = False) -> list[
        tuple[CouponFacts, list[tuple[OrderState, CloseReason | None]]]]:
    """Each coupon used on `order`, with the states of the other orders it paid for.

    With `lock`, the coupons are locked (in id order) before the other orders are read: two
    orders of one checkout closing at once then decide their shared coupon's fate one after
    the other, and the second sees the first closed (R25). Under PostgreSQL's READ COMMITTED
    each statement reads what was committed when it began, so the read after the lock sees
    the first transaction's close.

    The lock is an UPDATE that changes nothing, not a SELECT ... FOR UPDATE, for Citus
    (docs/deployment.md): a coupon is a reference table there, a copy of the row on every
    node, and FOR UPDATE locks the coordinator's copy only. The coordinator commits (and lets
    go) before the workers' COMMIT PREPARED make the first order's close visible, so the
    second transaction got the lock and still read the first order open: both orders kept
    the coupon. An UPDATE writes every copy and holds each until its node has committed, so
    whoever gets it next reads the first order closed, on whichever node it lives.
    """
    result = []
    if not rows_where(CouponUse, "order_id", order.pk):  # most orders: one lean query, done
        return result
    coupons = list(Coupon.objects.filter(
        pk__in=CouponUse.objects.filter(order=order).values("coupon_id")).order_by("pk"))
    if lock:  # a coupon's facts never change once issued: the rows read above stay true
        for coupon in coupons:  # one at a time, in id order: no deadlock between two orders
            Coupon.objects.filter(pk=coupon.pk).update(state=F("state"))
    for coupon in coupons:
        others = (CouponUse.objects.filter(coupon=coupon).exclude(order=order)
                  .values_list("order__state", "order__close_reason").distinct())
        result.append((coupon.facts(), [(OrderState(s), CloseReason(r) if r else None)
                                        for s, r in others]))
    return result


def coupons_settle(order, *, now: datetime) -> list[Event]:
    """After `order` closed: decide each of its coupons' fate, give back the platform coupons
    whose every item is now cancelled (and not expired), and say why on the timeline. The
    coupons are locked first, so orders closing at once settle them one at a time (R25)."""
    events: list[Event] = []
    for facts, others in coupons_on_order(order, lock=True):
        fate = coupon_fate(
            facts, [*others, (OrderState(order.state), CloseReason(order.close_reason))], now=now)
        if fate.returned:
            Coupon.objects.filter(code=facts.code).update(state=Coupon.State.AVAILABLE,
                                                          returned_at=now)
            events.append(CouponReturned(code=facts.code, coupon_kind=facts.kind.value))
        else:
            events.append(CouponNotReturned(code=facts.code, coupon_kind=facts.kind.value,
                                            reason=fate.reason))
    return events
