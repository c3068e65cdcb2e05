"""After a refund failed for good: the buyer gives a renewed instrument of the same method, and
support retries the refund as a new ledger row through the same guard as any refund (R21-R23).
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from rescind.accounts.parties import Actor, require_party, require_support_permission
from rescind.config import calendar, policy
from rescind.disputes.models import Dispute
from rescind.domain.actions import Party
from rescind.domain.errors import DomainError, ErrorKind
from rescind.domain.refunds import (
    PaymentMethod,
    RefundState,
    decide_destination_update,
    decide_refund_retry,
    instrument_checked,
)
from rescind.orders.models import Order, Payment
from rescind.orders.recording import events_record, order_facts, order_lock
from rescind.refunds.gateway import sandbox_instrument_check
from rescind.refunds.models import Refund, not_retried
from rescind.refunds.services import refund_open
from rescind.statements import row_get, row_update, rows_where

RETRY_PERMISSION = "rescind_refunds.retry_refund"


def support_retrier(user, order: Order) -> Actor:
    """R23: staff with the retry permission."""
    return require_support_permission(user, order, permission=RETRY_PERMISSION,
                                      code="retry_permission_required", doing="retry refunds")


def refund_retry(*, refund_id: int, user, now: datetime) -> Refund:
    """R22, R23: support sends a failed refund again, once: a new ledger row `retry_of` the
    failed one, for the same amount, to the payment's instrument now (the renewed one if the
    buyer gave it), refused if the order's refunds would then exceed the charge."""
    order_id = Refund.objects.filter(pk=refund_id).values_list("order_id", flat=True).first()
    if order_id is None:
        raise DomainError("refund_not_found", _("No such refund."), kind=ErrorKind.NOT_FOUND)
    with transaction.atomic():
        order = order_lock(order_id)
        actor = support_retrier(user, order)
        failed = row_get(Refund, refund_id, lock=True, shard=order.pk)
        retried_by = Refund.objects.filter(retry_of_id=refund_id).values_list(
            "pk", flat=True).first()
        event = decide_refund_retry(order_facts(order), failed.facts(retried_by), now=now,
                                    policy=policy(), calendar=calendar())
        events_record(order, [event], actor=actor, now=now)
        retry = refund_open(order, event, cause=event.kind, now=now, retry_of=failed)
        # R20: a dispute that paid out through the failed refund now pays through its retry.
        Dispute.objects.filter(refund_row=failed).update(refund_row=retry)
        return retry


def refunds_awaiting_retry(order_id: int) -> list[Refund]:
    """The order's refunds that failed for good and have not been retried yet."""
    return list(Refund.objects.filter(not_retried(), order_id=order_id,
                                      state=RefundState.FAILED.value).order_by("pk"))


def refund_destination_update(*, order_id: int, user, method: str, instrument: str,
                              now: datetime) -> Payment:
    """R21, R23: after a refund of the order failed for good, its buyer gives the renewed
    instrument (a new card, a reopened wallet) of the method they paid with; never another
    method. Later refunds of the payment, and support's retries, go there."""
    instrument = instrument_checked(instrument)
    with transaction.atomic():
        order = order_lock(order_id)
        actor = require_party(user, order, Party.BUYER)
        payment, = rows_where(Payment, "checkout_id", order.checkout_id)
        event = decide_destination_update(
            payment_method=payment.method, method=method, instrument=instrument,
            current_instrument=payment.instrument,
            awaiting_retry=bool(refunds_awaiting_retry(order.pk)))
        sandbox_instrument_check(instrument, PaymentMethod(payment.method))
        payment.instrument, payment.instrument_updated_at = instrument, now
        row_update(payment, ["instrument", "instrument_updated_at"])
        events_record(order, [event], actor=actor, now=now)
    return payment
