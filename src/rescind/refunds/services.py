"""The refund ledger: open a refund inside the deciding transaction, then submit it to the
gateway and follow it to arrival from tasks, outside any transaction (R21-R23)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from rescind.accounts.parties import PLATFORM
from rescind.config import calendar, policy
from rescind.domain.events import (
    RefundArrived,
    RefundCreated,
    RefundFailed,
    RefundFlaggedNotStarted,
    RefundFlaggedOverdue,
    RefundRetried,
    RefundStarted,
)
from rescind.domain.refunds import (
    PaymentMethod,
    RefundState,
    decide_attempt_failure,
    is_overdue,
    is_start_overdue,
    refund_start_by,
)
from rescind.orders.models import Deadline, Order, Payment
from rescind.orders.recording import (
    deadline_set,
    deadlines_void_where,
    events_record,
    order_lock,
)
from rescind.refunds.gateway import GatewayError, payment_gateway
from rescind.refunds.models import Refund
from rescind.statements import row_get, row_update, rows_insert, rows_where, task_enqueue

CHECK_EVERY = timedelta(days=1)


def refund_open(order: Order, created: RefundCreated | RefundRetried, *, cause: str,
                now: datetime, retry_of: Refund | None = None) -> Refund:
    """Record a decided refund on the locked order and enqueue its submission (R21, R22);
    its start deadline (R23) flags it for support should the provider not accept it in time.

    The order's `refunded` column moves in the same transaction, under the order lock, and a
    check constraint keeps it within the charge, so concurrent refunds cannot exceed it.
    """
    from rescind.refunds.tasks import refund_submit_task

    payment, = rows_where(Payment, "checkout_id", order.checkout_id)
    refund = refund_build(order, payment, created, cause=cause, now=now, retry_of=retry_of)
    rows_insert([refund])  # a deadline storm closes orders by the thousand: no query building
    order.refunded += created.amount.amount
    row_update(order, ["refunded"])
    deadline_set(order, Deadline.Kind.REFUND_START, refund.start_by, subject_id=refund.pk)
    task_enqueue(refund_submit_task, refund.pk, order.pk)
    return refund


def refund_build(order: Order, payment: Payment, created: RefundCreated | RefundRetried, *,
                 cause: str, now: datetime, retry_of: Refund | None = None) -> Refund:
    """The unsaved refund row `refund_open` stores (R22, R23); shared with the batched
    recording of many orders (orders.batch)."""
    return Refund(
        order=order, payment=payment, amount=created.amount.amount,
        currency=created.amount.currency, method=payment.method, cause=cause, created_at=now,
        start_by=refund_start_by(decided_at=now, policy=policy(), calendar=calendar()),
        arrive_by=created.arrive_by, instrument=payment.instrument, retry_of=retry_of)


def _refund_read(refund_id: int, order_id: int | None) -> Refund | None:
    """The refund, unlocked; by its order id too when the task carries it (one shard on
    Citus, where a read by the refund's id alone asks every shard)."""
    if order_id is None:
        return Refund.objects.filter(pk=refund_id).first()
    return row_get(Refund, refund_id, shard=order_id)


def _refund_lock(order: Order, refund_id: int) -> Refund:
    """The refund of the locked `order`, locked too (on the order's shard)."""
    return row_get(Refund, refund_id, lock=True, shard=order.pk)


def refund_submit(*, refund_id: int, order_id: int | None = None, now: datetime) -> str:
    """Send a pending refund to the gateway, with its idempotency key; retry with backoff.

    Runs in a task. A repeated run (retry, crash, duplicate delivery) sends the same key, so the
    gateway pays once; a run that finds the refund no longer pending does nothing.
    """
    refund = _refund_read(refund_id, order_id)
    if refund is None or refund.state != RefundState.PENDING:
        return "skipped"
    payment = row_get(Payment, refund.payment_id)
    try:
        answer = payment_gateway().refund(
            key=str(refund.idempotency_key), payment_reference=payment.gateway_reference,
            amount=refund.money, method=PaymentMethod(refund.method),
            destination=refund.instrument, now=now)
    except GatewayError as exc:
        return _attempt_failed(refund, exc, now=now)
    with transaction.atomic():
        order = order_lock(refund.order_id)
        refund = _refund_lock(order, refund_id)
        if refund.state != RefundState.PENDING:
            return "skipped"
        refund.state, refund.started_at = RefundState.PROCESSING, now
        refund.gateway_reference = answer.reference
        refund.attempts += 1
        row_update(refund, ["state", "started_at", "gateway_reference", "attempts"])
        events_record(order, [RefundStarted(amount=refund.money, method=refund.method,
                                            gateway_reference=answer.reference)],
                      actor=PLATFORM, now=now)
        deadline_set(order, Deadline.Kind.REFUND_CHECK, now + CHECK_EVERY, subject_id=refund.pk)
        _start_deadline_void(order, refund, now=now)
    return "started"


def _attempt_failed(seen: Refund, error: GatewayError, *, now: datetime) -> str:
    """R23: record a refused attempt. A temporary error is retried with backoff; a permanent
    one ends the refund as failed: its amount leaves the order's `refunded` (the money did not
    go back) and the buyer is told what to do."""
    from rescind.refunds.tasks import refund_submit_task

    with transaction.atomic():
        order = order_lock(seen.order_id)  # the order first, as every service locks
        refund = _refund_lock(order, seen.pk)
        if refund.state != RefundState.PENDING:
            return "skipped"
        refund.attempts += 1
        refund.last_error = str(error)[:300]
        event = decide_attempt_failure(
            attempt=refund.attempts, amount=refund.money, method=refund.method,
            retryable=error.retryable, code=error.code, error=str(error), now=now)
        if isinstance(event, RefundFailed):
            refund.state, refund.failed_at = RefundState.FAILED, now
            refund.failure_code, refund.failure_message = event.failure_code, \
                event.failure_message
            refund.save(update_fields=["state", "failed_at", "failure_code", "failure_message",
                                       "attempts", "last_error"])
            order.refunded -= refund.amount
            row_update(order, ["refunded"])
            events_record(order, [event], actor=PLATFORM, now=now)
            _start_deadline_void(order, refund, now=now)
            return "failed"
        refund.save(update_fields=["attempts", "last_error"])
        events_record(order, [event], actor=PLATFORM, now=now)
        _flag_if_not_started(order, refund, now=now)
        _flag_if_overdue(order, refund, now=now)
        # Backoff is technical, so it runs on real time, not the demo clock.
        refund_submit_task.using(run_after=timezone.now() + (event.retry_at - now)).enqueue(
            refund.pk, order.pk)
    return "retry"


def _start_deadline_void(order: Order, refund: Refund, *, now: datetime) -> None:
    """The refund left `pending`: its start deadline no longer applies."""
    deadlines_void_where(order, [Deadline.Kind.REFUND_START], subject_id=refund.pk, now=now)


def refund_start_due(order: Order, deadline: Deadline, *, now: datetime) -> None:
    """R23: one working day after the decision, a refund the provider has not accepted yet
    is flagged for support, like an overdue one. Runs on the locked order."""
    refund = row_get(Refund, deadline.subject_id, lock=True, shard=order.pk)
    if refund is not None:
        _flag_if_not_started(order, refund, now=now)


def _flag_if_not_started(order: Order, refund: Refund, *, now: datetime) -> None:
    if refund.start_overdue_flagged_at or not is_start_overdue(RefundState(refund.state),
                                                               refund.start_by, now):
        return
    refund.start_overdue_flagged_at = now
    refund.save(update_fields=["start_overdue_flagged_at"])
    events_record(order, [RefundFlaggedNotStarted(amount=refund.money, start_by=refund.start_by)],
                  actor=PLATFORM, now=now)


def refund_check_due(order: Order, deadline: Deadline, *, now: datetime) -> None:
    """The refund's check deadline fired: ask the gateway from a task, after commit."""
    from rescind.refunds.tasks import refund_check_task

    refund_check_task.enqueue(deadline.subject_id, order.pk)


def refund_check(*, refund_id: int, order_id: int | None = None, now: datetime) -> str:
    """Ask the gateway whether a processing refund has arrived; record arrival, or check again
    tomorrow and flag it once it passes its method's deadline (R23)."""
    refund = _refund_read(refund_id, order_id)
    if refund is None or refund.state != RefundState.PROCESSING:
        return "skipped"
    try:
        answer = payment_gateway().refund_status(reference=refund.gateway_reference, now=now)
    except GatewayError as exc:
        answer = None
        error = str(exc)
    with transaction.atomic():
        order = order_lock(refund.order_id)
        refund = _refund_lock(order, refund_id)
        if refund.state != RefundState.PROCESSING:
            return "skipped"
        if answer is not None and answer.settled:
            refund.state, refund.arrived_at = RefundState.SUCCEEDED, now
            refund.save(update_fields=["state", "arrived_at"])
            events_record(order, [RefundArrived(amount=refund.money, method=refund.method)],
                          actor=PLATFORM, now=now)
            return "arrived"
        if answer is None:
            refund.last_error = error[:300]
            refund.save(update_fields=["last_error"])
        _flag_if_overdue(order, refund, now=now)
        deadline_set(order, Deadline.Kind.REFUND_CHECK, now + CHECK_EVERY, subject_id=refund.pk)
    return "waiting"


def _flag_if_overdue(order: Order, refund: Refund, *, now: datetime) -> None:
    if refund.overdue_flagged_at or not is_overdue(RefundState(refund.state), refund.arrive_by,
                                                   now):
        return
    refund.overdue_flagged_at = now
    refund.save(update_fields=["overdue_flagged_at"])
    events_record(order, [RefundFlaggedOverdue(amount=refund.money, arrive_by=refund.arrive_by)],
                  actor=PLATFORM, now=now)
