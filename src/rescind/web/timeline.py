"""Timeline entries in words, for the order page (R29)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from rescind.config import policy
from rescind.domain.coupons import FATE_TEXT
from rescind.domain.refusals import LEGACY_REFUSAL_REASON
from rescind.web.dispute_timeline import DISPUTE_DESCRIBE, when_text
from rescind.web.labels import payment_method_label, refusal_reason_label
from rescind.web.money_format import money_text

BUYER_REMINDED = {
    "unpaid_timeout": "the order closes unpaid",
    "extra_charge_confirmation": "the extra charge lapses",
    "buyer_protection": "buyer protection ends",
}


_at = when_text


def _promised(p: dict) -> str:
    return f" Delivery promised by {_at(p['deliver_by'])}." if p.get("deliver_by") else ""


def _money(value: dict) -> str:
    return money_text(value)


def _refused(p: dict) -> str:
    """R11: the refusal's reason code in words, then the seller's note if any."""
    reason = refusal_reason_label(p.get("reason_code") or LEGACY_REFUSAL_REASON,
                                  in_sentence=True)
    note = f" “{p['note']}”" if p.get("note") else ""
    return _("The seller refused the cancellation: %(reason)s.") % {"reason": reason} + note


def _reason(code: str) -> str:
    reason = policy().reasons_by_code.get(code)
    return reason.label if reason else code


def _with_files(count: int) -> str:
    return f" with {count} attachment{'s' if count != 1 else ''}." if count else "."


# R16: why a shipment was canceled, and by whom.
VOID_CAUSES = {
    "tracking_invalid": "the carrier dropped the parcel",
    "voided_by_seller": "the seller voided the shipment",
    "canceled_by_platform": "canceled by platform support on the seller's behalf",
}


def _quoted_note(p: dict) -> str:
    return f" “{p['note']}”" if p.get("note") else ""


def line_change_text(entry: dict) -> str:
    before, after = entry["before"], entry["after"]
    parts = [f"{before['product_name']} → {after['product_name']}"] \
        if after["product_id"] != before["product_id"] else []
    parts += [f"{name} {before['options'].get(name, '—')} → {value}"
              for name, value in after["options"].items() if before["options"].get(name) != value]
    if after["quantity"] != before["quantity"]:
        parts.append(f"quantity {before['quantity']} → {after['quantity']}")
    return f"line {entry['line']} ({before['product_name']}): " + (
        ", ".join(parts) or "its share of the discount")


def _change_asked(p: dict) -> str:
    asked = [line_change_text(entry) for entry in p["lines"]]
    if p["delivery"]:
        asked.append("the delivery details")
    return (f"The buyer asked to change {'; '.join(asked)}. Price "
            f"{_money(p['price_before'])} → {_money(p['price_after'])}.")


def _change_accepted(p: dict) -> str:
    text = "The seller accepted the change."
    if p["extra_charge"]["amount"] > 0:
        text += (f" It costs {_money(p['extra_charge'])} more: the buyer confirms the extra "
                 f"charge by {_at(p['confirm_by'])}.")
    return text + (f" “{p['note']}”" if p.get("note") else "")


_CAN_STILL_CANCEL = " The buyer can still cancel the order and order again."

DESCRIBE = {
    "OrderPlaced": lambda p: f"Order placed: {_money(p['total'])}.",
    "OrderPaid": lambda p: f"Paid {_money(p['amount'])} by {payment_method_label(p['method'])}.",
    "UnpaidOrderCancelled": lambda p: "The buyer cancelled the unpaid order.",
    "UnpaidOrderTimedOut": lambda p: "Closed: not paid within the time allowed.",
    "PriceLowered": lambda p: f"The seller lowered the price from {_money(p['old_total'])} to "
    f"{_money(p['new_total'])}." + (f" “{p['note']}”" if p.get("note") else ""),
    "CancellationRequested": lambda p: f"Cancellation requested: {_reason(p['reason'])}.",
    "SupplierReported": lambda p: "The buyer reported the supplier (kept for the dispute team).",
    "CancellationApproved": lambda p: "The seller approved the cancellation."
    + (f" “{p['note']}”" if p.get("note") else ""),
    "CancellationAutoApproved": lambda p: "Cancellation approved automatically: the seller did "
    "not answer in time.",
    "CancellationRefused": lambda p: _refused(p),
    "CancellationWithdrawn": lambda p: "The buyer withdrew the cancellation request.",
    "CancellationRefusedByShipment": lambda p: "The cancellation request was refused because "
    "the seller shipped the order.",
    "OrderShipped": lambda p: f"Shipped with {p['carrier']}, tracking number "
    f"{p['tracking_number']}." + _promised(p),
    "OrderNotShippedInTime": lambda p: "Closed: the seller did not ship in time.",
    "RefundCreated": lambda p: f"Refund of {_money(p['amount'])} decided, to the "
    f"{payment_method_label(p['method'])} used for payment.",
    "RefundStarted": lambda p: f"Refund of {_money(p['amount'])} sent to the payment provider.",
    "RefundAttemptFailed": lambda p: f"Refund attempt {p['attempt']} failed; retrying.",
    "RefundArrived": lambda p: f"Refund of {_money(p['amount'])} arrived.",
    "RefundFlaggedOverdue": lambda p: "Refund overdue: flagged for support.",
    "RefundFlaggedNotStarted": lambda p: "Refund not started within one working day: flagged "
    "for support.",
    "RefundFailed": lambda p: f"Refund of {_money(p['amount'])} failed: "
    f"{p['failure_message']} The buyer can give the renewed "
    f"{payment_method_label(p['method'])}; support then sends it again.",
    "RefundDestinationUpdated": lambda p: "The buyer gave renewed "
    f"{payment_method_label(p['method'])} details for refunds.",
    "RefundRetried": lambda p: f"Support sent the failed refund #{p['retry_of']} of "
    f"{_money(p['amount'])} again.",
    "SellerReminded": lambda p: "The seller was reminded: the platform acts by itself at "
    f"{_at(p['due_at'])}.",
    "BuyerReminded": lambda p: "The buyer was reminded: "
    + BUYER_REMINDED.get(p["about"], "a deadline passes") + f" at {_at(p['due_at'])}.",
    "PromisedDeliveryPassed": lambda p: f"Not delivered by the promised {_at(p['deliver_by'])}: "
    "the buyer may open a dispute for non-delivery.",
    "BuyerProtectionEnded": lambda p: "Buyer protection ended: no dispute can be opened now.",
    "ParcelInTransit": lambda p: f"In transit ({p['location'] or 'no location given'}).",
    "ParcelDelivered": lambda p: "Delivered, says the carrier.",
    "ShipmentCanceled": lambda p: "Shipment canceled: "
    + VOID_CAUSES.get(p["cause"], p["cause"])
    + ". The seller owes a new shipment or a full refund." + _quoted_note(p),
    "ShipmentReassigned": lambda p: f"Shipped again with {p['carrier']}, tracking number "
    f"{p['tracking_number']}." + _promised(p),
    "ShipmentCanceledRefunded": lambda p: "The seller refunds the canceled shipment in full.",
    "ShipmentCanceledDeclined": lambda p: f"The seller declined to reship or refund: "
    f"“{p['note']}”",
    "ShipmentCanceledUnanswered": lambda p: "The seller did not answer in 7 days; the buyer "
    "may open a dispute.",
    "OrderCompleted": lambda p: "Completed: " + ("the buyer confirmed receipt."
                                                if p["by"] == "buyer_confirmed"
                                                else "delivered and no dispute in time.")
    + (f" Buyer protection until {_at(p['dispute_until'])}." if p.get("dispute_until") else ""),
    "DisputeRequested": lambda p: f"The buyer asked to open a dispute: “{p['reason']}”",
    **DISPUTE_DESCRIBE,
    "CouponReturned": lambda p: f"Coupon {p['code']} is yours to use again: everything it paid "
    "for is cancelled.",
    "BuyerMessaged": lambda p: "The buyer sent a message" + _with_files(p["attachments"]),
    "SellerMessaged": lambda p: "The seller sent a message" + _with_files(p["attachments"]),
    "SupportMessaged": lambda p: _("Support wrote to the buyer and the seller")
    + _with_files(p["attachments"]),
    "GoodwillRefundGranted": lambda p: _("Support granted a goodwill refund of %(amount)s: "
                                         "“%(reason)s”") % {"amount": _money(p["amount"]),
                                                            "reason": p["reason"]},
    "DisputeClaimed": lambda p: (_("%(agent)s took the dispute over from %(other)s.")
                                 if p.get("took_over_from") else
                                 _("%(agent)s claimed the dispute.")) % {
        "agent": p["agent"], "other": p.get("took_over_from", "")},
    "DisputeReleased": lambda p: _("%(agent)s put the dispute back in the queue.") % {
        "agent": p["agent"]},
    "CouponNotReturned": lambda p: f"Coupon {p['code']} does not come back. "
    f"{FATE_TEXT.get(p['reason'], '')}",
    "ChangeRequested": _change_asked,
    "ChangeAccepted": _change_accepted,
    "ChangeRefused": lambda p: f"The seller refused the change: “{p['note']}”" + _CAN_STILL_CANCEL,
    "ChangeAutoRefused": lambda p: "Change refused automatically: the seller did not answer in "
    "time." + _CAN_STILL_CANCEL,
    "ChangeWithdrawn": lambda p: "The buyer withdrew the change request.",
    "ChangeSuperseded": lambda p: "The change request ended: the buyer asked to cancel instead.",
    "ChangeRefusedByShipment": lambda p: "The change request was refused because the seller "
    "shipped the order.",
    "ExtraCharged": lambda p: f"Extra charge of {_money(p['amount'])} paid by "
    f"{payment_method_label(p['method'])}.",
    "ExtraChargeDeclined": lambda p: "The buyer declined the extra charge; the order stays as "
    "it was.",
    "ExtraChargeLapsed": lambda p: "The extra charge was not confirmed in time; the order stays "
    "as it was.",
    "ChangeApplied": lambda p: f"The order was changed: it now costs {_money(p['price_after'])} "
    f"(was {_money(p['price_before'])}).",
}


def describe(kind: str, params: dict) -> str:
    describer = DESCRIBE.get(kind)
    return describer(params) if describer else kind
