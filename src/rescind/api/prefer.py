"""RFC 7240 `Prefer: return=minimal` on the order writes (issue 16): a client that has no use
for the whole order detail after a change asks for the order's new state alone (and, after a
cancellation request, the request it made), which costs one lean read (none after a
cancellation request) instead of the detail's one per related table. Without the header, or
with `return=representation`, every write answers with the whole detail, as it always has."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from ninja import Header

from rescind.aftersale.models import CancellationRequest
from rescind.domain.errors import DomainError, ErrorKind
from rescind.orders.models import Order
from rescind.orders.reads import request_read
from rescind.statements import row_get

MINIMAL = "minimal"
APPLIED_HEADER = {"Preference-Applied": {
    "description": "`return=minimal` when the answer is the minimal one (RFC 7240).",
    "schema": {"type": "string", "enum": ["return=minimal"]}}}


def prefer_header():
    """The `Prefer` header as a write declares it, so the OpenAPI schema documents it (a
    repeated header arrives joined by commas, as RFC 9110 allows)."""
    return Header(default=None, alias="Prefer", description=(
        "RFC 7240. `return=minimal`: answer with the order's state only (after a cancellation "
        "request, with the request made), not the whole order; the answer then carries "
        "`Preference-Applied: return=minimal`. Without it, or with `return=representation`, "
        "the answer is the whole order detail. Other preferences are ignored."))


def preferred_return(prefer: str | None) -> str | None:
    """The value of the first `return` preference of a Prefer header, lower-cased, or None.
    Preferences are `token[=value]` with optional `;` parameters, separated by commas; a value
    may be quoted; names are case-insensitive (RFC 7240 section 2). Anything unparsable is
    ignored, as the RFC asks of preferences a server does not understand."""
    for preference in (prefer or "").split(","):
        name, _, value = preference.split(";", 1)[0].partition("=")
        if name.strip().lower() == "return":
            return value.strip().strip('"').lower()
    return None


def minimal_wanted(prefer: str | None, response: HttpResponse) -> bool:
    """Whether the caller asked for the minimal answer; marks the answer as shaped by the
    header (`Vary: Prefer`) and, when it is minimal, says so (`Preference-Applied`)."""
    patch_vary_headers(response, ["Prefer"])
    if preferred_return(prefer) != MINIMAL:
        return False
    response["Preference-Applied"] = "return=minimal"
    return True


def order_state_read(order_id: int) -> dict[str, Any]:
    """The order's state after a write (OrderStateOut), read again in one lean statement once
    the write's transaction has committed: what any other reader now sees."""
    order = row_get(Order, order_id)
    if order is None:  # the service has just changed it; no order is ever deleted
        raise DomainError("order_not_found", _("No such order."), kind=ErrorKind.NOT_FOUND)
    return order_state_of(order)


def order_state_of(order: Order) -> dict[str, Any]:
    return {"id": order.pk, "state": order.state, "close_reason": order.close_reason or None,
            "refunded": {"amount": order.refunded, "currency": order.currency},
            "closed_at": order.closed_at}


def cancellation_requested_read(request: CancellationRequest) -> dict[str, Any]:
    """The minimal answer to a cancellation request: the request made and the order's state
    as its transaction left it (CancellationRequestedOut), with no statement: the service
    read that order row under its lock and committed, and a request changes none of its
    columns (R7-R9)."""
    return {**order_state_of(request.order), "cancellation_request": request_read(request)}
