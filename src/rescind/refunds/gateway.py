"""The payment-gateway port and the sandbox provider that stands in for a real one.

A real provider plugs in behind the same three calls (`RESCIND_PAYMENT_GATEWAY`). Every call
carries the caller's idempotency key; the provider must return the first answer for a key it has
seen, so a repeated call never charges or refunds twice. No call is made inside a database
transaction of ours.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from functools import lru_cache
from typing import Protocol

from django.conf import settings
from django.db import connection
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from rescind.domain.errors import DomainError, ErrorKind
from rescind.domain.money import Money
from rescind.domain.refunds import PaymentMethod
from rescind.statements import row_insert_if_new


class GatewayError(Exception):
    """The provider did not do it. `retryable` says whether trying again may help; a permanent
    refusal carries the provider's reason as a stable `code` and a message a person can read."""

    def __init__(self, message: str, *, retryable: bool = True,
                 code: str = "gateway_error") -> None:
        super().__init__(message)
        self.retryable = retryable
        self.code = code


@dataclass(frozen=True, slots=True)
class GatewayAnswer:
    reference: str
    settled: bool


class PaymentGateway(Protocol):
    def capture(self, *, key: str, amount: Money, method: PaymentMethod,
                now: datetime) -> GatewayAnswer: ...

    def refund(self, *, key: str, payment_reference: str, amount: Money, method: PaymentMethod,
               destination: str, now: datetime) -> GatewayAnswer:
        """Refund to `destination`, an instrument of `method` (the one charged, or the renewed
        one the buyer gave after a refund failed); GatewayError(retryable=False) when the
        instrument can never take it (R23)."""
        ...

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


@dataclass(frozen=True, slots=True)
class SandboxInstrument:
    """A sandbox test instrument whose every refund the provider refuses for good."""

    methods: frozenset[PaymentMethod]
    failure_code: str
    failure_message: str


# Checkout with one of these (`payment_instrument`) to see a refund fail for good (R23). Any
# other name, or none, is a working instrument of the chosen method.
SANDBOX_FAILING_INSTRUMENTS = {
    "expired_card": SandboxInstrument(
        frozenset({PaymentMethod.BANK_CARD}), "expired_card",
        gettext_noop("The card has expired, so the bank cannot take the refund.")),
    "closed_account": SandboxInstrument(
        frozenset({PaymentMethod.E_WALLET, PaymentMethod.BANK_TRANSFER}), "account_closed",
        gettext_noop("The account has been closed, so it cannot take the refund.")),
}


def sandbox_instrument_check(instrument: str, method: PaymentMethod) -> None:
    """Refuse a sandbox test instrument of another method (an expired card paid by e-wallet)."""
    failing = SANDBOX_FAILING_INSTRUMENTS.get(instrument)
    if failing is not None and method not in failing.methods:
        kinds = " or ".join(sorted(m.value.replace("_", " ") for m in failing.methods))
        raise DomainError("instrument_not_for_method",
                          _("The sandbox instrument %(instrument)s is a %(kinds)s, not a "
                            "%(method)s."),
                          params={"instrument": instrument, "kinds": kinds,
                                  "method": method.value.replace("_", " ")},
                          kind=ErrorKind.INVALID,
                          details={"methods": sorted(m.value for m in failing.methods)})


class SandboxFaultMode(StrEnum):
    """How the sandbox misbehaves on a call a `SandboxFault` row catches."""

    ERROR = "error"  # the provider refuses at once (a 5xx): nothing done
    TIMEOUT = "timeout"  # the provider acts, but its answer comes after the client gave up
    SLOW = "slow"  # the provider acts and answers, late but within the client's timeout


SLOW_ANSWER_SHARE = 0.5  # a slow answer takes this share of the client's timeout


def gateway_timeout_seconds() -> float:
    """How long a call waits for the provider's answer (the RESCIND_GATEWAY_TIMEOUT_SECONDS
    setting, from the environment; 10 s unless set)."""
    return settings.RESCIND_GATEWAY_TIMEOUT_SECONDS


