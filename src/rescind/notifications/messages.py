"""The words of each notification, translatable (Django i18n); English is the source."""

from __future__ import annotations

from django.utils.translation import gettext as _

from rescind.domain.money import Money


def _money(value: dict) -> str:
    return Money(value["amount"], value["currency"]).format()


def _when(value: str) -> str:
    return value.replace("T", " ")[:16] + " UTC"


TITLES = {
    "OrderPaid": lambda o, p: _("Order #%(order)s is paid: please ship it") % o,
    "UnpaidOrderCancelled": lambda o, p: _("Order #%(order)s was cancelled before payment") % o,
    "UnpaidOrderTimedOut": lambda o, p: _("Order #%(order)s closed: not paid in time") % o,
    "PriceLowered": lambda o, p: _("The seller lowered the price of order #%(order)s to "
                                   "%(total)s") % {**o, "total": _money(p["new_total"])},
    "CancellationRequested": lambda o, p: _(
        "Cancellation requested for order #%(order)s: answer by %(by)s") % {
        **o, "by": _when(p["respond_by"])},
    "SupplierReported": lambda o, p: _("A buyer reported the supplier of order #%(order)s") % o,
    "CancellationApproved": lambda o, p: _(
        "Order #%(order)s is cancelled: your refund is on its way") % o,
    "CancellationAutoApproved": lambda o, p: _(
        "Order #%(order)s was cancelled automatically: the seller did not answer in time") % o,
    "CancellationRefused": lambda o, p: _(
        "The seller refused to cancel order #%(order)s: “%(note)s”") % {**o, "note": p["note"]},
    "CancellationWithdrawn": lambda o, p: _(
        "The buyer withdrew the cancellation request for order #%(order)s") % o,
    "CancellationRefusedByShipment": lambda o, p: _(
        "Order #%(order)s has shipped, so it can no longer be cancelled") % o,
    "OrderShipped": lambda o, p: _("Order #%(order)s has shipped: %(carrier)s %(tracking)s") % {
        **o, "carrier": p["carrier"], "tracking": p["tracking_number"]},
    "OrderNotShippedInTime": lambda o, p: _(
        "Order #%(order)s closed: not shipped in time; the buyer is refunded in full") % o,
    "SellerReminded": lambda o, p: _(
        "Reminder: act on order #%(order)s by %(by)s") % {**o, "by": _when(p["due_at"])},
    "RefundStarted": lambda o, p: _("Your refund of %(amount)s for order #%(order)s has "
                                    "started") % {**o, "amount": _money(p["amount"])},
    "RefundArrived": lambda o, p: _("Your refund of %(amount)s for order #%(order)s has "
                                    "arrived") % {**o, "amount": _money(p["amount"])},
    "RefundFlaggedOverdue": lambda o, p: _(
        "Overdue refund on order #%(order)s: it was due by %(by)s") % {
        **o, "by": _when(p["arrive_by"])},
    "CouponReturned": lambda o, p: _("Coupon %(code)s is yours to use again") % {
        **o, "code": p["code"]},
}

BODIES = {
    "SellerReminded": lambda o, p: _(
        "If you do nothing, the platform acts by itself at that time."),
    "CancellationRequested": lambda o, p: _(
        "If you do not answer in time, the request is approved automatically."),
    "RefundStarted": lambda o, p: _(
        "It goes back to the payment method you used for the order."),
}


def notification_text(kind: str, order_id: int, params: dict) -> tuple[str, str]:
    """(title, body) for an event of `kind` on order `order_id`."""
    values = {"order": order_id}
    title = TITLES[kind](values, params)
    body_of = BODIES.get(kind)
    return title, (body_of(values, params) if body_of else "")
