"""Codes in words, for the pages: payment methods, and the states of cancellation requests,
change requests and disputes as each reader says them ("waiting for your answer" to the
seller, "waiting for the seller's answer" to the buyer). Pages never show a raw code."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _lazy

from rescind.domain.actions import Party
from rescind.domain.refusals import REFUSAL_REASONS

PAYMENT_METHODS = {"bank_card": "bank card", "e_wallet": "e-wallet",
                   "bank_transfer": "bank transfer"}

# state -> (what the buyer reads, what the seller reads); support reads the buyer's third-person
# form where the two differ only in who "you" is.
REQUEST_STATES = {
    "pending": ("Waiting for the seller's answer", "Waiting for your answer"),
    "approved": ("Approved by the seller", "Approved by you"),
    "auto_approved": ("Approved automatically: the seller did not answer in time",
                      "Approved automatically: you did not answer in time"),
    "refused": ("Refused by the seller", "Refused by you"),
    "withdrawn": ("Withdrawn by you", "Withdrawn by the buyer"),
    "refused_by_shipment": ("Ended: the seller shipped the order",
                            "Ended: you shipped the order"),
    "closed_with_order": ("Ended: the order closed", "Ended: the order closed"),
}
CHANGE_STATES = {
    "pending": ("Waiting for the seller's answer", "Waiting for your answer"),
    "awaiting_charge": ("Accepted: waiting for you to confirm the extra charge",
                        "Accepted: waiting for the buyer to confirm the extra charge"),
    "applied": ("Applied", "Applied"),
    "refused": ("Refused by the seller", "Refused by you"),
    "auto_refused": ("Refused: the seller did not answer in time",
                     "Refused: you did not answer in time"),
    "withdrawn": ("Withdrawn by you", "Withdrawn by the buyer"),
    "charge_declined": ("Ended: you declined the extra charge",
                        "Ended: the buyer declined the extra charge"),
    "charge_lapsed": ("Ended: the extra charge was not confirmed in time",
                      "Ended: the extra charge was not confirmed in time"),
    "superseded": ("Ended: you asked to cancel instead",
                   "Ended: the buyer asked to cancel instead"),
    "refused_by_shipment": ("Ended: the seller shipped the order",
                            "Ended: you shipped the order"),
    "closed_with_order": ("Ended: the order closed", "Ended: the order closed"),
}
DISPUTE_STATES = {
    "awaiting_seller": ("Waiting for the seller's answer", "Waiting for your answer"),
    "seller_refused": ("Refused by the seller", "Refused by you"),
    "seller_proposed": ("The seller made an offer", "You made an offer"),
    "escalated": ("Platform support is deciding", "Platform support is deciding"),
    "awaiting_return": ("Waiting for the item to go back to the seller",
                        "Waiting for the item to come back to you"),
    "resolved": ("Resolved", "Resolved"),
}
_THIRD_PERSON = {  # support reads the buyer's wording, except where it says "you"
    ("request", "withdrawn"): "Withdrawn by the buyer",
    ("change", "awaiting_charge"): "Accepted: waiting for the buyer to confirm the extra charge",
    ("change", "withdrawn"): "Withdrawn by the buyer",
    ("change", "charge_declined"): "Ended: the buyer declined the extra charge",
    ("change", "superseded"): "Ended: the buyer asked to cancel instead",
}
_TABLES = {"request": REQUEST_STATES, "change": CHANGE_STATES, "dispute": DISPUTE_STATES}


def state_label(kind: str, state: str, party: Party | str) -> str:
    """The state of a cancellation request, change request or dispute (`kind`: request, change,
    dispute) in the words of its reader."""
    buyer_says, seller_says = _TABLES[kind].get(state, (state.replace("_", " "),) * 2)
    party = Party(party)
    if party is Party.SELLER:
        return seller_says
    if party is Party.BUYER:
        return buyer_says
    return _THIRD_PERSON.get((kind, state), buyer_says)


def payment_method_label(method: str | None) -> str:
    return PAYMENT_METHODS.get(method or "", (method or "").replace("_", " "))


# R11: a refusal reason code (domain/refusals.py) -> (what the seller picks in the form, the
# words that end "The seller refused the cancellation: …", which buyer, seller and support read).
REFUSAL_REASON_LABELS = {
    "already_shipped": (_lazy("The order has already shipped"),
                        _lazy("the order has already shipped")),
    "buyer_agreed_to_keep": (_lazy("The buyer agreed to keep the order"),
                             _lazy("the buyer agreed to keep the order")),
    "out_of_date_request": (_lazy("The request came too late: the order is already packed"),
                            _lazy("the request came too late: the order is already packed")),
    "made_to_order": (_lazy("Made to order: production has started"),
                      _lazy("the item is made to order and production has started")),
    "other": (_lazy("Another reason (say which in the note)"), _lazy("another reason")),
}


def refusal_reason_label(code: str, *, in_sentence: bool = False) -> str:
    """A refusal reason code in words: as the seller's form offers it, or (`in_sentence`) as
    the end of "The seller refused the cancellation: …"."""
    labels = REFUSAL_REASON_LABELS.get(code)
    if labels is None:
        return code.replace("_", " ")
    return str(labels[1] if in_sentence else labels[0])


def refusal_reasons() -> list[dict[str, str]]:
    """The fixed list for the seller's refusal form, in its order."""
    return [{"code": code, "label": refusal_reason_label(code)} for code in REFUSAL_REASONS]
