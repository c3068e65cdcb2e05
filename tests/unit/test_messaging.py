"""What a message may carry, decided from the bytes alone (R16, R18), and whom it tells (R27)."""

from __future__ import annotations

import pytest

from rescind.domain.actions import Party
from rescind.domain.attachments import AttachmentFacts, attachment_check, content_type_sniff
from rescind.domain.audience import audience
from rescind.domain.errors import DomainError, ErrorKind
from rescind.domain.events import BuyerMessaged, SellerMessaged
from rescind.domain.messaging import decide_message, message_sent
from tests.sample_files import EXE_BYTES, HTML_BYTES, pdf_bytes, png_bytes

JPEG_HEAD = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01"
GIF_HEAD = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff"
WEBP_HEAD = b"RIFF\x24\x00\x00\x00WEBPVP8 "


def _file(name: str, head: bytes, size: int | None = None) -> AttachmentFacts:
    return AttachmentFacts(name=name, size=len(head) if size is None else size, head=head[:16])


@pytest.mark.parametrize(("head", "expected"), [
    (png_bytes(), "image/png"), (JPEG_HEAD, "image/jpeg"), (GIF_HEAD, "image/gif"),
    (b"GIF87a\x01\x00", "image/gif"), (WEBP_HEAD, "image/webp"),
    (pdf_bytes(), "application/pdf"), (EXE_BYTES, None), (HTML_BYTES, None), (b"", None),
    (b"RIFF\x24\x00\x00\x00WAVEfmt ", None),
])
def test_r16_content_type_is_sniffed_from_magic_bytes(head, expected):
    assert content_type_sniff(head[:16]) == expected


@pytest.mark.parametrize(("name", "head", "expected"), [
    ("shot.png", png_bytes(), "image/png"), ("SHOT.PNG", png_bytes(), "image/png"),
    ("photo.jpg", JPEG_HEAD, "image/jpeg"), ("photo.jpeg", JPEG_HEAD, "image/jpeg"),
    ("anim.gif", GIF_HEAD, "image/gif"), ("pic.webp", WEBP_HEAD, "image/webp"),
    ("invoice.v2.pdf", pdf_bytes(), "application/pdf"),
])
def test_r16_an_allowed_file_under_its_own_extension_is_accepted(name, head, expected):
    assert attachment_check(_file(name, head), max_bytes=1024) == expected


@pytest.mark.parametrize(("name", "head"), [
    ("shot.png", pdf_bytes()), ("photo.jpg", png_bytes()), ("invoice.pdf", JPEG_HEAD),
    ("png", png_bytes()), (".png", png_bytes()), ("shot.png.exe", png_bytes()),
])
def test_r16_a_name_that_does_not_match_the_content_is_a_forged_extension(name, head):
    with pytest.raises(DomainError) as refused:
        attachment_check(_file(name, head), max_bytes=1024)
    assert (refused.value.code, refused.value.kind) == (
        "attachment_extension_mismatch", ErrorKind.INVALID)


def test_r16_size_is_checked_before_content_against_the_limit():
    # an executable over the limit is refused for its size, without looking further
    with pytest.raises(DomainError) as refused:
        attachment_check(_file("setup.exe", EXE_BYTES, size=1025), max_bytes=1024)
    assert (refused.value.code, refused.value.details) == (
        "attachment_too_large", {"name": "setup.exe", "size": 1025, "max_bytes": 1024})
    assert attachment_check(_file("a.png", png_bytes(), size=1024), max_bytes=1024) == (
        "image/png")


def test_r16_a_message_needs_text_or_a_file_and_carries_at_most_five():
    with pytest.raises(DomainError) as empty:
        decide_message(body=" \n", attachments=[], max_bytes=1024)
    assert empty.value.code == "message_empty"
    assert decide_message(body="hi", attachments=[], max_bytes=1024) == []
    five = [_file(f"{i}.png", png_bytes()) for i in range(5)]
    assert decide_message(body="", attachments=five, max_bytes=1024) == ["image/png"] * 5
    with pytest.raises(DomainError) as six:
        decide_message(body="", attachments=[*five, five[0]], max_bytes=1024)
    assert (six.value.code, six.value.details) == ("too_many_attachments", {"count": 6, "max": 5})


def test_r16_text_is_limited_and_may_not_hold_nul():
    assert decide_message(body="x" * 5000, attachments=[], max_bytes=1) == []
    with pytest.raises(DomainError) as long:
        decide_message(body="x" * 5001, attachments=[], max_bytes=1)
    assert long.value.code == "message_too_long"
    with pytest.raises(DomainError) as nul:
        decide_message(body="a\x00b", attachments=[], max_bytes=1)
    assert nul.value.code == "message_invalid_characters"


def test_r27_a_message_tells_the_other_side_only():
    by_buyer = message_sent(Party.BUYER, message_id=7, attachments=2)
    by_seller = message_sent(Party.SELLER, message_id=8, attachments=0)
    assert by_buyer == BuyerMessaged(message_id=7, attachments=2)
    assert by_seller == SellerMessaged(message_id=8, attachments=0)
    assert audience(by_buyer.kind) == frozenset({Party.SELLER})
    assert audience(by_seller.kind) == frozenset({Party.BUYER})
    assert by_buyer.params() == {"message_id": 7, "attachments": 2}
    with pytest.raises(DomainError) as refused:
        message_sent(Party.CARRIER, message_id=9, attachments=0)
    assert refused.value.kind is ErrorKind.FORBIDDEN


def test_r27_support_writes_to_both_sides():
    by_support = message_sent(Party.SUPPORT, message_id=9, attachments=0)
    assert by_support.kind == "SupportMessaged"
    assert audience(by_support.kind) == frozenset({Party.BUYER, Party.SELLER})
