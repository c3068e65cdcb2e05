"""What a message may carry (R16: "message the seller with a screenshot"; R18: evidence): images
and PDF, recognised by their first bytes, never by the name or type the uploader claims."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from rescind.domain.errors import DomainError, ErrorKind

# Enough leading bytes to tell every allowed type apart (WebP needs 12).
HEAD_BYTES = 16

# content type -> the extensions a file of that type may carry; the first is the canonical one.
EXTENSIONS: dict[str, tuple[str, ...]] = {
    "image/png": (".png",),
    "image/jpeg": (".jpg", ".jpeg"),
    "image/gif": (".gif",),
    "image/webp": (".webp",),
    "application/pdf": (".pdf",),
}
IMAGE_TYPES = frozenset(t for t in EXTENSIONS if t.startswith("image/"))
LABELS = {"image/png": _("PNG image"), "image/jpeg": _("JPEG image"), "image/gif": _("GIF image"),
          "image/webp": _("WebP image"), "application/pdf": _("PDF")}


@dataclass(frozen=True, slots=True)
class AttachmentFacts:
    """An uploaded file as the decision sees it: its claimed name, size and first bytes."""

    name: str
    size: int
    head: bytes


def content_type_sniff(head: bytes) -> str | None:
    """The content type the magic bytes at the start of a file announce, or None."""
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    return None


def _extension(name: str) -> str:
    dot = name.rfind(".")
    return name[dot:].lower() if dot > 0 else ""


def attachment_check(file: AttachmentFacts, *, max_bytes: int) -> str:
    """The detected content type of an acceptable attachment; refuses one that is too large,
    not an image or PDF, or named as another type than it is."""
    if file.size > max_bytes:
        raise DomainError("attachment_too_large",
                          _("%(name)s is larger than the %(max_bytes)s KiB allowed."),
                          params={"name": file.name, "max_bytes": max_bytes // 1024},
                          kind=ErrorKind.INVALID,
                          details={"name": file.name, "size": file.size, "max_bytes": max_bytes})
    content_type = content_type_sniff(file.head)
    if content_type is None:
        raise DomainError("attachment_type_not_allowed",
                          _("%(name)s is not a PNG, JPEG, GIF or WebP image or a PDF."),
                          params={"name": file.name},
                          kind=ErrorKind.INVALID,
                          details={"name": file.name, "allowed": sorted(EXTENSIONS)})
    if _extension(file.name) not in EXTENSIONS[content_type]:
        raise DomainError("attachment_extension_mismatch",
                          _("%(name)s is really a %(kind)s; its name must end in "
                            "%(extensions)s."),
                          params={"name": file.name, "kind": LABELS[content_type],
                                  "extensions": " / ".join(EXTENSIONS[content_type])},
                          kind=ErrorKind.INVALID,
                          details={"name": file.name, "detected": content_type,
                                   "extensions": list(EXTENSIONS[content_type])})
    return content_type

