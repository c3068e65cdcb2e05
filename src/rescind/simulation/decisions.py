"""Decisions only: a generated history through the pure domain functions, in memory, with no
database (issue 17). Fast enough for a million orders.

Checkouts are independent of one another (a coupon is shared within one checkout only), so
each checkout's steps run on their own, in time order, with the checkout's deadlines firing
before each step exactly as the worker fires them: the decision is asked, a domain error
voids the deadline, anything else applies its events. The glue the services do (which facts
change with which event, which deadline each event sets or stops) is restated here in a few
lines per event; the rules themselves are the domain's own functions.

Each checkout is checked as it ends (R3, R21, R22, R23, R25/R26, R10/R12/R19, R29), and the
figures the policy what-if compares are tallied (`Tally`).
"""

from __future__ import annotations

import dataclasses
import heapq
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from rescind.domain import disputes as dd
from rescind.domain import events as ev
from rescind.domain.calendar import BusinessCalendar
from rescind.domain.cancellation import (
    decide_approve_cancellation,
    decide_auto_approve,
    decide_handling_timeout,
    decide_refuse_cancellation,
    decide_request_cancellation,
    decide_ship,
    decide_withdraw_cancellation,
)
from rescind.domain.coupons import CouponFacts, CouponKind, LineFacts, apply_coupons, coupon_fate
from rescind.domain.dispute_events import (
    DisputeDecided,
    DisputeEscalated,
    DisputeOpened,
    DisputeResolved,
    DisputeSellerProposed,
    DisputeSellerRefused,
)
from rescind.domain.errors import DomainError
from rescind.domain.facts import OrderFacts, RequestFacts
from rescind.domain.money import Money
from rescind.domain.ordering import (
    LineDraft,
    decide_cancel_unpaid,
    decide_checkout,
    decide_pay,
    decide_unpaid_timeout,
    order_placed,
    with_line_discounts,
)
from rescind.domain.policy import Policy
from rescind.domain.shipping import (
    CarrierEvent,
    decide_auto_complete,
    decide_carrier_event,
    decide_confirm_receipt,
    decide_decline_canceled_shipment,
    decide_refund_canceled_shipment,
    decide_reship,
)
from rescind.domain.states import OrderState, apply_transition
from rescind.simulation.decisions_checks import checkout_check
from rescind.simulation.history import STORES, Step
from rescind.simulation.tally import Tally
from rescind.simulation.violations import Violation

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
USD = "USD"
PRICES = [[999 + 377 * s, 2501 + 113 * s] for s in range(STORES)]  # as drive.market_create
SHIPPING = [(s % 3) * 175 for s in range(STORES)]
STORE_OF = {s * 2 + w: s for s in range(STORES) for w in (0, 1)}  # product -> store
FEES = {s: Money(SHIPPING[s], USD) for s in range(STORES)}
COUPON_AMOUNTS = {"platform": 700, "seller": 300, "promo": 150}
DRAIN = timedelta(days=200)


@dataclass
class MemOrder:
    """One order's facts and what happened to it."""

    index: int
    store: int
    facts: OrderFacts
    method: str
    requested_at: datetime | None = None  # the first cancellation request, for the what-if
    dispute: dd.DisputeFacts | None = None
    deadlines: dict[str, datetime] = field(default_factory=dict)
    kinds: list[ev.Event] = field(default_factory=list)
    refunds: list[tuple[ev.RefundCreated, datetime]] = field(default_factory=list)
    charged: int = 0


_FACT_FIELDS = tuple(f.name for f in dataclasses.fields(OrderFacts))


def _replace(facts: OrderFacts, changes: dict) -> OrderFacts:
    """dataclasses.replace without its per-call introspection (a third of the run's time)."""
    new = object.__new__(OrderFacts)
    for name in _FACT_FIELDS:
        object.__setattr__(new, name, changes[name] if name in changes
                           else getattr(facts, name))
    return new


