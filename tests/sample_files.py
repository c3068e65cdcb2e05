"""Tiny but valid files for attachment tests, built byte by byte (no fixtures on disk)."""

from __future__ import annotations

import struct
import zlib


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return (struct.pack(">I", len(data)) + kind + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))


def png_bytes(*, width: int = 2, height: int = 2, comment_bytes: int = 0) -> bytes:
    """A red RGB PNG; `comment_bytes` of tEXt make it as large as a test needs."""
    rows = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    chunks = [_png_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))]
    if comment_bytes:
        chunks.append(_png_chunk(b"tEXt", b"Comment\x00" + b"x" * comment_bytes))
    chunks += [_png_chunk(b"IDAT", zlib.compress(rows)), _png_chunk(b"IEND", b"")]
    return b"\x89PNG\r\n\x1a\n" + b"".join(chunks)


def png_of_size(size: int) -> bytes:
    """A valid PNG of exactly `size` bytes (at least 94)."""
    base = len(png_bytes(comment_bytes=1)) - 1
    return png_bytes(comment_bytes=size - base)


def pdf_bytes() -> bytes:
    """A one-page PDF 1.4 with a correct cross-reference table."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>",
               b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 72 72] >>"]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref_at = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, xref_at)
    return bytes(out)


EXE_BYTES = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48
HTML_BYTES = b"<!doctype html><html><body><script>alert(1)</script></body></html>"
