"""The order page's money table: every amount shown once, so the rows add up (R3).

The rule: the lines at list price (unit price × quantity), the shipping fee, one row per
coupon and per price cut by the seller (subtracted), and what a change of items moved after
payment (added), sum exactly, to the cent, to the order's total: what the buyer pays or paid.
A line's discount is never subtracted from the line itself: it is shown once, in the row of the
coupon or price cut it came from. Refunds come after the total, as a block of their own: they
give money back, they do not change what was charged.

A change of items after payment (R13) keeps the total as charged: a cheaper change refunds the
difference, so the table shows it added back ("paid before the change"); a discount the new
items could not carry (R3, domain.changes.discounts_kept) is added back the same way; an extra
charge taken for a change that then did not apply is refunded, and shown added too.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy

from rescind.aftersale.models import ChangeRequest
from rescind.coupons.models import CouponUse
from rescind.orders.models import Order
from rescind.statements import rows_where

logger = logging.getLogger(__name__)

COUPON_LABELS = {
    "platform": gettext_lazy("Coupon %(code)s"),
    "seller": gettext_lazy("Store coupon %(code)s"),
    "promo": gettext_lazy("Promo code %(code)s"),
}
SHIPPING = gettext_lazy("Shipping")
PRICE_CUT = gettext_lazy("Price lowered by the seller")
CHEAPER_CHANGE = gettext_lazy("Paid before the change of items (the difference is refunded)")
DISCOUNT_DROPPED = gettext_lazy("Discount the changed items could not carry")
CHARGE_NOT_APPLIED = gettext_lazy("Extra charge for a change that did not go ahead (refunded)")
REFUNDED = gettext_lazy("Refunded")
PAID_AFTER_REFUNDS = gettext_lazy("Paid after refunds")


@dataclass(frozen=True, slots=True)
class ChangeMoney:
    """What one change request did to the money: its price difference, whether it applied,
    whether an extra charge was taken, and the discount its lines gave up."""

    difference: int
    applied: bool
    charged: bool
    discount_dropped: int


def money_rows(*, currency: str, line_amounts: Sequence[int], shipping_fee: int,
               coupons: Sequence[tuple[str, str, int]], price_cuts: Sequence[int],
               changes: Sequence[ChangeMoney], total: int, refunded: int) -> dict[str, Any]:
    """The signed rows of the money table (R3). `line_amounts`: each line at list price;
    `coupons`: (code, kind, amount) per coupon; `price_cuts`: each price cut by the seller.
    Each row is {"label", "sign": "+" or "-", "amount": money}; `lines` holds the lines'
    amounts in order; `adds_up` says whether lines and rows sum to `total`."""
    def money(amount: int) -> dict[str, Any]:
        return {"amount": amount, "currency": currency}

    rows = [(SHIPPING, shipping_fee)]
    rows += [(str(COUPON_LABELS.get(kind, COUPON_LABELS["platform"])) % {"code": code}, -amount)
             for code, kind, amount in coupons if amount]
    rows += [(PRICE_CUT, -cut) for cut in price_cuts if cut]
    for change in changes:
        if change.applied and change.discount_dropped:
            rows.append((DISCOUNT_DROPPED, change.discount_dropped))
        if change.applied and change.difference < 0:
            rows.append((CHEAPER_CHANGE, -change.difference))
        if change.charged and not change.applied:
            rows.append((CHARGE_NOT_APPLIED, change.difference))
    refunds = [
        {"label": REFUNDED, "sign": "-", "amount": money(refunded)},
        {"label": PAID_AFTER_REFUNDS, "sign": "+", "amount": money(total - refunded)},
    ] if refunded else []
    return {
        "lines": [money(amount) for amount in line_amounts],
        "rows": [{"label": label, "sign": "-" if signed < 0 else "+", "amount": money(abs(signed))}
                 for label, signed in rows],
        "total": money(total),
        "refunds": refunds,
        "adds_up": sum(line_amounts) + sum(signed for _, signed in rows) == total,
    }


def order_money(order: Order, detail: dict[str, Any]) -> dict[str, Any]:
    """The money table of `order`, whose `order_detail` is `detail`: its lines (each with the
    line's detail as `line`), rows, total and refunds. Reads the coupon uses only if the order
    has a discount, and the change requests only if its timeline shows a change's money."""
    lines = detail["lines"]
    coupons: list[tuple[str, str, int]] = []
    if order.discount_total:
        coupons = _coupon_totals(CouponUse.objects.filter(order_id=order.pk).select_related(
            "coupon").order_by("coupon_id", "pk"))
    price_cuts = [p["old_total"]["amount"] - p["new_total"]["amount"]
                  for p in _params(detail, "PriceLowered")]
    changes: list[ChangeMoney] = []
    if any(e["kind"] in ("ChangeApplied", "ExtraCharged") for e in detail["timeline"]):
        changes = [_change_money(c) for c in rows_where(ChangeRequest, "order_id", order.pk)]
    table = money_rows(
        currency=order.currency,
        line_amounts=[line["unit_price"]["amount"] * line["quantity"] for line in lines],
        shipping_fee=order.shipping_fee, coupons=coupons, price_cuts=price_cuts,
        changes=changes, total=order.total, refunded=order.refunded)
    table["lines"] = [{"line": line, "amount": amount}
                      for line, amount in zip(lines, table["lines"], strict=True)]
    if not table["adds_up"]:  # a broken R3 invariant in the stored amounts: say so loudly
        logger.error("order %s: the money rows do not add up to its total %s", order.pk,
                     order.total)
    return table


def _params(detail: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [e["params"] for e in detail["timeline"] if e["kind"] == kind]


def _coupon_totals(uses: Iterable[CouponUse]) -> list[tuple[str, str, int]]:
    totals: dict[str, list] = {}
    for use in uses:
        totals.setdefault(use.coupon.code, [use.coupon.code, use.coupon.kind, 0])[2] += use.amount
    return [(code, kind, amount) for code, kind, amount in totals.values()]


def _change_money(change: ChangeRequest) -> ChangeMoney:
    dropped = sum(entry["before"]["discount"]["amount"] - entry["after"]["discount"]["amount"]
                  for entry in change.lines)
    return ChangeMoney(difference=change.price_after - change.price_before,
                       applied=change.state == ChangeRequest.State.APPLIED,
                       charged=change.charged_at is not None, discount_dropped=dropped)
