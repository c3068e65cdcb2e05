"""The words of each notification, translatable (Django i18n); English is the source."""

from __future__ import annotations

from datetime import UTC, datetime

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from rescind.domain.actions import Party
from rescind.moments.instants import instant_words
from rescind.web.labels import payment_method_label as method_in_sentence
from rescind.web.labels import refusal_reason_label
from rescind.web.money_format import money_text

B, S = Party.BUYER, Party.SELLER

PAYMENT_METHOD_LABELS = {
    "bank_card": gettext_noop("Bank card"),
    "e_wallet": gettext_noop("E-wallet"),
    "bank_transfer": gettext_noop("Bank transfer"),
}


def payment_method_label(method: str) -> str:
    """'bank_card' -> 'Bank card': the name a person knows the payment method by."""
    label = PAYMENT_METHOD_LABELS.get(method)
    return _(label) if label else method.replace("_", " ")


def _money(value: dict) -> str:
    return money_text(value)


def when_text(value: str | datetime) -> str:
    """An instant as every notification shows it, in the reader's time zone and language
    (rescind.moments; accounts.reading.as_reader activates them): 'Fri 6 Mar 2026, 11:00 UTC'."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return instant_words(value)



def _change_accepted(o: dict, p: dict) -> str:
    if p["extra_charge"]["amount"] > 0:
        return _("The seller accepted your change to order #%(order)s: confirm the extra "
                 "charge of %(amount)s by %(by)s") % {
            **o, "amount": _money(p["extra_charge"]), "by": when_text(p["confirm_by"])}
    return _("The seller accepted your change to order #%(order)s") % o


# R27: what the platform does by itself if the reminded party lets the deadline pass.
REMINDER_BODIES = {
    "seller_response": gettext_noop(
        "If you do not answer the cancellation request by then, it is approved automatically "
        "and the buyer is refunded."),
    "handling_time": gettext_noop(
        "If the order has not shipped by then, it closes and the buyer is refunded in full."),
    "change_request_response": gettext_noop(
        "If you do not answer the change request by then, it is refused automatically."),
    "shipment_canceled_reply": gettext_noop(
        "If you neither ship again nor refund by then, the buyer may open a dispute."),
    "dispute_response": gettext_noop(
        "If you do not answer the dispute by then, the buyer's claim is accepted."),
    "return_confirmation": gettext_noop(
        "If you do not confirm the returned item by then, it counts as received and the buyer "
        "is refunded."),
    "unpaid_timeout": gettext_noop("An order not paid by then closes by itself."),
    "extra_charge_confirmation": gettext_noop(
        "If you do not confirm by then, the change lapses and the order stays as it was."),
    "buyer_protection": gettext_noop("After that, no dispute can be opened on this order."),
}
BUYER_REMINDER_TITLES = {
    "unpaid_timeout": gettext_noop("Reminder: pay for order #%(order)s by %(by)s, or it closes"),
    "extra_charge_confirmation": gettext_noop(
        "Reminder: confirm the extra charge for order #%(order)s by %(by)s"),
    "buyer_protection": gettext_noop(
        "Buyer protection of order #%(order)s ends on %(by)s: open a dispute before then if "
        "something is wrong"),
}


def _reminder_body(o: dict, p: dict) -> str:
    body = REMINDER_BODIES.get(p["about"])
    return _(body) if body else _("If you do nothing, the platform acts by itself at that time.")


TITLES = {
    "OrderPaid": lambda o, p: _("Order #%(order)s is paid: please ship it") % o,
    "UnpaidOrderCancelled": lambda o, p: _("Order #%(order)s was cancelled before payment") % o,
    "UnpaidOrderTimedOut": lambda o, p: _("Order #%(order)s closed: not paid in time") % o,
    "PriceLowered": lambda o, p: _("The seller lowered the price of order #%(order)s to "
                                   "%(total)s") % {**o, "total": _money(p["new_total"])},
    "CancellationRequested": lambda o, p: _(
        "Cancellation requested for order #%(order)s: answer by %(by)s") % {
        **o, "by": when_text(p["respond_by"])},
    "SupplierReported": lambda o, p: _("A buyer reported the supplier of order #%(order)s") % o,
    "CancellationApproved": lambda o, p: _(
        "Order #%(order)s is cancelled: your refund is on its way") % o,
    "CancellationAutoApproved": lambda o, p: _(
        "Order #%(order)s was cancelled automatically: the seller did not answer in time") % o,
    "CancellationRefused": lambda o, p: _(
        "The seller refused to cancel order #%(order)s: %(reason)s") % {
        **o, "reason": refusal_reason_label(p.get("reason_code") or "other", in_sentence=True)}
    + (". " + _("“%(note)s”") % {"note": p["note"]} if p.get("note") else ""),
    "CancellationWithdrawn": lambda o, p: _(
        "The buyer withdrew the cancellation request for order #%(order)s") % o,
    "CancellationRefusedByShipment": lambda o, p: _(
        "Order #%(order)s has shipped, so it can no longer be cancelled") % o,
    "OrderShipped": lambda o, p: _("Order #%(order)s has shipped: %(carrier)s %(tracking)s") % {
        **o, "carrier": p["carrier"], "tracking": p["tracking_number"]},
    "PromisedDeliveryPassed": lambda o, p: _(
        "Order #%(order)s was promised by %(by)s and has not been delivered: the buyer may "
        "open a dispute for non-delivery") % {**o, "by": when_text(p["deliver_by"])},
    "BuyerReminded": lambda o, p: _(BUYER_REMINDER_TITLES.get(
        p["about"], gettext_noop("Reminder: act on order #%(order)s by %(by)s"))) % {
        **o, "by": when_text(p["due_at"])},
    "BuyerProtectionEnded": lambda o, p: _(
        "Buyer protection of order #%(order)s has ended") % o,
    "OrderNotShippedInTime": lambda o, p: _(
        "Order #%(order)s closed: not shipped in time; the buyer is refunded in full") % o,
    "SellerReminded": lambda o, p: _(
        "Reminder: act on order #%(order)s by %(by)s") % {**o, "by": when_text(p["due_at"])},
    "RefundStarted": lambda o, p: _("Your refund of %(amount)s for order #%(order)s has "
                                    "started") % {**o, "amount": _money(p["amount"])},
    "RefundArrived": lambda o, p: _("Your refund of %(amount)s for order #%(order)s has "
                                    "arrived") % {**o, "amount": _money(p["amount"])},
    "RefundFlaggedOverdue": lambda o, p: _(
        "Overdue refund on order #%(order)s: it was due by %(by)s") % {
        **o, "by": when_text(p["arrive_by"])},
    "RefundFlaggedNotStarted": lambda o, p: _(
        "Refund on order #%(order)s not started in time: it was due to start by %(by)s") % {
        **o, "by": when_text(p["start_by"])},
    "RefundFailed": lambda o, p: _(
        "Your refund of %(amount)s for order #%(order)s could not be paid: %(why)s") % {
        **o, "amount": _money(p["amount"]), "why": p["failure_message"]},
    "RefundDestinationUpdated": lambda o, p: _(
        "The buyer of order #%(order)s renewed their %(method)s for refunds: retry the failed "
        "refund") % {**o, "method": method_in_sentence(p["method"])},
    "RefundRetried": lambda o, p: _(
        "Your refund of %(amount)s for order #%(order)s is being sent again") % {
        **o, "amount": _money(p["amount"])},
    "CouponReturned": lambda o, p: _(
        "Coupon %(code)s is yours to use again: order #%(order)s was cancelled") % {
        **o, "code": p["code"]},
    "ParcelDelivered": lambda o, p: _("Order #%(order)s was delivered") % o,
    "ShipmentCanceled": lambda o, p: _(
        "Shipment canceled for order #%(order)s: the seller owes a new shipment or a full "
        "refund") % o,
    "ShipmentReassigned": lambda o, p: _(
        "Order #%(order)s was shipped again: %(carrier)s %(tracking)s") % {
        **o, "carrier": p["carrier"], "tracking": p["tracking_number"]},
    "ShipmentCanceledRefunded": lambda o, p: _(
        "Order #%(order)s: the seller refunds the canceled shipment in full") % o,
    "ShipmentCanceledDeclined": lambda o, p: _(
        "Order #%(order)s: the seller declined to ship again or refund; you may open a "
        "dispute") % o,
    "ShipmentCanceledUnanswered": lambda o, p: _(
        "Order #%(order)s: the seller did not answer about the canceled shipment in 7 days; "
        "the buyer may open a dispute") % o,
    "OrderCompleted": lambda o, p: _("Order #%(order)s is completed") % o,
    "DisputeRequested": lambda o, p: _("The buyer asks to open a dispute on order "
                                       "#%(order)s") % o,
    "DisputeOpened": lambda o, p: _(
        "The buyer opened a dispute on order #%(order)s asking for %(amount)s: answer by "
        "%(by)s") % {**o, "amount": _money(p["claim"]), "by": when_text(p["respond_by"])}
    if p["respond_by"] else _("The buyer of order #%(order)s reported the supplier: support "
                              "decides the dispute") % o,
    "DisputeSellerAccepted": lambda o, p: _(
        "The seller accepted your dispute on order #%(order)s") % o,
    "DisputeAutoAccepted": lambda o, p: _(
        "The dispute on order #%(order)s was accepted: the seller did not answer in time") % o,
    "DisputeSellerRefused": lambda o, p: _(
        "The seller refused your dispute on order #%(order)s: “%(note)s”") % {
        **o, "note": p["note"]},
    "DisputeSellerProposed": lambda o, p: _(
        "The seller proposes %(amount)s for your dispute on order #%(order)s") % {
        **o, "amount": _money(p["amount"])},
    "DisputeProposalAccepted": lambda o, p: _(
        "The buyer accepted your proposal of %(amount)s on order #%(order)s") % {
        **o, "amount": _money(p["amount"])},
    "DisputeEscalated": lambda o, p: _(
        "The dispute on order #%(order)s is with platform support now") % o,
    "DisputeDecided": lambda o, p: (_(
        "Dispute on order #%(order)s decided: %(amount)s back to the buyer once the item is "
        "returned") if p["return_item"] else _(
        "Dispute on order #%(order)s decided: %(amount)s back to the buyer")) % {
        **o, "amount": _money(p["refund"])},
    "DisputeReturnShipped": lambda o, p: _(
        "The buyer of order #%(order)s sent the item back: %(carrier)s %(tracking)s") % {
        **o, "carrier": p["carrier"], "tracking": p["tracking_number"]},
    "DisputeReturnDelivered": lambda o, p: _(
        "The returned item of order #%(order)s was delivered to the seller; the seller "
        "confirms by %(by)s") % {**o, "by": when_text(p["confirm_by"])},
    "DisputeReturnReceived": lambda o, p: _(
        "The seller has the returned item of order #%(order)s: your refund is on its way") % o,
    "DisputeResolved": lambda o, p: _("The dispute on order #%(order)s is resolved") % o,
    "BuyerMessaged": lambda o, p: _("The buyer of order #%(order)s sent you a message") % o,
    "SellerMessaged": lambda o, p: _("The seller of order #%(order)s sent you a message") % o,
    "SupportMessaged": lambda o, p: _("Platform support wrote to you about order #%(order)s")
    % o,
    "GoodwillRefundGranted": lambda o, p: _(
        "Platform support refunds you %(amount)s on order #%(order)s") % {
        **o, "amount": _money(p["amount"])},
    "DisputeClaimed": lambda o, p: _("A support agent took the dispute on order #%(order)s")
    % o,
    "DisputeReleased": lambda o, p: _("The dispute on order #%(order)s is back in the queue")
    % o,
    "ChangeRequested": lambda o, p: _(
        "The buyer asks to change order #%(order)s: answer by %(by)s") % {
        **o, "by": when_text(p["respond_by"])},
    "ChangeAccepted": _change_accepted,
    "ChangeRefused": lambda o, p: _(
        "The seller refused to change order #%(order)s: “%(note)s”") % {**o, "note": p["note"]},
    "ChangeAutoRefused": lambda o, p: _(
        "Order #%(order)s: the change request was refused, the seller did not answer in "
        "time") % o,
    "ChangeWithdrawn": lambda o, p: _(
        "The buyer withdrew the change request for order #%(order)s") % o,
    "ChangeSuperseded": lambda o, p: _(
        "The buyer of order #%(order)s asks to cancel it instead of changing it") % o,
    "ChangeRefusedByShipment": lambda o, p: _(
        "Order #%(order)s has shipped, so it can no longer be changed") % o,
    "ExtraCharged": lambda o, p: _(
        "The buyer paid the extra %(amount)s for the change to order #%(order)s") % {
        **o, "amount": _money(p["amount"])},
    "ExtraChargeDeclined": lambda o, p: _(
        "The buyer declined the extra charge: order #%(order)s stays as it was") % o,
    "ExtraChargeLapsed": lambda o, p: _(
        "The extra charge for order #%(order)s was not confirmed in time: the order stays as "
        "it was") % o,
}

BODIES = {
    "SellerReminded": _reminder_body,
    "BuyerReminded": _reminder_body,
    "OrderShipped": lambda o, p: _("Delivery is promised by %(by)s.") % {
        "by": when_text(p["deliver_by"])} if p.get("deliver_by") else "",
    "OrderCompleted": lambda o, p: _(
        "The buyer can open a dispute until %(by)s (buyer protection).") % {
        "by": when_text(p["dispute_until"])} if p.get("dispute_until") else "",
    "CancellationRequested": lambda o, p: _(
        "If you do not answer in time, the request is approved automatically."),
    "RefundStarted": lambda o, p: _(
        "It goes back to the payment method you used for the order."),
    "RefundFailed": lambda o, p: _(
        "Refunds can only go back to the %(method)s you paid with. Give its renewed details "
        "(a new card, a reopened account) on the order page; support then sends the refund "
        "again.") % {"method": method_in_sentence(p["method"])},
    "RefundRetried": lambda o, p: _(
        "It goes to the payment details you gave; expect it by %(by)s.") % {
        "by": when_text(p["arrive_by"])},
    "RefundDestinationUpdated": lambda o, p: _(
        "The failed refund is in the support queue with a Retry button."),
    "ChangeRequested": lambda o, p: _(
        "If you do not answer in time, the change is refused and the order stays as it was."),
    "ChangeAccepted": lambda o, p: _("Nothing is charged until you confirm.")
    if p["extra_charge"]["amount"] > 0 else _(
        "The order is changed; any difference in price comes back to your payment method."),
    "ChangeRefused": lambda o, p: _("You can still cancel the order and order again."),
    "DisputeOpened": lambda o, p: _(
        "If you do not answer in time, the buyer's claim is accepted."),
    "DisputeSellerProposed": lambda o, p: _(
        "Accept it, or take the dispute to support; without either it goes to support."),
    "ChangeAutoRefused": lambda o, p: _(
        "The buyer can still cancel the order and order again."),
}


# Events told to both sides, in the words of each: "you" is the reader (DESIGN.md, the faces).
ADDRESSED_TITLES = {
    ("CancellationAutoApproved", S): lambda o, p: _(
        "Order #%(order)s was cancelled automatically: you did not answer the request in "
        "time") % o,
    ("OrderNotShippedInTime", B): lambda o, p: _(
        "Order #%(order)s closed: the seller did not ship it in time; you are refunded in "
        "full") % o,
    ("OrderNotShippedInTime", S): lambda o, p: _(
        "Order #%(order)s closed: you did not ship it in time; the buyer is refunded in "
        "full") % o,
    ("ShipmentCanceled", B): lambda o, p: _(
        "Shipment canceled for order #%(order)s: the seller owes you a new shipment or a full "
        "refund") % o,
    ("ShipmentCanceled", S): lambda o, p: _(
        "Shipment canceled for order #%(order)s: ship it again or refund the buyer in "
        "full") % o,
    ("ShipmentCanceledUnanswered", B): lambda o, p: _(
        "Order #%(order)s: the seller did not answer about the canceled shipment in 7 days; "
        "you may open a dispute") % o,
    ("ShipmentCanceledUnanswered", S): lambda o, p: _(
        "Order #%(order)s: you did not answer about the canceled shipment in 7 days; the "
        "buyer may open a dispute") % o,
    ("PromisedDeliveryPassed", B): lambda o, p: _(
        "Order #%(order)s was promised by %(by)s and has not been delivered: you may open a "
        "dispute for non-delivery") % {**o, "by": when_text(p["deliver_by"])},
    ("DisputeAutoAccepted", S): lambda o, p: _(
        "The dispute on order #%(order)s was accepted: you did not answer in time") % o,
    ("DisputeDecided", B): lambda o, p: (_(
        "Dispute on order #%(order)s decided: %(amount)s back to you once you return the "
        "item") if p["return_item"] else _(
        "Dispute on order #%(order)s decided: %(amount)s back to you")) % {
        **o, "amount": _money(p["refund"])},
    ("DisputeReturnDelivered", B): lambda o, p: _(
        "The item you returned for order #%(order)s was delivered to the seller, who confirms "
        "by %(by)s") % {**o, "by": when_text(p["confirm_by"])},
    ("DisputeReturnDelivered", S): lambda o, p: _(
        "The returned item of order #%(order)s was delivered to you: confirm you have it by "
        "%(by)s") % {**o, "by": when_text(p["confirm_by"])},
    ("ChangeAutoRefused", B): lambda o, p: _(
        "Order #%(order)s: your change request was refused, the seller did not answer in "
        "time") % o,
    ("ChangeAutoRefused", S): lambda o, p: _(
        "Order #%(order)s: the change request was refused, you did not answer in time") % o,
}
ADDRESSED_BODIES = {
    ("ChangeAutoRefused", B): lambda o, p: _(
        "You can still cancel the order and order again."),
    ("OrderNotShippedInTime", B): lambda o, p: _(
        "The refund goes back to the payment method you used for the order."),
}


def notification_text(kind: str, order_id: int, params: dict,
                      reader: Party | None = None) -> tuple[str, str]:
    """(title, body) for an event of `kind` on order `order_id`, in the words of `reader`
    where the two sides are told differently."""
    values = {"order": order_id}
    title_of = ADDRESSED_TITLES.get((kind, reader), TITLES[kind])
    body_of = ADDRESSED_BODIES.get((kind, reader), BODIES.get(kind))
    return title_of(values, params), (body_of(values, params) if body_of else "")


def notification_shown(notification) -> tuple[str, str]:
    """(title, body) of a stored inbox row in the active language (the reader's): put in words
    again from its event's kind and parameters, in the words of the party it was addressed to
    (issue 15). A row stored before rows kept those shows the English it was stored with."""
    if not notification.party:
        return notification.title, notification.body
    return notification_text(notification.kind, notification.order_id, notification.params,
                             Party(notification.party))
