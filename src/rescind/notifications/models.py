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
    # The words in English, as a record; the inbox shows them again in its reader's language
    # from the event's parameters and the party told (notifications.messages.notification_shown).
    title = models.CharField(max_length=200)
    body = models.TextField()
    params = models.JSONField(default=dict, blank=True)
    party = models.CharField(max_length=10, blank=True)  # buyer, seller or support; "" if older
    created_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)
    dedup_key = models.CharField(max_length=120, unique=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["user", "read_at"])]


class EmailMessage(models.Model):
    to = models.EmailField()
    subject = models.CharField(max_length=200)
    body = models.TextField()  # the text part
    html_body = models.TextField(blank=True, help_text="the HTML alternative")
    created_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)
    dedup_key = models.CharField(max_length=120, unique=True)

    class Meta:
        indexes = [models.Index(fields=["created_at"], name="email_created")]  # pruning.py


def _new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(24)


class WebhookSubscriber(models.Model):
    """A system of the marketplace that wants order events, signed with its own secret.

    Empty filters mean every event kind and every store. The secret is shown once, when the
    subscriber is created or its secret rotated; it is never listed again.
    """

    name = models.CharField(max_length=100)
    url = models.URLField(max_length=500)
    secret = models.CharField(max_length=100, default=_new_secret)
    active = models.BooleanField(default=True)
    event_kinds = models.JSONField(default=list, blank=True,
                                   help_text="Event kinds to deliver; empty for all.")
    store_ids = models.JSONField(default=list, blank=True,
                                 help_text="Ids of the stores whose orders' events to deliver; "
                                           "empty for all.")

    class Meta:
        permissions = [("manage_webhooks", "Can manage webhook subscribers and their deliveries")]

    def __str__(self) -> str:
        return self.name

    def wants(self, *, kind: str, store_id: int) -> bool:
        return ((not self.event_kinds or kind in self.event_kinds)
                and (not self.store_ids or store_id in self.store_ids))


class WebhookDelivery(models.Model):
    """The delivery log: one row per event and subscriber, and one per replay of it."""

    class Status(models.TextChoices):
        PENDING = "pending"  # an attempt is queued
        DELIVERED = "delivered"  # the subscriber answered 2xx
        FAILED = "failed"  # given up: attempts exhausted, or a URL that can never work
        DROPPED = "dropped"  # the subscriber was deactivated before the attempt

    subscriber = models.ForeignKey(WebhookSubscriber, on_delete=models.CASCADE,
                                   related_name="deliveries")
    event_kind = models.CharField(max_length=60)
    payload = models.JSONField()
    created_at = models.DateTimeField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    delivered_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_status = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    dedup_key = models.CharField(max_length=120, unique=True)
    # A replay is a new row; it is sent with the replayed delivery's key, so the receiver
    # recognises the event it may already have.
    replay_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE,
                                  related_name="replays")

    class Meta:
        verbose_name_plural = "webhook deliveries"
        indexes = [models.Index(fields=["created_at"], name="webhook_delivery_created")]  # pruning

    @property
    def delivery_key(self) -> str:
        """The X-Rescind-Delivery header: the first delivery's dedup key, replays included."""
        return self.replay_of.dedup_key if self.replay_of_id else self.dedup_key
