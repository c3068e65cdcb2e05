"""Timeline entries in words, for the order page (R29).

An entry is stored as its kind and parameters (orders.TimelineEntry), never as text: it is put
in words here when a page shows it, in the reader's active language (issue 15)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from rescind.domain.refusals import LEGACY_REFUSAL_REASON
from rescind.web.dispute_timeline import DISPUTE_DESCRIBE, quoted, when_text
from rescind.web.labels import (
    cancellation_reason_label,
    coupon_fate_text,
    payment_method_label,
    refusal_reason_label,
)
from rescind.web.money_format import money_text

# R27: what happens when the deadline the buyer was reminded of passes.
BUYER_REMINDED = {
    "unpaid_timeout": gettext_lazy("The buyer was reminded: the order closes unpaid at %(at)s."),
    "extra_charge_confirmation": gettext_lazy("The buyer was reminded: the extra charge lapses at "
                                       "%(at)s."),
    "buyer_protection": gettext_lazy("The buyer was reminded: buyer protection ends at %(at)s."),
}


_at = when_text
_quoted_note = quoted


def _promised(p: dict) -> str:
    return (" " + _("Delivery promised by %(at)s.") % {"at": _at(p["deliver_by"])}
            if p.get("deliver_by") else "")


def _money(value: dict) -> str:
    return money_text(value)


def _refused(p: dict) -> str:
    """R11: the refusal's reason code in words, then the seller's note if any."""
    reason = refusal_reason_label(p.get("reason_code") or LEGACY_REFUSAL_REASON,
                                  in_sentence=True)
    return (_("The seller refused the cancellation: %(reason)s.") % {"reason": reason}
            + quoted(p.get("note")))


# R16: why a shipment was canceled, and by whom.
VOID_CAUSES = {
    "tracking_invalid": gettext_lazy("Shipment canceled: the carrier dropped the parcel."),
    "voided_by_seller": gettext_lazy("Shipment canceled: the seller voided the shipment."),
    "canceled_by_platform": gettext_lazy("Shipment canceled: canceled by platform support on the "
                                  "seller's behalf."),
}


def _shipment_canceled(p: dict) -> str:
    cause = VOID_CAUSES.get(p["cause"])
    said = str(cause) if cause else _("Shipment canceled: %(cause)s.") % {"cause": p["cause"]}
    return (said + " " + _("The seller owes a new shipment or a full refund.")
            + _quoted_note(p))


def line_change_text(entry: dict) -> str:
    before, after = entry["before"], entry["after"]
    parts = [f"{before['product_name']} → {after['product_name']}"] \
        if after["product_id"] != before["product_id"] else []
    parts += [f"{name} {before['options'].get(name, '—')} → {value}"
              for name, value in after["options"].items() if before["options"].get(name) != value]
    if after["quantity"] != before["quantity"]:
        parts.append(_("quantity %(before)s → %(after)s") % {
            "before": before["quantity"], "after": after["quantity"]})
    return _("line %(line)s (%(product)s): %(changes)s") % {
        "line": entry["line"], "product": before["product_name"],
        "changes": ", ".join(parts) or _("its share of the discount")}


def _change_asked(p: dict) -> str:
    asked = [line_change_text(entry) for entry in p["lines"]]
    if p["delivery"]:
        asked.append(_("the delivery details"))
    return _("The buyer asked to change %(changes)s. Price %(before)s → %(after)s.") % {
        "changes": "; ".join(asked), "before": _money(p["price_before"]),
        "after": _money(p["price_after"])}


def _change_accepted(p: dict) -> str:
    text = _("The seller accepted the change.")
    if p["extra_charge"]["amount"] > 0:
        text += " " + _("It costs %(amount)s more: the buyer confirms the extra charge by "
                        "%(at)s.") % {"amount": _money(p["extra_charge"]),
                                      "at": _at(p["confirm_by"])}
    return text + _quoted_note(p)


def _can_still_cancel() -> str:
    return " " + _("The buyer can still cancel the order and order again.")


def _completed(p: dict) -> str:
    text = (_("Completed: the buyer confirmed receipt.") if p["by"] == "buyer_confirmed"
            else _("Completed: delivered and no dispute in time."))
    if p.get("dispute_until"):
        text += " " + _("Buyer protection until %(at)s.") % {"at": _at(p["dispute_until"])}
    return text


def _shipped(p: dict, again: bool) -> str:
    values = {"carrier": p["carrier"], "tracking": p["tracking_number"]}
    said = (_("Shipped again with %(carrier)s, tracking number %(tracking)s.") if again
            else _("Shipped with %(carrier)s, tracking number %(tracking)s."))
    return said % values + _promised(p)


DESCRIBE = {
    "OrderPlaced": lambda p: _("Order placed: %(total)s.") % {"total": _money(p["total"])},
    "OrderPaid": lambda p: _("Paid %(amount)s by %(method)s.") % {
        "amount": _money(p["amount"]), "method": payment_method_label(p["method"])},
    "UnpaidOrderCancelled": lambda p: _("The buyer cancelled the unpaid order."),
    "UnpaidOrderTimedOut": lambda p: _("Closed: not paid within the time allowed."),
    "PriceLowered": lambda p: _("The seller lowered the price from %(old)s to %(new)s.") % {
        "old": _money(p["old_total"]), "new": _money(p["new_total"])} + _quoted_note(p),
    "CancellationRequested": lambda p: _("Cancellation requested: %(reason)s.") % {
        "reason": cancellation_reason_label(p["reason"])},
    "SupplierReported": lambda p: _("The buyer reported the supplier (kept for the dispute "
                                    "team)."),
    "CancellationApproved": lambda p: _("The seller approved the cancellation.")
    + _quoted_note(p),
    "CancellationAutoApproved": lambda p: _("Cancellation approved automatically: the seller "
                                            "did not answer in time."),
    "CancellationRefused": _refused,
    "CancellationWithdrawn": lambda p: _("The buyer withdrew the cancellation request."),
    "CancellationRefusedByShipment": lambda p: _("The cancellation request was refused because "
                                                 "the seller shipped the order."),
    "OrderShipped": lambda p: _shipped(p, again=False),
    "OrderNotShippedInTime": lambda p: _("Closed: the seller did not ship in time."),
    "RefundCreated": lambda p: _("Refund of %(amount)s decided, to the %(method)s used for "
                                 "payment.") % {"amount": _money(p["amount"]),
                                                "method": payment_method_label(p["method"])},
    "RefundStarted": lambda p: _("Refund of %(amount)s sent to the payment provider.") % {
        "amount": _money(p["amount"])},
    "RefundAttemptFailed": lambda p: _("Refund attempt %(attempt)s failed; retrying.") % {
        "attempt": p["attempt"]},
    "RefundArrived": lambda p: _("Refund of %(amount)s arrived.") % {
        "amount": _money(p["amount"])},
    "RefundFlaggedOverdue": lambda p: _("Refund overdue: flagged for support."),
    "RefundFlaggedNotStarted": lambda p: _("Refund not started within one working day: flagged "
                                           "for support."),
    "RefundFailed": lambda p: _("Refund of %(amount)s failed: %(why)s The buyer can give the "
                                "renewed %(method)s; support then sends it again.") % {
        "amount": _money(p["amount"]), "why": p["failure_message"],
        "method": payment_method_label(p["method"])},
    "RefundDestinationUpdated": lambda p: _("The buyer gave renewed %(method)s details for "
                                            "refunds.") % {
        "method": payment_method_label(p["method"])},
    "RefundRetried": lambda p: _("Support sent the failed refund #%(refund)s of %(amount)s "
                                 "again.") % {"refund": p["retry_of"],
                                              "amount": _money(p["amount"])},
    "SellerReminded": lambda p: _("The seller was reminded: the platform acts by itself at "
                                  "%(at)s.") % {"at": _at(p["due_at"])},
    "BuyerReminded": lambda p: str(BUYER_REMINDED.get(
        p["about"], gettext_lazy("The buyer was reminded: a deadline passes at %(at)s."))) % {
        "at": _at(p["due_at"])},
    "PromisedDeliveryPassed": lambda p: _("Not delivered by the promised %(at)s: the buyer may "
                                          "open a dispute for non-delivery.") % {
        "at": _at(p["deliver_by"])},
    "BuyerProtectionEnded": lambda p: _("Buyer protection ended: no dispute can be opened now."),
    "ParcelInTransit": lambda p: (_("In transit (%(location)s).") % {"location": p["location"]}
                                  if p["location"] else _("In transit (no location given).")),
    "ParcelDelivered": lambda p: _("Delivered, says the carrier."),
    "ShipmentCanceled": _shipment_canceled,
    "ShipmentReassigned": lambda p: _shipped(p, again=True),
    "ShipmentCanceledRefunded": lambda p: _("The seller refunds the canceled shipment in full."),
    "ShipmentCanceledDeclined": lambda p: _("The seller declined to reship or refund: "
                                            "“%(note)s”") % {"note": p["note"]},
    "ShipmentCanceledUnanswered": lambda p: _("The seller did not answer in 7 days; the buyer "
                                              "may open a dispute."),
    "OrderCompleted": _completed,
    "DisputeRequested": lambda p: _("The buyer asked to open a dispute: “%(reason)s”") % {
        "reason": p["reason"]},
    **DISPUTE_DESCRIBE,
    "CouponReturned": lambda p: _("Coupon %(code)s is yours to use again: everything it paid "
                                  "for is cancelled.") % {"code": p["code"]},
    "BuyerMessaged": lambda p: ngettext(
        "The buyer sent a message with %(count)s attachment.",
        "The buyer sent a message with %(count)s attachments.", p["attachments"]) % {
        "count": p["attachments"]} if p["attachments"] else _("The buyer sent a message."),
    "SellerMessaged": lambda p: ngettext(
        "The seller sent a message with %(count)s attachment.",
        "The seller sent a message with %(count)s attachments.", p["attachments"]) % {
        "count": p["attachments"]} if p["attachments"] else _("The seller sent a message."),
    "SupportMessaged": lambda p: ngettext(
        "Support wrote to the buyer and the seller with %(count)s attachment.",
        "Support wrote to the buyer and the seller with %(count)s attachments.",
        p["attachments"]) % {"count": p["attachments"]} if p["attachments"]
    else _("Support wrote to the buyer and the seller."),
    "GoodwillRefundGranted": lambda p: _("Support granted a goodwill refund of %(amount)s: "
                                         "“%(reason)s”") % {"amount": _money(p["amount"]),
                                                            "reason": p["reason"]},
    "DisputeClaimed": lambda p: (_("%(agent)s took the dispute over from %(other)s.")
                                 if p.get("took_over_from") else
                                 _("%(agent)s claimed the dispute.")) % {
        "agent": p["agent"], "other": p.get("took_over_from", "")},
    "DisputeReleased": lambda p: _("%(agent)s put the dispute back in the queue.") % {
        "agent": p["agent"]},
    "CouponNotReturned": lambda p: (_("Coupon %(code)s does not come back.") % {
        "code": p["code"]} + " " + coupon_fate_text(p["reason"])).rstrip(),
    "ChangeRequested": _change_asked,
    "ChangeAccepted": _change_accepted,
    "ChangeRefused": lambda p: _("The seller refused the change: “%(note)s”") % {
        "note": p["note"]} + _can_still_cancel(),
    "ChangeAutoRefused": lambda p: _("Change refused automatically: the seller did not answer "
                                     "in time.") + _can_still_cancel(),
    "ChangeWithdrawn": lambda p: _("The buyer withdrew the change request."),
    "ChangeSuperseded": lambda p: _("The change request ended: the buyer asked to cancel "
                                    "instead."),
    "ChangeRefusedByShipment": lambda p: _("The change request was refused because the seller "
                                           "shipped the order."),
    "ExtraCharged": lambda p: _("Extra charge of %(amount)s paid by %(method)s.") % {
        "amount": _money(p["amount"]), "method": payment_method_label(p["method"])},
    "ExtraChargeDeclined": lambda p: _("The buyer declined the extra charge; the order stays as "
                                       "it was."),
    "ExtraChargeLapsed": lambda p: _("The extra charge was not confirmed in time; the order "
                                     "stays as it was."),
    "ChangeApplied": lambda p: _("The order was changed: it now costs %(after)s (was "
                                 "%(before)s).") % {"after": _money(p["price_after"]),
                                                    "before": _money(p["price_before"])},
}


def describe(kind: str, params: dict) -> str:
    """An entry in words, in the active language (the reader's)."""
    describer = DESCRIBE.get(kind)
    return describer(params) if describer else kind
