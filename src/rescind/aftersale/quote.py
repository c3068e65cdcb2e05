"""The cancellation quote for one order, as its buyer would see it (R4, R7-R10, R21-R26)."""

from __future__ import annotations

from datetime import datetime

from rescind.accounts.parties import require_party
from rescind.config import calendar, policy
from rescind.coupons.services import coupons_on_order
from rescind.domain.actions import Party
from rescind.domain.errors import DomainError, ErrorKind
from rescind.domain.quote import CancellationQuote, quote_cancellation
from rescind.orders.models import Order
from rescind.orders.recording import order_facts


def cancellation_quote(*, order_id: int, user, reason: str | None,
                       now: datetime) -> CancellationQuote:
    """What cancelling the order now would do: refund and where, by when, coupons, approval."""
    order = Order.objects.filter(pk=order_id).first()
    if order is None:
        raise DomainError("order_not_found", "No such order.", kind=ErrorKind.NOT_FOUND)
    require_party(user, order, Party.BUYER)
    return quote_cancellation(order_facts(order), coupons_on_order(order), reason=reason, now=now,
                              policy=policy(), calendar=calendar())
