"""The shared steps of the one path (orders.recording, orders.closing, refunds.services) for a
batch of orders the caller has locked at once: a deadline storm (issue 16).

The decisions stay the pure domain functions the single-order services call, on the same
`OrderFacts`; only the reads and writes around them are batched. The facts of every order
come from a few statements (one per kind of row, not per order), and each table is written
in one multi-row INSERT or one UPDATE per distinct set of values. The rows are built by the
very helpers the single path uses (`events_apply`, `deadline_rows`, `refund_build`), so they
come out the same; tests/integration/test_batched_firing.py proves it, row for row. The task
rows, alike but for their ids and arguments, are written without an instance each
(`statements.tasks_enqueue`).

Every write names the orders it changes by their order ids, one shard group a statement
(`shards.shard_groups`: every order of the batch on PostgreSQL and SQLite, one shard's on
Citus; `rows_insert` and `rows_update_many` split their rows so themselves). On Citus each
write then stays on one shard and takes no shard lock, so two workers' batches cannot
deadlock (scheduler.py, "The one claiming design"). The reads may cross shards: they take no
lock.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from rescind.accounts.parties import Actor
from rescind.domain.events import Event, RefundCreated
from rescind.domain.facts import OrderFacts
from rescind.domain.states import OrderState
from rescind.orders.models import Deadline, Order, Payment, Shipment
from rescind.orders.recording import (
    ORDER_STATE_FIELDS,
    SHIPPED_STATES,
    deadline_rows,
    events_apply,
    facts_of,
    parcels_release_if_done,
)
from rescind.shards import one_of, update_by_shard
from rescind.statements import rows_insert, rows_update_many, tasks_enqueue


def orders_facts(orders: Sequence[Order]) -> dict[int, OrderFacts]:
    """`order_facts` of each locked order, by its id, in three statements at most: the pending
    cancellation requests, the open change requests (R13: only while awaiting shipment) and
    the latest shipments (only of orders past shipping)."""
    from rescind.aftersale.models import CancellationRequest, ChangeRequest

    ids = [order.pk for order in orders]
    pending: dict[int, CancellationRequest] = {}
    for request in CancellationRequest.objects.filter(
            one_of(CancellationRequest, "order_id", ids),
            state=CancellationRequest.State.PENDING).order_by("-pk"):
        pending[request.order_id] = request  # the first of each order wins, as LIMIT 1 would
    awaiting = [o.pk for o in orders if o.state == OrderState.AWAITING_SHIPMENT]
    changes: dict[int, ChangeRequest] = {}
    if awaiting:
        for change in ChangeRequest.objects.filter(
                one_of(ChangeRequest, "order_id", awaiting),
                state__in=ChangeRequest.OPEN_STATES).order_by("-pk"):
            changes[change.order_id] = change
    shipped = [o.pk for o in orders if o.state in SHIPPED_STATES]
    shipments: dict[int, Shipment] = {}
    if shipped:
        for shipment in Shipment.objects.filter(
                one_of(Shipment, "order_id", shipped)).order_by("pk"):
            shipments[shipment.order_id] = shipment  # the latest wins
    return {order.pk: facts_of(order, pending=pending.get(order.pk),
                               change=changes.get(order.pk), shipment=shipments.get(order.pk))
            for order in orders}


def events_record_many(recorded: Sequence[tuple[Order, list[Event]]], *, actor: Actor,
                       now: datetime) -> None:
    """`events_record` for each (order, events): the orders that moved saved by
    `rows_update_many`, every timeline entry in one INSERT, one notification task per order
    (its own entries, as the single path enqueues them) in another."""
    from rescind.notifications.tasks import notify_task

    moved, entries_of = [], []
    for order, events in recorded:
        entries, state_before = events_apply(order, events, actor=actor, now=now)
        if state_before is not None:
            moved.append(order)
            parcels_release_if_done(order, state_before, now=now)
        entries_of.append(entries)
    rows_update_many(moved, ORDER_STATE_FIELDS)
    rows_insert([entry for entries in entries_of for entry in entries])
    tasks_enqueue(notify_task, [([entry.pk for entry in entries], entries[0].order_id)
                                for entries in entries_of if entries])


def refunds_open_many(opened: Sequence[tuple[Order, RefundCreated, str]], *,
                      now: datetime) -> None:
    """`refund_open` for each (order, created, cause) (R21-R23): the payments read in one
    statement, the refunds, their start deadlines and their submission tasks written in one
    INSERT each, the orders' `refunded` in one UPDATE per distinct amount."""
    from rescind.refunds.services import refund_build
    from rescind.refunds.tasks import refund_submit_task

    if not opened:
        return
    checkouts = list({order.checkout_id for order, _created, _cause in opened})
    payments = {payment.checkout_id: payment
                for payment in Payment.objects.filter(one_of(Payment, "checkout_id", checkouts))}
    refunds = [refund_build(order, payments[order.checkout_id], created, cause=cause, now=now)
               for order, created, cause in opened]
    rows_insert(refunds)
    for order, created, _cause in opened:
        order.refunded += created.amount.amount
    rows_update_many(list({order.pk: order for order, _created, _cause in opened}.values()),
                     ["refunded"])
    rows_insert([row for refund in refunds for row in deadline_rows(
        refund.order, Deadline.Kind.REFUND_START, refund.start_by, refund.pk)])
    tasks_enqueue(refund_submit_task, [(refund.pk, refund.order_id) for refund in refunds])


def orders_close_many(closed: Sequence[tuple[Order, list[Event]]], *, actor: Actor,
                      now: datetime) -> None:
    """`order_close` for each (order, closing events). An order that used a coupon goes
    through `order_close` itself, one after the other: its coupons' fate depends on the other
    orders they paid for closing before or after it (R25), which a batch would blur. The
    others have no coupon to settle (coupons_settle finds none and records nothing)."""
    from rescind.coupons.models import CouponUse
    from rescind.orders.closing import REFUND_DEADLINES, order_close

    ids = [order.pk for order, _events in closed]
    with_coupons = set(CouponUse.objects.filter(one_of(CouponUse, "order_id", ids))
                       .values_list("order_id", flat=True)) if ids else set()
    plain = [(order, events) for order, events in closed if order.pk not in with_coupons]
    events_record_many(plain, actor=actor, now=now)
    refunds_open_many([(order, event, events[0].kind) for order, events in plain
                       for event in events if isinstance(event, RefundCreated)], now=now)
    update_by_shard(  # one shard a statement
        Deadline.objects.filter(fired_at__isnull=True, voided_at__isnull=True).exclude(
            kind__in=REFUND_DEADLINES), "order_id", [order.pk for order, _events in plain],
        voided_at=now)
    for order, events in closed:
        if order.pk in with_coupons:
            order_close(order, events, actor=actor, now=now)
