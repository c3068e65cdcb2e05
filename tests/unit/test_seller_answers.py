"""Refusal reason codes (R11) and reading the seller's shipment file (R15), without a
database."""

from __future__ import annotations

import pytest

from rescind.domain.cancellation import decide_refuse_cancellation
from rescind.domain.errors import DomainError, ErrorKind
from rescind.domain.events import CancellationRefused
from rescind.domain.shipment_csv import CsvRow, shipment_csv_read
from tests.unit.test_decisions import paid, requested


def test_r11_a_refusal_with_a_reason_code_needs_no_note():
    events = decide_refuse_cancellation(requested(), note="", reason_code="already_shipped")
    assert events == [CancellationRefused(note="", reason_code="already_shipped")]
    assert events[0].params() == {"note": "", "reason_code": "already_shipped"}


def test_r11_other_needs_its_note_and_is_what_a_refusal_without_a_code_is():
    with pytest.raises(DomainError) as no_note:
        decide_refuse_cancellation(requested(), note=" ", reason_code="other")
    assert (no_note.value.code, no_note.value.kind) == ("note_required", ErrorKind.INVALID)
    assert decide_refuse_cancellation(requested(), note=" Packed ") == [
        CancellationRefused(note="Packed", reason_code="other")]


def test_r11_an_unknown_reason_code_is_refused_before_the_order_is_looked_at():
    for order in (requested(), paid()):
        with pytest.raises(DomainError) as unknown:
            decide_refuse_cancellation(order, note="x", reason_code="too_busy")
        assert unknown.value.code == "unknown_refusal_reason"
        assert unknown.value.details["allowed"][-1] == "other"


def test_r15_shipment_file_rows_by_line_with_bom_semicolon_free_columns_in_any_order():
    data = ("\ufeffTracking Number,Order_Number,carrier,extra\r\n"
            "LP-1,#12,Cainiao,x\r\n"
            "\r\n"
            "LP-2,0012a,Cainiao,\r\n"
            "LP-3,13,,\r\n"
            ",14,Cainiao\r\n"
            "\"LP,4\",15,\"Yun\nExpress\"\r\n").encode()
    rows, errors = shipment_csv_read(data)
    assert rows == [CsvRow(2, 12, "Cainiao", "LP-1"), CsvRow(7, 15, "Yun\nExpress", "LP,4")]
    assert [(e.row, e.order_number, e.code, e.message) for e in errors] == [
        (4, "0012a", "order_number_invalid", "“0012a” is not an order number."),
        (5, "13", "row_incomplete",
         "This row needs an order number, a carrier and a tracking number."),
        (6, "14", "row_incomplete",
         "This row needs an order number, a carrier and a tracking number."),
    ]


@pytest.mark.parametrize(("data", "code"), [
    (b"", "csv_empty"),
    (b"\n\n", "csv_empty"),
    (b"order_number,carrier,tracking_number", "csv_empty"),
    (b"order_number,carrier\n1,x\n", "csv_columns_missing"),
    (b"\xc3\x28", "csv_not_utf8"),
    (b"order_number,carrier,tracking_number\n1,\"a\"b,c\n", "csv_malformed"),
    (b"order_number,carrier,tracking_number\n" + b"1,a,b\n" * 3, "csv_too_many_rows"),
    (b"x" * 101, "csv_too_large"),
])
def test_r15_a_file_that_cannot_be_read_is_refused_whole(data, code):
    with pytest.raises(DomainError) as refused:
        shipment_csv_read(data, max_bytes=100, max_rows=2)
    assert (refused.value.code, refused.value.kind) == (code, ErrorKind.INVALID)
