"""A seller's bulk work through the API (issue 14, R28): answer many cancellation requests,
ship many orders from JSON or from the same CSV file the page takes. One request, one result
per order; each order is its own transaction through the single action's service."""

from __future__ import annotations

from typing import Literal

from ninja import File, Router, Schema, UploadedFile
from pydantic import Field

from rescind.aftersale.bulk import (
    MAX_ITEMS,
    ShipmentItem,
    known_carriers,
    requests_answer,
    results_count,
    shipments_from_csv,
    shipments_ship,
)
from rescind.api.choices import RefusalReasonChoice
from rescind.api.common import ERRORS
from rescind.api.schemas import MAX_ID, StrictIn
from rescind.clock.service import now as clock_now
from rescind.domain.shipment_csv import MAX_BYTES

router = Router(tags=["seller bulk work"])

OrderId = Field(ge=1, le=MAX_ID)


class RequestsAnswerIn(StrictIn):
    decision: Literal["approve", "refuse"]
    order_ids: list[int] = Field(min_length=1, max_length=MAX_ITEMS,
                                 description="orders whose pending cancellation request to "
                                 "answer; repeats count once")
    reason_code: RefusalReasonChoice | None = Field(
        default=None, description="R11: required to refuse; a code of "
        "GET /policy/refusal-reasons")
    note: str = Field(default="", max_length=1000,
                      description="to every buyer; required with reason `other`")


class ShipmentItemIn(StrictIn):
    order_id: int = OrderId
    carrier: str = Field(min_length=1, max_length=64,
                         description="a known carrier's name (GET /carriers), any case")
    tracking_number: str = Field(min_length=1, max_length=64)


class ShipmentsIn(StrictIn):
    items: list[ShipmentItemIn] = Field(min_length=1, max_length=MAX_ITEMS)


class ItemResultOut(Schema):
    row: int | None = Field(description="the line of the uploaded file (header = 1); null "
                            "for JSON items")
    order_id: int | None
    status: Literal["done", "refused"]
    code: str | None = Field(description="the refusal's stable code, as the single action "
                             "gives it (e.g. no_pending_request, order_not_found, "
                             "transition_not_allowed, tracking_number_in_use, unknown_carrier, "
                             "duplicate_tracking_number, duplicate_order, "
                             "order_number_invalid, row_incomplete)")
    message: str


class BulkResultOut(Schema):
    done: int
    refused: int
    results: list[ItemResultOut]


class CarrierOut(Schema):
    name: str


def _answer(results: list[dict]) -> dict:
    return {**results_count(results), "results": results}


@router.post("/seller/cancellation-requests/answer", response={200: BulkResultOut, **ERRORS})
def seller_requests_answer(request, body: RequestsAnswerIn):
    """R10, R11: approve or refuse the pending cancellation request of many orders. Each order
    is its own transaction through the single approve/refuse; a refused one (409
    no_pending_request, 404 order_not_found for another store's order...) is reported in its
    result and leaves the others applied. Errors for the whole request (nothing changes): 422
    unknown_refusal_reason, 422 note_required, 422 invalid_input."""
    return _answer(requests_answer(user=request.user, order_ids=body.order_ids,
                                   decision=body.decision, reason_code=body.reason_code or "",
                                   note=body.note, now=clock_now()))


@router.post("/seller/shipments", response={200: BulkResultOut, **ERRORS})
def seller_shipments(request, body: ShipmentsIn):
    """R14, R15: ship many orders, each with a known carrier and its tracking number, each
    its own transaction through the single ship action. Per item: unknown_carrier,
    duplicate_order, duplicate_tracking_number (within the request), order_not_found,
    transition_not_allowed, tracking_number_in_use."""
    items = [ShipmentItem(order_id=i.order_id, carrier=i.carrier,
                          tracking_number=i.tracking_number) for i in body.items]
    return _answer(shipments_ship(user=request.user, items=items, now=clock_now()))


@router.post("/seller/shipments/csv", response={200: BulkResultOut, **ERRORS})
def seller_shipments_csv(request, file: File[UploadedFile]):
    """The shipment file the seller's page takes (multipart `file`; columns order_number,
    carrier, tracking_number; template at /seller/shipments/template.csv), one result per row
    with its line. A file that cannot be read ships nothing: 422 csv_empty, csv_too_large,
    csv_not_utf8, csv_malformed, csv_columns_missing, csv_too_many_rows."""
    data = file.read(MAX_BYTES + 1)
    return _answer(shipments_from_csv(user=request.user, data=data, now=clock_now()))


@router.get("/carriers", response={200: list[CarrierOut], **ERRORS})
def carriers_list(request):
    """R15: the carriers the platform knows; shipping in bulk takes one of these."""
    return [{"name": name} for name in known_carriers().values()]
