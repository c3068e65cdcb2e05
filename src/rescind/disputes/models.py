"""Disputes (R9, R18-R20): one open per order at a time, with its own deadlines stored as
absolute instants; the worker fires them through `disputes.firing`."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from rescind.domain.disputes import DISPUTE_REASONS, DisputeFacts, DisputeState
from rescind.domain.money import Money
from rescind.orders.models import SELLER_NOTHING_DUE, Order, ShardKeyed
from rescind.refunds.models import Refund

OPEN_STATES = [s.value for s in DisputeState if s is not DisputeState.RESOLVED]


class Dispute(ShardKeyed):
    State = models.TextChoices("State", [(s.name, s.value) for s in DisputeState])

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="disputes")
    reason = models.CharField(max_length=40, choices=list(DISPUTE_REASONS.items()))
    description = models.TextField(blank=True)
    currency = models.CharField(max_length=3)
    claim = models.PositiveIntegerField(help_text="minor units the buyer asks for")
    return_item = models.BooleanField(default=False, help_text="the buyer offers to return it")
    evidence = models.JSONField(default=list, blank=True,
                                help_text="attachment ids from the order's messages")
    beside_cancellation = models.BooleanField(default=False, help_text="R9 supplier report")
    state = models.CharField(max_length=20, choices=State.choices)
    opened_at = models.DateTimeField()
    # The deadlines (R19, R20): which one runs depends on the state.
    respond_by = models.DateTimeField(null=True, blank=True)
    escalate_by = models.DateTimeField(null=True, blank=True)
    confirm_by = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    seller_note = models.TextField(blank=True)
    proposal = models.PositiveIntegerField(null=True, blank=True)
    proposal_return = models.BooleanField(default=False)
    # The decision (R19, R20): by seller, silence, buyer (a proposal) or support.
    refund = models.PositiveIntegerField(null=True, blank=True)
    return_required = models.BooleanField(default=False)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.CharField(max_length=10, blank=True)
    decided_by_user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                        on_delete=models.PROTECT, related_name="+")
    decision_note = models.TextField(blank=True)
    # The return parcel (R20).
    return_carrier = models.CharField(max_length=64, blank=True)
    return_tracking = models.CharField(max_length=64, blank=True, db_index=True)
    return_shipped_at = models.DateTimeField(null=True, blank=True)
    return_delivered_at = models.DateTimeField(null=True, blank=True)
    return_received_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    refund_row = models.ForeignKey(Refund, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    # Support's work on it (R20): the agent who claimed it, and a counter every change of the
    # row moves, so that a decision made on a page loaded before the change is refused.
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+")
    assigned_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["id"]
        permissions = [("decide_dispute", "Can decide disputes as support (R20)")]
        constraints = [
            models.UniqueConstraint(fields=["order"], condition=~Q(state="resolved"),
                                    name="one_open_dispute_per_order"),
        ]
        indexes = [models.Index(fields=["state"])]

    def __str__(self) -> str:
        return f"Dispute {self.pk} on order {self.order_id}"

    def money(self, amount: int | None) -> Money | None:
        return None if amount is None else Money(amount, self.currency)

    def facts(self) -> DisputeFacts:
        return DisputeFacts(
            state=DisputeState(self.state), claim=Money(self.claim, self.currency),
            return_item=self.return_item, beside_cancellation=self.beside_cancellation,
            respond_by=self.respond_by, escalate_by=self.escalate_by,
            proposal=self.money(self.proposal), proposal_return=self.proposal_return,
            refund=self.money(self.refund), return_tracking=self.return_tracking or None,
            return_delivered_at=self.return_delivered_at, confirm_by=self.confirm_by)

    @property
    def seller_due(self):
        """Until when this dispute waits on the seller: their answer (R19) or the returned
        item's confirmation (R20); SELLER_NOTHING_DUE while it waits on someone else, None
        once resolved (Order.dispute_seller_due)."""
        if self.state == DisputeState.RESOLVED.value:
            return None
        due = {DisputeState.AWAITING_SELLER: self.respond_by,
               DisputeState.AWAITING_RETURN: self.confirm_by}.get(DisputeState(self.state))
        return due or SELLER_NOTHING_DUE

    @property
    def next_deadline(self):
        """The instant the platform acts on this dispute by itself, if any (R19, R20)."""
        return {DisputeState.AWAITING_SELLER: self.respond_by,
                DisputeState.SELLER_REFUSED: self.escalate_by,
                DisputeState.SELLER_PROPOSED: self.escalate_by,
                DisputeState.AWAITING_RETURN: self.confirm_by}.get(DisputeState(self.state))
