"""The seller's action panel on the order page (issue 14): what each card needs to show the
seller before they act: the buyer, where the order goes, the deadline, the known carriers, the
refusal reasons, and what approving does to the buyer's money (R10, R11, R15, R21)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from rescind.aftersale.bulk import known_carriers
from rescind.orders.models import Order
from rescind.web.labels import payment_method_label, refusal_reasons
from rescind.web.money_format import money_text


def refund_words(quote: dict | None) -> str:
    """'$28.00 goes back to the buyer's bank card' from a cancellation quote (R21, R22)."""
    if not quote or not quote.get("refund"):
        return _("Nothing was charged, so nothing goes back to the buyer.")
    refund = quote["refund"]
    return _("%(amount)s goes back to the buyer's %(method)s.") % {
        "amount": money_text(refund),
        "method": payment_method_label(quote["refund_method"])}


def _deadline(detail: dict, kind: str):
    return next((d["due_at"] for d in detail["deadlines"] if d["kind"] == kind), None)


def seller_panel(order: Order, detail: dict[str, Any],
                 pending_quote: dict | None) -> dict[str, Any]:
    """The panel's facts; `pending_quote`: what the pending cancellation request would do."""
    buyer = order.buyer
    delivery = detail.get("delivery") or {}
    refund = refund_words(pending_quote)
    return {
        "buyer": buyer.get_full_name() or buyer.username,
        "ships_to": ", ".join(v for v in (delivery.get("city"), delivery.get("country")) if v),
        "respond_by": _deadline(detail, "seller_response"),
        "ship_by": _deadline(detail, "handling_time"),
        "carriers": list(known_carriers().values()),
        "refusal_reasons": refusal_reasons(),
        "refund_words": refund,
        "approve_question": _("Approve the cancellation of order #%(order)s? The order closes "
                              "and %(refund)s") % {"order": order.pk, "refund": refund[:1].lower()
                                                   + refund[1:]},
        "refuse_question": _("Refuse the cancellation of order #%(order)s? The buyer is told "
                             "your reason, and you must ship the order.") % {"order": order.pk},
        "ship_question": _("Ship order #%(order)s with this carrier and tracking number? The "
                           "buyer can follow the parcel from now on.") % {"order": order.pk},
    }
