"""Reading a seller's shipment file (issue 14): a CSV of order numbers, carriers and tracking
numbers, to ship many orders at once (R15). Pure: bytes in, rows and per-row refusals out.

A file that cannot be read at all (empty, too large, not UTF-8, not CSV, without the three
columns) is refused whole with one code; a row that cannot be read is refused alone, with its
line number, and the other rows go on."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext_lazy as _

from rescind.domain.errors import DomainError, ErrorKind

COLUMNS = ("order_number", "carrier", "tracking_number")
MAX_BYTES = 256 * 1024  # about 5,000 rows: far above the rows one upload may ship
MAX_ROWS = 200  # as many orders as one bulk request (aftersale/bulk.py MAX_ITEMS)
TEMPLATE = "order_number,carrier,tracking_number\r\n1001,Cainiao,LP00123456789\r\n"


@dataclass(frozen=True, slots=True)
class CsvRow:
    row: int  # the line of the file, the header being line 1
    order_id: int
    carrier: str
    tracking_number: str


ROW_INCOMPLETE = _("This row needs an order number, a carrier and a tracking number.")


@dataclass(frozen=True, slots=True)
class CsvRowError:
    """A row refused: its code, and its message as a text translated when read."""

    row: int
    order_number: str
    code: str
    text: Any
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def error(self) -> DomainError:
        return DomainError(self.code, self.text, kind=ErrorKind.INVALID, params=self.params)

    @property
    def message(self) -> str:
        return self.error.message


def _refuse(code: str, message: Any, params: dict[str, Any] | None = None,
            **details: Any) -> DomainError:
    return DomainError(code, message, kind=ErrorKind.INVALID, details=details, params=params)


def _text(data: bytes, max_bytes: int) -> str:
    if not data.strip():
        raise _refuse("csv_empty", _("The file is empty. Download the template, fill in one row "
                        "per order and upload it again."))
    if len(data) > max_bytes:
        raise _refuse("csv_too_large", _("The file is larger than %(max_bytes)s KB. Split it: at "
                                         "most %(max_rows)s orders per upload."),
                      params={"max_bytes": max_bytes // 1024, "max_rows": MAX_ROWS},
                      max_bytes=max_bytes)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _refuse("csv_not_utf8", _("The file is not UTF-8 text. Save it as “CSV UTF-8” "
                        "and upload it again.")) from None


def _header(reader) -> dict[str, int]:
    header = next(reader, None)
    names = [name.strip().lower().replace(" ", "_") for name in header or []]
    missing = [c for c in COLUMNS if c not in names]
    if missing:
        raise _refuse("csv_columns_missing", _("The first line must name the columns "
                                               "%(columns)s; missing: %(missing)s."),
                      params={"columns": ", ".join(COLUMNS), "missing": ", ".join(missing)},
                      missing=missing)
    return {c: names.index(c) for c in COLUMNS}


def _order_id(text: str) -> int | None:
    text = text.strip().lstrip("#")
    return int(text) if text.isdigit() and 0 < len(text) <= 18 else None


def shipment_csv_read(data: bytes, *, max_bytes: int = MAX_BYTES,
                      max_rows: int = MAX_ROWS) -> tuple[list[CsvRow], list[CsvRowError]]:
    """The rows to ship and the rows refused (bad order number, a missing field); raises a
    DomainError for a file that cannot be read at all."""
    text = _text(data, max_bytes)
    if "\0" in text:
        raise _refuse("csv_malformed", _("The file is not a CSV text file."))
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows: list[CsvRow] = []
    errors: list[CsvRowError] = []
    try:
        at = _header(reader)
        ended = reader.line_num
        for cells in reader:
            line, ended = ended + 1, reader.line_num  # where the record starts (quotes span)
            if not any(cell.strip() for cell in cells):
                continue  # blank lines, e.g. at the end
            if len(rows) + len(errors) >= max_rows:
                raise _refuse("csv_too_many_rows", _("The file has more than %(max_rows)s "
                                                     "orders. Split it and upload each part."),
                                                   params={"max_rows": max_rows}, max_rows=max_rows)
            if len(cells) < len(at) or len(cells) <= max(at.values()):
                errors.append(CsvRowError(line, cells[0].strip() if cells else "",
                                          "row_incomplete", ROW_INCOMPLETE))
                continue
            number, carrier, tracking = (cells[at[c]].strip() for c in COLUMNS)
            order_id = _order_id(number)
            if order_id is None:
                errors.append(CsvRowError(line, number, "order_number_invalid",
                                          _("“%(number)s” is not an order number."),
                                          {"number": number}))
            elif not carrier or not tracking:
                errors.append(CsvRowError(line, number, "row_incomplete", ROW_INCOMPLETE))
            else:
                rows.append(CsvRow(line, order_id, carrier, tracking))
    except csv.Error as exc:
        raise _refuse("csv_malformed", _("The file is not valid CSV (line %(line_num)s: "
                                         "%(exc)s). Check its quotes, or start from the template."),
                                       params={"line_num": reader.line_num, "exc": exc}) from None
    if not rows and not errors:
        raise _refuse("csv_empty", _("The file has no orders in it, only its first line."))
    return rows, errors
