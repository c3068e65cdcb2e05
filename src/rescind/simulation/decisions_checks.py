"""The invariants a decisions-only run checks as each checkout ends, and the figures it tallies
(issue 17). Split from `decisions.py` to keep modules short."""

from __future__ import annotations

from collections import Counter

from rescind.domain import events as ev
from rescind.domain.coupons import CouponKind
from rescind.domain.dispute_events import DisputeDecided
from rescind.domain.refunds import PaymentMethod
from rescind.domain.states import OrderState, apply_transition
from rescind.refunds.gateway import sandbox_settle_delay
from rescind.simulation.violations import Violation


def checkout_check(engine, checkout: int, orders: list, coupons) -> None:
    """R3, R10, R12, R21, R22, R23, R25, R26, R29 over one ended checkout; its figures
    tallied."""
    t, found = engine.tally, engine.violations
    for order in orders:
        f = order.facts
        refunded = sum(r.amount.amount for r, _ in order.refunds)
        if refunded > order.charged or refunded != f.refunded.amount:
            found.append(Violation("R22", checkout, f"order {order.index}: refunds "
                                                    f"{refunded} above {order.charged}"))
        if f.paid_at is not None and f.total.amount != order.charged:
            found.append(Violation("R3", checkout, f"order {order.index}: total "
                                                   f"{f.total.amount} but charged "
                                                   f"{order.charged}"))
        state = OrderState.AWAITING_PAYMENT
        for event in order.kinds:  # R29: the history replays to the state
            if event.transition is not None:
                state, _ = apply_transition(state, event.transition)
        if state is not f.state:
            found.append(Violation("R29", checkout, f"order {order.index} replays to "
                                                    f"{state}, is {f.state}"))
        names = Counter(e.kind for e in order.kinds)
        if names["CancellationAutoApproved"] > names["CancellationRequested"] \
                or names["OrderNotShippedInTime"] > 1 or names["UnpaidOrderTimedOut"] > 1:
            found.append(Violation("R10", checkout, f"order {order.index}: an automatic "
                                                    f"action twice"))
        _order_tally(engine, order, names)
    for coupon, _used_by, fates in coupons:
        returned = [at for fate, at in fates if fate.returned]
        if coupon.kind is not CouponKind.PLATFORM and returned:
            found.append(Violation("R26", checkout, f"{coupon.kind} coupon came back"))
        if len(returned) > 1:
            found.append(Violation("R25", checkout, "a platform coupon came back twice"))
        t.coupons_returned += coupon.amount if returned else 0

def _order_tally(engine, order, names: Counter) -> None:
    t, f = engine.tally, order.facts
    if f.close_reason is not None:
        t.closed[f.close_reason.value] += 1
    t.auto_approved += names["CancellationAutoApproved"]
    if f.paid_at is not None:
        t.store_paid[order.store] += 1
        closing = [e for e in order.kinds if e.transition is not None]
        side = ev.responsible_side_of(closing[-1]) if f.close_reason else None
        if f.close_reason is not None and f.close_reason.value in (
                "cancelled_on_request", "not_shipped_in_time") and side is not None \
                and side.value == "seller":
            t.store_seller_cancelled[order.store] += 1
    t.disputes["opened"] += names["DisputeOpened"]
    for event in order.kinds:
        if isinstance(event, DisputeDecided):
            t.disputes[f"decided by {event.by}"] += 1
    for refund, decided in order.refunds:
        method = PaymentMethod(refund.method)
        if refund.method != order.method:
            engine.violations.append(Violation("R21", None, "refund to another method"))
        arrives = decided + sandbox_settle_delay(f"{order.index}-{decided}", method)
        if refund.arrive_by <= decided:
            engine.violations.append(Violation("R23", None, "a refund due before decided"))
        start = order.requested_at or decided
        t.money_back_hours[method.value].append(
            int((arrives - start).total_seconds() // 3600))
        t.refund_deadline_hours[method.value].append(
            int((refund.arrive_by - start).total_seconds() // 3600))
        t.refunded += refund.amount.amount
