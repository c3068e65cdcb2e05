"""The cancellation quote for one order, as its buyer would see it (R4, R7-R10, R21-R26)."""

from __future__ import annotations

from datetime import datetime

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from rescind.accounts.parties import require_party
from rescind.config import calendar, policy
from rescind.coupons.services import coupons_on_order
from rescind.domain.actions import Party
from rescind.domain.coupons import FATE_TEXT
from rescind.domain.errors import DomainError, ErrorKind
from rescind.domain.quote import CancellationQuote, quote_cancellation, quote_pending_request
from rescind.orders.models import Order
from rescind.orders.recording import order_facts


def cancellation_quote(*, order_id: int, user, reason: str | None,
                       now: datetime) -> CancellationQuote:
    """What cancelling the order now would do: refund and where, by when, coupons, approval."""
    order = Order.objects.filter(pk=order_id).first()
    if order is None:
        raise DomainError("order_not_found", _("No such order."), kind=ErrorKind.NOT_FOUND)
    require_party(user, order, Party.BUYER)
    return quote_cancellation(order_facts(order), coupons_on_order(order), reason=reason, now=now,
                              policy=policy(), calendar=calendar())


def pending_request_quote(order: Order, *, now: datetime) -> dict | None:
    """What the order's pending cancellation request will do (R10, R21-R26), as `quote_read`
    gives it; None without a pending request. The reader is checked by the caller."""
    facts = order_facts(order)
    if facts.pending_request is None:
        return None
    return quote_read(quote_pending_request(facts, coupons_on_order(order), now=now,
                                            policy=policy(), calendar=calendar()))


def quote_read(quote: CancellationQuote) -> dict:
    """The quote as pages and API show it."""
    return {
        "needs_seller_approval": quote.needs_seller_approval,
        "refund": quote.refund.as_dict() if quote.refund else None,
        "refund_method": quote.refund_method,
        "refund_arrive_by": quote.refund_arrive_by,
        "refund_arrive_by_latest": quote.refund_arrive_by_latest,
        "seller_respond_by": quote.seller_respond_by,
        "reason": quote.reason,
        "reason_side": quote.reason_side.value if quote.reason_side else None,
        "counts_against_seller": quote.counts_against_seller,
        "coupons": [{"id": f.coupon_id, "url": f"/api/v1/coupons/{f.coupon_id}",
                     "code": f.code, "kind": f.kind.value, "returned": f.returned,
                     "reason": f.reason, "explanation": gettext(FATE_TEXT[f.reason])}
                    for f in quote.coupons],
    }
