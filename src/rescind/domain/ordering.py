"""Decisions before shipment that need no seller approval: pay, cancel unpaid, time out, lower
the price (R1, R4-R6, R12)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from django.utils.translation import gettext_lazy as _

from rescind.domain.calendar import BusinessCalendar
from rescind.domain.errors import DomainError, ErrorKind
from rescind.domain.events import (
    OrderPaid,
    OrderPlaced,
    PriceLowered,
    UnpaidOrderCancelled,
    UnpaidOrderTimedOut,
)
from rescind.domain.facts import OrderFacts
from rescind.domain.money import Money, allocate
from rescind.domain.policy import Policy
from rescind.domain.states import OrderState, Transition, apply_transition


@dataclass(frozen=True, slots=True)
class LineDraft:
    product_id: int
    product_name: str
    options: dict[str, str]
    quantity: int
    unit_price: Money

    @property
    def total(self) -> Money:
        return self.unit_price * self.quantity


@dataclass(frozen=True, slots=True)
class OrderDraft:
    store_id: int
    lines: tuple[LineDraft, ...]
    shipping_fee: Money
    line_discounts: tuple[int, ...] = ()  # coupon shares per line, minor units (R3)

    @property
    def items_total(self) -> Money:
        result = Money.zero(self.shipping_fee.currency)
        for line in self.lines:
            result = result + line.total
        return result

    @property
    def discount_total(self) -> Money:
        return Money(sum(self.line_discounts), self.shipping_fee.currency)

    @property
    def total(self) -> Money:
        return self.items_total + self.shipping_fee - self.discount_total


def with_line_discounts(drafts: Sequence[OrderDraft], discounts: Sequence[int]) -> list[OrderDraft]:
    """The drafts with `discounts` (one per line, in draft then line order) laid on their lines."""
    result, start = [], 0
    for draft in drafts:
        end = start + len(draft.lines)
        result.append(replace(draft, line_discounts=tuple(discounts[start:end])))
        start = end
    return result


def options_checked(name: str, choices: dict[str, list[str]] | None, options: dict[str, str],
                    **where: object) -> None:
    """One valid value for each option a product has, and no others (R1, R13). `where` names
    the line or product in the error's details."""
    choices = choices or {}
    unknown = sorted(set(options) - set(choices))
    missing = sorted(set(choices) - set(options))
    invalid = sorted(k for k, v in options.items() if k in choices and v not in choices[k])
    if unknown or missing or invalid:
        raise DomainError("bad_options", _("Choose one valid value for each option of %(name)s."),
                                         params={"name": repr(name)},
                          kind=ErrorKind.INVALID,
                          details={**where, "choices": choices, "unknown": unknown,
                                   "missing": missing, "invalid": invalid})


def decide_checkout(
    lines: Sequence[LineDraft],
    *,
    store_of: dict[int, int],
    shipping_fees: dict[int, Money],
) -> list[OrderDraft]:
    """Split one checkout into one order per store (R1). Returns the drafts in store order.

    `store_of` maps product id -> store id. All lines must share one currency.
    """
    if not lines:
        raise DomainError("empty_checkout", _("A checkout needs at least one item."),
                          kind=ErrorKind.INVALID)
    currencies = {line.unit_price.currency for line in lines}
    if len(currencies) > 1:
        raise DomainError("mixed_currencies", _("All items of one checkout must share a currency."),
                          kind=ErrorKind.INVALID, details={"currencies": sorted(currencies)})
    for line in lines:
        if not 1 <= line.quantity <= 999:
            raise DomainError("bad_quantity", _("Quantity must be between 1 and 999."),
                              kind=ErrorKind.INVALID, details={"product_id": line.product_id})
    by_store: dict[int, list[LineDraft]] = {}
    for line in lines:
        by_store.setdefault(store_of[line.product_id], []).append(line)
    drafts = [
        OrderDraft(store_id=store_id, lines=tuple(store_lines),
                   shipping_fee=shipping_fees[store_id])
        for store_id, store_lines in sorted(by_store.items())
    ]
    return drafts


def order_placed(draft: OrderDraft, *, now: datetime, policy: Policy) -> OrderPlaced:
    return OrderPlaced(total=draft.total, pay_by=now + policy.r5_unpaid_timeout)


def decide_pay(
    order: OrderFacts, *, method: str, now: datetime, policy: Policy, calendar: BusinessCalendar
) -> OrderPaid:
    """Payment captured: the order awaits shipment; the handling time starts (R7, R12)."""
    apply_transition(order.state, Transition.PAY)
    return OrderPaid(
        amount=order.total,
        method=method,
        ship_by=calendar.add_working_days(now, policy.r12_handling_working_days),
        cancel_available_from=now + policy.r7_cancel_available_after,
    )


def decide_cancel_unpaid(order: OrderFacts) -> UnpaidOrderCancelled:
    """R4: an unpaid order is cancelled at once; no approval, no penalty."""
    if order.state is not OrderState.AWAITING_PAYMENT:
        raise DomainError(
            "order_already_paid" if order.paid_at else "transition_not_allowed",
            _("Only an unpaid order can be cancelled at once; a paid order needs a cancellation "
              "request."),
            details={"state": order.state.value},
        )
    return UnpaidOrderCancelled()


def decide_unpaid_timeout(
    order: OrderFacts, *, now: datetime, policy: Policy
) -> UnpaidOrderTimedOut:
    """R5: still unpaid 20 days after it was placed, the order closes by itself."""
    apply_transition(order.state, Transition.CLOSE_UNPAID_TIMEOUT)
    due = order.placed_at + policy.r5_unpaid_timeout
    if now < due:
        raise DomainError("not_due", _("The unpaid timeout has not passed yet."),
                          details={"due_at": due.isoformat()})
    return UnpaidOrderTimedOut()


def decide_lower_price(
    order: OrderFacts, *, new_total: Money, part_totals: Sequence[int], note: str
) -> tuple[PriceLowered, list[int]]:
    """R6: the seller lowers an unpaid order's price. Returns the event and the reduction's share
    of each part (the lines, then shipping), by largest remainder, exact to the cent (R3)."""
    if order.state is not OrderState.AWAITING_PAYMENT:
        raise DomainError("price_change_not_allowed",
                          _("The price can only be lowered while the order awaits payment."),
                          details={"state": order.state.value})
    if new_total.currency != order.total.currency:
        raise DomainError("currency_mismatch", _("The new price must be in the order's currency."),
                          kind=ErrorKind.INVALID)
    if not 0 < new_total.amount < order.total.amount:
        raise DomainError(
            "price_not_lower",
            _("The new price must be above zero and below %(total)s."),
            params={"total": order.total},
            kind=ErrorKind.INVALID,
            details={"current_total": order.total.as_dict()},
        )
    reduction = order.total.amount - new_total.amount
    shares = allocate(reduction, part_totals)
    return PriceLowered(old_total=order.total, new_total=new_total, note=note[:500]), shares
