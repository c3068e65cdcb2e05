"""Fires due deadlines: each at most once in effect, even with many workers (R5, R10, R12, R13,
R15-R18, R23, R27).

The one claiming design (the same on PostgreSQL, Citus and SQLite; docs/deployment.md, "The
worker's claims"): a worker lists the earliest due deadlines with an unlocked scan, then claims
their orders a batch at a time, by shard group (`shards.shard_groups`): one `SELECT ...
WHERE id = ANY(...) FOR UPDATE SKIP LOCKED` per group (`statements.rows_claim`). On PostgreSQL
the group is the whole batch, one statement; on Citus it is the batch's orders on one shard,
one statement per shard, all sent in one round trip, so each lock stays on its shard (Citus
refuses a FOR UPDATE over several); on SQLite, whose IMMEDIATE transaction already excludes
every other writer, one plain read. An order another transaction holds (another worker's
batch, a user's request) is skipped, not waited for. Two workers thus take different
deadlines instead of queueing on the same order locks, and a worker never waits for a lock
while it holds others, so no deadlock can form. The claimed orders' deadlines are re-read under
the locks; each one still open is fired and marked fired in the same transaction. A deadline
whose handler finds the order has moved on (a domain error) is voided instead, so it never
fires later; one whose handler says "try later" (TryLater, e.g. a payment is being captured)
stays due.

Every write of a batch that names several orders names them by their order ids too, one shard
group a statement (the deadlines marked fired or voided here, and in orders.batch the requests,
orders, timeline, refunds and deadlines): on Citus each statement is then single-shard. A
statement over several shards takes a Citus lock on each shard it writes and keeps it until
the commit, and two workers' batches, each holding some shards and wanting the other's, were
cancelled as a distributed deadlock (issue 18, docs/benchmarks.md section 10). On PostgreSQL
and SQLite the group is every order of the batch, so each write is one statement.

Batched kinds (BATCHED, issue 16: the storm of seller-response deadlines after a sale day):
their deadlines in a batch go to one handler taking every claimed order at once, which reads
their facts in a few statements, runs the same pure decision on each, and writes each table
in one multi-row statement (orders.batch). Every other kind fires through its per-order
handler (HANDLERS).

Why batches: a firing is a dozen short statements, and a transaction per firing (lock, re-read,
savepoint, mark fired, commit) added half as many again. A batch shares one commit and runs its
handlers without savepoints; if one handler raises, the batch is rolled back whole and done
again with a savepoint around each handler, every deadline through its per-order handler, so
that only that deadline is voided, kept waiting or passed over. An order stays locked for at
most one batch, which is what a buyer's or seller's request on it may wait; the worker runs
waiting refunds between batches (`deadlines_fire_due(between=...)`), so none waits longer.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from django.db import InterfaceError, OperationalError, transaction

from rescind.aftersale.changes import change_expire
from rescind.aftersale.reminders import reminder_send
from rescind.aftersale.services import (
    cancellation_auto_approve,
    cancellations_auto_approve,
    order_close_not_shipped,
)
from rescind.domain.errors import DomainError, TryLater
from rescind.orders.models import Deadline, Order
from rescind.orders.recording import order_lock
from rescind.orders.services import order_close_unpaid
from rescind.orders.shipping import (
    order_auto_complete,
    order_delivery_overdue,
    order_protection_end,
    shipment_canceled_unanswered,
)
from rescind.refunds.services import refund_check_due, refund_start_due
from rescind.shards import one_of, update_by_shard
from rescind.statements import rows_claim

logger = logging.getLogger(__name__)

BATCH = 200  # deadlines fired per transaction
WINDOW = 2  # a claim picks a batch among the next WINDOW * BATCH candidates
LIMIT = 1000  # deadlines listed per call

HANDLERS: dict[str, Callable[..., None]] = {
    Deadline.Kind.UNPAID_TIMEOUT: lambda order, deadline, now: order_close_unpaid(order, now=now),
    Deadline.Kind.SELLER_RESPONSE:
        lambda order, deadline, now: cancellation_auto_approve(order, now=now),
    Deadline.Kind.HANDLING_TIME:
        lambda order, deadline, now: order_close_not_shipped(order, now=now),
    Deadline.Kind.REFUND_CHECK: lambda order, deadline, now: refund_check_due(
        order, deadline, now=now),
    Deadline.Kind.REFUND_START: lambda order, deadline, now: refund_start_due(
        order, deadline, now=now),
    Deadline.Kind.DELIVERY_CONFIRMATION:
        lambda order, deadline, now: order_auto_complete(order, now=now),
    Deadline.Kind.SHIPMENT_CANCELED_REPLY:
        lambda order, deadline, now: shipment_canceled_unanswered(order, now=now),
    Deadline.Kind.CHANGE_REQUEST_RESPONSE:
        lambda order, deadline, now: change_expire(order, deadline, now=now),
    Deadline.Kind.PROMISED_DELIVERY:
        lambda order, deadline, now: order_delivery_overdue(order, now=now),
    Deadline.Kind.PROTECTION_END:
        lambda order, deadline, now: order_protection_end(order, now=now),
    # R27: every reminder, to the one party who can still act.
    **{kind: lambda order, deadline, now: reminder_send(order, deadline, now=now)
       for kind in (Deadline.Kind.SELLER_RESPONSE_REMINDER,
                    Deadline.Kind.HANDLING_TIME_REMINDER,
                    Deadline.Kind.UNPAID_TIMEOUT_REMINDER,
                    Deadline.Kind.CHANGE_REQUEST_REMINDER,
                    Deadline.Kind.SHIPMENT_CANCELED_REMINDER,
                    Deadline.Kind.DISPUTE_RESPONSE_REMINDER,
                    Deadline.Kind.RETURN_CONFIRMATION_REMINDER,
                    Deadline.Kind.PROTECTION_END_REMINDER)},
}

# Kinds whose deadlines a batch fires together, through a handler taking all their locked
# orders at once and returning the refusals by order id (issue 16: the storm after a sale day).
BATCHED: dict[str, Callable[..., dict]] = {
    Deadline.Kind.SELLER_RESPONSE: cancellations_auto_approve,
}


class _Redo(Exception):
    """A handler raised in a batch run without savepoints: roll the batch back, run it again
    with them."""


def _handler_run(order: Order, deadline: Deadline, now: datetime, *, savepoint: bool) -> bool:
    """Run the deadline's handler on its locked, still open order. Returns whether it acted;
    the caller then marks the deadline fired in the same transaction. Without `savepoint`, any
    failure is raised as _Redo, for the caller to roll back."""
    if not savepoint:
        try:
            HANDLERS[deadline.kind](order, deadline, now)
        except (OperationalError, InterfaceError):
            raise
        except Exception as exc:
            raise _Redo from exc
        return True
    try:
        with transaction.atomic():
            HANDLERS[deadline.kind](order, deadline, now)
    except TryLater as exc:
        logger.info("deadline %s (%s) waits: %s", deadline.pk, deadline.kind, exc.code)
        return False
    except DomainError as exc:
        logger.info("deadline %s (%s) no longer applies: %s", deadline.pk, deadline.kind,
                    exc.code)
        deadline.voided_at = now
        deadline.save(update_fields=["voided_at"])
        return False
    except (OperationalError, InterfaceError):  # the connection is gone: the caller retries
        raise
    except Exception:  # a bug or bad data: rolled back to the savepoint, the deadline stays due
        logger.exception("deadline %s (%s) failed; it stays due", deadline.pk, deadline.kind)
        return False
    return True


def deadline_fire(*, deadline_id: int, order_id: int, now: datetime) -> bool:
    """Fire one deadline if it is still open. Returns whether this call fired it."""
    with transaction.atomic():
        order = order_lock(order_id)
        # Read under the lock: another worker may have fired it meanwhile. By its order too,
        # so that on Citus the read stays on the order's shard.
        deadline = Deadline.objects.filter(pk=deadline_id, order_id=order.pk, fired_at__isnull=True,
                                           voided_at__isnull=True).first()
        if deadline is None or not _handler_run(order, deadline, now, savepoint=True):
            return False
        deadline.fired_at, deadline.voided_at = now, None  # see _batch_fire
        deadline.save(update_fields=["fired_at", "voided_at"])
        return True


def _due_ids(now: datetime, limit: int) -> list[int]:
    """The earliest `limit` open deadlines due at `now`: the candidates of one call.

    Ordered by due time only: a tie-break on id would make PostgreSQL sort every deadline due
    at the same instant (a storm), as the index holds due_at alone. Listed once per call, not
    per batch: the index keeps entries of deadlines fired since the last vacuum, and in a
    storm every scan from its start walks over all those fired so far.
    """
    return list(Deadline.objects.filter(fired_at__isnull=True, voided_at__isnull=True,
                                        due_at__lte=now)
                .order_by("due_at").values_list("pk", flat=True)[:limit])


def _claim(now: datetime, *, count: int, among: list[int]) -> tuple[list[Deadline], list[int]]:
    """Claim the orders of the first `count` orders' deadlines `among` still open, earliest
    first; orders locked elsewhere (another worker's batch, a user's request) are skipped, not
    waited for. Returns the claimed orders' deadlines still open (read under their locks, with
    `deadline.order` set) and the ids of the deadlines looked at (claimed or skipped). Call
    inside a transaction.

    The one claiming design, the same on PostgreSQL and on Citus (module docstring): an
    unlocked scan of the candidates, then a claim naming the orders by their ids, one `FOR
    UPDATE SKIP LOCKED` statement per shard group (`statements.rows_claim`: one on
    PostgreSQL, one per shard on Citus, sent in one round trip), so every lock stays on its
    order's shard."""
    scanned = list(Deadline.objects.filter(one_of(Deadline, "pk", among), fired_at__isnull=True,
                                           voided_at__isnull=True, due_at__lte=now)
                   .order_by("due_at").values_list("pk", "order_id"))
    deadlines_of: dict[int, list[int]] = {}
    for pk, order_id in scanned:
        deadlines_of.setdefault(order_id, []).append(pk)
    order_ids = list(deadlines_of)
    claimed: dict[int, Order] = {}
    looked = 0
    while len(claimed) < count and looked < len(order_ids):
        wanted = order_ids[looked:looked + count - len(claimed)]
        looked += len(wanted)
        claimed.update((order.pk, order) for order in rows_claim(Order, wanted))
    examined = [pk for order_id in order_ids[:looked] for pk in deadlines_of[order_id]]
    if not claimed:
        return [], examined
    # Re-read under the order locks: another worker may have fired one meanwhile. Only a
    # transaction holding its order's lock changes a deadline, so this stays true.
    open_now = list(Deadline.objects.filter(
        one_of(Deadline, "order_id", list(claimed)),
        one_of(Deadline, "pk", [pk for order_id in claimed for pk in deadlines_of[order_id]]),
        fired_at__isnull=True, voided_at__isnull=True))
    for deadline in open_now:
        deadline.order = claimed[deadline.order_id]
    return open_now, examined


