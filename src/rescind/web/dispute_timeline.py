"""Dispute timeline entries in words, for the order page and the support console (R29)."""

from __future__ import annotations

from datetime import datetime

from django.utils.html import strip_tags

from rescind.domain.disputes import DISPUTE_REASONS
from rescind.web.money_format import money_text
from rescind.web.templatetags.rescind import register

when = register.filters["when"]


def _money(value: dict) -> str:
    return money_text(value)


def when_text(value: str) -> str:
    """A timeline parameter's instant as the pages write instants: 'Wed 9 Dec 2026, 18:40 UTC'
    (the text of the `when` filter)."""
    return strip_tags(when(datetime.fromisoformat(value)))


def _quoted(note: str) -> str:
    return f" “{note}”" if note else ""


def _opened(p: dict) -> str:
    if p["beside_cancellation"]:
        return (f"The buyer reported the supplier: a dispute for {_money(p['claim'])} goes "
                "straight to support.")
    wants = "with the item returned" if p["return_item"] else "keeping the item"
    files = len(p["evidence"])
    return (f"Dispute opened: {DISPUTE_REASONS.get(p['reason'], p['reason'])}. The buyer asks "
            f"for {_money(p['claim'])}, {wants}"
            + (f", with {files} piece{'s' if files != 1 else ''} of evidence" if files else "")
            + f". The seller answers by {when_text(p['respond_by'])}." + _quoted(p["description"]))


def _decided(p: dict) -> str:
    who = {"seller": "the seller accepted", "silence": "the seller's silence accepted it",
           "buyer": "the buyer accepted the proposal",
           "support": "support decided"}.get(p["by"], p["by"])
    amount = _money(p["refund"]) if p["refund"]["amount"] else "no refund"
    then = " once the item is back with the seller" if p["return_item"] else ""
    return f"Dispute decided ({who}): {amount}{then}." + _quoted(p["note"])


_ESCALATED_BY = {"buyer": "the buyer took it", "no_movement": "nothing moved in time",
                 "supplier_report": "the buyer reported the supplier",
                 "deadline_refused": "the automatic step was refused"}

DISPUTE_DESCRIBE = {
    "DisputeOpened": _opened,
    "DisputeSellerAccepted": lambda p: "The seller accepted the buyer's claim.",
    "DisputeAutoAccepted": lambda p: "The buyer's claim was accepted: the seller did not answer "
    "in time.",
    "DisputeSellerRefused": lambda p: f"The seller refused the dispute:{_quoted(p['note'])}",
    "DisputeSellerProposed": lambda p: f"The seller proposes {_money(p['amount'])}"
    + (" with the item returned" if p["return_item"] else "") + "." + _quoted(p["note"]),
    "DisputeProposalAccepted": lambda p: f"The buyer accepted {_money(p['amount'])}.",
    "DisputeEscalated": lambda p: "The dispute went to support: "
    f"{_ESCALATED_BY.get(p['by'], p['by'])}." + _quoted(p["note"]),
    "DisputeDecided": _decided,
    "DisputeReturnShipped": lambda p: f"The buyer sent the item back with {p['carrier']}, "
    f"tracking number {p['tracking_number']}.",
    "DisputeReturnDelivered": lambda p: "The returned item was delivered to the seller, says "
    f"the carrier; the seller confirms by {when_text(p['confirm_by'])}.",
    "DisputeReturnReceived": lambda p: "The seller confirmed the returned item arrived."
    if p["by"] == "seller" else "The returned item counts as received: the seller did not "
    "answer in time.",
    "DisputeResolved": lambda p: {
        "closed": f"Dispute resolved: {_money(p['refund'])} back to the buyer; the order "
                  "is closed.",
        "completed": f"Dispute resolved: {_money(p['refund'])} back to the buyer; the order "
                     "is completed." if p["refund"]["amount"] else
                     "Dispute resolved without a refund; the order is completed.",
    }.get(p["outcome"], f"Dispute resolved: {_money(p['refund'])} back to the buyer."),
}
