"""Cancellation requests (R7-R11, R14) and change requests (R13) after payment."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from rescind.domain.facts import ChangeFacts, RequestFacts
from rescind.domain.money import Money
from rescind.domain.policy import Side
from rescind.orders.models import Order, ShardKeyed


class CancellationRequest(ShardKeyed):
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
    # R11: why the seller refused, a code of domain/refusals.py; empty unless refused.
    refusal_reason = models.CharField(max_length=40, blank=True, default="")

    class Meta:
        ordering = ["id"]
        constraints = [
            # A second guard behind the order lock: never two pending requests on one order.
            models.UniqueConstraint(fields=["order"], condition=Q(state="pending"),
                                    name="one_pending_cancellation_per_order"),
        ]
        # The seller's queue: pending requests by deadline (orders.seller_queue).
        indexes = [models.Index(fields=["respond_by", "order"], condition=Q(state="pending"),
                                name="cancellation_pending_by_due")]

    def __str__(self) -> str:
        return f"Cancellation request {self.pk} on order {self.order_id}"

    def facts(self) -> RequestFacts:
        return RequestFacts(reason=self.reason, side=Side(self.side),
                            requested_at=self.requested_at, respond_by=self.respond_by)


class ChangeRequest(ShardKeyed):
    """A buyer's request to change a paid order before shipment (R13): the lines it changes,
    each {"line", "before", "after"}, new delivery details, and the exact price difference."""

    class State(models.TextChoices):
        PENDING = "pending"  # waiting for the seller
        AWAITING_CHARGE = "awaiting_charge"  # accepted at a higher price: waiting for the buyer
        APPLIED = "applied"
        REFUSED = "refused"
        AUTO_REFUSED = "auto_refused"
        WITHDRAWN = "withdrawn"
        CHARGE_DECLINED = "charge_declined"
        CHARGE_LAPSED = "charge_lapsed"
        SUPERSEDED = "superseded"  # the buyer asked to cancel instead
        REFUSED_BY_SHIPMENT = "refused_by_shipment"
        CLOSED_WITH_ORDER = "closed_with_order"

    OPEN_STATES = (State.PENDING, State.AWAITING_CHARGE)

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="change_requests")
    lines = models.JSONField(default=list, blank=True)
    delivery = models.JSONField(null=True, blank=True)
    currency = models.CharField(max_length=3)
    price_before = models.PositiveIntegerField(help_text="minor units: what the order cost")
    price_after = models.PositiveIntegerField(help_text="minor units: what it costs changed")
    state = models.CharField(max_length=20, choices=State.choices, default=State.PENDING)
    requested_at = models.DateTimeField()
    respond_by = models.DateTimeField(help_text="the seller answers by then")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)
    confirm_by = models.DateTimeField(null=True, blank=True,
                                      help_text="the buyer confirms an extra charge by then")
    charge_reference = models.CharField(max_length=100, blank=True)
    charged_at = models.DateTimeField(null=True, blank=True)
    applied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            # A second guard behind the order lock: one open change request per order.
            models.UniqueConstraint(fields=["order"],
                                    condition=Q(state__in=["pending", "awaiting_charge"]),
                                    name="one_open_change_per_order"),
        ]
        indexes = [models.Index(fields=["respond_by", "order"], condition=Q(state="pending"),
                                name="change_pending_by_due")]

    def __str__(self) -> str:
        return f"Change request {self.pk} on order {self.order_id}"

    @property
    def difference(self) -> Money:
        return Money(self.price_after - self.price_before, self.currency)

    def facts(self) -> ChangeFacts:
        awaiting_charge = self.state == self.State.AWAITING_CHARGE
        return ChangeFacts(
            change_id=self.pk, awaiting_charge=awaiting_charge,
            respond_by=self.confirm_by if awaiting_charge else self.respond_by,
            price_before=Money(self.price_before, self.currency),
            price_after=Money(self.price_after, self.currency))