def _deadlines_mark(deadlines: list[Deadline], **values) -> None:
    """UPDATE these deadlines with `values`, naming their orders as well as their ids: one
    statement on PostgreSQL and SQLite, one per shard on Citus (`update_by_shard`), each on
    one shard."""
    ids_of: dict[int, list[int]] = {}
    for deadline in deadlines:
        ids_of.setdefault(deadline.order_id, []).append(deadline.pk)
    update_by_shard(Deadline.objects.all(), "order_id", list(ids_of), pks_of=ids_of, **values)


def _earliest_of_each_order(claimed: list[Deadline]) -> list[Deadline]:
    earliest: dict[int, Deadline] = {}
    for deadline in sorted(claimed, key=lambda d: (d.due_at, d.pk)):
        earliest.setdefault(deadline.order_id, deadline)
    return list(earliest.values())


def _batched_run(firsts: list[Deadline], now: datetime) -> tuple[list[int], set[int]]:
    """Run the deadlines of a BATCHED kind together, each kind's handler over all its orders
    at once. Returns the ids that fired and the ids handled (fired, voided or kept waiting);
    the others are left to their per-order handler."""
    fired: list[int] = []
    handled: set[int] = set()
    for kind, handler in BATCHED.items():
        mine = [d for d in firsts if d.kind == kind]
        if not mine:
            continue
        refused = handler([d.order for d in mine], now=now)
        void = [d for d in mine if d.order_id in refused
                and not isinstance(refused[d.order_id], TryLater)]
        for deadline in mine:
            if deadline.order_id in refused:
                exc = refused[deadline.order_id]
                logger.info("deadline %s (%s) %s: %s", deadline.pk, deadline.kind,
                            "waits" if isinstance(exc, TryLater) else "no longer applies",
                            exc.code)
        if void:  # as _handler_run voids a deadline whose handler refused
            _deadlines_mark(void, voided_at=now)
        fired += [d.pk for d in mine if d.order_id not in refused]
        handled.update(d.pk for d in mine)
    return fired, handled


