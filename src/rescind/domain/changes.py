"""Change instead of cancel: before shipment the buyer asks to change options, products of the
same store, quantities or delivery details; the seller accepts or refuses; a price difference is
settled exactly, by a partial refund or by an extra charge the buyer confirms (R3, R13, R22).

Discounts already given stay with the order: each line keeps its share up to its new list price,
and what a line can no longer carry moves to the others in proportion to their room.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from django.utils.translation import gettext_lazy as _

from rescind.domain.calendar import BusinessCalendar
from rescind.domain.cancellation import cancel_available_from
from rescind.domain.errors import DomainError, ErrorKind
from rescind.domain.events import (
    NOTE_LIMIT,
    ChangeAccepted,
    ChangeApplied,
    ChangeAutoRefused,
    ChangeRefused,
    ChangeRequested,
    ChangeWithdrawn,
    Event,
    ExtraCharged,
    ExtraChargeDeclined,
    ExtraChargeLapsed,
)
from rescind.domain.facts import ChangeFacts, OrderFacts
from rescind.domain.money import Money, allocate
from rescind.domain.ordering import options_checked
from rescind.domain.policy import Policy
from rescind.domain.refunds import decide_refund
from rescind.domain.states import OrderState

DELIVERY_FIELDS = ("recipient", "line1", "line2", "city", "postal_code", "country", "phone")
DELIVERY_REQUIRED = frozenset({"recipient", "line1", "city", "country"})
DELIVERY_FIELD_LIMIT = 200
MAX_QUANTITY = 999


@dataclass(frozen=True, slots=True)
class LineFacts:
    """One line of the order as it is now; `discount` is its share of the order's discounts."""

    product_id: int
    product_name: str
    options: dict[str, str]
    quantity: int
    unit_price: Money
    discount: int

    @property
    def gross(self) -> int:
        return self.unit_price.amount * self.quantity

    @property
    def total(self) -> int:
        return self.gross - self.discount

    def snapshot(self) -> dict[str, Any]:
        return {"product_id": self.product_id, "product_name": self.product_name,
                "options": dict(self.options), "quantity": self.quantity,
                "unit_price": self.unit_price.as_dict(),
                "discount": Money(self.discount, self.unit_price.currency).as_dict()}


@dataclass(frozen=True, slots=True)
class ProductOffer:
    """A product as its store sells it now."""

    product_id: int
    product_name: str
    store_id: int
    unit_price: Money
    option_choices: dict[str, list[str]]


@dataclass(frozen=True, slots=True)
class LineChange:
    """What the buyer asks of line number `line` (1 for the first). None keeps a value; options
    not named keep theirs where the product offers them."""

    line: int
    product_id: int | None = None
    options: dict[str, str] | None = None
    quantity: int | None = None


def discounts_kept(new_gross: Sequence[int], discounts: Sequence[int]) -> list[int]:
    """R3: each line keeps its discount up to its new gross; the excess of lines that now cost
    less moves to the others in proportion to their room, to the cent. Only what no line can
    carry any more is dropped."""
    kept = [min(d, g) for d, g in zip(discounts, new_gross, strict=True)]
    room = [g - k for g, k in zip(new_gross, kept, strict=True)]
    movable = min(sum(discounts) - sum(kept), sum(room))
    return [k + share for k, share in zip(kept, allocate(movable, room), strict=True)]


def _bad(code: str, message: Any, params: dict[str, Any] | None = None,
         **details: Any) -> DomainError:
    return DomainError(code, message, kind=ErrorKind.INVALID, details=details, params=params)


def _line_changed(line: LineFacts, change: LineChange, offers: Mapping[int, ProductOffer],
                  store_id: int) -> LineFacts:
    quantity = line.quantity if change.quantity is None else change.quantity
    if not 1 <= quantity <= MAX_QUANTITY:
        raise _bad("bad_quantity", _("Quantity must be between 1 and %(max_quantity)s."),
                                   params={"max_quantity": MAX_QUANTITY},
                   line=change.line)
    product_id = change.product_id or line.product_id
    offer = offers.get(product_id)
    if product_id != line.product_id and (offer is None or offer.store_id != store_id):
        raise _bad("product_not_in_store", _("Choose another product of the same store."),
                   line=change.line, product_id=product_id)
    if product_id == line.product_id and not change.options:
        return replace(line, quantity=quantity)
    if offer is None:
        raise _bad("product_not_in_store", _("This product is no longer sold."),
                   line=change.line, product_id=product_id)
    choices = offer.option_choices or {}
    kept = {k: v for k, v in line.options.items() if v in choices.get(k, ())}
    options = {**kept, **(change.options or {})}
    options_checked(offer.product_name, offer.option_choices, options, line=change.line)
    if product_id == line.product_id:  # same product: the price paid stays
        return replace(line, options=options, quantity=quantity)
    if offer.unit_price.currency != line.unit_price.currency:
        raise _bad("currency_mismatch", _("The new product must be in the order's currency."),
                   line=change.line)
    return LineFacts(product_id=product_id, product_name=offer.product_name, options=options,
                     quantity=quantity, unit_price=offer.unit_price, discount=line.discount)


