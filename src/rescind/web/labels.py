"""Codes in words, for the pages: payment methods, and the states of cancellation requests,
change requests and disputes as each reader says them ("waiting for your answer" to the
seller, "waiting for the seller's answer" to the buyer). Pages never show a raw code."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _lazy

from rescind.domain.actions import Party
from rescind.domain.refusals import REFUSAL_REASONS

PAYMENT_METHODS = {"bank_card": _lazy("bank card"), "e_wallet": _lazy("e-wallet"),
                   "bank_transfer": _lazy("bank transfer")}

# state -> (what the buyer reads, what the seller reads); support reads the buyer's third-person
# form where the two differ only in who "you" is.
REQUEST_STATES = {
    "pending": (_lazy("Waiting for the seller's answer"), _lazy("Waiting for your answer")),
    "approved": (_lazy("Approved by the seller"), _lazy("Approved by you")),
    "auto_approved": (_lazy("Approved automatically: the seller did not answer in time"),
                      _lazy("Approved automatically: you did not answer in time")),
    "refused": (_lazy("Refused by the seller"), _lazy("Refused by you")),
    "withdrawn": (_lazy("Withdrawn by you"), _lazy("Withdrawn by the buyer")),
    "refused_by_shipment": (_lazy("Ended: the seller shipped the order"),
                            _lazy("Ended: you shipped the order")),
    "closed_with_order": (_lazy("Ended: the order closed"), _lazy("Ended: the order closed")),
}
CHANGE_STATES = {
    "pending": (_lazy("Waiting for the seller's answer"), _lazy("Waiting for your answer")),
    "awaiting_charge": (_lazy("Accepted: waiting for you to confirm the extra charge"),
                        _lazy("Accepted: waiting for the buyer to confirm the extra charge")),
    "applied": (_lazy("Applied"), _lazy("Applied")),
    "refused": (_lazy("Refused by the seller"), _lazy("Refused by you")),
    "auto_refused": (_lazy("Refused: the seller did not answer in time"),
                     _lazy("Refused: you did not answer in time")),
    "withdrawn": (_lazy("Withdrawn by you"), _lazy("Withdrawn by the buyer")),
    "charge_declined": (_lazy("Ended: you declined the extra charge"),
                        _lazy("Ended: the buyer declined the extra charge")),
    "charge_lapsed": (_lazy("Ended: the extra charge was not confirmed in time"),
                      _lazy("Ended: the extra charge was not confirmed in time")),
    "superseded": (_lazy("Ended: you asked to cancel instead"),
                   _lazy("Ended: the buyer asked to cancel instead")),
    "refused_by_shipment": (_lazy("Ended: the seller shipped the order"),
                            _lazy("Ended: you shipped the order")),
    "closed_with_order": (_lazy("Ended: the order closed"), _lazy("Ended: the order closed")),
}
DISPUTE_STATES = {
    "awaiting_seller": (_lazy("Waiting for the seller's answer"),
                        _lazy("Waiting for your answer")),
    "seller_refused": (_lazy("Refused by the seller"), _lazy("Refused by you")),
    "seller_proposed": (_lazy("The seller made an offer"), _lazy("You made an offer")),
    "escalated": (_lazy("Platform support is deciding"), _lazy("Platform support is deciding")),
    "awaiting_return": (_lazy("Waiting for the item to go back to the seller"),
                        _lazy("Waiting for the item to come back to you")),
    "resolved": (_lazy("Resolved"), _lazy("Resolved")),
}
_THIRD_PERSON = {  # support reads the buyer's wording, except where it says "you"
    ("request", "withdrawn"): _lazy("Withdrawn by the buyer"),
    ("change", "awaiting_charge"): _lazy("Accepted: waiting for the buyer to confirm the extra "
                                         "charge"),
    ("change", "withdrawn"): _lazy("Withdrawn by the buyer"),
    ("change", "charge_declined"): _lazy("Ended: the buyer declined the extra charge"),
    ("change", "superseded"): _lazy("Ended: the buyer asked to cancel instead"),
}
_TABLES = {"request": REQUEST_STATES, "change": CHANGE_STATES, "dispute": DISPUTE_STATES}


def state_label(kind: str, state: str, party: Party | str) -> str:
    """The state of a cancellation request, change request or dispute (`kind`: request, change,
    dispute) in the words of its reader."""
    buyer_says, seller_says = _TABLES[kind].get(state, (state.replace("_", " "),) * 2)
    party = Party(party)
    if party is Party.SELLER:
        return str(seller_says)
    if party is Party.BUYER:
        return str(buyer_says)
    return str(_THIRD_PERSON.get((kind, state), buyer_says))


def payment_method_label(method: str | None) -> str:
    """'bank_card' -> 'bank card', in the reader's language."""
    return str(PAYMENT_METHODS.get(method or "", (method or "").replace("_", " ")))


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