def _batch_fire(now: datetime, *, count: int, among: list[int],
                savepoint: bool) -> tuple[list[int], list[int]]:
    """Claim and fire one batch in one transaction. Returns the ids it looked at and those
    that fired; raises _Redo (the batch rolled back) if a handler failed without a savepoint.
    The first run hands the deadlines of a BATCHED kind to their batch handler; the rerun with
    savepoints fires every deadline through its per-order handler."""
    with transaction.atomic():
        claimed, examined = _claim(now, count=count, among=among)
        firsts = _earliest_of_each_order(claimed)
        fired, handled = [], set()
        if not savepoint:
            try:
                fired, handled = _batched_run(firsts, now)
            except (OperationalError, InterfaceError):
                raise
            except Exception as exc:
                raise _Redo from exc
        fired += [d.pk for d in firsts if d.pk not in handled
                  and _handler_run(d.order, d, now, savepoint=savepoint)]
        # A handler that closed the order voided every open deadline, this one too: it fired.
        done = set(fired)
        _deadlines_mark([d for d in firsts if d.pk in done], fired_at=now, voided_at=None)
    # Done with: the firsts, and the deadlines of orders skipped or already fired elsewhere; a
    # later deadline of a claimed order stays a candidate for the next batch.
    waiting = {d.pk for d in claimed} - {d.pk for d in firsts}
    return [pk for pk in examined if pk not in waiting], fired