def change_plan(lines: Sequence[LineFacts], changes: Sequence[LineChange],
                offers: Mapping[int, ProductOffer], *, store_id: int) -> list[dict[str, Any]]:
    """The lines that change, each {"line", "before", "after"}, discounts kept (R3, R13)."""
    numbers = [c.line for c in changes]
    unknown = sorted(n for n in numbers if not 1 <= n <= len(lines))
    if unknown:
        raise _bad("unknown_line", _("This order has lines 1 to %(lines)s."),
                                   params={"lines": len(lines)}, lines=unknown)
    if len(set(numbers)) != len(numbers):
        raise _bad("duplicate_line", _("Name each line at most once."))
    by_number = {c.line: c for c in changes}
    wanted = [
        _line_changed(line, by_number[n], offers, store_id) if n in by_number else line
        for n, line in enumerate(lines, start=1)
    ]
    discounts = discounts_kept([w.gross for w in wanted], [line.discount for line in lines])
    after = [replace(w, discount=d) for w, d in zip(wanted, discounts, strict=True)]
    return [{"line": n, "before": b.snapshot(), "after": a.snapshot()}
            for n, (b, a) in enumerate(zip(lines, after, strict=True), start=1) if a != b]


def delivery_checked(delivery: Mapping[str, str] | None) -> dict[str, str] | None:
    """New delivery details: known fields only, the required ones filled, none too long."""
    if delivery is None:
        return None
    unknown = sorted(set(delivery) - set(DELIVERY_FIELDS))
    if unknown:
        raise _bad("bad_delivery", _("Unknown delivery fields."), unknown=unknown,
                   allowed=list(DELIVERY_FIELDS))
    cleaned = {k: str(delivery[k]).strip() for k in DELIVERY_FIELDS if k in delivery}
    missing = sorted(k for k in DELIVERY_REQUIRED if not cleaned.get(k))
    too_long = sorted(k for k, v in cleaned.items() if len(v) > DELIVERY_FIELD_LIMIT)
    if missing or too_long or any("\x00" in v for v in cleaned.values()):
        raise _bad("bad_delivery", _("Give a recipient, address, city and country, each of at "
                                     "most %(delivery_field_limit)s characters."),
                   params={"delivery_field_limit": DELIVERY_FIELD_LIMIT}, missing=missing,
                   too_long=too_long)
    return {k: v for k, v in cleaned.items() if v}


def _line_total(snapshot: dict[str, Any]) -> int:
    return snapshot["unit_price"]["amount"] * snapshot["quantity"] - snapshot["discount"]["amount"]


def decide_change_request(
    order: OrderFacts, *, lines: Sequence[LineFacts], changes: Sequence[LineChange],
    offers: Mapping[int, ProductOffer], delivery: Mapping[str, str] | None, store_id: int,
    now: datetime, policy: Policy,
) -> list[Event]:
    """R13: the buyer of a paid order awaiting shipment asks for a change; the seller's response
    window starts. The price difference is exact (R3)."""
    if order.state is not OrderState.AWAITING_SHIPMENT:
        raise DomainError(
            "change_not_available",
            _("An unpaid order can be cancelled at once and ordered again; changes are for "
              "paid orders.") if order.state is OrderState.AWAITING_PAYMENT
            else _("This order is closed already.") if order.state is OrderState.CLOSED
            else _("Once an order has shipped it cannot be changed: message the seller "
                   "instead."),
            details={"state": order.state.value})
    if order.pending_request is not None:
        raise DomainError("cancellation_pending", _("Withdraw your cancellation request before "
                            "asking for a change."))
    if order.pending_change is not None:
        raise DomainError("change_already_pending",
                          _("A change request for this order is already open."))
    planned = change_plan(lines, changes, offers, store_id=store_id)
    new_delivery = delivery_checked(delivery)
    if not planned and new_delivery is None:
        raise _bad("nothing_to_change", _("Choose other options, another quantity or new "
                     "delivery details."))
    currency = order.total.currency
    difference = Money(sum(_line_total(p["after"]) - _line_total(p["before"]) for p in planned),
                       currency)
    price_before = order.refundable
    return [ChangeRequested(
        lines=tuple(planned), delivery=new_delivery, price_before=price_before,
        price_after=price_before + difference, difference=difference,
        respond_by=now + policy.r13_change_response_window)]


