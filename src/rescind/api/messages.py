"""An order's conversation between buyer and seller, with attachments (R6, R11, R16, R17)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from ninja import File, Form, Router, Schema, Status, UploadedFile
from ninja.errors import ValidationError

from rescind.api.common import ERRORS
from rescind.clock.service import now as clock_now
from rescind.domain.actions import Party
from rescind.domain.messaging import MAX_BODY_CHARACTERS
from rescind.messaging.download import attachment_response
from rescind.messaging.reads import attachment_for_reader, message_read, messages_for
from rescind.messaging.services import message_send
from rescind.orders.reads import order_for_reader

router = Router(tags=["messages"])


class AttachmentOut(Schema):
    id: int
    name: str
    content_type: str
    size: int
    is_image: bool
    url: str


class MessageOut(Schema):
    id: int
    author_party: str
    author: str
    mine: bool
    body: str
    sent_at: datetime
    attachments: list[AttachmentOut]


def _with_urls(request, order_id: int, messages: list[dict]) -> list[dict]:
    for message in messages:
        for attachment in message["attachments"]:
            attachment["url"] = request.build_absolute_uri(
                f"/api/v1/orders/{order_id}/messages/{message['id']}/attachments/"
                f"{attachment['id']}")
    return messages


def _conversation(request, order_id: int) -> list[dict]:
    order, party = order_for_reader(request.user, order_id)
    return _with_urls(request, order_id, messages_for(order, party))


@router.get("/orders/{order_id}/messages", response={200: list[MessageOut], **ERRORS})
def messages_list(request, order_id: int):
    """The order's conversation, oldest first: for its buyer, its seller, and support."""
    return _conversation(request, order_id)


@router.post("/orders/{order_id}/messages", response={201: MessageOut, **ERRORS})
def messages_send(
    request, order_id: int,
    body: Annotated[str, Form(max_length=MAX_BODY_CHARACTERS)] = "",
    new_total: Form[int | None] = None,
    files: File[list[UploadedFile]] = None,
):
    """Write to the other side (multipart: `body`, up to 5 `files`, PNG/JPEG/GIF/WebP/PDF
    checked by content). While the order is unpaid the seller may send `new_total` (minor
    units) to lower its price (R6)."""
    _files_are_files(request)
    message = message_send(order_id=order_id, user=request.user, body=body,
                           attachments=list(files or []), new_total=new_total, now=clock_now())
    party = Party(message.author_party)
    return Status(201, _with_urls(request, order_id, [message_read(message, party)])[0])


def _files_are_files(request) -> None:
    """Refuse a `files` part sent as text: ninja takes file fields from the request's files
    alone, so the message would otherwise go out without what the sender meant to attach."""
    if "files" in request.POST:
        raise ValidationError([{"type": "value_error", "loc": ("form", "files"),
                                "msg": "Value error, send each file as a file part, not text"}])


@router.get("/orders/{order_id}/messages/{message_id}/attachments/{attachment_id}",
            response=ERRORS,
            openapi_extra={"responses": {200: {
                "description": "The file, with the content type detected at upload.",
                "content": {t: {"schema": {"type": "string", "format": "binary"}} for t in (
                    "image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf")},
            }}})
def messages_attachment(request, order_id: int, message_id: int, attachment_id: int):
    """One attachment's file, for a reader who may see the order."""
    return attachment_response(attachment_for_reader(
        request.user, order_id=order_id, message_id=message_id, attachment_id=attachment_id))
