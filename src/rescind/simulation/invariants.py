"""The rule book's invariants, checked against the database after a step (issue 17).

Each check is named after the rule it guards and reads the ledgers independently where it
can: what was charged is read from the timeline (`OrderPaid`, `ExtraCharged`), what went back
from the refund ledger and from the payment provider's own books (the sandbox's operations),
so a figure one side got wrong shows as a disagreement with the other.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import SimpleNamespace

from rescind.coupons.models import Coupon, CouponUse
from rescind.domain import dispute_events, events
from rescind.domain.coupons import CANCELLED, CouponKind
from rescind.domain.metrics import PeriodOrder, stores_metrics_compute
from rescind.domain.refunds import RefundState
from rescind.domain.states import CloseReason, OrderState, apply_transition
from rescind.metrics.reads import store_metrics
from rescind.orders.models import Deadline, Order, Payment, TimelineEntry
from rescind.refunds.models import Refund, SandboxOperation
from rescind.refunds.services import CHECK_EVERY
from rescind.simulation.violations import Violation

# R23: the overdue flag is set by the next daily check after the deadline; the worker passes
# of a simulation may come a few days apart.
FLAG_SLACK = CHECK_EVERY + timedelta(days=4)


@dataclass
class Facts:
    """Everything the checks read about a set of orders, in a few queries."""

    orders: dict[int, Order]
    timeline: dict[int, list[TimelineEntry]]
    refunds: dict[int, list[Refund]]
    payments: dict[int, Payment]  # by checkout id
    operations: dict[str, SandboxOperation]  # the provider's books, by idempotency key
    deadlines: dict[int, list[Deadline]]


def facts_read(order_ids: Iterable[int]) -> Facts:
    ids = sorted(set(order_ids))
    orders = Order.objects.in_bulk(ids)
    timeline: dict[int, list[TimelineEntry]] = defaultdict(list)
    for entry in TimelineEntry.objects.filter(order_id__in=ids).order_by("order_id", "id"):
        timeline[entry.order_id].append(entry)
    refunds: dict[int, list[Refund]] = defaultdict(list)
    for refund in Refund.objects.filter(order_id__in=ids).order_by("order_id", "id"):
        refunds[refund.order_id].append(refund)
    payments = {p.checkout_id: p for p in Payment.objects.filter(
        checkout_id__in={o.checkout_id for o in orders.values()})}
    keys = [str(r.idempotency_key) for rows in refunds.values() for r in rows]
    operations = {op.key: op for op in SandboxOperation.objects.filter(key__in=keys)}
    deadlines: dict[int, list[Deadline]] = defaultdict(list)
    for deadline in Deadline.objects.filter(order_id__in=ids).order_by("order_id", "id"):
        deadlines[deadline.order_id].append(deadline)
    return Facts(orders, timeline, refunds, payments, operations, deadlines)


def _amount(entry: TimelineEntry, key: str = "amount") -> int:
    return entry.params[key]["amount"]


def charged_of(entries: list[TimelineEntry]) -> int:
    """What the buyer was charged for the order, read from its timeline alone."""
    return sum(_amount(e) for e in entries if e.kind in ("OrderPaid", "ExtraCharged"))


def check_r3_r22_money(facts: Facts, now: datetime) -> list[Violation]:
    """R3, R22: charged = refunded + kept, to the minor unit, with the refund ledger, the
    order's own columns and the provider's books agreeing; no refund above the charge."""
    found = []
    for pk, order in facts.orders.items():
        charged = charged_of(facts.timeline[pk])
        live = [r for r in facts.refunds[pk] if r.state != RefundState.FAILED.value]
        refunded = sum(r.amount for r in live)
        if order.paid_at is not None and order.total != charged:
            found.append(Violation("R3", pk, f"total {order.total} but the timeline charged "
                                             f"{charged}"))
        if order.refunded != refunded:
            found.append(Violation("R3", pk, f"refunded column {order.refunded} but the ledger "
                                             f"holds {refunded} in refunds not failed"))
        if refunded > charged or any(r.amount <= 0 for r in live):
            found.append(Violation("R22", pk, f"refunds {refunded} above the charge {charged}"))
        paid_back = 0
        for refund in facts.refunds[pk]:
            op = facts.operations.get(str(refund.idempotency_key))
            if op is None:
                continue
            paid_back += op.amount
            if op.amount != refund.amount:
                found.append(Violation("R3", pk, f"refund {refund.pk} of {refund.amount} paid "
                                                 f"{op.amount} by the provider"))
        if paid_back > charged:
            found.append(Violation("R22", pk, f"the provider paid back {paid_back}, above the "
                                              f"charge {charged}"))
    return found


def check_r21_destination(facts: Facts, now: datetime) -> list[Violation]:
    """R21: every refund goes to the method (and payment) that paid."""
    found = []
    for pk, order in facts.orders.items():
        payment = facts.payments.get(order.checkout_id)
        for refund in facts.refunds[pk]:
            op = facts.operations.get(str(refund.idempotency_key))
            if payment is None or refund.payment_id != payment.pk \
                    or refund.method != payment.method \
                    or (op is not None and op.method != payment.method):
                found.append(Violation("R21", pk, f"refund {refund.pk} to {refund.method}, "
                                                  f"paid by {payment and payment.method}"))
    return found


def check_r23_refunds_end(facts: Facts, now: datetime) -> list[Violation]:
    """R23: every refund arrives or fails, or is flagged overdue once its method's deadline
    has passed (and flagged as not started one working day after the decision)."""
    found = []
    ended = {RefundState.SUCCEEDED.value, RefundState.FAILED.value}
    for pk in facts.orders:
        for refund in facts.refunds[pk]:
            if refund.state in ended:
                continue
            if now > refund.arrive_by + FLAG_SLACK and refund.overdue_flagged_at is None:
                found.append(Violation("R23", pk, f"refund {refund.pk} {refund.state} past "
                                                  f"{refund.arrive_by:%Y-%m-%d} and not flagged"))
            if refund.state == RefundState.PENDING.value and now > refund.start_by + FLAG_SLACK \
                    and refund.start_overdue_flagged_at is None:
                found.append(Violation("R23", pk, f"refund {refund.pk} not started by "
                                                  f"{refund.start_by:%Y-%m-%d}, not flagged"))
    return found


def check_r25_r26_coupons(facts: Facts, now: datetime) -> list[Violation]:
    """R25: a platform coupon comes back exactly when everything it paid for was cancelled
    before it expired; R26: seller coupons and promo codes never come back."""
    found = []
    uses: dict[int, set[int]] = defaultdict(set)
    for coupon_id, order_id in CouponUse.objects.filter(order_id__in=list(facts.orders)) \
            .order_by().values_list("coupon_id", "order_id"):
        uses[coupon_id].add(order_id)
    all_uses: dict[int, set[int]] = defaultdict(set)  # every order each coupon paid for
    for coupon_id, order_id in CouponUse.objects.filter(coupon_id__in=list(uses)) \
            .order_by().values_list("coupon_id", "order_id"):
        all_uses[coupon_id].add(order_id)
    every = {pk for ids in all_uses.values() for pk in ids}
    others = Order.objects.in_bulk(every - set(facts.orders))
    # A coupon's return is written on one of its orders, perhaps not one of those checked.
    returned: dict[str, int] = defaultdict(int)
    for params in TimelineEntry.objects.filter(order_id__in=every, kind="CouponReturned") \
            .order_by().values_list("params", flat=True):
        returned[params["code"]] += 1
    for coupon in Coupon.objects.filter(pk__in=list(uses)).order_by("pk"):
        orders = [facts.orders.get(pk) or others[pk] for pk in sorted(all_uses[coupon.pk])]
        first = orders[0].pk
        times = returned[coupon.code]
        if coupon.kind != CouponKind.PLATFORM.value:
            if times or coupon.returned_at is not None:
                found.append(Violation("R26", first, f"{coupon.kind} coupon {coupon.code} "
                                                     f"came back"))
            continue
        cancelled = all(o.state == OrderState.CLOSED.value and CloseReason(o.close_reason)
                        in CANCELLED for o in orders)
        due = cancelled and max(o.closed_at for o in orders) < coupon.expires_at
        back = coupon.state == Coupon.State.AVAILABLE
        if times > 1 or due != back or back != (times == 1):
            found.append(Violation("R25", first, f"platform coupon {coupon.code}: returned "
                                                 f"{times} time(s), state {coupon.state}, "
                                                 f"all cancelled before expiry: {due}"))
    return found


ONCE_KINDS = {  # timeline kind -> the kind that each may answer at most once
    "CancellationAutoApproved": "CancellationRequested",
    "OrderNotShippedInTime": "OrderPaid",
    "UnpaidOrderTimedOut": "OrderPlaced",
    "DisputeAutoAccepted": "DisputeOpened",
    "DisputeDecided": "DisputeOpened",
}


def check_r10_r12_r19_deadlines(facts: Facts, now: datetime) -> list[Violation]:
    """R10, R12, R19 (and every other deadline): each fired once or was voided, never both,
    none left open once due; no automatic action more often than what it answers."""
    found = []
    for pk in facts.orders:
        for deadline in facts.deadlines[pk]:
            if deadline.fired_at and deadline.voided_at:
                found.append(Violation("R10", pk, f"deadline {deadline.kind} both fired and "
                                                  f"voided"))
            if deadline.fired_at is None and deadline.voided_at is None \
                    and deadline.due_at <= now:
                found.append(Violation("R10", pk, f"deadline {deadline.kind} due "
                                                  f"{deadline.due_at:%Y-%m-%d %H:%M} still open"))
        kinds = defaultdict(int)
        for entry in facts.timeline[pk]:
            kinds[entry.kind] += 1
        for kind, answers in ONCE_KINDS.items():
            if kinds[kind] > kinds[answers]:
                rule = {"OrderNotShippedInTime": "R12", "DisputeAutoAccepted": "R19",
                        "DisputeDecided": "R19"}.get(kind, "R10")
                found.append(Violation(rule, pk, f"{kinds[kind]} {kind} for {kinds[answers]} "
                                                 f"{answers}"))
    return found


_EVENT_CLASSES = {name: cls for module in (events, dispute_events)
                  for name, cls in vars(module).items()
                  if isinstance(cls, type) and issubclass(cls, events.Event)}


def _transition(entry: TimelineEntry):
    cls = _EVENT_CLASSES.get(entry.kind)
    if cls is None:
        return None
    attribute = cls.__dict__.get("transition", getattr(cls, "transition", None))
    if isinstance(attribute, property):  # it depends on the event's fields
        return attribute.fget(SimpleNamespace(**entry.params))
    return attribute


def timeline_replay(entries: list[TimelineEntry]) -> tuple[str, str]:
    """R29: the state and close reason an order's timeline leads to, from the start."""
    state, reason = OrderState.AWAITING_PAYMENT, ""
    for entry in entries:
        transition = _transition(entry)
        if transition is not None:
            state, close = apply_transition(state, transition)
            reason = close.value if close else reason
    return state.value, reason


