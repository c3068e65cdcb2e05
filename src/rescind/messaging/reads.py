"""An order's conversation as one reader sees it, and its files for readers who may see the
order: its buyer, its store's sellers, or support (R28: pages and API share it)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from rescind.domain.actions import Party
from rescind.domain.attachments import IMAGE_TYPES
from rescind.domain.errors import DomainError, ErrorKind
from rescind.messaging.models import MessageAttachment, OrderMessage
from rescind.orders.models import Order
from rescind.orders.reads import order_for_reader


def messages_for(order: Order, party: Party) -> list[dict[str, Any]]:
    """Every message of the order, oldest first, as `party` reads them."""
    messages = (OrderMessage.objects.filter(order=order).select_related("author")
                .prefetch_related("attachments").order_by("pk"))
    return [message_read(m, party) for m in messages]


def message_read(message: OrderMessage, party: Party) -> dict[str, Any]:
    """One message; `mine` marks those of the reader's own side."""
    return {
        "id": message.pk, "author_party": message.author_party,
        "author": message.author.get_username(), "mine": message.author_party == party.value,
        "body": message.body, "sent_at": message.sent_at,
        "attachments": [
            {"id": a.pk, "name": a.original_name, "content_type": a.content_type,
             "size": a.size, "is_image": a.content_type in IMAGE_TYPES}
            for a in message.attachments.all()  # Meta.ordering: by id, and prefetchable
        ],
    }


def attachment_for_reader(user, *, order_id: int, message_id: int,
                          attachment_id: int) -> MessageAttachment:
    """The attachment, if the user may see its order; 404 otherwise, the same as for an
    attachment that does not exist, so that ids reveal nothing."""
    order_for_reader(user, order_id)
    attachment = (MessageAttachment.objects
                  .filter(pk=attachment_id, message_id=message_id, order_id=order_id)
                  .first())
    if attachment is None:
        raise DomainError("attachment_not_found", _("No such attachment."),
                          kind=ErrorKind.NOT_FOUND)
    return attachment