# R8: the default cancellation reasons (domain/policy.py DEFAULT_REASONS) -> (label, one line
# for the buyer choosing it). A reason a deployment adds by configuration shows its own label.
CANCELLATION_REASONS = {
    "ordered_wrong_item": (_lazy("I ordered the wrong item"),
                           _lazy("You chose the wrong product, colour or size.")),
    "no_longer_needed": (_lazy("I no longer need it"),
                         _lazy("You changed your mind; nothing is wrong with the order.")),
    "found_better_price": (_lazy("I found a better price elsewhere"),
                           _lazy("The same item costs less somewhere else.")),
    "wrong_shipping_details": (_lazy("Wrong shipping details"),
                               _lazy("The address or phone number on the order is wrong.")),
    "paid_wrong_order": (_lazy("I paid for the wrong order"),
                         _lazy("You meant to pay for another order.")),
    "seller_too_slow": (_lazy("The seller is taking too long to ship"),
                        _lazy("The seller has not shipped and you no longer want to wait.")),
    "seller_asked_to_cancel": (_lazy("The seller asked me to cancel"),
                               _lazy("The seller told you they cannot send this order.")),
    "out_of_stock": (_lazy("The item is out of stock"),
                     _lazy("The seller told you the item is no longer available.")),
    "seller_not_replying": (_lazy("The seller does not reply"),
                            _lazy("You wrote to the seller and got no answer.")),
    "duplicate_system_order": (_lazy("Duplicate order from a system error"),
                               _lazy("The site placed the same order twice by mistake.")),
}


def cancellation_reason_label(code: str, *, explanation: bool = False) -> str:
    """R8: a cancellation reason code in words (or, `explanation`, the line that says when it
    fits); a configured reason without a translation shows the policy's own words."""
    labels = CANCELLATION_REASONS.get(code)
    if labels is not None:
        return str(labels[1] if explanation else labels[0])
    from rescind.config import policy

    reason = policy().reasons_by_code.get(code)
    if reason is None:
        return code.replace("_", " ")
    return reason.explanation if explanation else reason.label


# R18: dispute reason codes (domain/disputes.py DISPUTE_REASONS) in words.
DISPUTE_REASON_LABELS = {
    "not_received": _lazy("The item did not arrive"),
    "not_as_described": _lazy("The item is not as described"),
    "damaged": _lazy("The item arrived damaged"),
    "wrong_item": _lazy("I received the wrong item"),
    "counterfeit": _lazy("The item is counterfeit"),
    "shipment_canceled": _lazy("The shipment was canceled and the seller did not help"),
    "supplier_fraud": _lazy("I suspect the supplier of fraud"),
    "other": _lazy("Something else"),
}


def dispute_reason_label(code: str) -> str:
    return str(DISPUTE_REASON_LABELS.get(code, code.replace("_", " ")))


# R26: why a coupon does or does not come back (domain/coupons.py FATE_TEXT) in words.
COUPON_FATES = {
    "seller_coupon_never_returns": _lazy("Seller coupons do not come back on cancellation."),
    "promo_code_never_returns": _lazy("Promo codes do not come back on cancellation."),
    "other_items_still_active": _lazy("It also paid for items that are not cancelled."),
    "expired": _lazy("It has expired."),
    "all_items_cancelled": _lazy("Everything it paid for is cancelled, so it is yours to use "
                                 "again."),
}


def coupon_fate_text(code: str) -> str:
    return str(COUPON_FATES.get(code, ""))
