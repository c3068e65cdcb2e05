"""Stores, products, checkouts, payments, orders, the timeline and the deadlines (R1, R2, R29)."""

from __future__ import annotations

from datetime import UTC, datetime

from django.conf import settings
from django.db import models
from django.db.models import Q

from rescind.domain.money import Money
from rescind.domain.states import CloseReason, OrderState

# Order.dispute_seller_due of an open dispute that waits on the buyer or support: after
# every instant a seller must act by, so the queue sorts those disputes last.
SELLER_NOTHING_DUE = datetime(3000, 1, 1, tzinfo=UTC)
STATE_CHOICES = [(s.value, s.value.replace("_", " ")) for s in OrderState]
CLOSE_REASON_CHOICES = [(r.value, r.value.replace("_", " ")) for r in CloseReason]


class ShardKeyed(models.Model):
    """A row kept with the row named by `shard_field` (its order; a payment, its checkout):
    on Citus, on that row's shard (docs/deployment.md, "Citus"). Saving it names the shard key
    in the UPDATE's WHERE, so the statement reaches one shard, and never sets it: the key of a
    row does not change once it exists, and Citus refuses to move a row between shards. On
    PostgreSQL and SQLite the extra condition is true of the row anyway."""

    shard_field = "order"

    class Meta:
        abstract = True

    def _do_update(self, base_qs, using, pk_val, values, update_fields, forced_update):
        key = self._meta.get_field(self.shard_field)
        values = [v for v in values if v[0] is not key]
        return super()._do_update(base_qs.filter(**{key.attname: getattr(self, key.attname)}),
                                  using, pk_val, values, update_fields, forced_update)


class Store(models.Model):
    name = models.CharField(max_length=120)
    sellers = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="stores", blank=True)
    currency = models.CharField(max_length=3, default="USD")
    shipping_fee = models.PositiveIntegerField(default=0, help_text="minor units")

    def __str__(self) -> str:
        return self.name


class Product(models.Model):
    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="products")
    name = models.CharField(max_length=200)
    unit_price = models.PositiveIntegerField(help_text="minor units")
    currency = models.CharField(max_length=3, default="USD")
    # e.g. {"colour": ["red", "blue"], "size": ["S", "M"]}
    option_choices = models.JSONField(default=dict, blank=True)

    def __str__(self) -> str:
        return self.name

    @property
    def price(self) -> Money:
        return Money(self.unit_price, self.currency)


class Checkout(models.Model):
    """One buyer's purchase from one or more stores: one order per store, one payment (R1)."""

    buyer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                              related_name="checkouts")
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"Checkout {self.pk}"


class Payment(models.Model):
    class State(models.TextChoices):
        PENDING = "pending"
        CAPTURING = "capturing"  # claimed: the gateway is being asked; its orders are frozen
        CAPTURED = "captured"
        FAILED = "failed"

    checkout = models.OneToOneField(Checkout, on_delete=models.PROTECT, related_name="payment")
    method = models.CharField(max_length=20)
    amount = models.PositiveIntegerField(help_text="minor units; the sum of its orders")
    currency = models.CharField(max_length=3)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    capture_key = models.CharField(max_length=100, blank=True)
    gateway_reference = models.CharField(max_length=100, blank=True)
    captured_at = models.DateTimeField(null=True, blank=True)
    # The instrument at the provider that refunds go to (a token; in the sandbox a test name,
    # see refunds.gateway.SANDBOX_FAILING_INSTRUMENTS): the one charged, until the buyer gives a
    # renewed one of the same method after a refund failed (R21, R23).
    instrument = models.CharField(max_length=40, blank=True)
    instrument_updated_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Payment {self.pk}"