def _open(order: OrderFacts, *, awaiting_charge: bool) -> ChangeFacts:
    change = order.pending_change
    if change is None or change.awaiting_charge is not awaiting_charge \
            or order.state is not OrderState.AWAITING_SHIPMENT:
        raise DomainError(
            "no_extra_charge_to_confirm" if awaiting_charge else "no_pending_change",
            _("No extra charge is waiting for your confirmation.") if awaiting_charge
            else _("There is no change request waiting for the seller."))
    return change


def decide_change_accept(
    order: OrderFacts, *, note: str, now: datetime, policy: Policy, calendar: BusinessCalendar
) -> list[Event]:
    """R13: the seller accepts. A cheaper or same-price change applies at once, the difference
    refunded to the payment method (R21, R22); a dearer one waits for the buyer to confirm the
    extra charge."""
    change = _open(order, awaiting_charge=False)
    zero = Money.zero(order.total.currency)
    note = note.strip()[:NOTE_LIMIT]
    if change.difference > zero:
        return [ChangeAccepted(note=note, extra_charge=change.difference,
                               confirm_by=now + policy.r13_extra_charge_confirm_window)]
    events: list[Event] = [
        ChangeAccepted(note=note, extra_charge=zero, confirm_by=None),
        ChangeApplied(price_before=change.price_before, price_after=change.price_after),
    ]
    if change.difference < zero:
        events.append(decide_refund(order, amount=zero - change.difference, now=now,
                                    policy=policy, calendar=calendar))
    return events


def decide_change_refuse(order: OrderFacts, *, note: str) -> list[Event]:
    """R13: the seller refuses, saying why; the order stays as it was."""
    _open(order, awaiting_charge=False)
    if not note.strip():
        raise _bad("note_required", _("Tell the buyer why you refuse the change."))
    return [ChangeRefused(note=note.strip()[:NOTE_LIMIT])]


def decide_change_withdraw(order: OrderFacts) -> list[Event]:
    """R13: the buyer takes back a change request the seller has not answered."""
    _open(order, awaiting_charge=False)
    return [ChangeWithdrawn()]


def decide_change_silence(order: OrderFacts, *, now: datetime, policy: Policy) -> list[Event]:
    """R13: whoever had to answer stayed silent. A seller's silence refuses the change, and the
    buyer is told they can still cancel; a buyer's silence lets the extra charge lapse."""
    change = order.pending_change
    if change is None:
        raise DomainError("no_pending_change", _("There is no open change request."))
    if now < change.respond_by:
        raise DomainError("not_due", _("The response window is still open."),
                          details={"respond_by": change.respond_by.isoformat()})
    if change.awaiting_charge:
        return [ExtraChargeLapsed(confirm_by=change.respond_by)]
    return [ChangeAutoRefused(respond_by=change.respond_by,
                              cancel_available_from=cancel_available_from(order, policy))]


def decide_extra_charge(order: OrderFacts) -> Money:
    """R13: the extra charge the buyer is about to confirm, before it goes to the gateway."""
    return _open(order, awaiting_charge=True).difference


def decide_charge_decline(order: OrderFacts) -> list[Event]:
    """R13: the buyer will not pay more; the accepted change lapses."""
    _open(order, awaiting_charge=True)
    return [ExtraChargeDeclined()]


def decide_charge_captured(
    order: OrderFacts, *, change_id: int, amount: Money, reference: str, now: datetime,
    policy: Policy, calendar: BusinessCalendar,
) -> list[Event]:
    """R13: the gateway took the extra charge. The change applies if it is still waiting for
    it; if it ended meanwhile (shipped, cancelled, lapsed), the money goes straight back to the
    payment method, so the buyer never pays for a change they did not get (R21, R22)."""
    charged = ExtraCharged(amount=amount, method=order.payment_method,
                           gateway_reference=reference)
    change = order.pending_change
    if (change is not None and change.change_id == change_id and change.awaiting_charge
            and order.state is OrderState.AWAITING_SHIPMENT and change.difference == amount):
        return [charged, ChangeApplied(price_before=change.price_before,
                                       price_after=change.price_after)]
    with_charge = replace(order, total=order.total + amount)
    return [charged, decide_refund(with_charge, amount=amount, now=now, policy=policy,
                                   calendar=calendar)]
