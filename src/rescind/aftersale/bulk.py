"""A seller's bulk work: answer many cancellation requests, ship many orders (issue 14).

Each order goes through the same service as the single action (R10, R11, R14, R15), in its own
transaction: one order refused (wrong state, another store's, a tracking number in use) leaves
the others applied and itself untouched. The answer is one result per item, in the order given:
`done` with what happened, or `refused` with the error's stable code and message.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils.translation import gettext as _

from rescind.aftersale.services import cancellation_approve, cancellation_refuse, order_ship
from rescind.domain.errors import DomainError, ErrorKind
from rescind.domain.refusals import NOTE_REQUIRED_FOR, refusal_reason_parse
from rescind.domain.shipment_csv import shipment_csv_read
from rescind.orders.models import Carrier
from rescind.refunds.models import Refund
from rescind.web.labels import payment_method_label, refusal_reason_label
from rescind.web.money_format import money_text

MAX_ITEMS = 200  # orders per bulk request: one page of the seller's queue
DECISIONS = ("approve", "refuse")


@dataclass(frozen=True, slots=True)
class ShipmentItem:
    """One order to ship; `row` is its line in an uploaded file (None through JSON)."""

    order_id: int
    carrier: str
    tracking_number: str
    row: int | None = None


def result_done(order_id: int | None, message: str, *, row: int | None = None) -> dict[str, Any]:
    return {"row": row, "order_id": order_id, "status": "done", "code": None,
            "message": message}


def result_refused(order_id: int | None, error: DomainError, *,
                   row: int | None = None) -> dict[str, Any]:
    return {"row": row, "order_id": order_id, "status": "refused", "code": error.code,
            "message": error.message}


def _each(order_id: int, call: Callable[[], str], *, row: int | None = None) -> dict[str, Any]:
    """Run one order's service call (its own transaction); a refusal is this item's result."""
    try:
        return result_done(order_id, call(), row=row)
    except DomainError as exc:
        return result_refused(order_id, exc, row=row)


def approval_done_text(order_id: int) -> str:
    """What the seller reads after approving: the refund's amount and where it goes (R21)."""
    refund = Refund.objects.filter(order_id=order_id).order_by("-pk").first()
    if refund is None:  # nothing was charged for it
        return _("You approved the cancellation of order #%(order)s.") % {"order": order_id}
    return _("You approved the cancellation of order #%(order)s; %(amount)s goes back to the "
             "buyer's %(method)s.") % {"order": order_id,
                                        "amount": money_text(refund.money),
                                        "method": payment_method_label(refund.method)}


def refusal_done_text(order_id: int, reason_code: str) -> str:
    return _("You refused the cancellation of order #%(order)s: %(reason)s. The buyer is told; "
             "ship the order in time.") % {
        "order": order_id, "reason": refusal_reason_label(reason_code, in_sentence=True)}


def _distinct_ids(order_ids: Iterable[int]) -> list[int]:
    ids = list(dict.fromkeys(order_ids))
    if not ids:
        raise DomainError("no_orders_selected", _("Select at least one order."),
                          kind=ErrorKind.INVALID)
    if len(ids) > MAX_ITEMS:
        raise DomainError("too_many_orders",
                          _("At most %(n)s orders at once.") % {"n": MAX_ITEMS},
                          kind=ErrorKind.INVALID, details={"max": MAX_ITEMS})
    return ids


def requests_answer(*, user, order_ids: Iterable[int], decision: str, reason_code: str = "",
                    note: str = "", now: datetime) -> list[dict[str, Any]]:
    """R10, R11: approve or refuse the pending cancellation request of each order, one
    transaction each. What applies to all (the decision, the refusal reason and its note) is
    checked first, so a bad one refuses the whole request and changes nothing."""
    if decision not in DECISIONS:
        raise DomainError("unknown_decision", _("Choose approve or refuse."),
                          kind=ErrorKind.INVALID, details={"allowed": list(DECISIONS)})
    ids = _distinct_ids(order_ids)
    if decision == "refuse":
        reason_code = refusal_reason_parse(reason_code)
        if reason_code in NOTE_REQUIRED_FOR and not note.strip():
            raise DomainError("note_required", _("Tell the buyers why you refuse the requests."),
                              kind=ErrorKind.INVALID)

    def approve(order_id: int) -> str:
        cancellation_approve(order_id=order_id, user=user, note=note, now=now)
        return approval_done_text(order_id)

    def refuse(order_id: int) -> str:
        cancellation_refuse(order_id=order_id, user=user, note=note, reason_code=reason_code,
                            now=now)
        return refusal_done_text(order_id, reason_code)

    act = approve if decision == "approve" else refuse
    return [_each(order_id, lambda order_id=order_id: act(order_id)) for order_id in ids]


