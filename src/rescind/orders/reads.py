"""How an order reads to one party now: its state, what they may do, every running deadline
(R2), the cancellation and change requests (R13) and refunds with expected arrival (R23). Pages
and API share it (R28). Every API write answers with the order detail, so its reads go through
rescind.statements: one lean query per related table."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from django.utils.translation import gettext, gettext_noop, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from rescind.accounts.parties import party_on_order
from rescind.aftersale.models import CancellationRequest, ChangeRequest
from rescind.config import policy
from rescind.domain.actions import ACTION_LABELS, Party, available_actions
from rescind.domain.errors import DomainError, ErrorKind
from rescind.domain.refunds import (
    RefundState,
    is_overdue,
    is_start_overdue,
    refund_expected_from,
)
from rescind.domain.states import OrderState
from rescind.orders.models import (
    Deadline,
    Order,
    OrderLine,
    Payment,
    Shipment,
    Store,
    TimelineEntry,
)
from rescind.orders.recording import SHIPPED_STATES, facts_of, order_facts
from rescind.refunds.models import Refund
from rescind.refunds.recovery import RETRY_PERMISSION
from rescind.statements import row_get, rows_where, rows_where_each
from rescind.web.labels import cancellation_reason_label, refusal_reason_label

DEADLINE_LABELS = {
    Deadline.Kind.UNPAID_TIMEOUT: gettext_noop("Pay by, or the order closes"),
    Deadline.Kind.SELLER_RESPONSE: gettext_noop("The seller must answer the cancellation "
                                                "request by"),
    Deadline.Kind.HANDLING_TIME: gettext_noop("The seller must ship by"),
    Deadline.Kind.DELIVERY_CONFIRMATION: gettext_noop("Completes by itself, unless you open a "
                                                      "dispute, on"),
    Deadline.Kind.SHIPMENT_CANCELED_REPLY: gettext_noop("The seller must ship again or refund by"),
    Deadline.Kind.CHANGE_REQUEST_RESPONSE: gettext_noop("The change request needs an answer by"),
    Deadline.Kind.PROMISED_DELIVERY: gettext_noop("Delivery promised by"),
    Deadline.Kind.PROTECTION_END: gettext_noop("Buyer protection ends, and with it the right to "
                                               "open a dispute, on"),
}
STATE_LABELS = {
    "awaiting_payment": pgettext_lazy("order state", "Awaiting payment"),
    "awaiting_shipment": pgettext_lazy("order state", "Awaiting shipment"),
    "awaiting_delivery": pgettext_lazy("order state", "Awaiting delivery"),
    "completed": pgettext_lazy("order state", "Completed"),
    "shipment_canceled": pgettext_lazy("order state", "Shipment canceled"),
    "in_dispute": pgettext_lazy("order state", "In dispute"),
    "closed": pgettext_lazy("order state", "Closed"),
}


def order_for_reader(user, order_id: int) -> tuple[Order, Party]:
    """The order (its store with it) and the reader's role on it; 404 for anyone who may not
    see it."""
    return _readable(user, Order.objects.select_related("store").filter(pk=order_id).first())


def order_detail_for_reader(user, order_id: int, *,
                            now: datetime) -> tuple[Order, Party, dict[str, Any]]:
    """`order_for_reader`, then `order_detail`, in two round trips on PostgreSQL: the order
    row (a lean read, so that one who may not see it gets the 404 before anything else is
    read), then its store and every related table together. Support allowed to retry failed
    refunds sees the retry (R23)."""
    order, party = _readable(user, row_get(Order, order_id))
    can_retry = party is Party.SUPPORT and user.has_perm(RETRY_PERMISSION)
    return order, party, order_detail(order, party, now=now, can_retry=can_retry)


def _readable(user, order: Order | None) -> tuple[Order, Party]:
    party = party_on_order(user, order) if order is not None else None
    if order is None or party is None:
        raise DomainError("order_not_found", _("No such order."), kind=ErrorKind.NOT_FOUND)
    return order, party


def _money(amount: int, currency: str) -> dict[str, Any]:
    return {"amount": amount, "currency": currency}


def order_summary(order: Order, party: Party, *, now: datetime) -> dict[str, Any]:
    """One order as a line of a list: state, the reader's actions and running deadlines."""
    return _summary_read(order, order_facts(order), rows_where(Deadline, "order_id", order.pk),
                         party, now=now)


