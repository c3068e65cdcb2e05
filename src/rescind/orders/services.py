"""Use cases before shipment that need no seller approval (R1, R4-R6)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from rescind.accounts.parties import PLATFORM, Actor, require_party
from rescind.config import calendar, policy
from rescind.coupons.models import CouponUse
from rescind.coupons.services import coupons_for_checkout, coupons_spend
from rescind.domain.actions import Party
from rescind.domain.changes import delivery_checked
from rescind.domain.coupons import LineFacts, apply_coupons
from rescind.domain.errors import DomainError, ErrorKind, TryLater
from rescind.domain.money import Money
from rescind.domain.ordering import (
    LineDraft,
    decide_cancel_unpaid,
    decide_checkout,
    decide_lower_price,
    decide_pay,
    decide_unpaid_timeout,
    options_checked,
    order_placed,
    with_line_discounts,
)
from rescind.domain.refunds import PaymentMethod, instrument_checked, payment_method_parse
from rescind.orders.closing import order_close
from rescind.orders.models import (
    CartLine,
    Checkout,
    Deadline,
    Order,
    OrderLine,
    Payment,
    Product,
    Store,
)
from rescind.orders.recording import (
    deadline_set,
    deadlines_void,
    events_record,
    order_facts,
    order_lock,
)
from rescind.refunds.gateway import GatewayError, payment_gateway, sandbox_instrument_check


@dataclass(frozen=True, slots=True)
class CheckoutItem:
    product_id: int
    quantity: int
    options: dict[str, str]


def checkout_create(
    *, buyer, items: list[CheckoutItem], payment_method: str, now: datetime,
    coupon_codes: Sequence[str] = (), payment_instrument: str = "",
    delivery: Mapping[str, str] | None = None,
) -> Checkout:
    """R1: one order per store and one payment for them all; each order awaits payment (R5).
    Coupons are spread over the lines they pay for, to the cent (R3, R25, R26).
    `payment_instrument` names the instrument at the provider; in the sandbox a test name such
    as `expired_card`, whose refunds fail for good (R23); empty: a working one. `delivery`:
    where the orders go (the fields of a change request's delivery details, R13)."""
    method = payment_method_parse(payment_method)
    delivery = delivery_checked(delivery)
    if payment_instrument:
        sandbox_instrument_check(instrument_checked(payment_instrument), method)
    products = Product.objects.in_bulk([item.product_id for item in items])
    missing = sorted({i.product_id for i in items} - set(products))
    if missing:
        raise DomainError("unknown_product", _("Some products do not exist."),
                          kind=ErrorKind.INVALID, details={"product_ids": missing})
    for item in items:
        product = products[item.product_id]
        options_checked(product.name, product.option_choices, item.options,
                        product_id=product.pk)
    lines = [LineDraft(product_id=i.product_id, product_name=products[i.product_id].name,
                       options=i.options, quantity=i.quantity,
                       unit_price=products[i.product_id].price) for i in items]
    stores = Store.objects.in_bulk({p.store_id for p in products.values()})
    drafts = decide_checkout(
        lines,
        store_of={p.pk: p.store_id for p in products.values()},
        shipping_fees={s.pk: Money(s.shipping_fee, lines[0].unit_price.currency)
                       for s in stores.values()},
    )
    the_policy = policy()
    currency = lines[0].unit_price.currency
    with transaction.atomic():
        coupons = coupons_for_checkout(list(coupon_codes), buyer=buyer)
        shares = apply_coupons(
            [LineFacts(d.store_id, line.total.amount) for d in drafts for line in d.lines],
            [c.facts() for c in coupons], currency=currency, now=now)
        per_line = [sum(column) for column in zip(*shares.values(), strict=True)] if shares \
            else [0] * len(lines)
        drafts = with_line_discounts(drafts, per_line)
        checkout = Checkout.objects.create(buyer=buyer, created_at=now)
        grand_total = 0
        saved_lines: list[OrderLine] = []
        for draft in drafts:
            placed = order_placed(draft, now=now, policy=the_policy)
            order = Order.objects.create(
                checkout=checkout, store_id=draft.store_id, buyer=buyer,
                currency=currency, items_total=draft.items_total.amount,
                shipping_fee=draft.shipping_fee.amount,
                discount_total=draft.discount_total.amount, total=placed.total.amount,
                payment_method=method.value, placed_at=now, delivery=delivery)
            saved_lines += OrderLine.objects.bulk_create(
                OrderLine(order=order, product_id=line.product_id, product_name=line.product_name,
                          options=line.options, quantity=line.quantity,
                          unit_price=line.unit_price.amount, discount=discount)
                for line, discount in zip(draft.lines, draft.line_discounts, strict=True))
            events_record(order, [placed], actor=Actor(Party.BUYER, buyer.pk), now=now)
            deadline_set(order, Deadline.Kind.UNPAID_TIMEOUT, placed.pay_by)
            grand_total += placed.total.amount
        CouponUse.objects.bulk_create(
            CouponUse(coupon=coupon, order_id=line.order_id, line=line, amount=share)
            for coupon in coupons
            for line, share in zip(saved_lines, shares[coupon.code], strict=True) if share)
        coupons_spend(coupons)
        Payment.objects.create(checkout=checkout, method=method.value, amount=grand_total,
                               currency=drafts[0].shipping_fee.currency,
                               instrument=payment_instrument)
    return checkout


def checkout_from_cart(
    *, buyer, payment_method: str, now: datetime, coupon_codes: Sequence[str] = (),
    payment_instrument: str = "", delivery: Mapping[str, str] | None = None,
) -> Checkout:
    """R1: check out everything in the buyer's cart, then empty it; the pages and the API
    (POST /cart/checkout) both call this. The lines are locked first, so two checkouts of one
    cart at once buy it once: the second finds it empty (409 cart_empty)."""
    with transaction.atomic():
        cart = list(CartLine.objects.select_for_update().filter(buyer=buyer).order_by("id"))
        if not cart:
            raise DomainError("cart_empty", _("Your cart is empty: add something first."))
        items = [CheckoutItem(c.product_id, c.quantity, c.options) for c in cart]
        checkout = checkout_create(buyer=buyer, items=items, payment_method=payment_method,
                                   now=now, coupon_codes=coupon_codes,
                                   payment_instrument=payment_instrument, delivery=delivery)
        CartLine.objects.filter(pk__in=[c.pk for c in cart]).delete()
    return checkout


def payment_capture(*, payment_id: int, buyer, now: datetime) -> Payment:
    """Pay a checkout's unpaid orders (R7, R12), in three steps so that the gateway is never
    called inside a transaction and what is charged is exactly what is marked paid:

    1. claim: lock the orders and the payment, fix the amount and an idempotency key, and mark
       the payment "capturing" (cancelling or repricing its orders is refused meanwhile);
    2. capture through the gateway, outside any transaction;
    3. mark the orders paid, starting the handling time; or, if the gateway said no, release
       the claim. A repeat (double click, crash between steps) reuses the key: charged once.
    """
    payment = Payment.objects.filter(pk=payment_id, checkout__buyer=buyer).first()
    if payment is None:
        raise DomainError("payment_not_found", _("No such payment."), kind=ErrorKind.NOT_FOUND)
    if payment.state == Payment.State.CAPTURED:
        return payment
    payment, orders = _capture_claim(payment)
    amount, method = Money(payment.amount, payment.currency), PaymentMethod(payment.method)
    try:
        answer = payment_gateway().capture(key=payment.capture_key, amount=amount,
                                           method=method, now=now)
    except GatewayError as exc:
        Payment.objects.filter(pk=payment.pk, state=Payment.State.CAPTURING).update(
            state=Payment.State.PENDING, capture_key="")
        raise DomainError("payment_failed", _("The payment did not go through: %(exc)s"),
                                            params={"exc": exc},
                          kind=ErrorKind.UNAVAILABLE) from exc
    return _capture_complete(payment.pk, [o.pk for o in orders], answer.reference,
                             actor=Actor(Party.BUYER, buyer.pk), now=now)


def _capture_claim(payment: Payment) -> tuple[Payment, list[Order]]:
    with transaction.atomic():
        every = payment.checkout.orders.order_by("pk").values_list("pk", flat=True)
        orders = [o for o in map(order_lock, every) if o.state == "awaiting_payment"]
        payment = Payment.objects.select_for_update().get(pk=payment.pk)
        if payment.state == Payment.State.CAPTURING:  # a repeat: same orders, same key
            return payment, orders
        if not orders:
            raise DomainError("nothing_to_pay", _("None of this checkout's orders awaits payment."))
        payment.amount = sum(o.total for o in orders)
        payment.capture_key = f"capture-{payment.pk}-{payment.amount}"
        payment.state = Payment.State.CAPTURING
        payment.save(update_fields=["amount", "capture_key", "state"])
    return payment, orders


def _capture_complete(payment_id: int, order_ids: list[int], reference: str, *, actor: Actor,
                      now: datetime) -> Payment:
    the_policy, the_calendar = policy(), calendar()
    with transaction.atomic():
        orders = [order_lock(pk) for pk in order_ids]
        payment = Payment.objects.select_for_update().get(pk=payment_id)
        if payment.state == Payment.State.CAPTURED:  # a concurrent repeat finished first
            return payment
        for order in orders:
            paid = decide_pay(order_facts(order), method=payment.method, now=now,
                              policy=the_policy, calendar=the_calendar)
            order.paid_at, order.ship_by = now, paid.ship_by
            order.save(update_fields=["paid_at", "ship_by"])
            events_record(order, [paid], actor=actor, now=now)
            deadlines_void(order, Deadline.Kind.UNPAID_TIMEOUT, now=now)
            deadline_set(order, Deadline.Kind.HANDLING_TIME, paid.ship_by)
        payment.state, payment.gateway_reference, payment.captured_at = (
            Payment.State.CAPTURED, reference, now)
        payment.save(update_fields=["state", "gateway_reference", "captured_at"])
    return payment


def refuse_while_capturing(order: Order) -> None:
    """An order whose payment is being captured cannot be cancelled or repriced meanwhile."""
    if Payment.objects.filter(checkout_id=order.checkout_id,
                              state=Payment.State.CAPTURING).exists():
        raise TryLater("payment_in_progress",
                       _("The payment of this order is going through; try again in a moment."))


def _payment_amount_refresh(order: Order) -> None:
    """Keep a pending payment equal to the sum of its unpaid orders."""
    payable = Order.objects.filter(checkout_id=order.checkout_id, state="awaiting_payment")
    Payment.objects.filter(checkout_id=order.checkout_id, state=Payment.State.PENDING).update(
        amount=sum(payable.values_list("total", flat=True)))


def order_cancel_unpaid(*, order_id: int, user, now: datetime) -> Order:
    """R4: the buyer cancels an unpaid order at once; nobody is penalised."""
    with transaction.atomic():
        order = order_lock(order_id)
        actor = require_party(user, order, Party.BUYER)
        event = decide_cancel_unpaid(order_facts(order))
        refuse_while_capturing(order)
        order_close(order, [event], actor=actor, now=now)
        _payment_amount_refresh(order)
    return order


def order_close_unpaid(order: Order, *, now: datetime) -> None:
    """R5: the unpaid-timeout deadline fired. The order is locked by the caller."""
    event = decide_unpaid_timeout(order_facts(order), now=now, policy=policy())
    refuse_while_capturing(order)
    order_close(order, [event], actor=PLATFORM, now=now)
    _payment_amount_refresh(order)


def order_lower_price(*, order_id: int, user, new_total: int, note: str, now: datetime) -> Order:
    """R6: the seller lowers an unpaid order's price; the reduction is spread over its lines and
    shipping to the cent (R3), and the pending payment follows."""
    with transaction.atomic():
        order = order_lock(order_id)
        actor = require_party(user, order, Party.SELLER)
        refuse_while_capturing(order)
        lines = list(order.lines.order_by("pk"))
        event, shares = decide_lower_price(
            order_facts(order), new_total=Money(new_total, order.currency),
            part_totals=[line.total for line in lines] + [order.shipping_fee], note=note)
        for line, share in zip(lines, shares, strict=False):
            line.discount += share
        OrderLine.objects.bulk_update(lines, ["discount"])
        order.discount_total += sum(shares)
        order.total = new_total
        order.save(update_fields=["discount_total", "total"])
        events_record(order, [event], actor=actor, now=now)
        _payment_amount_refresh(order)
    return order


def order_add_to_cart_again(*, order_id: int, user, now: datetime) -> int:
    """R5: a closed unpaid order's lines go back into the buyer's cart. Returns lines added."""
    with transaction.atomic():
        order = order_lock(order_id)
        require_party(user, order, Party.BUYER)
        if order.state != "closed" or order.paid_at is not None:
            raise DomainError("not_reorderable",
                              _("Only a closed, unpaid order can be added to the cart again."))
        lines = list(order.lines.all())
        CartLine.objects.bulk_create(
            CartLine(buyer=user, product_id=line.product_id, options=line.options,
                     quantity=line.quantity) for line in lines)
    return len(lines)
