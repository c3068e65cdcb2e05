"""The refund ledger (R21-R23) and the sandbox gateway's own books."""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q

from rescind.domain.money import Money
from rescind.domain.refunds import RefundFacts, RefundState
from rescind.orders.models import Order, Payment, ShardKeyed


class Refund(ShardKeyed):
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="refunds")
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds")
    amount = models.PositiveIntegerField()
    currency = models.CharField(max_length=3)
    method = models.CharField(max_length=20, help_text="always the payment's method (R21)")
    state = models.CharField(max_length=12, choices=[(s.value, s.value) for s in RefundState],
                             default=RefundState.PENDING.value)
    # Sent with every gateway call, so a repeated call never pays twice.
    idempotency_key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    cause = models.CharField(max_length=60, help_text="the event that decided it")
    created_at = models.DateTimeField()
    start_by = models.DateTimeField()
    arrive_by = models.DateTimeField()
    started_at = models.DateTimeField(null=True, blank=True)
    arrived_at = models.DateTimeField(null=True, blank=True)
    overdue_flagged_at = models.DateTimeField(null=True, blank=True)
    # R23: still pending (not accepted by the provider) past start_by, flagged for support.
    start_overdue_flagged_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)
    gateway_reference = models.CharField(max_length=100, blank=True)
    # R21: the instrument of the payment's method this row is sent to: the one charged, or the
    # renewed one the buyer gave after a refund failed.
    instrument = models.CharField(max_length=40, blank=True)
    # R23: a permanent refusal ends the row as failed, with the provider's reason.
    failed_at = models.DateTimeField(null=True, blank=True)
    failure_code = models.CharField(max_length=40, blank=True)
    failure_message = models.CharField(max_length=300, blank=True)
    # R23: support's retry of a failed row is a new row; a failed row is retried at most once.
    retry_of = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="retry")

    class Meta:
        ordering = ["id"]
        permissions = [("retry_refund", "Can retry a failed refund as support (R23)")]
        indexes = [
            models.Index(fields=["state", "arrive_by"]),
            # Support's overdue list (disputes.reads.support_queue): only refunds flagged and
            # not arrived, in the list's order, so it never reads the whole ledger.
            models.Index(fields=["arrive_by", "id"], name="refund_overdue_open",
                         condition=Q(overdue_flagged_at__isnull=False) & ~Q(state="succeeded")),
            models.Index(fields=["start_by", "id"], name="refund_not_started",
                         condition=Q(start_overdue_flagged_at__isnull=False, state="pending")),
        ]

    def __str__(self) -> str:
        return f"Refund {self.pk} of order {self.order_id}"

    @property
    def money(self) -> Money:
        return Money(self.amount, self.currency)

    def facts(self, retried_by: int | None) -> RefundFacts:
        return RefundFacts(id=self.pk, state=RefundState(self.state), amount=self.money,
                           retried_by=retried_by)


def not_retried() -> models.Q:
    """Refunds no retry points at. A NOT EXISTS that names the order (a retry is of the same
    order), so that on Citus it stays on each order's shard: `retry__isnull=True` joins refunds
    to themselves on `retry_of_id` alone, which Citus refuses (docs/deployment.md)."""
    return ~models.Exists(Refund.objects.filter(retry_of=models.OuterRef("pk"),
                                                order_id=models.OuterRef("order_id")))


class SandboxOperation(models.Model):
    """What the sandbox payment provider has done, keyed by the caller's idempotency key."""

    key = models.CharField(max_length=100, unique=True)
    kind = models.CharField(max_length=10)  # capture | refund
    amount = models.PositiveIntegerField()
    currency = models.CharField(max_length=3)
    method = models.CharField(max_length=20)
    reference = models.CharField(max_length=100, unique=True)
    created_at = models.DateTimeField()
    settles_at = models.DateTimeField()


class SandboxFault(models.Model):
    """Makes the sandbox fail its next `remaining` calls of `operation` (demo and fault tests)."""

    operation = models.CharField(max_length=10, unique=True)  # capture | refund | status
    remaining = models.PositiveIntegerField(default=0)
    mode = models.CharField(max_length=10, default="error")  # gateway.SandboxFaultMode