def deadlines_fire_due(*, now: datetime, limit: int = LIMIT, batch: int = BATCH,
                       between: Callable[[], object] | None = None) -> int:
    """Fire up to `limit` deadlines due at `now`, earliest first, `batch` per transaction.
    Returns how many fired.

    Each deadline is tried at most once per call, so one whose handler keeps failing cannot
    hold up the others behind it. `between` runs after each batch but the last, outside any
    transaction: the worker runs waiting refunds there, so none waits behind a storm longer
    than one batch. Only the earliest claimed deadline of an order is fired in a
    batch: a later one of the same order waits for the next batch, so every handler sees the
    order as its predecessor's commit left it.
    """
    candidates = _due_ids(now, limit)
    fired, savepoint = 0, False
    while candidates:
        # A claim looks at the next few candidates only: probing all of them costs more.
        window = candidates[:WINDOW * batch]
        try:
            tried, acted = _batch_fire(now, count=batch, among=window, savepoint=savepoint)
        except _Redo:
            savepoint = True
            continue
        # None claimable: others fired them or hold their orders; whoever holds them fires
        # them, or the next call finds them still due.
        done = set(tried or window)
        candidates = [pk for pk in candidates if pk not in done]
        fired += len(acted)
        savepoint = False
        if between is not None and candidates:  # e.g. the worker's refunds, between batches
            between()
    return fired
