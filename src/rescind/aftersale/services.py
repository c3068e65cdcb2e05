"""Cancellation after payment and the ship-vs-cancel race, one service per use case
(R7-R12, R14). Each locks the order, decides, records, and leaves side effects to tasks."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from rescind.accounts.parties import PLATFORM, require_party
from rescind.aftersale.changes import changes_close_open
from rescind.aftersale.models import CancellationRequest, ChangeRequest
from rescind.config import calendar, policy
from rescind.disputes.services import dispute_open_on_supplier_report
from rescind.domain.actions import Party
from rescind.domain.cancellation import (
    decide_approve_cancellation,
    decide_auto_approve,
    decide_handling_timeout,
    decide_refuse_cancellation,
    decide_request_cancellation,
    decide_ship,
    decide_withdraw_cancellation,
)
from rescind.domain.errors import DomainError
from rescind.domain.events import CancellationRefused, CancellationRequested, OrderShipped
from rescind.domain.refusals import LEGACY_REFUSAL_REASON
from rescind.orders.batch import orders_close_many, orders_facts
from rescind.orders.closing import order_close
from rescind.orders.models import Deadline, Order, Parcel, Shipment
from rescind.orders.parcels import parcel_claim
from rescind.orders.recording import (
    deadline_set,
    deadlines_void,
    events_record,
    order_facts,
    order_lock,
)
from rescind.shards import update_by_shard
from rescind.statements import rows_insert

State = CancellationRequest.State


def _request_decide(order: Order, state: str, *, now: datetime, note: str = "") -> None:
    """Mark the pending request decided, where the order closes: order_close stops every
    deadline, the seller's response window with it."""
    CancellationRequest.objects.filter(order=order, state=State.PENDING).update(
        state=state, decided_at=now, decision_note=note)


def _close_request(order: Order, state: str, *, now: datetime, note: str = "",
                   refusal_reason: str = "") -> None:
    """Mark the pending request decided, and stop the seller's response window."""
    CancellationRequest.objects.filter(order=order, state=State.PENDING).update(
        state=state, decided_at=now, decision_note=note, refusal_reason=refusal_reason)
    deadlines_void(order, Deadline.Kind.SELLER_RESPONSE, now=now)


def cancellation_request(
    *, order_id: int, user, reason: str, report_supplier: bool, now: datetime
) -> CancellationRequest:
    """R7-R9: the buyer asks to cancel a paid order; the seller's response window starts."""
    with transaction.atomic():
        order = order_lock(order_id)
        actor = require_party(user, order, Party.BUYER)
        facts = order_facts(order)
        events = decide_request_cancellation(facts, reason=reason,
                                             report_supplier=report_supplier, now=now,
                                             policy=policy())
        requested: CancellationRequested = events[0]  # type: ignore[assignment]
        changes_close_open(order, facts.pending_change, ChangeRequest.State.SUPERSEDED,
                           now=now)  # R7 wins over R13
        request = CancellationRequest(
            order=order, reason=requested.reason, side=requested.side.value,
            report_supplier=requested.report_supplier, requested_at=now,
            respond_by=requested.respond_by)
        rows_insert([request])  # the hot path of issue 7: no query building
        events_record(order, events, actor=actor, now=now)
        deadline_set(order, Deadline.Kind.SELLER_RESPONSE, requested.respond_by)
        if requested.report_supplier:  # R9: a dispute beside the request, straight to support
            dispute_open_on_supplier_report(order, now=now)
    return request


def cancellation_approve(*, order_id: int, user, note: str = "", now: datetime) -> Order:
    """R10: the seller approves; the order closes and the refund starts (R21, R22)."""
    with transaction.atomic():
        order = order_lock(order_id)
        actor = require_party(user, order, Party.SELLER)
        events = decide_approve_cancellation(order_facts(order), note=note, now=now,
                                             policy=policy(), calendar=calendar())
        _request_decide(order, State.APPROVED, now=now, note=note)
        order_close(order, events, actor=actor, now=now)
    return order


def cancellation_refuse(*, order_id: int, user, note: str = "",
                        reason_code: str = LEGACY_REFUSAL_REASON, now: datetime) -> Order:
    """R11: the seller refuses with a reason code (domain/refusals.py) and an optional note
    (required for "other"); the order keeps awaiting shipment."""
    with transaction.atomic():
        order = order_lock(order_id)
        actor = require_party(user, order, Party.SELLER)
        events = decide_refuse_cancellation(order_facts(order), note=note,
                                            reason_code=reason_code)
        refused: CancellationRefused = events[0]  # type: ignore[assignment]
        _close_request(order, State.REFUSED, now=now, note=refused.note,
                       refusal_reason=refused.reason_code)
        events_record(order, events, actor=actor, now=now)
    return order