def check_r29_timeline(facts: Facts, now: datetime) -> list[Violation]:
    """R29: every order's timeline replays to its current state."""
    found = []
    for pk, order in facts.orders.items():
        try:
            replayed = timeline_replay(facts.timeline[pk])
        except Exception as exc:  # a transition the table refuses: the timeline is wrong
            found.append(Violation("R29", pk, f"the timeline does not replay: {exc}"))
            continue
        if replayed != (order.state, order.close_reason):
            found.append(Violation("R29", pk, f"the timeline replays to {replayed}, the order "
                                              f"is {(order.state, order.close_reason)}"))
    return found


def _side_of(entry: TimelineEntry) -> str:
    cls = _EVENT_CLASSES[entry.kind]
    side = entry.params.get("side") if "side" in entry.params else None
    if entry.kind == "DisputeResolved":
        side = "seller" if entry.params["outcome"] == "closed" else None
    return side or (cls.responsible_side.value if cls.responsible_side else "")


def metrics_recount(store_names: dict[int, str], facts: Facts):
    """R30: the seller metrics computed from the timelines and the refund ledger alone."""
    counted = []
    for pk, order in facts.orders.items():
        entries = facts.timeline[pk]
        kinds = [e.kind for e in entries]
        closing = [e for e in entries if _transition(e) is not None
                   and e.kind not in ("OrderPaid", "OrderShipped", "ShipmentCanceled",
                                      "ShipmentReassigned", "OrderCompleted")]
        closing = [e for e in closing if timeline_replay(entries[:entries.index(e) + 1])[0]
                   == OrderState.CLOSED.value]
        _, reason = timeline_replay(entries)
        decided = [e for e in entries if e.kind == "DisputeDecided"]
        live = [r for r in facts.refunds[pk] if r.state != RefundState.FAILED.value]
        counted.append(PeriodOrder(
            store_id=order.store_id, currency=order.currency, paid="OrderPaid" in kinds,
            close_reason=reason, responsible_side=_side_of(closing[-1]) if closing else "",
            requests=kinds.count("CancellationRequested"),
            auto_approved=kinds.count("CancellationAutoApproved"),
            shipments_canceled=kinds.count("ShipmentCanceled"),
            disputes_opened=kinds.count("DisputeOpened"),
            disputes_lost=sum(1 for e in decided if e.params.get("seller_lost")),
            refunds=len(live), refunded=sum(r.amount for r in live)))
    return stores_metrics_compute(store_names, counted)


def check_r30_metrics(facts: Facts, now: datetime, *, store_names: dict[int, str],
                      period: tuple[datetime, datetime]) -> list[Violation]:
    """R30: the seller metrics the product shows equal a recount from the timelines."""
    shown = store_metrics(store_ids=list(store_names), period_start=period[0],
                          period_end=period[1])
    recounted = metrics_recount(store_names, facts)
    return [Violation("R30", None, f"store {a.store_name}: shown {a} but recounted {b}")
            for a, b in zip(shown, recounted, strict=True) if a != b]


CHECKS: dict[str, Callable[[Facts, datetime], list[Violation]]] = {
    "R3/R22 money": check_r3_r22_money,
    "R21 destination": check_r21_destination,
    "R23 refunds end": check_r23_refunds_end,
    "R25/R26 coupons": check_r25_r26_coupons,
    "R10/R12/R19 deadlines": check_r10_r12_r19_deadlines,
    "R29 timeline": check_r29_timeline,
}


def invariants_check(order_ids: Iterable[int], now: datetime) -> list[Violation]:
    """Every per-order invariant over `order_ids` at `now` (after the worker caught up)."""
    facts = facts_read(order_ids)
    return [v for check in CHECKS.values() for v in check(facts, now)]
