"""Coupons and where each one's value went, line by line (R3, R25, R26)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from rescind.domain.coupons import CouponFacts, CouponKind
from rescind.orders.models import ShardKeyed


class Coupon(models.Model):
    class State(models.TextChoices):
        AVAILABLE = "available"
        SPENT = "spent"

    code = models.CharField(max_length=40, unique=True)
    kind = models.CharField(max_length=10, choices=[(k.value, k.value) for k in CouponKind])
    store = models.ForeignKey("rescind_orders.Store", null=True, blank=True,
                              on_delete=models.PROTECT, related_name="coupons",
                              help_text="empty: any store")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                              on_delete=models.PROTECT, related_name="coupons",
                              help_text="empty: a public promo code anyone may type")
    amount = models.PositiveIntegerField(
        help_text="minor units; for a percentage coupon, the most it takes off")
    percent_off = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="empty: worth its amount; else 1-100 % of what it "
        "pays for, up to its amount")
    currency = models.CharField(max_length=3, default="USD")
    expires_at = models.DateTimeField()
    state = models.CharField(max_length=10, choices=State.choices, default=State.AVAILABLE)
    returned_at = models.DateTimeField(null=True, blank=True)
    # Platform coupons support gave a buyer (R25): who, when and why; empty on the others.
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    issued_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        permissions = [("issue_platform_coupon", "Can issue platform coupons to buyers")]

    def __str__(self) -> str:
        return self.code

    def facts(self) -> CouponFacts:
        return CouponFacts(code=self.code, kind=CouponKind(self.kind), amount=self.amount,
                           currency=self.currency, expires_at=self.expires_at,
                           store_id=self.store_id, coupon_id=self.pk,
                           percent_off=self.percent_off)


class CouponUse(ShardKeyed):
    """One coupon's share of one order line."""

    coupon = models.ForeignKey(Coupon, on_delete=models.PROTECT, related_name="uses")
    order = models.ForeignKey("rescind_orders.Order", on_delete=models.PROTECT,
                              related_name="coupon_uses")
    line = models.ForeignKey("rescind_orders.OrderLine", on_delete=models.PROTECT,
                             related_name="coupon_uses")
    amount = models.PositiveIntegerField()

    class Meta:
        indexes = [models.Index(fields=["coupon", "order"])]
