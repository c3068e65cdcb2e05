"""What each party was told, on which channel, and whether it got there (R24, R27).

Every row carries a dedup key made of the timeline entry, the channel and the recipient, so an
event is delivered at most once per channel however often its task runs.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models


class Notification(models.Model):
    """The in-app inbox."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="notifications")
    order = models.ForeignKey("rescind_orders.Order", null=True, on_delete=models.PROTECT,
                              related_name="+")
    kind = models.CharField(max_length=60)
    title = models.CharField(max_length=200)
    body = models.TextField()
    created_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)
    dedup_key = models.CharField(max_length=120, unique=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["user", "read_at"])]


class EmailMessage(models.Model):
    to = models.EmailField()
    subject = models.CharField(max_length=200)
    body = models.TextField()
    created_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)
    dedup_key = models.CharField(max_length=120, unique=True)


def _new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(24)


class WebhookSubscriber(models.Model):
    """A system of the marketplace that wants every order event, signed with its own secret."""

    name = models.CharField(max_length=100)
    url = models.URLField(max_length=500)
    secret = models.CharField(max_length=100, default=_new_secret)
    active = models.BooleanField(default=True)

    def __str__(self) -> str:
        return self.name


class WebhookDelivery(models.Model):
    """The delivery log: one row per event and subscriber."""

    subscriber = models.ForeignKey(WebhookSubscriber, on_delete=models.CASCADE,
                                   related_name="deliveries")
    event_kind = models.CharField(max_length=60)
    payload = models.JSONField()
    created_at = models.DateTimeField()
    delivered_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_status = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    dedup_key = models.CharField(max_length=120, unique=True)