class SandboxGateway:
    """A provider that keeps its books in its own table and settles refunds on the (demo) clock.

    A refund to one of SANDBOX_FAILING_INSTRUMENTS is refused for good, before anything is
    done. Faults can be switched on with `SandboxFault` rows (operation `capture`, `refund` or
    `status`; see `SandboxFaultMode`), to show retries and overdue flags. The waits are real:
    a timeout is a call that acted, then raises once the client's timeout has passed, as a
    real HTTP client would; so only the idempotency key keeps its retry from paying twice.
    """

    def _fault_take(self, operation: str) -> SandboxFaultMode | None:
        """Use up one call of the fault switched on for `operation`, if any: one statement
        (a refund burst asks once a refund), atomic by itself on either database."""
        from rescind.refunds.models import SandboxFault

        table = connection.ops.quote_name(SandboxFault._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(f"UPDATE {table} SET remaining = remaining - 1 "  # noqa: S608
                           "WHERE operation = %s AND remaining > 0 RETURNING mode", [operation])
            taken = cursor.fetchone()
        return None if taken is None else SandboxFaultMode(taken[0])

    def _call(self, operation: str, act: Callable[[], GatewayAnswer]) -> GatewayAnswer:
        """Run `act` (the provider's side of the call) as the fault, if any, says."""
        mode = self._fault_take(operation)
        if mode is SandboxFaultMode.ERROR:
            raise GatewayError(f"sandbox {operation} error", retryable=True)
        answer = act()
        if mode is SandboxFaultMode.TIMEOUT:
            timeout = gateway_timeout_seconds()
            time.sleep(timeout)
            raise GatewayError(f"sandbox {operation} timed out after {timeout:g} s",
                               retryable=True)
        if mode is SandboxFaultMode.SLOW:
            time.sleep(gateway_timeout_seconds() * SLOW_ANSWER_SHARE)
        return answer

    def _record(self, *, kind: str, key: str, amount: Money, method: PaymentMethod,
                now: datetime, settles_at: datetime) -> GatewayAnswer:
        from rescind.refunds.models import SandboxOperation

        reference = f"sbx_{kind}_{hashlib.sha256(key.encode()).hexdigest()[:16]}"
        operation = SandboxOperation(
            key=key, kind=kind, amount=amount.amount, currency=amount.currency,
            method=method.value, reference=reference, created_at=now, settles_at=settles_at)
        if not row_insert_if_new(operation):
            operation = SandboxOperation.objects.get(key=key)  # seen before: same answer
        return GatewayAnswer(operation.reference, settled=now >= operation.settles_at)

    def capture(self, *, key, amount, method, now):
        return self._call("capture", lambda: self._record(
            kind="capture", key=key, amount=amount, method=method, now=now, settles_at=now))

    def refund(self, *, key, payment_reference, amount, method, now, destination=""):
        def act() -> GatewayAnswer:
            failing = SANDBOX_FAILING_INSTRUMENTS.get(destination)
            if failing is not None:
                raise GatewayError(failing.failure_message, retryable=False,
                                   code=failing.failure_code)
            return self._record(kind="refund", key=key, amount=amount, method=method, now=now,
                                settles_at=now + sandbox_settle_delay(key, method))

        return self._call("refund", act)

    def refund_status(self, *, reference, now):
        return self._call("status", lambda: self._status(reference=reference, now=now))

    def _status(self, *, reference: str, now: datetime) -> GatewayAnswer:
        from rescind.refunds.models import SandboxOperation

        operation = SandboxOperation.objects.filter(reference=reference).first()
        if operation is None:
            raise GatewayError(f"unknown refund {reference}", retryable=False)
        return GatewayAnswer(operation.reference, settled=now >= operation.settles_at)


@lru_cache(maxsize=1)
def payment_gateway() -> PaymentGateway:
    path = getattr(settings, "RESCIND_PAYMENT_GATEWAY", "rescind.refunds.gateway.SandboxGateway")
    return import_string(path)()
