"""The shared steps of every service: lock the order, read its facts, record events on the
timeline and keep its deadlines (DESIGN.md, "the one path")."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from functools import cache

from django.db import connection
from django.utils.translation import gettext_lazy as _

from rescind.accounts.parties import Actor
from rescind.config import policy
from rescind.domain.errors import DomainError, ErrorKind
from rescind.domain.events import Event, responsible_side_of
from rescind.domain.facts import OrderFacts
from rescind.domain.money import Money
from rescind.domain.reminders import reminder_due
from rescind.domain.states import OrderState, apply_transition
from rescind.notifications.services import notifications_enqueue
from rescind.orders.models import Deadline, Order, Shipment, TimelineEntry
from rescind.orders.parcels import parcels_release
from rescind.statements import row_get, row_update, rows_insert


def order_lock(order_id: int) -> Order:
    """The order row, locked until the transaction ends (R14). Call inside transaction.atomic."""
    order = row_get(Order, order_id, lock=True)
    if order is None:
        raise DomainError("order_not_found", _("No such order."), kind=ErrorKind.NOT_FOUND)
    return order


def order_claim(order_id: int) -> Order | None:
    """A worker's claim: the order row locked, or None when another transaction holds it
    (SKIP LOCKED: taken elsewhere, not waited for). One order a statement, so on Citus the lock
    stays on the order's shard, where a FOR UPDATE over several shards is refused."""
    return Order.objects.select_for_update(skip_locked=True).filter(pk=order_id).first()


def order_facts(order: Order) -> OrderFacts:
    """What the decisions need to know of a locked order: one probe for open requests, and a
    read of each only when there is one (the common case has none)."""
    from rescind.aftersale.models import CancellationRequest, ChangeRequest

    pending_id, change_id = _open_request_ids(order)
    pending = row_get(CancellationRequest, pending_id, shard=order.pk) if pending_id else None
    change = row_get(ChangeRequest, change_id, shard=order.pk) if change_id else None
    return facts_of(order, pending=pending, change=change, shipment=current_shipment(order))


def facts_of(order: Order, *, pending, change, shipment: Shipment | None) -> OrderFacts:
    """The order's facts from rows already read: its pending cancellation request, its open
    change request (R13) and its current shipment, each None when there is none. Shared by
    `order_facts` (one order) and the list pages' batched reads (orders.reads)."""
    return OrderFacts(
        state=OrderState(order.state),
        placed_at=order.placed_at,
        total=Money(order.total, order.currency),
        refunded=Money(order.refunded, order.currency),
        payment_method=order.payment_method,
        paid_at=order.paid_at,
        ship_by=order.ship_by,
        close_reason=order.close_reason or None,
        pending_request=pending.facts() if pending else None,
        tracking_number=shipment.tracking_number if shipment else None,
        delivered_at=order.delivered_at,
        dispute_from=order.dispute_from,
        pending_change=change.facts() if change else None,
        deliver_by=shipment.deliver_by if shipment else None,
        dispute_until=order.dispute_until,
    )


def _open_request_ids(order: Order) -> tuple[int | None, int | None]:
    """The ids of the order's pending cancellation request and open change request, in one
    statement. It runs after the lock, so it sees every request committed before it."""
    from rescind.aftersale.models import CancellationRequest, ChangeRequest

    with connection.cursor() as cursor:
        cursor.execute(_open_requests_sql(), [
            order.pk, CancellationRequest.State.PENDING.value,
            order.pk, *(state.value for state in ChangeRequest.OPEN_STATES)])
        pending_id, change_id = cursor.fetchone()
    # R13: a change request is only ever open while the order awaits shipment.
    return pending_id, change_id if order.state == OrderState.AWAITING_SHIPMENT else None


@cache
def _open_requests_sql() -> str:
    from rescind.aftersale.models import CancellationRequest, ChangeRequest

    quote = connection.ops.quote_name
    change_states = ", ".join(["%s"] * len(ChangeRequest.OPEN_STATES))
    return (f"SELECT (SELECT id FROM {quote(CancellationRequest._meta.db_table)} "  # noqa: S608
            "WHERE order_id = %s AND state = %s LIMIT 1), "
            f"(SELECT id FROM {quote(ChangeRequest._meta.db_table)} "
            f"WHERE order_id = %s AND state IN ({change_states}) LIMIT 1)")


def current_shipment(order: Order) -> Shipment | None:
    """The latest shipment of the order (a voided one still names the canceled parcel)."""
    if order.state not in SHIPPED_STATES:
        return None
    return order.shipments.order_by("-pk").first()


SHIPPED_STATES = frozenset({"awaiting_delivery", "shipment_canceled", "in_dispute", "completed"})
# R15: once an order completes or closes, its parcels' tracking numbers are free again (a
# dispute opened later during buyer protection sends no new carrier events to the shipment).
PARCELS_DONE_STATES = frozenset({"completed", "closed"})


def events_record(order: Order, events: Iterable[Event], *, actor: Actor, now: datetime) -> None:
    """Apply each event's transition to the order and append one timeline entry per event.

    Saves the order if its state changed; other column changes are the caller's to save.
    """
    entries, state_before = events_apply(order, events, actor=actor, now=now)
    if state_before is not None:  # an event moved the order
        row_update(order, ORDER_STATE_FIELDS)
        parcels_release_if_done(order, state_before, now=now)
    rows_insert(entries)
    notifications_enqueue([entry.pk for entry in entries], order_id=order.pk)


ORDER_STATE_FIELDS = ["state", "close_reason", "closed_at", "responsible_side"]


