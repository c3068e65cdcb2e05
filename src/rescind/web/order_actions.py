"""What an order's action buttons say, and how each action on an order list is done (issue 13).

Paying says what it pays: one payment covers every unpaid order of a checkout (R1), so the
"Pay now" button shows the amount of all of them and its confirmation names each order and the
payment method. Cancelling an unpaid order (R4) and confirming receipt (R15, R18) ask first.

On a list, an action is never dead text: paying, cancelling an unpaid order, confirming receipt
and adding to the cart again are forms posted from the list (the first three confirmed); every
other action is a link to the place on the order page where it is done.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from rescind.config import policy
from rescind.domain.money import Money
from rescind.orders.models import Order
from rescind.web.labels import payment_method_label
from rescind.web.money_format import money_text

# Done from the list by posting a form: action -> the order-action slug.
POSTED = {"cancel": "cancel", "confirm_receipt": "confirm-receipt",
          "add_to_cart_again": "add-to-cart-again"}
# Done on the order page: action -> the id of the part of the page where it is done.
ON_ORDER_PAGE = {
    "request_cancellation": "cancel-form",
    "open_dispute": "dispute-form", "dispute_not_received": "dispute-form",
    "request_change": "change-request", "withdraw_change": "change-request",
    "confirm_extra_charge": "change-request", "decline_extra_charge": "change-request",
    "accept_change": "change-request", "refuse_change": "change-request",
}
ACTIONS_PART = "actions"  # every other action: the order page's actions


def order_numbers(order_ids: Iterable[int]) -> str:
    """'order #1', 'orders #1 and #2', 'orders #1, #2 and #3'."""
    numbers = [f"#{order_id}" for order_id in order_ids]
    if len(numbers) == 1:
        return _("order %(number)s") % {"number": numbers[0]}
    return _("orders %(numbers)s and %(last)s") % {"numbers": ", ".join(numbers[:-1]),
                                                   "last": numbers[-1]}


def pay_offers(checkout_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """For each checkout with unpaid orders, what its one payment pays (R1): the amount of
    every unpaid order (as payment_capture charges it), those orders and the method, with the
    texts of the button and its confirmation. One statement."""
    rows = (Order.objects.filter(checkout_id__in=set(checkout_ids), state="awaiting_payment")
            .order_by("pk").values_list("pk", "checkout_id", "total", "currency",
                                        "payment_method", "checkout__payment__id"))
    grouped: dict[int, list[tuple]] = {}
    for row in rows:
        grouped.setdefault(row[1], []).append(row)
    return {checkout_id: _offer(orders) for checkout_id, orders in grouped.items()}


def _offer(orders: list[tuple]) -> dict[str, Any]:
    currency, method, payment_id = orders[0][3:]
    amount = Money(sum(row[2] for row in orders), currency)
    order_ids = [row[0] for row in orders]
    covers = order_numbers(order_ids)
    return {
        "payment_id": payment_id,
        "url": reverse("payment-pay", args=[payment_id]),
        "amount": amount.as_dict(),
        "order_ids": order_ids,
        "method_label": payment_method_label(method),
        "question": _("Pay %(amount)s for %(orders)s by %(method)s?") % {
            "amount": money_text(amount), "orders": covers,
            "method": payment_method_label(method)},
        "confirm_label": _("Pay %(amount)s") % {"amount": money_text(amount)},
        "covers": _("One payment for %(orders)s: they were bought together.") % {
            "orders": covers} if len(order_ids) > 1 else "",
    }


def cancel_question(order_id: int) -> str:
    """R4: cancelling an unpaid order is free and at once; ask first all the same."""
    return _("Cancel order #%(order)s? Nothing has been charged for it. You can add its items "
             "to your cart again afterwards.") % {"order": order_id}


def confirm_receipt_question(order_id: int) -> str:
    """R15, R18: the order completes; buyer protection still runs for a while."""
    days = policy().r18_protection_after_completion.days
    return ngettext("Confirm you received order #%(order)s? The order completes; you can "
                    "still open a dispute for %(days)s day.",
                    "Confirm you received order #%(order)s? The order completes; you can "
                    "still open a dispute for %(days)s days.", days) % {
        "order": order_id, "days": days}


def list_actions(row: dict[str, Any], offers: dict[int, dict[str, Any]]) -> list[dict[str, Any]]:
    """The actions of one list row (an `order_summary`), each a form to post ({"post": url,
    "confirm", "confirm_label", "style"}) or a link ({"href"}), with its label; "pay" also
    carries the amount it pays."""
    order_id = row["id"]
    page = reverse("order", args=[order_id])
    done = []
    for action in row["actions"]:
        name, label = action["action"], action["label"]
        offer = offers.get(row["checkout_id"]) if name == "pay" else None
        if offer is not None:
            done.append({"action": name, "label": label, "amount": offer["amount"],
                         "post": offer["url"], "confirm": offer["question"],
                         "confirm_label": offer["confirm_label"], "style": ""})
        elif name in POSTED:
            confirm, confirm_label, style = {
                "cancel": (cancel_question(order_id), _("Cancel order"), "destructive"),
                "confirm_receipt": (confirm_receipt_question(order_id), _("Confirm receipt"),
                                    ""),
            }.get(name, ("", "", "secondary"))
            done.append({"action": name, "label": label,
                         "post": reverse("order-action", args=[order_id, POSTED[name]]),
                         "confirm": confirm, "confirm_label": confirm_label, "style": style})
        else:
            part = ON_ORDER_PAGE.get(name, ACTIONS_PART)
            done.append({"action": name, "label": label, "href": f"{page}#{part}"})
    return done