def cancellation_withdraw(*, order_id: int, user, now: datetime) -> Order:
    """The buyer takes back their pending request."""
    with transaction.atomic():
        order = order_lock(order_id)
        actor = require_party(user, order, Party.BUYER)
        events = decide_withdraw_cancellation(order_facts(order))
        _close_request(order, State.WITHDRAWN, now=now)
        events_record(order, events, actor=actor, now=now)
    return order


def cancellation_auto_approve(order: Order, *, now: datetime) -> None:
    """R10: the seller's response deadline fired. The order is locked by the caller."""
    events = decide_auto_approve(order_facts(order), now=now, policy=policy(),
                                 calendar=calendar())
    _request_decide(order, State.AUTO_APPROVED, now=now)
    order_close(order, events, actor=PLATFORM, now=now)


def cancellations_auto_approve(orders: list[Order], *, now: datetime) -> dict[int, DomainError]:
    """R10 for a batch of orders locked by the caller (a storm of seller-response deadlines):
    the same decision as `cancellation_auto_approve` on each order's facts, the facts read and
    the rows written for all of them at once (orders.batch). Returns the refusals by order id
    (the order moved on: its deadline no longer applies); those orders are left untouched."""
    facts = orders_facts(orders)
    decided, refused = [], {}
    for order in orders:
        try:
            decided.append((order, decide_auto_approve(facts[order.pk], now=now,
                                                       policy=policy(), calendar=calendar())))
        except DomainError as exc:
            refused[order.pk] = exc
    if decided:
        update_by_shard(  # as _request_decide does, one shard a statement
            CancellationRequest.objects.filter(state=State.PENDING), "order_id",
            [order.pk for order, _events in decided],
            state=State.AUTO_APPROVED, decided_at=now, decision_note="")
        orders_close_many(decided, actor=PLATFORM, now=now)
    return refused


def order_ship(*, order_id: int, user, carrier: str, tracking_number: str,
               now: datetime) -> Order:
    """R14, R15, R17: the seller ships; a pending request is refused by the shipment; the parcel
    promises delivery by a policy interval. The tracking number must not belong to another live
    parcel (`tracking_number_in_use`)."""
    with transaction.atomic():
        order = order_lock(order_id)
        actor = require_party(user, order, Party.SELLER)
        facts = order_facts(order)
        events = decide_ship(facts, carrier=carrier, tracking_number=tracking_number, now=now,
                             policy=policy())
        shipped: OrderShipped = events[-1]  # type: ignore[assignment]
        if facts.pending_request is not None:
            _close_request(order, State.REFUSED_BY_SHIPMENT, now=now)
        changes_close_open(order, facts.pending_change, ChangeRequest.State.REFUSED_BY_SHIPMENT,
                           now=now)  # R13, R14
        shipment = Shipment.objects.create(
            order=order, carrier=shipped.carrier, tracking_number=shipped.tracking_number,
            shipped_at=now, deliver_by=shipped.deliver_by)
        parcel_claim(order, kind=Parcel.Kind.SHIPMENT, carrier=shipped.carrier,
                     tracking_number=shipped.tracking_number, shipment=shipment, now=now)  # R15
        events_record(order, events, actor=actor, now=now)
        deadlines_void(order, Deadline.Kind.HANDLING_TIME, now=now)
        deadline_set(order, Deadline.Kind.PROMISED_DELIVERY, shipped.deliver_by, shipment.pk)
    return order


def order_close_not_shipped(order: Order, *, now: datetime) -> None:
    """R12: the handling time passed without a shipment. The order is locked by the caller."""
    facts = order_facts(order)
    events = decide_handling_timeout(facts, now=now, policy=policy(), calendar=calendar())
    if facts.pending_request is not None:
        _request_decide(order, State.CLOSED_WITH_ORDER, now=now)
    changes_close_open(order, facts.pending_change, ChangeRequest.State.CLOSED_WITH_ORDER,
                       now=now)  # R13
    order_close(order, events, actor=PLATFORM, now=now)
