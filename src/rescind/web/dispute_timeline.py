"""Dispute timeline entries in words, for the order page and the support console (R29), in the
reader's active language (issue 15)."""

from __future__ import annotations

from datetime import datetime

from django.utils.html import strip_tags
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from rescind.web.labels import dispute_reason_label
from rescind.web.money_format import money_text
from rescind.web.templatetags.rescind import register

when = register.filters["when"]


def _money(value: dict) -> str:
    return money_text(value)


def when_text(value: str) -> str:
    """A timeline parameter's instant as the pages write instants: 'Wed 9 Dec 2026, 18:40 UTC'
    (the text of the `when` filter)."""
    return strip_tags(when(datetime.fromisoformat(value)))


def quoted(note: str | dict | None) -> str:
    """' “note”' after a sentence, or nothing; `note` may be an entry's parameters."""
    if isinstance(note, dict):
        note = note.get("note")
    return " " + _("“%(note)s”") % {"note": note} if note else ""


def _opened(p: dict) -> str:
    if p["beside_cancellation"]:
        return _("The buyer reported the supplier: a dispute for %(claim)s goes straight to "
                 "support.") % {"claim": _money(p["claim"])}
    values = {"reason": dispute_reason_label(p["reason"]), "claim": _money(p["claim"]),
              "count": len(p["evidence"]), "at": when_text(p["respond_by"])}
    if p["return_item"] and values["count"]:
        text = ngettext("Dispute opened: %(reason)s. The buyer asks for %(claim)s, with the item "
                        "returned, with %(count)s piece of evidence.",
                        "Dispute opened: %(reason)s. The buyer asks for %(claim)s, with the item "
                        "returned, with %(count)s pieces of evidence.", values["count"])
    elif p["return_item"]:
        text = _("Dispute opened: %(reason)s. The buyer asks for %(claim)s, with the item "
                 "returned.")
    elif values["count"]:
        text = ngettext("Dispute opened: %(reason)s. The buyer asks for %(claim)s, keeping the "
                        "item, with %(count)s piece of evidence.",
                        "Dispute opened: %(reason)s. The buyer asks for %(claim)s, keeping the "
                        "item, with %(count)s pieces of evidence.", values["count"])
    else:
        text = _("Dispute opened: %(reason)s. The buyer asks for %(claim)s, keeping the item.")
    return (text % values + " " + _("The seller answers by %(at)s.") % values
            + quoted(p["description"]))


_DECIDED_BY = {"seller": gettext_lazy("the seller accepted"),
               "silence": gettext_lazy("the seller's silence accepted it"),
               "buyer": gettext_lazy("the buyer accepted the proposal"),
               "support": gettext_lazy("support decided")}


def _decided(p: dict) -> str:
    values = {"who": str(_DECIDED_BY.get(p["by"], p["by"])), "amount": _money(p["refund"])}
    if not p["refund"]["amount"]:
        text = _("Dispute decided (%(who)s): no refund.")
    elif p["return_item"]:
        text = _("Dispute decided (%(who)s): %(amount)s once the item is back with the seller.")
    else:
        text = _("Dispute decided (%(who)s): %(amount)s.")
    return text % values + quoted(p["note"])


_ESCALATED_BY = {
    "buyer": gettext_lazy("The dispute went to support: the buyer took it."),
    "no_movement": gettext_lazy("The dispute went to support: nothing moved in time."),
    "supplier_report": gettext_lazy("The dispute went to support: the buyer reported the "
                                    "supplier."),
    "deadline_refused": gettext_lazy("The dispute went to support: the automatic step was "
                                     "refused."),
}


def _escalated(p: dict) -> str:
    said = _ESCALATED_BY.get(p["by"])
    text = str(said) if said else _("The dispute went to support: %(by)s.") % {"by": p["by"]}
    return text + quoted(p["note"])


def _resolved(p: dict) -> str:
    refund = {"amount": _money(p["refund"])}
    if p["outcome"] == "closed":
        return _("Dispute resolved: %(amount)s back to the buyer; the order is closed.") % refund
    if p["outcome"] == "completed":
        if p["refund"]["amount"]:
            return _("Dispute resolved: %(amount)s back to the buyer; the order is "
                     "completed.") % refund
        return _("Dispute resolved without a refund; the order is completed.")
    return _("Dispute resolved: %(amount)s back to the buyer.") % refund


DISPUTE_DESCRIBE = {
    "DisputeOpened": _opened,
    "DisputeSellerAccepted": lambda p: _("The seller accepted the buyer's claim."),
    "DisputeAutoAccepted": lambda p: _("The buyer's claim was accepted: the seller did not "
                                       "answer in time."),
    "DisputeSellerRefused": lambda p: _("The seller refused the dispute:") + quoted(p["note"]),
    "DisputeSellerProposed": lambda p: (
        _("The seller proposes %(amount)s with the item returned.") if p["return_item"]
        else _("The seller proposes %(amount)s.")) % {"amount": _money(p["amount"])}
    + quoted(p["note"]),
    "DisputeProposalAccepted": lambda p: _("The buyer accepted %(amount)s.") % {
        "amount": _money(p["amount"])},
    "DisputeEscalated": _escalated,
    "DisputeDecided": _decided,
    "DisputeReturnShipped": lambda p: _("The buyer sent the item back with %(carrier)s, "
                                        "tracking number %(tracking)s.") % {
        "carrier": p["carrier"], "tracking": p["tracking_number"]},
    "DisputeReturnDelivered": lambda p: _("The returned item was delivered to the seller, says "
                                          "the carrier; the seller confirms by %(at)s.") % {
        "at": when_text(p["confirm_by"])},
    "DisputeReturnReceived": lambda p: _("The seller confirmed the returned item arrived.")
    if p["by"] == "seller" else _("The returned item counts as received: the seller did not "
                                  "answer in time."),
    "DisputeResolved": _resolved,
}
