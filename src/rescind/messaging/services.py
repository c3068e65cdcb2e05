"""Send a message in an order's conversation, with attachments (R6, R11, R16, R17, R27)."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from rescind.accounts.parties import Actor, require_party
from rescind.domain.actions import Party
from rescind.domain.attachments import EXTENSIONS, HEAD_BYTES, AttachmentFacts
from rescind.domain.errors import DomainError, ErrorKind
from rescind.domain.messaging import decide_message, message_sent
from rescind.messaging.models import MessageAttachment, OrderMessage
from rescind.orders.models import Order
from rescind.orders.recording import events_record, order_lock
from rescind.orders.services import order_lower_price

logger = logging.getLogger(__name__)


def _facts(upload: UploadedFile) -> AttachmentFacts:
    upload.seek(0)
    head = upload.read(HEAD_BYTES)
    upload.seek(0)
    # The name is only shown back to people: drop the characters no storage should keep.
    name = "".join(c for c in (upload.name or "") if c.isprintable())
    return AttachmentFacts(name=name, size=upload.size or 0, head=head)


def _storage():
    return MessageAttachment._meta.get_field("file").storage


def _files_store(order_id: int, uploads: list[UploadedFile], types: list[str]) -> list[str]:
    """Put each file in storage under a name of ours: the order, a random part and the
    extension of the type detected, never the uploader's name. Returns the stored names."""
    stored: list[str] = []
    try:
        for upload, content_type in zip(uploads, types, strict=True):
            name = f"messages/{order_id}/{uuid.uuid4().hex}{EXTENSIONS[content_type][0]}"
            stored.append(_storage().save(name, upload))
    except BaseException:
        _files_delete(stored)
        raise
    return stored


def _files_delete(names: list[str]) -> None:
    """Best effort: a storage that fails here must not hide the error that got us here."""
    for name in names:
        try:
            _storage().delete(name)
        except Exception:
            logger.exception("could not delete the attachment file %s of a refused message", name)


@dataclass(frozen=True, slots=True)
class StagedFiles:
    """Uploads checked by content and already in storage, not yet on any message."""

    facts: list[AttachmentFacts]
    types: list[str]
    names: list[str]

    def delete(self) -> None:
        _files_delete(self.names)


def attachments_stage(order_id: int, uploads: Sequence[UploadedFile], *,
                      body: str = "") -> StagedFiles:
    """Check a message's text and files (R16, R18: images and PDF within the size limit, at most
    MAX_ATTACHMENTS) and put the files in storage, before any lock is taken, so that no upload
    holds one. The caller deletes them again if what follows fails."""
    facts = [_facts(f) for f in uploads]
    types = decide_message(body=body, attachments=facts,
                           max_bytes=settings.RESCIND_MAX_ATTACHMENT_BYTES)
    return StagedFiles(facts, types, _files_store(order_id, list(uploads), types))


def message_record(order: Order, actor: Actor, *, body: str, staged: StagedFiles | None,
                   now: datetime) -> OrderMessage:
    """Save a message with its staged files on the locked `order` and tell the other side
    (R27), in the caller's transaction."""
    message = OrderMessage.objects.create(order=order, author_id=actor.user_id,
                                          author_party=actor.party.value, body=body,
                                          sent_at=now)
    if staged is not None:
        MessageAttachment.objects.bulk_create(
            MessageAttachment(message=message, order=order, file=name, original_name=file.name,
                              content_type=content_type, size=file.size)
            for file, content_type, name in zip(staged.facts, staged.types, staged.names,
                                                strict=True))
    event = message_sent(actor.party, message_id=message.pk,
                         attachments=len(staged.names) if staged else 0)
    events_record(order, [event], actor=actor, now=now)
    return message


def message_send(
    *, order_id: int, user, body: str, attachments: list[UploadedFile], now: datetime,
    new_total: int | None = None,
) -> OrderMessage:
    """The order's buyer or seller writes to the other side, who is told (R11, R16, R17, R27);
    while the order is unpaid the seller's message may lower its price (R6).

    Files are checked by content before anything is stored, and put in storage before the
    order is locked so that no upload holds the lock; if anything then fails, they are deleted
    again: a refused message leaves no row and no file.
    """
    body = body.strip()
    order = Order.objects.filter(pk=order_id).first()
    if order is None:
        raise DomainError("order_not_found", _("No such order."), kind=ErrorKind.NOT_FOUND)
    require_party(user, order, Party.BUYER, Party.SELLER)
    staged = attachments_stage(order_id, attachments, body=body)
    try:
        with transaction.atomic():
            order = order_lock(order_id)
            actor = require_party(user, order, Party.BUYER, Party.SELLER)
            if new_total is not None:
                order_lower_price(order_id=order_id, user=user, new_total=new_total, note=body,
                                  now=now)
            message = message_record(order, actor, body=body, staged=staged, now=now)
    except BaseException:
        staged.delete()
        raise
    return message


def message_send_support(*, order_id: int, user, body: str, now: datetime) -> OrderMessage:
    """R27: support writes in the order's conversation; the buyer and the seller both read it
    and are both told. Only support staff (the order's buyer or seller get 403, others 404)."""
    body = body.strip()
    decide_message(body=body, attachments=[], max_bytes=settings.RESCIND_MAX_ATTACHMENT_BYTES)
    with transaction.atomic():
        order = order_lock(order_id)
        actor = require_party(user, order, Party.SUPPORT)
        return message_record(order, actor, body=body, staged=None, now=now)