class Order(models.Model):
    checkout = models.ForeignKey(Checkout, on_delete=models.PROTECT, related_name="orders")
    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="orders")
    buyer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                              related_name="orders")
    state = models.CharField(max_length=20, choices=STATE_CHOICES,
                             default=OrderState.AWAITING_PAYMENT.value)
    close_reason = models.CharField(max_length=40, choices=CLOSE_REASON_CHOICES, blank=True)
    # R8, R30: the side a closure counts against (buyer, seller, platform), if it closed.
    responsible_side = models.CharField(max_length=10, blank=True)
    currency = models.CharField(max_length=3)
    items_total = models.PositiveIntegerField()
    shipping_fee = models.PositiveIntegerField()
    discount_total = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(help_text="what the buyer pays / paid for this order")
    refunded = models.PositiveIntegerField(default=0, help_text="sum of its non-failed refunds")
    payment_method = models.CharField(max_length=20)
    # Where it goes, as given at checkout (R1); a change request may replace it (R13). None on
    # orders placed before checkout asked for it, or through the API without it.
    delivery = models.JSONField(null=True, blank=True)
    placed_at = models.DateTimeField()
    paid_at = models.DateTimeField(null=True, blank=True)
    ship_by = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    # R16: from when a buyer whose shipment was canceled may open a dispute.
    dispute_from = models.DateTimeField(null=True, blank=True)
    # R15, R18: when the order completed (buyer confirmed, or by itself after delivery), and
    # until when buyer protection lets the buyer open a dispute on it (none once one was).
    completed_at = models.DateTimeField(null=True, blank=True)
    dispute_until = models.DateTimeField(null=True, blank=True)
    # R19, R20: while a dispute is open, until when it waits on the seller (their answer, the
    # return's confirmation), or SELLER_NOTHING_DUE while it waits on someone else; kept by
    # disputes.recording.dispute_apply, so that the seller's queue sorts disputes by it.
    dispute_seller_due = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["buyer", "-placed_at"]),
            models.Index(fields=["store", "-placed_at"]),
            # The seller's queue (orders.seller_queue): each tab's sorts, walked from a cursor.
            models.Index(fields=["store", "state", "-placed_at", "-id"],
                         name="order_queue_by_date"),
            models.Index(fields=["store", "state", "ship_by", "id"], name="order_queue_ship_by"),
            models.Index(fields=["store", "state", "dispute_from", "id"],
                         name="order_queue_reply_by"),
            models.Index(fields=["store", "state", "dispute_seller_due", "id"],
                         name="order_queue_dispute_due"),
        ]
        permissions = [("export_orders", "Can export every store's orders as support")]
        constraints = [
            models.CheckConstraint(condition=Q(refunded__lte=models.F("total")),
                                   name="order_refunds_within_charge"),
        ]

    def __str__(self) -> str:
        return f"Order {self.pk}"

    @property
    def total_money(self) -> Money:
        return Money(self.total, self.currency)


class OrderLine(ShardKeyed):
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="lines")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+")
    product_name = models.CharField(max_length=200)
    options = models.JSONField(default=dict, blank=True)
    quantity = models.PositiveIntegerField()
    unit_price = models.PositiveIntegerField()
    discount = models.PositiveIntegerField(default=0, help_text="this line's share of discounts")

    def __str__(self) -> str:
        return f"{self.quantity} x {self.product_name}"

    @property
    def total(self) -> int:
        return self.unit_price * self.quantity - self.discount


class CartLine(models.Model):
    """An item waiting in the buyer's cart; "add to cart again" puts closed orders' lines here."""

    buyer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                              related_name="cart_lines")
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="+")
    options = models.JSONField(default=dict, blank=True)
    quantity = models.PositiveIntegerField()


class Shipment(ShardKeyed):
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="shipments")
    carrier = models.CharField(max_length=64)
    tracking_number = models.CharField(max_length=64, db_index=True)
    shipped_at = models.DateTimeField()
    # R17: the promised delivery; none on parcels shipped before it was kept.
    deliver_by = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    voided_at = models.DateTimeField(null=True, blank=True)
    void_cause = models.CharField(max_length=30, blank=True)  # tracking_invalid | voided_by_seller


class Parcel(models.Model):
    """A carrier's tracking number on loan to one parcel: a shipment, or a dispute's return
    (R15, R20). While live (not released) no other parcel may carry the same carrier and
    tracking number; the database enforces it, so a carrier's event reaches one parcel or
    none, never a guess. Released when the parcel is dropped or voided, when its order
    completes or closes, and (a return) when its dispute ends."""

    class Kind(models.TextChoices):
        SHIPMENT = "shipment"
        RETURN = "return"

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="parcels")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    shipment = models.OneToOneField(Shipment, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="parcel")
    carrier_key = models.CharField(max_length=64, help_text="the carrier's name, lower case")
    tracking_key = models.CharField(max_length=64, help_text="the tracking number, upper case")
    claimed_at = models.DateTimeField()
    released_at = models.DateTimeField(null=True, blank=True)
    release_cause = models.CharField(max_length=30, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["carrier_key", "tracking_key"],
                                    condition=Q(released_at__isnull=True),
                                    name="one_live_parcel_per_tracking_number"),
        ]
        indexes = [models.Index(fields=["tracking_key"]), models.Index(fields=["order", "kind"])]