def order_summaries(orders: Sequence[Order], party_of: Callable[[Order], Party], *,
                    now: datetime) -> list[dict[str, Any]]:
    """`order_summary` of each order (store selected with it), in four statements for the whole
    page: the pending cancellation requests, the open change requests, the shipments and the
    running deadlines of every order on it. Each summary is then built from those rows by the
    same functions as the one-order path (tests/integration/test_order_lists.py holds them
    equal)."""
    ids = [order.pk for order in orders]
    if not ids:
        return []
    pending = {r.order_id: r for r in CancellationRequest.objects.filter(
        order_id__in=ids, state=CancellationRequest.State.PENDING)}  # one per order at most
    changes = {c.order_id: c for c in ChangeRequest.objects.filter(
        order_id__in=ids, state__in=ChangeRequest.OPEN_STATES)}  # one per order at most
    shipments: dict[int, Shipment] = {}
    for shipment in Shipment.objects.filter(order_id__in=ids).order_by("pk"):
        shipments[shipment.order_id] = shipment  # the latest, as `current_shipment` reads it
    deadlines: dict[int, list[Deadline]] = {order_id: [] for order_id in ids}
    for deadline in Deadline.objects.filter(order_id__in=ids, fired_at__isnull=True,
                                            voided_at__isnull=True, kind__in=list(DEADLINE_LABELS)):
        deadlines[deadline.order_id].append(deadline)
    summaries = []
    for order in orders:
        # R13: a change request is only ever open while the order awaits shipment.
        change = changes.get(order.pk) if order.state == OrderState.AWAITING_SHIPMENT else None
        shipment = shipments.get(order.pk) if order.state in SHIPPED_STATES else None
        facts = facts_of(order, pending=pending.get(order.pk), change=change, shipment=shipment)
        summaries.append(_summary_read(order, facts, deadlines[order.pk], party_of(order),
                                       now=now))
    return summaries


def _summary_read(order: Order, facts, deadline_rows: list[Deadline], party: Party, *,
                  now: datetime) -> dict[str, Any]:
    actions, upcoming = available_actions(facts, party, now=now, policy=policy())
    running = [d for d in deadline_rows
               if d.fired_at is None and d.voided_at is None and d.kind in DEADLINE_LABELS]
    deadlines = [
        {"kind": d.kind, "label": gettext(DEADLINE_LABELS[d.kind]), "due_at": d.due_at}
        for d in sorted(running, key=lambda d: (d.due_at, d.pk))
    ]
    cur = order.currency
    return {
        "id": order.pk,
        "checkout_id": order.checkout_id,
        "store": {"id": order.store_id, "name": order.store.name},
        "buyer_id": order.buyer_id,
        "state": order.state,
        "state_label": str(STATE_LABELS[order.state]),
        "close_reason": order.close_reason or None,
        "responsible_side": order.responsible_side or None,
        "items_total": _money(order.items_total, cur),
        "shipping_fee": _money(order.shipping_fee, cur),
        "discount_total": _money(order.discount_total, cur),
        "total": _money(order.total, cur),
        "refunded": _money(order.refunded, cur),
        "payment_method": order.payment_method,
        "placed_at": order.placed_at,
        "paid_at": order.paid_at,
        "closed_at": order.closed_at,
        "delivered_at": order.delivered_at,
        "completed_at": order.completed_at,
        "dispute_until": order.dispute_until,
        "actions": [{"action": a.value, "label": gettext(ACTION_LABELS[a])} for a in actions],
        "upcoming_actions": [
            {"action": u.action.value, "label": gettext(ACTION_LABELS[u.action]),
             "available_from": u.available_from} for u in upcoming
        ],
        "deadlines": deadlines,
    }


def order_detail(order: Order, party: Party, *, now: datetime,
                 can_retry: bool = False) -> dict[str, Any]:
    """The order with everything its reader may see; `can_retry`: the reader is support
    allowed to retry failed refunds (R23). One statement per related table, whatever the
    number of rows (issue 16): the facts the actions are worked out from come from the same
    rows the detail shows, as `order_summaries` builds them for a page, so the detail reads no
    request or shipment twice (tests/api/test_order_detail_statements.py counts them)."""
    reads = [(CancellationRequest, "order_id", order.pk), (ChangeRequest, "order_id", order.pk),
             (Shipment, "order_id", order.pk), (Deadline, "order_id", order.pk),
             (OrderLine, "order_id", order.pk), (Refund, "order_id", order.pk),
             (TimelineEntry, "order_id", order.pk)]
    if not Order.store.is_cached(order):
        reads.append((Store, "pk", order.store_id))
    requests, changes, shipments, deadlines, lines, refunds, timeline, *store = \
        rows_where_each(reads)
    if store:
        order.store = store[0][0]
    data = _summary_read(order, _facts_from_rows(order, requests, changes, shipments),
                         deadlines, party, now=now)
    cur = order.currency
    data["lines"] = [
        {"line": number, "product_id": line.product_id, "product_name": line.product_name,
         "options": line.options, "quantity": line.quantity,
         "unit_price": _money(line.unit_price, cur), "discount": _money(line.discount, cur),
         "total": _money(line.total, cur)}
        for number, line in enumerate(lines, start=1)
    ]
    data["cancellation_request"] = request_read(requests[-1]) if requests else None
    data["change_request"] = _change_read(changes[-1]) if changes else None
    # R1, R13: the details given at checkout, unless an applied change request replaced them
    # (the latest applied one wins).
    data["delivery"] = next((c.delivery for c in reversed(changes)
                             if c.state == ChangeRequest.State.APPLIED and c.delivery is not None),
                            order.delivery)
    data["refunds"] = _refunds_read(refunds, party, now=now, can_retry=can_retry)
    data["refund_destination"] = _destination_read(order) \
        if refunds and party is not Party.SELLER else None
    data["shipments"] = [
        {"carrier": s.carrier, "tracking_number": s.tracking_number, "shipped_at": s.shipped_at,
         "deliver_by": s.deliver_by, "delivered_at": s.delivered_at, "voided_at": s.voided_at,
         "void_cause": s.void_cause or None}
        for s in shipments
    ]
    data["timeline"] = [
        {"at": e.at, "kind": e.kind, "actor": e.actor, "params": e.params}
        for e in timeline
    ]
    return data


