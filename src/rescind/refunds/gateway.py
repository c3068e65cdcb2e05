"""The payment-gateway port and the sandbox provider that stands in for a real one.

A real provider plugs in behind the same three calls (`RESCIND_PAYMENT_GATEWAY`). Every call
carries the caller's idempotency key; the provider must return the first answer for a key it has
seen, so a repeated call never charges or refunds twice. No call is made inside a database
transaction of ours.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Protocol

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.module_loading import import_string

from rescind.domain.money import Money
from rescind.domain.refunds import PaymentMethod


class GatewayError(Exception):
    """The provider did not do it. `retryable` says whether trying again may help."""

    def __init__(self, message: str, *, retryable: bool = True) -> None:
        super().__init__(message)
        self.retryable = retryable


@dataclass(frozen=True, slots=True)
class GatewayAnswer:
    reference: str
    settled: bool


class PaymentGateway(Protocol):
    def capture(self, *, key: str, amount: Money, method: PaymentMethod,
                now: datetime) -> GatewayAnswer: ...

    def refund(self, *, key: str, payment_reference: str, amount: Money, method: PaymentMethod,
               now: datetime) -> GatewayAnswer: ...

    def refund_status(self, *, reference: str, now: datetime) -> GatewayAnswer: ...


# Typical settlement times of the sandbox, by method (R23: "typically 1-10 days").
_SANDBOX_SETTLE_HOURS = {
    PaymentMethod.E_WALLET: (24, 5 * 24),
    PaymentMethod.BANK_CARD: (2 * 24, 10 * 24),
    PaymentMethod.BANK_TRANSFER: (2 * 24, 8 * 24),
}


def sandbox_settle_delay(key: str, method: PaymentMethod) -> timedelta:
    """A realistic delay, fixed per key so that every process agrees on it."""
    low, high = _SANDBOX_SETTLE_HOURS[method]
    spread = int(hashlib.sha256(key.encode()).hexdigest()[:8], 16) % (high - low + 1)
    return timedelta(hours=low + spread)


class SandboxGateway:
    """A provider that keeps its books in its own table and settles refunds on the (demo) clock.

    Faults can be switched on with `SandboxFault` rows, to show retries and overdue flags.
    """

    def _maybe_fail(self, operation: str) -> None:
        from rescind.refunds.models import SandboxFault

        with transaction.atomic():
            fault = (SandboxFault.objects.select_for_update()
                     .filter(operation=operation, remaining__gt=0).first())
            if fault is None:
                return
            fault.remaining -= 1
            fault.save(update_fields=["remaining"])
        raise GatewayError(f"sandbox {operation} {fault.mode}", retryable=True)

    def _record(self, *, kind: str, key: str, amount: Money, method: PaymentMethod,
                now: datetime, settles_at: datetime) -> GatewayAnswer:
        from rescind.refunds.models import SandboxOperation

        reference = f"sbx_{kind}_{hashlib.sha256(key.encode()).hexdigest()[:16]}"
        try:
            with transaction.atomic():
                operation = SandboxOperation.objects.create(
                    key=key, kind=kind, amount=amount.amount, currency=amount.currency,
                    method=method.value, reference=reference, created_at=now,
                    settles_at=settles_at)
        except IntegrityError:
            operation = SandboxOperation.objects.get(key=key)  # seen before: same answer
        return GatewayAnswer(operation.reference, settled=now >= operation.settles_at)

    def capture(self, *, key, amount, method, now):
        self._maybe_fail("capture")
        return self._record(kind="capture", key=key, amount=amount, method=method, now=now,
                            settles_at=now)

    def refund(self, *, key, payment_reference, amount, method, now):
        self._maybe_fail("refund")
        return self._record(kind="refund", key=key, amount=amount, method=method, now=now,
                            settles_at=now + sandbox_settle_delay(key, method))

    def refund_status(self, *, reference, now):
        from rescind.refunds.models import SandboxOperation

        operation = SandboxOperation.objects.filter(reference=reference).first()
        if operation is None:
            raise GatewayError(f"unknown refund {reference}", retryable=False)
        return GatewayAnswer(operation.reference, settled=now >= operation.settles_at)


@lru_cache(maxsize=1)
def payment_gateway() -> PaymentGateway:
    path = getattr(settings, "RESCIND_PAYMENT_GATEWAY", "rescind.refunds.gateway.SandboxGateway")
    return import_string(path)()