class UnmatchedCarrierEvent(models.Model):
    """A carrier's event that matched no live parcel of its own, or more than one: it waits
    for support instead of going to a guess (R15)."""

    received_at = models.DateTimeField()
    account = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                related_name="+")
    carriers = models.CharField(max_length=300, help_text="the account's carrier names")
    tracking_number = models.CharField(max_length=64)
    event = models.CharField(max_length=30)
    location = models.CharField(max_length=120, blank=True)
    live_matches = models.PositiveSmallIntegerField(help_text="0: none; 2 or more: ambiguous")
    last_order = models.ForeignKey(Order, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+",
                                   help_text="the order that last carried this number, if any")
    handled_at = models.DateTimeField(null=True, blank=True)
    handled_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    handling_note = models.TextField(blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["id"], name="carrier_event_unhandled",
                                condition=Q(handled_at__isnull=True))]


class Carrier(models.Model):
    """A carrier that posts tracking events (R15); its accounts hold API tokens. It reports on
    the shipments whose carrier name matches its own, ignoring case."""

    name = models.CharField(max_length=64, unique=True)
    accounts = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="carriers",
                                      blank=True)

    def __str__(self) -> str:
        return self.name


class AppendOnlyError(Exception):
    pass


class TimelineEntry(ShardKeyed):
    """One event in an order's history (R29). Append-only: never updated, never deleted."""

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="timeline")
    at = models.DateTimeField()
    kind = models.CharField(max_length=60)
    actor = models.CharField(max_length=10)  # buyer, seller, carrier, support, platform
    actor_user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    params = models.JSONField(default=dict)

    class Meta:
        ordering = ["id"]
        verbose_name = "timeline entry"
        verbose_name_plural = "timeline entries"
        indexes = [models.Index(fields=["order", "id"])]

    def __str__(self) -> str:
        return f"{self.kind} by {self.actor}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise AppendOnlyError("timeline entries are never changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("timeline entries are never deleted")


class Deadline(ShardKeyed):
    """A moment at which the platform acts on an order by itself, stored as an absolute instant.

    Fired at most once in effect: the firing service locks the order, re-reads this row and
    marks it fired in the same transaction as the change it makes.
    """

    class Kind(models.TextChoices):
        UNPAID_TIMEOUT = "unpaid_timeout"  # R5
        SELLER_RESPONSE = "seller_response"  # R10
        HANDLING_TIME = "handling_time"  # R12
        REFUND_CHECK = "refund_check"  # R23
        REFUND_START = "refund_start"  # R23: started within one working day of the decision
        SELLER_RESPONSE_REMINDER = "seller_response_reminder"  # R27
        HANDLING_TIME_REMINDER = "handling_time_reminder"  # R27
        DELIVERY_CONFIRMATION = "delivery_confirmation"  # R15: completes after delivery
        SHIPMENT_CANCELED_REPLY = "shipment_canceled_reply"  # R16: the seller's 7 days
        CHANGE_REQUEST_RESPONSE = "change_request_response"  # R13: silence refuses
        PROMISED_DELIVERY = "promised_delivery"  # R17: past it, "not received" may be disputed
        PROTECTION_END = "protection_end"  # R18: no dispute on the completed order after it
        # R27: reminders, each to the one party who can still act (domain.reminders).
        UNPAID_TIMEOUT_REMINDER = "unpaid_timeout_reminder"
        CHANGE_REQUEST_REMINDER = "change_request_reminder"
        SHIPMENT_CANCELED_REMINDER = "shipment_canceled_reminder"
        DISPUTE_RESPONSE_REMINDER = "dispute_response_reminder"  # subject: the dispute
        RETURN_CONFIRMATION_REMINDER = "return_confirmation_reminder"  # subject: the dispute
        PROTECTION_END_REMINDER = "protection_end_reminder"

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="deadlines")
    kind = models.CharField(max_length=30, choices=Kind.choices)
    due_at = models.DateTimeField()
    subject_id = models.BigIntegerField(null=True, blank=True, help_text="e.g. the refund id")
    fired_at = models.DateTimeField(null=True, blank=True)
    voided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["due_at"], name="deadline_due_active",
                         condition=Q(fired_at__isnull=True, voided_at__isnull=True)),
            models.Index(fields=["order", "kind"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} due {self.due_at:%Y-%m-%d %H:%M} UTC"
