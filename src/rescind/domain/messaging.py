"""The conversation of an order between its buyer and its seller (R6, R11, R16, R17): what a
message may be, and the event that tells the other side (R27)."""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.translation import gettext_lazy as _

from rescind.domain.actions import Party
from rescind.domain.attachments import AttachmentFacts, attachment_check
from rescind.domain.errors import DomainError, ErrorKind
from rescind.domain.events import BuyerMessaged, SellerMessaged
from rescind.domain.support_work import SupportMessaged

MAX_ATTACHMENTS = 5
MAX_BODY_CHARACTERS = 5000


def decide_message(
    *, body: str, attachments: Sequence[AttachmentFacts], max_bytes: int
) -> list[str]:
    """A message has text or an attachment, at most MAX_ATTACHMENTS of them, each an image or a
    PDF within `max_bytes` (R16, R18). Returns each attachment's detected content type."""
    if not body.strip() and not attachments:
        raise DomainError("message_empty", _("Write a message or attach a file."),
                          kind=ErrorKind.INVALID)
    if "\x00" in body:  # PostgreSQL cannot store it; no person types it
        raise DomainError("message_invalid_characters", _("A message may not contain NUL "
                            "characters."), kind=ErrorKind.INVALID)
    if len(body) > MAX_BODY_CHARACTERS:
        raise DomainError("message_too_long",
                          _("A message may have at most %(max_body_characters)s characters."),
                          params={"max_body_characters": MAX_BODY_CHARACTERS},
                          kind=ErrorKind.INVALID,
                          details={"length": len(body), "max_characters": MAX_BODY_CHARACTERS})
    if len(attachments) > MAX_ATTACHMENTS:
        raise DomainError("too_many_attachments",
                          _("A message may carry at most %(max_attachments)s attachments."),
                          params={"max_attachments": MAX_ATTACHMENTS},
                          kind=ErrorKind.INVALID,
                          details={"count": len(attachments), "max": MAX_ATTACHMENTS})
    return [attachment_check(file, max_bytes=max_bytes) for file in attachments]


def message_sent(
    author: Party, *, message_id: int, attachments: int
) -> BuyerMessaged | SellerMessaged | SupportMessaged:
    """The timeline event of a sent message: its kind names the author, so the audience table
    can tell the other side, or both sides when support writes (R27)."""
    if author is Party.BUYER:
        return BuyerMessaged(message_id=message_id, attachments=attachments)
    if author is Party.SELLER:
        return SellerMessaged(message_id=message_id, attachments=attachments)
    if author is Party.SUPPORT:
        return SupportMessaged(message_id=message_id, attachments=attachments)
    raise DomainError("not_your_action", _("Only the order's buyer or seller may send messages."),
                      kind=ErrorKind.FORBIDDEN)
