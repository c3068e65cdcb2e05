"""Codes in words, for the pages: payment methods, and the states of cancellation requests,
change requests and disputes as each reader says them ("waiting for your answer" to the
seller, "waiting for the seller's answer" to the buyer). Pages never show a raw code."""

from __future__ import annotations

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from rescind.domain.actions import Party
from rescind.domain.refusals import REFUSAL_REASONS

PAYMENT_METHODS = {"bank_card": _("bank card"), "e_wallet": _("e-wallet"),
                   "bank_transfer": _("bank transfer")}

# state -> (what the buyer reads, what the seller reads); support reads the buyer's third-person
# form where the two differ only in who "you" is.
REQUEST_STATES = {
    "pending": (_("Waiting for the seller's answer"), _("Waiting for your answer")),
    "approved": (_("Approved by the seller"), _("Approved by you")),
    "auto_approved": (_("Approved automatically: the seller did not answer in time"),
                      _("Approved automatically: you did not answer in time")),
    "refused": (_("Refused by the seller"), _("Refused by you")),
    "withdrawn": (_("Withdrawn by you"), _("Withdrawn by the buyer")),
    "refused_by_shipment": (_("Ended: the seller shipped the order"),
                            _("Ended: you shipped the order")),
    "closed_with_order": (_("Ended: the order closed"), _("Ended: the order closed")),
}
CHANGE_STATES = {
    "pending": (_("Waiting for the seller's answer"), _("Waiting for your answer")),
    "awaiting_charge": (_("Accepted: waiting for you to confirm the extra charge"),
                        _("Accepted: waiting for the buyer to confirm the extra charge")),
    "applied": (_("Applied"), _("Applied")),
    "refused": (_("Refused by the seller"), _("Refused by you")),
    "auto_refused": (_("Refused: the seller did not answer in time"),
                     _("Refused: you did not answer in time")),
    "withdrawn": (_("Withdrawn by you"), _("Withdrawn by the buyer")),
    "charge_declined": (_("Ended: you declined the extra charge"),
                        _("Ended: the buyer declined the extra charge")),
    "charge_lapsed": (_("Ended: the extra charge was not confirmed in time"),
                      _("Ended: the extra charge was not confirmed in time")),
    "superseded": (_("Ended: you asked to cancel instead"),
                   _("Ended: the buyer asked to cancel instead")),
    "refused_by_shipment": (_("Ended: the seller shipped the order"),
                            _("Ended: you shipped the order")),
    "closed_with_order": (_("Ended: the order closed"), _("Ended: the order closed")),
}
DISPUTE_STATES = {
    "awaiting_seller": (_("Waiting for the seller's answer"),
                        _("Waiting for your answer")),
    "seller_refused": (_("Refused by the seller"), _("Refused by you")),
    "seller_proposed": (_("The seller made an offer"), _("You made an offer")),
    "escalated": (_("Platform support is deciding"), _("Platform support is deciding")),
    "awaiting_return": (_("Waiting for the item to go back to the seller"),
                        _("Waiting for the item to come back to you")),
    "resolved": (_("Resolved"), _("Resolved")),
}
_THIRD_PERSON = {  # support reads the buyer's wording, except where it says "you"
    ("request", "withdrawn"): _("Withdrawn by the buyer"),
    ("change", "awaiting_charge"): _("Accepted: waiting for the buyer to confirm the extra charge"),
    ("change", "withdrawn"): _("Withdrawn by the buyer"),
    ("change", "charge_declined"): _("Ended: the buyer declined the extra charge"),
    ("change", "superseded"): _("Ended: the buyer asked to cancel instead"),
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
    "already_shipped": (_("The order has already shipped"),
                        _("the order has already shipped")),
    "buyer_agreed_to_keep": (_("The buyer agreed to keep the order"),
                             _("the buyer agreed to keep the order")),
    "out_of_date_request": (_("The request came too late: the order is already packed"),
                            _("the request came too late: the order is already packed")),
    "made_to_order": (_("Made to order: production has started"),
                      _("the item is made to order and production has started")),
    "other": (_("Another reason (say which in the note)"), _("another reason")),
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
    "ordered_wrong_item": (_("I ordered the wrong item"),
                           _("You chose the wrong product, colour or size.")),
    "no_longer_needed": (_("I no longer need it"),
                         _("You changed your mind; nothing is wrong with the order.")),
    "found_better_price": (_("I found a better price elsewhere"),
                           _("The same item costs less somewhere else.")),
    "wrong_shipping_details": (_("Wrong shipping details"),
                               _("The address or phone number on the order is wrong.")),
    "paid_wrong_order": (_("I paid for the wrong order"),
                         _("You meant to pay for another order.")),
    "seller_too_slow": (_("The seller is taking too long to ship"),
                        _("The seller has not shipped and you no longer want to wait.")),
    "seller_asked_to_cancel": (_("The seller asked me to cancel"),
                               _("The seller told you they cannot send this order.")),
    "out_of_stock": (_("The item is out of stock"),
                     _("The seller told you the item is no longer available.")),
    "seller_not_replying": (_("The seller does not reply"),
                            _("You wrote to the seller and got no answer.")),
    "duplicate_system_order": (_("Duplicate order from a system error"),
                               _("The site placed the same order twice by mistake.")),
}


def cancellation_reason_label(code: str, *, explanation: bool = False) -> str:
    """R8: a cancellation reason code in words (or, `explanation`, the line that says when it
    fits): the policy's words, translated where the catalog has them (the defaults above); a
    reason configured with other words shows them as configured."""
    from rescind.config import policy

    reason = policy().reasons_by_code.get(code)
    if reason is None:
        labels = CANCELLATION_REASONS.get(code)
        return str(labels[1] if explanation else labels[0]) if labels \
            else code.replace("_", " ")
    words = reason.explanation if explanation else reason.label
    return gettext(words) if words else words


# R18: dispute reason codes (domain/disputes.py DISPUTE_REASONS) in words.
DISPUTE_REASON_LABELS = {
    "not_received": _("The item did not arrive"),
    "not_as_described": _("The item is not as described"),
    "damaged": _("The item arrived damaged"),
    "wrong_item": _("I received the wrong item"),
    "counterfeit": _("The item is counterfeit"),
    "shipment_canceled": _("The shipment was canceled and the seller did not help"),
    "supplier_fraud": _("I suspect the supplier of fraud"),
    "other": _("Something else"),
}


def dispute_reason_label(code: str) -> str:
    return str(DISPUTE_REASON_LABELS.get(code, code.replace("_", " ")))


# R26: why a coupon does or does not come back (domain/coupons.py FATE_TEXT) in words.
COUPON_FATES = {
    "seller_coupon_never_returns": _("Seller coupons do not come back on cancellation."),
    "promo_code_never_returns": _("Promo codes do not come back on cancellation."),
    "other_items_still_active": _("It also paid for items that are not cancelled."),
    "expired": _("It has expired."),
    "all_items_cancelled": _("Everything it paid for is cancelled, so it is yours to use again."),
}


def coupon_fate_text(code: str) -> str:
    return str(COUPON_FATES.get(code, ""))