def _facts_from_rows(order: Order, requests: list[CancellationRequest],
                     changes: list[ChangeRequest], shipments: list[Shipment]):
    """The order's facts from all its request and shipment rows (primary key order), picked as
    `order_facts` picks them: the pending cancellation request, the open change request while
    the order awaits shipment (R13), the latest shipment once shipped."""
    pending = next((r for r in requests if r.state == CancellationRequest.State.PENDING), None)
    change = next((c for c in changes if c.state in ChangeRequest.OPEN_STATES), None) \
        if order.state == OrderState.AWAITING_SHIPMENT else None
    shipment = shipments[-1] if shipments and order.state in SHIPPED_STATES else None
    return facts_of(order, pending=pending, change=change, shipment=shipment)


REFUND_STATE_LABELS = {
    RefundState.PENDING: gettext_noop("being sent"),
    RefundState.PROCESSING: gettext_noop("on its way"),
    RefundState.SUCCEEDED: gettext_noop("arrived"),
    RefundState.FAILED: gettext_noop("failed"),
}


def _refunds_read(refunds: list[Refund], party: Party, *, now: datetime,
                  can_retry: bool) -> list[dict[str, Any]]:
    """R21-R23: each ledger row with its deadlines, flags, failure and the reader's actions
    on it: a failed row not yet retried lets the buyer renew the method and support retry."""
    retried_by = {r.retry_of_id: r.pk for r in refunds if r.retry_of_id}
    rows = []
    for r in refunds:
        state = RefundState(r.state)
        waiting = state is RefundState.FAILED and r.pk not in retried_by
        actions = (["update_destination"] if waiting and party is Party.BUYER else []) + (
            ["retry"] if waiting and party is Party.SUPPORT and can_retry else [])
        rows.append({
            "id": r.pk, "amount": _money(r.amount, r.currency), "method": r.method,
            "state": r.state, "state_label": gettext(REFUND_STATE_LABELS[state]),
            "created_at": r.created_at, "start_by": r.start_by, "started_at": r.started_at,
            "arrive_by": r.arrive_by, "arrived_at": r.arrived_at,
            "expected_from": refund_expected_from(started_at=r.started_at, start_by=r.start_by,
                                                  arrive_by=r.arrive_by),
            "gateway_reference": r.gateway_reference or None,
            "overdue": is_overdue(state, r.arrive_by, now),
            "start_overdue": is_start_overdue(state, r.start_by, now),
            "failed_at": r.failed_at, "failure_code": r.failure_code or None,
            "failure_message": gettext(r.failure_message)
            if r.failure_message else None, "retry_of": r.retry_of_id,
            "retried_by": retried_by.get(r.pk), "actions": actions,
        })
    return rows


def _destination_read(order: Order) -> dict[str, Any]:
    """R21: where the order's refunds go: always the method paid with; the instrument the
    buyer renewed, if they did after a refund failed."""
    payment, = rows_where(Payment, "checkout_id", order.checkout_id)
    return {"method": payment.method, "instrument": payment.instrument or None,
            "updated_at": payment.instrument_updated_at}


def request_read(request: CancellationRequest) -> dict[str, Any]:
    """A cancellation request as the API shows it (CancellationRequestOut)."""
    return {
        "state": request.state,
        "reason": request.reason,
        "reason_label": cancellation_reason_label(request.reason),
        "side": request.side,
        "report_supplier": request.report_supplier,
        "requested_at": request.requested_at,
        "respond_by": request.respond_by,
        "decided_at": request.decided_at,
        "decision_note": request.decision_note,
        "refusal_reason": request.refusal_reason or None,  # R11
        "refusal_reason_label": refusal_reason_label(request.refusal_reason, in_sentence=True)
        if request.refusal_reason else None,
    }


def _change_read(change: ChangeRequest) -> dict[str, Any]:
    cur = change.currency
    return {
        "id": change.pk,
        "state": change.state,
        "lines": change.lines,
        "delivery": change.delivery,
        "price_before": _money(change.price_before, cur),
        "price_after": _money(change.price_after, cur),
        "difference": change.difference.as_dict(),
        "requested_at": change.requested_at,
        "respond_by": change.respond_by,
        "decided_at": change.decided_at,
        "decision_note": change.decision_note,
        "confirm_by": change.confirm_by,
        "charged_at": change.charged_at,
        "applied_at": change.applied_at,
    }