def known_carriers() -> dict[str, str]:
    """R15: the carriers the platform knows (those that report tracking events), by their name
    in lower case, to their name as written."""
    return {name.casefold(): name for name in Carrier.objects.order_by("name")
            .values_list("name", flat=True)}


def shipments_ship(*, user, items: list[ShipmentItem], now: datetime,
                   refused: Iterable[dict[str, Any]] = ()) -> list[dict[str, Any]]:
    """R14, R15: ship each order with its carrier and tracking number, one transaction each,
    through order_ship. A carrier off the known list, or an order or tracking number given
    twice in the same batch, is refused before any order is touched. `refused` are items the
    caller already found bad (rows of a file); the results come back in row order."""
    if len(items) > MAX_ITEMS:
        raise DomainError("too_many_orders",
                          _("At most %(n)s orders at once.") % {"n": MAX_ITEMS},
                          kind=ErrorKind.INVALID, details={"max": MAX_ITEMS})
    carriers = known_carriers()
    results = list(refused)
    seen_orders: dict[int, str] = {}
    seen_tracking: dict[str, str] = {}
    for index, item in enumerate(items, start=1):
        where = _("row %(row)s") % {"row": item.row} if item.row else \
            _("item %(n)s") % {"n": index}
        carrier = carriers.get(item.carrier.strip().casefold())
        tracking_key = item.tracking_number.strip().casefold()
        refusal = None
        if carrier is None:
            refusal = DomainError(
                "unknown_carrier", _("%(carrier)s is not a carrier we know. Use one of: "
                                     "%(known)s.") % {"carrier": item.carrier or "—",
                                                      "known": ", ".join(carriers.values())},
                kind=ErrorKind.INVALID, details={"allowed": list(carriers.values())})
        elif item.order_id in seen_orders:
            refusal = DomainError("duplicate_order", _(
                "Order #%(order)s is already on %(where)s of this batch.") % {
                "order": item.order_id, "where": seen_orders[item.order_id]},
                kind=ErrorKind.INVALID)
        elif tracking_key in seen_tracking:
            refusal = DomainError("duplicate_tracking_number", _(
                "Tracking number %(tracking)s is already on %(where)s of this batch: each "
                "parcel has its own.") % {"tracking": item.tracking_number.strip(),
                                          "where": seen_tracking[tracking_key]},
                kind=ErrorKind.INVALID)
        if refusal is not None:
            results.append(result_refused(item.order_id, refusal, row=item.row))
            continue
        seen_orders[item.order_id] = where
        seen_tracking[tracking_key] = where
        results.append(_each(item.order_id, lambda item=item, carrier=carrier: _ship(
            user, item, carrier, now), row=item.row))
    return sorted(results, key=lambda r: r["row"] or 0) if any(r["row"] for r in results) \
        else results


def _ship(user, item: ShipmentItem, carrier: str, now: datetime) -> str:
    order_ship(order_id=item.order_id, user=user, carrier=carrier,
               tracking_number=item.tracking_number, now=now)
    return _("Shipped order #%(order)s with %(carrier)s, tracking number %(tracking)s.") % {
        "order": item.order_id, "carrier": carrier, "tracking": item.tracking_number.strip()}


def shipments_from_csv(*, user, data: bytes, now: datetime) -> list[dict[str, Any]]:
    """Ship the orders of an uploaded CSV file (domain/shipment_csv.py), one result per row;
    a file that cannot be read at all is refused whole and ships nothing."""
    rows, errors = shipment_csv_read(data)
    refused = [result_refused(None, e.error,
                              row=e.row) for e in errors]
    items = [ShipmentItem(order_id=r.order_id, carrier=r.carrier,
                          tracking_number=r.tracking_number, row=r.row) for r in rows]
    return shipments_ship(user=user, items=items, now=now, refused=refused)


def results_count(results: list[dict[str, Any]]) -> dict[str, int]:
    done = sum(r["status"] == "done" for r in results)
    return {"done": done, "refused": len(results) - done}
