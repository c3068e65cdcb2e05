"""The conversation of an order between its buyer and its seller, and the files its messages
carry (R6, R11, R16, R17). Files live in Django's default storage, under names that never come
from the uploader."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from rescind.orders.models import Order, ShardKeyed


class OrderMessage(ShardKeyed):
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="messages")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                               related_name="+")
    author_party = models.CharField(max_length=10)  # buyer | seller
    body = models.TextField(blank=True)
    sent_at = models.DateTimeField()

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["order", "id"])]


class MessageAttachment(ShardKeyed):
    message = models.ForeignKey(OrderMessage, on_delete=models.PROTECT,
                                related_name="attachments")
    # The message's order, kept on the row so that on Citus an attachment lives on its order's
    # shard and every read of it names the order (docs/deployment.md, "Citus").
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="+")
    # Stored as messages/<order id>/<random>.<detected type's extension>; see message_send.
    file = models.FileField(max_length=200)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=40, help_text="detected from the content")
    size = models.PositiveIntegerField(help_text="bytes")

    class Meta:
        ordering = ["id"]