def events_apply(order: Order, events: Iterable[Event], *, actor: Actor,
                 now: datetime) -> tuple[list[TimelineEntry], str | None]:
    """Apply each event's transition to the order (in memory) and build its timeline entry,
    unsaved. Returns the entries and the state before, or None for the state before when no
    event moved the order (so nothing of it is to save). Shared by `events_record` and the
    batched recording of many orders (orders.batch)."""
    entries = []
    state_before, state_changed = order.state, False
    for event in events:
        if event.transition is not None:
            new_state, close_reason = apply_transition(OrderState(order.state), event.transition)
            order.state = new_state.value
            state_changed = True
            if close_reason is not None:
                order.close_reason = close_reason.value
                order.closed_at = now
                side = responsible_side_of(event)
                order.responsible_side = side.value if side else ""
        entries.append(TimelineEntry(order=order, at=now, kind=event.kind, actor=actor.party.value,
                                     actor_user_id=actor.user_id, params=event.params()))
    return entries, (state_before if state_changed else None)


def parcels_release_if_done(order: Order, state_before: str, *, now: datetime) -> None:
    """R15: a finished order's parcels give their tracking numbers back."""
    if state_before in SHIPPED_STATES and order.state in PARCELS_DONE_STATES:
        parcels_release(order, cause=order.state, now=now)


K = Deadline.Kind
# R27: the deadlines stored as rows whose party is reminded before the platform acts, and what
# each reminder is about (domain.reminders.REMINDED says whom it is for).
REMINDER_OF = {
    K.SELLER_RESPONSE: K.SELLER_RESPONSE_REMINDER,
    K.HANDLING_TIME: K.HANDLING_TIME_REMINDER,
    K.UNPAID_TIMEOUT: K.UNPAID_TIMEOUT_REMINDER,
    K.SHIPMENT_CANCELED_REPLY: K.SHIPMENT_CANCELED_REMINDER,
    K.CHANGE_REQUEST_RESPONSE: K.CHANGE_REQUEST_REMINDER,
    K.PROTECTION_END: K.PROTECTION_END_REMINDER,
}
REMINDER_ABOUT = {
    K.SELLER_RESPONSE: "seller_response",
    K.HANDLING_TIME: "handling_time",
    K.UNPAID_TIMEOUT: "unpaid_timeout",
    K.SHIPMENT_CANCELED_REPLY: "shipment_canceled_reply",
    K.CHANGE_REQUEST_RESPONSE: "change_request_response",
    K.PROTECTION_END: "buyer_protection",
}


def deadline_set(order: Order, kind: str, due_at: datetime, subject_id: int | None = None, *,
                 about: str | None = None) -> None:
    """Store a deadline, and the reminder before it where R27 asks for one. `about` names what
    the reminder is about when it is not the kind's usual one (a change request waiting for the
    buyer's confirmation of an extra charge)."""
    rows_insert(deadline_rows(order, kind, due_at, subject_id, about=about))


def deadline_rows(order: Order, kind: str, due_at: datetime, subject_id: int | None = None, *,
                  about: str | None = None) -> list[Deadline]:
    """The unsaved rows `deadline_set` stores: the deadline and its R27 reminder, if any."""
    rows = [Deadline(order=order, kind=kind, due_at=due_at, subject_id=subject_id)]
    if kind in REMINDER_OF:
        rows.append(_reminder(order, REMINDER_OF[kind], about or REMINDER_ABOUT[kind], due_at,
                              subject_id))
    return rows


def reminder_set(order: Order, kind: str, about: str, due_at: datetime,
                 subject_id: int | None = None) -> None:
    """Store the reminder (R27) of a deadline kept elsewhere (a dispute's own columns)."""
    rows_insert([_reminder(order, kind, about, due_at, subject_id)])


def _reminder(order: Order, kind: str, about: str, due_at: datetime,
              subject_id: int | None) -> Deadline:
    return Deadline(order=order, kind=kind, due_at=reminder_due(about, due_at, policy()),
                    subject_id=subject_id)


def deadlines_void(order: Order, *kinds: str, now: datetime) -> None:
    """Stop deadlines that no longer apply (the request was decided, the order was paid...),
    with their reminders."""
    kinds_and_reminders = [*kinds, *(REMINDER_OF[k] for k in kinds if k in REMINDER_OF)]
    deadlines_void_where(order, kinds_and_reminders, now=now)


def deadlines_void_where(order: Order, kinds: Iterable[str], *, now: datetime,
                         subject_id: int | None = None, other_kinds: bool = False) -> None:
    """Void the order's running deadlines of `kinds` (with `other_kinds`, of every kind but
    those), only those about `subject_id` if given: one UPDATE, built once per shape, on the
    order's shard (a service's hot path: no query building)."""
    kinds = [str(kind) for kind in kinds]  # a Deadline.Kind is its value
    sql = _void_sql(connection.vendor, len(kinds), other_kinds, subject_id is not None)
    at = Deadline._meta.get_field("voided_at").get_db_prep_save(now, connection)
    subject = [] if subject_id is None else [subject_id]
    with connection.cursor() as cursor:
        cursor.execute(sql, [at, order.pk, *kinds, *subject])


@cache
def _void_sql(vendor: str, kinds: int, other_kinds: bool, by_subject: bool) -> str:
    quote = connection.ops.quote_name
    sql = (f"UPDATE {quote(Deadline._meta.db_table)} SET voided_at = %s "  # noqa: S608
           "WHERE order_id = %s AND fired_at IS NULL AND voided_at IS NULL")
    if kinds:
        sql += f" AND kind {'NOT IN' if other_kinds else 'IN'} ({', '.join(['%s'] * kinds)})"
    return sql + (" AND subject_id = %s" if by_subject else "")
