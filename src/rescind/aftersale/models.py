"""Cancellation requests after payment (R7-R11, R14)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from rescind.domain.facts import RequestFacts
from rescind.domain.policy import Side
from rescind.orders.models import Order


class CancellationRequest(models.Model):
    class State(models.TextChoices):
        PENDING = "pending"
        APPROVED = "approved"
        AUTO_APPROVED = "auto_approved"
        REFUSED = "refused"
        WITHDRAWN = "withdrawn"
        REFUSED_BY_SHIPMENT = "refused_by_shipment"
        CLOSED_WITH_ORDER = "closed_with_order"

    order = models.ForeignKey(Order, on_delete=models.PROTECT,
                              related_name="cancellation_requests")
    reason = models.CharField(max_length=40)
    side = models.CharField(max_length=10, choices=[(s.value, s.value) for s in Side])
    report_supplier = models.BooleanField(default=False)
    state = models.CharField(max_length=20, choices=State.choices, default=State.PENDING)
    requested_at = models.DateTimeField()
    respond_by = models.DateTimeField()
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            # A second guard behind the order lock: never two pending requests on one order.
            models.UniqueConstraint(fields=["order"], condition=Q(state="pending"),
                                    name="one_pending_cancellation_per_order"),
        ]

    def facts(self) -> RequestFacts:
        return RequestFacts(reason=self.reason, side=Side(self.side),
                            requested_at=self.requested_at, respond_by=self.respond_by)