class Engine:
    """Runs checkouts under one policy and calendar."""

    def __init__(self, policy: Policy, calendar: BusinessCalendar | None = None,
                 base: datetime = T0) -> None:
        self.policy, self.base = policy, base
        self.calendar = calendar or BusinessCalendar(policy.calendar_country)
        self.tally = Tally()
        self.violations: list[Violation] = []

    # -- one checkout -------------------------------------------------------------------
    def checkout_run(self, steps: list[Step]) -> None:
        """All steps of one checkout (the first its `checkout`), then the drain."""
        first = steps[0]
        if first.action != "checkout":
            return
        now = self.base + timedelta(minutes=first.at)
        orders, coupons = self._place(first, now)
        self.tally.orders += len(orders)
        for step in steps[1:]:
            now = self.base + timedelta(minutes=step.at)
            self._fire_due(orders, coupons, now)
            self.tally.steps += 1
            try:
                self._act(step, orders, coupons, now)
            except DomainError:
                self.tally.refused += 1
        self._fire_due(orders, coupons, now + DRAIN)
        self._check(first.checkout, orders, coupons, now + DRAIN)

    def _place(self, step: Step, now: datetime):
        a = step.args
        lines = [LineDraft(product_id=store * 2 + which, product_name="item", options={},
                           quantity=q, unit_price=Money(PRICES[store][which], USD))
                 for store, q, which in zip(a["stores"], a["quantities"], a["products"],
                                            strict=True)]
        drafts = decide_checkout(lines, store_of=STORE_OF, shipping_fees=FEES)
        expires = now + timedelta(days=a.get("coupon_days", 60))
        coupons = [CouponFacts(f"C{step.checkout}{kind}", CouponKind(kind),
                               COUPON_AMOUNTS[kind], USD, expires,
                               None if kind == "platform" else a["stores"][0])
                   for kind in a.get("coupons", [])]
        shares = apply_coupons([LineFacts(d.store_id, line.total.amount) for d in drafts
                                for line in d.lines], coupons, currency=USD, now=now)
        per_line = [sum(c) for c in zip(*shares.values(), strict=True)] if shares \
            else [0] * len(lines)
        drafts = with_line_discounts(drafts, per_line)
        for coupon in coupons:  # R3: a coupon's shares add up to what it gave, to the cent
            base = sum(line.total.amount for d in drafts for line in d.lines
                       if coupon.store_id in (None, d.store_id)) + sum(per_line)
            if sum(shares[coupon.code]) > min(coupon.amount, base):
                self.violations.append(Violation("R3", None, f"coupon {coupon.code} shares "
                                                             f"exceed it"))
        by_store = {d.store_id: d for d in drafts}
        orders = []
        for i, store in enumerate(a["stores"]):
            placed = order_placed(by_store[store], now=now, policy=self.policy)
            facts = OrderFacts(state=OrderState.AWAITING_PAYMENT, placed_at=now,
                               total=placed.total, refunded=Money(0, USD),
                               payment_method=a["method"])
            order = MemOrder(i, store, facts, a["method"])
            order.kinds.append(placed)
            order.deadlines["unpaid"] = placed.pay_by
            orders.append(order)
        uses = {c.code: [i for i, o in enumerate(orders) if _order_share(shares[c.code], drafts,
                                                                         o.store)]
                for c in coupons}
        return orders, [(c, uses[c.code], []) for c in coupons]

    # -- deadlines ----------------------------------------------------------------------
    def _fire_due(self, orders: list[MemOrder], coupons, now: datetime) -> None:
        while True:
            due = [(at, o.index, kind) for o in orders for kind, at in o.deadlines.items()
                   if at <= now]
            if not due:
                return
            at, index, kind = heapq.nsmallest(1, due)[0]
            order = orders[index]
            del order.deadlines[kind]
            try:
                events = self._deadline_events(order, kind, at)
            except DomainError:
                continue  # voided, as the scheduler voids it
            self._apply(order, events, at, orders, coupons)

    def _deadline_events(self, order: MemOrder, kind: str, at: datetime) -> list[ev.Event]:
        f, p, c = order.facts, self.policy, self.calendar
        if kind == "unpaid":
            return [decide_unpaid_timeout(f, now=at, policy=p)]
        if kind == "response":
            return decide_auto_approve(f, now=at, policy=p, calendar=c)
        if kind == "handling":
            return decide_handling_timeout(f, now=at, policy=p, calendar=c)
        if kind == "complete":
            return decide_auto_complete(f, now=at, policy=p)
        if kind == "canceled_reply":
            order.facts = dataclasses.replace(f, dispute_from=at)
            return []
        if kind == "dispute_response":
            return dd.decide_auto_accept(f, order.dispute, now=at, policy=p, calendar=c)
        if kind == "dispute_escalate":
            return dd.decide_auto_escalate(order.dispute, now=at)
        raise AssertionError(kind)

    # -- actions ------------------------------------------------------------------------
    def _act(self, step: Step, orders: list[MemOrder], coupons, now: datetime) -> None:
        p, c, action = self.policy, self.calendar, step.action
        if action == "pay":
            waiting = [o for o in orders if o.facts.state is OrderState.AWAITING_PAYMENT]
            if not waiting:
                raise DomainError("nothing_to_pay", "")
            for order in waiting:
                self._apply(order, [decide_pay(order.facts, method=order.method, now=now,
                                               policy=p, calendar=c)], now, orders, coupons)
            return
        if action == "lower_price":
            return  # a price change before payment: exercised end to end only
        order = orders[step.order]
        f = order.facts
        events = self._decide(action, step, order, f, now, p, c)
        self._apply(order, events, now, orders, coupons)

    def _decide(self, action, step, order, f, now, p, c) -> list[ev.Event]:
        if action == "cancel_unpaid":
            return [decide_cancel_unpaid(f)]
        if action == "request_cancel":
            return decide_request_cancellation(f, reason=step.args["reason"],
                                               report_supplier=False, now=now, policy=p)
        if action == "approve":
            return decide_approve_cancellation(f, note="", now=now, policy=p, calendar=c)
        if action == "refuse":
            return decide_refuse_cancellation(f, note="we ship today")
        if action == "withdraw":
            return decide_withdraw_cancellation(f)
        if action in ("ship", "reship"):
            decide = decide_ship if action == "ship" else decide_reship
            return decide(f, carrier="SimPost", tracking_number=f"T{id(order)}{action}",
                          now=now, policy=p)
        if action in ("carrier_deliver", "carrier_drop"):
            kind = CarrierEvent.DELIVERED if action == "carrier_deliver" \
                else CarrierEvent.TRACKING_INVALID
            return decide_carrier_event(f, event=kind, location="", now=now, policy=p)
        if action == "confirm_receipt":
            return decide_confirm_receipt(f, now=now, policy=p)
        if action == "canceled_refund":
            return decide_refund_canceled_shipment(f, now=now, policy=p, calendar=c)
        if action == "canceled_decline":
            events = decide_decline_canceled_shipment(f, note="no stock")
            order.facts = dataclasses.replace(f, dispute_from=now)
            return events
        return self._decide_dispute(action, step, order, f, now, p, c)

    def _decide_dispute(self, action, step, order, f, now, p, c) -> list[ev.Event]:
        d = order.dispute
        left = f.refundable.amount
        if action == "dispute_open":
            claim = Money(max(1, left * step.args["claim_percent"] // 100), USD)
            return dd.decide_open_dispute(f, d, reason="not_as_described", claim=claim,
                                          return_item=False, description="", evidence=(),
                                          order_attachments=frozenset(), now=now, policy=p)
        if action == "dispute_accept":
            return dd.decide_seller_accept(f, d, now=now, policy=p, calendar=c)
        if action == "dispute_refuse":
            return dd.decide_seller_refuse(d, note="as described", now=now, policy=p)
        if action == "dispute_propose":
            amount = Money(max(1, left * step.args["percent"] // 100), USD)
            return dd.decide_seller_propose(d, amount=amount, return_item=False, note="",
                                            now=now, policy=p)
        if action == "proposal_accept":
            return dd.decide_accept_proposal(f, d, now=now, policy=p, calendar=c)
        if action == "escalate":
            return dd.decide_escalate(d, note="")
        if action == "support_decide":
            refund = Money(left * step.args["percent"] // 100, USD)
            return dd.decide_support(f, d, refund=refund, return_item=False, note="", now=now,
                                     policy=p, calendar=c)
        raise DomainError("not_in_memory", action)  # change requests: end to end only

    # -- events -------------------------------------------------------------------------
    def _apply(self, order: MemOrder, events: list[ev.Event], now: datetime,
               orders: list[MemOrder], coupons) -> None:
        f = order.facts
        for event in events:
            order.kinds.append(event)
            changes: dict = {}
            transition = event.transition
            if transition is not None:
                state, reason = apply_transition(f.state, transition)
                changes["state"] = state
                if reason is not None:
                    changes["close_reason"] = reason
                    order.deadlines.clear()
            match event:
                case ev.OrderPaid():
                    changes.update(paid_at=now, ship_by=event.ship_by)
                    order.charged = event.amount.amount
                    order.deadlines.pop("unpaid", None)
                    order.deadlines["handling"] = event.ship_by
                case ev.CancellationRequested():
                    changes["pending_request"] = RequestFacts(event.reason, event.side, now,
                                                              event.respond_by)
                    order.requested_at = order.requested_at or now
                    order.deadlines["response"] = event.respond_by
                case ev.CancellationRefused() | ev.CancellationWithdrawn() \
                        | ev.CancellationRefusedByShipment():
                    changes["pending_request"] = None
                    order.deadlines.pop("response", None)
                case ev.CancellationApproved() | ev.CancellationAutoApproved():
                    changes["pending_request"] = None
                case ev.OrderShipped() | ev.ShipmentReassigned():
                    changes.update(tracking_number=event.tracking_number,
                                   deliver_by=event.deliver_by, dispute_from=None)
                    order.deadlines.pop("handling", None)
                    order.deadlines.pop("canceled_reply", None)
                case ev.ParcelDelivered():
                    changes["delivered_at"] = now
                    order.deadlines["complete"] = event.complete_by
                case ev.ShipmentCanceled():
                    changes["delivered_at"] = None
                    order.deadlines["canceled_reply"] = event.reply_by
                case ev.OrderCompleted():
                    changes["dispute_until"] = event.dispute_until
                    order.deadlines.pop("complete", None)
                case ev.RefundCreated():
                    changes["refunded"] = f.refunded + event.amount
                    order.refunds.append((event, now))
                case DisputeOpened():
                    order.dispute = dd.DisputeFacts(dd.DisputeState.AWAITING_SELLER,
                                                    event.claim, event.return_item, False,
                                                    respond_by=event.respond_by)
                    order.deadlines["dispute_response"] = event.respond_by
                    order.deadlines.pop("complete", None)
                case DisputeSellerRefused() | DisputeSellerProposed():
                    state = dd.DisputeState.SELLER_REFUSED \
                        if isinstance(event, DisputeSellerRefused) \
                        else dd.DisputeState.SELLER_PROPOSED
                    order.dispute = dataclasses.replace(
                        order.dispute, state=state, escalate_by=event.escalate_by,
                        proposal=getattr(event, "amount", None))
                    order.deadlines.pop("dispute_response", None)
                    order.deadlines["dispute_escalate"] = event.escalate_by
                case DisputeEscalated():
                    order.dispute = dataclasses.replace(order.dispute,
                                                        state=dd.DisputeState.ESCALATED)
                    order.deadlines.pop("dispute_escalate", None)
                case DisputeDecided():
                    order.deadlines.pop("dispute_response", None)
                    order.deadlines.pop("dispute_escalate", None)
                case DisputeResolved():
                    order.dispute = None
                case _:
                    pass
            f = _replace(f, changes) if changes else f
            order.facts = f
            if "close_reason" in changes:
                self._coupons_settle(order, orders, coupons, now)

    def _coupons_settle(self, order, orders, coupons, now) -> None:
        """R25, R26: each coupon of the closing order, decided with its other orders."""
        for coupon, used_by, fates in coupons:
            if order.index not in used_by:
                continue
            fate = coupon_fate(coupon, [(orders[i].facts.state, orders[i].facts.close_reason)
                                        for i in used_by], now=now)
            fates.append((fate, now))

    def _check(self, checkout: int, orders: list[MemOrder], coupons, now: datetime) -> None:
        checkout_check(self, checkout, orders, coupons)


def _order_share(shares: list[int], drafts, store: int) -> bool:
    index = 0
    for draft in drafts:
        for _ in draft.lines:
            if draft.store_id == store and shares[index]:
                return True
            index += 1
    return False


def checkouts_split(steps: list[Step]) -> list[list[Step]]:
    """The history's steps grouped by checkout, each group in time order."""
    groups: dict[int, list[Step]] = defaultdict(list)
    for step in steps:
        groups[step.checkout].append(step)
    return [groups[c] for c in sorted(groups)]
