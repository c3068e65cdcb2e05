"""The change request on the order page: the buyer's form, each side's answers, and the request
in words (R13). Every action calls the same service as the API (R28)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rescind.aftersale.changes import (
    change_accept,
    change_charge_confirm,
    change_charge_decline,
    change_refuse,
    change_request,
    change_withdraw,
)
from rescind.clock.service import now as clock_now
from rescind.domain.changes import LineChange
from rescind.domain.errors import DomainError, ErrorKind
from rescind.orders.models import Order, Product
from rescind.web.timeline import line_change_text

DELIVERY_LABELS = (("recipient", gettext_lazy("Recipient")), ("line1", gettext_lazy("Address")),
                   ("line2", gettext_lazy("Address line 2")), ("city", gettext_lazy("City")),
                   ("postal_code", gettext_lazy("Postal code")),
                   ("country", gettext_lazy("Country")),
                   ("phone", gettext_lazy("Phone")))
_OPTION_FIELD = re.compile(r"^line(\d{1,4})_option_(.{1,40})$")
_QUANTITY_FIELD = re.compile(r"^line(\d{1,4})_quantity$")


def change_page(order: Order, detail: dict[str, Any]) -> dict[str, Any]:
    """What the order page shows of R13: the buyer's form, if a change may be asked for now, and
    the latest change request in words."""
    actions = {a["action"] for a in detail["actions"]}
    form = None
    if "request_change" in actions:
        products = Product.objects.in_bulk([line["product_id"] for line in detail["lines"]])
        form = [{**line, "choices": [
            {"name": name, "values": values, "current": line["options"].get(name)}
            for name, values in (products[line["product_id"]].option_choices or {}).items()]}
            for line in detail["lines"]]
    request = detail.get("change_request")
    return {
        "form": form,
        "delivery_fields": DELIVERY_LABELS,
        "lines": [line_change_text(entry) for entry in request["lines"]] if request else [],
    }


def _changes_from_form(request: HttpRequest) -> list[LineChange]:
    """Every line's options and quantity as the form sent them; unchanged ones change nothing."""
    options: dict[int, dict[str, str]] = {}
    quantities: dict[int, int] = {}
    for name, value in request.POST.items():
        if match := _OPTION_FIELD.match(name):
            options.setdefault(int(match[1]), {})[match[2]] = value
        elif match := _QUANTITY_FIELD.match(name):
            try:
                quantities[int(match[1])] = int(value)
            except ValueError:
                raise DomainError("bad_quantity", _("Quantity must be a whole number."),
                                  kind=ErrorKind.INVALID) from None
    return [LineChange(line=n, options=options.get(n) or None, quantity=quantities.get(n))
            for n in sorted(set(options) | set(quantities))]


def delivery_from_form(request: HttpRequest) -> dict[str, str] | None:
    delivery = {name: request.POST.get(f"delivery_{name}", "").strip()
                for name, _label in DELIVERY_LABELS}
    return delivery if any(delivery.values()) else None


def _note(request: HttpRequest) -> str:
    return request.POST.get("note", "").strip()


CHANGE_ACTIONS: dict[str, Callable[[HttpRequest, int], object]] = {
    "request-change": lambda r, oid: change_request(
        order_id=oid, user=r.user, changes=_changes_from_form(r),
        delivery=delivery_from_form(r), now=clock_now()),
    "withdraw-change": lambda r, oid: change_withdraw(order_id=oid, user=r.user,
                                                      now=clock_now()),
    "accept-change": lambda r, oid: change_accept(order_id=oid, user=r.user, note=_note(r),
                                                  now=clock_now()),
    "refuse-change": lambda r, oid: change_refuse(order_id=oid, user=r.user, note=_note(r),
                                                  now=clock_now()),
    "confirm-extra-charge": lambda r, oid: change_charge_confirm(order_id=oid, user=r.user,
                                                                 now=clock_now()),
    "decline-extra-charge": lambda r, oid: change_charge_decline(order_id=oid, user=r.user,
                                                                 now=clock_now()),
}
CHANGE_DONE = {
    "request-change": gettext_lazy("Your change request was sent to the seller."),
    "withdraw-change": gettext_lazy("Your change request was withdrawn."),
    "accept-change": gettext_lazy("Change accepted."),
    "refuse-change": gettext_lazy("Change refused."),
    "confirm-extra-charge": gettext_lazy("Paid: the order is changed."),
    "decline-extra-charge": gettext_lazy("Extra charge declined: the order stays as it was."),
}
