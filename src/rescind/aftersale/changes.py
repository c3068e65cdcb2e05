"""Change requests before shipment, one service per use case (R13, R14): the buyer asks, the
seller accepts or refuses, the buyer confirms or declines an extra charge, silence ends it. Each
locks the order, decides, records; refunds go through the ledger, charges through the gateway
port outside any transaction."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from django.db import transaction
from django.db.models import Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from rescind.accounts.parties import PLATFORM, Actor, require_party
from rescind.aftersale.models import ChangeRequest
from rescind.config import calendar, policy
from rescind.domain.actions import Party
from rescind.domain.changes import (
    LineChange,
    LineFacts,
    ProductOffer,
    decide_change_accept,
    decide_change_refuse,
    decide_change_request,
    decide_change_silence,
    decide_change_withdraw,
    decide_charge_captured,
    decide_charge_decline,
    decide_extra_charge,
)
from rescind.domain.errors import DomainError, ErrorKind
from rescind.domain.events import (
    ChangeAccepted,
    ChangeApplied,
    ChangeRequested,
    Event,
    RefundCreated,
)
from rescind.domain.facts import ChangeFacts
from rescind.domain.money import Money
from rescind.domain.refunds import PaymentMethod
from rescind.orders.models import Deadline, Order, OrderLine, Product
from rescind.orders.recording import (
    deadline_set,
    deadlines_void,
    events_record,
    order_facts,
    order_lock,
)
from rescind.refunds.gateway import GatewayError, payment_gateway
from rescind.refunds.services import refund_open

State = ChangeRequest.State
RESPONSE = Deadline.Kind.CHANGE_REQUEST_RESPONSE


def _open_change(order: Order) -> ChangeRequest | None:
    return ChangeRequest.objects.filter(order=order, state__in=ChangeRequest.OPEN_STATES).first()


def _lines(order: Order) -> list[OrderLine]:
    return list(order.lines.order_by("pk"))


def _line_facts(line: OrderLine, currency: str) -> LineFacts:
    return LineFacts(product_id=line.product_id, product_name=line.product_name,
                     options=dict(line.options), quantity=line.quantity,
                     unit_price=Money(line.unit_price, currency), discount=line.discount)


def _offers(lines: list[OrderLine], changes: Sequence[LineChange]) -> dict[int, ProductOffer]:
    ids = {line.product_id for line in lines} | {c.product_id for c in changes if c.product_id}
    return {p.pk: ProductOffer(product_id=p.pk, product_name=p.name, store_id=p.store_id,
                               unit_price=p.price, option_choices=p.option_choices or {})
            for p in Product.objects.filter(pk__in=ids)}


def change_request(
    *, order_id: int, user, changes: Sequence[LineChange],
    delivery: Mapping[str, str] | None = None, now: datetime,
) -> ChangeRequest:
    """R13: the buyer asks to change a paid order before shipment; the order stays paid and the
    seller's response window starts."""
    with transaction.atomic():
        order = order_lock(order_id)
        actor = require_party(user, order, Party.BUYER)
        lines = _lines(order)
        events = decide_change_request(
            order_facts(order), lines=[_line_facts(line, order.currency) for line in lines],
            changes=changes, offers=_offers(lines, changes), delivery=delivery,
            store_id=order.store_id, now=now, policy=policy())
        requested: ChangeRequested = events[0]  # type: ignore[assignment]
        change = ChangeRequest.objects.create(
            order=order, lines=list(requested.lines), delivery=requested.delivery,
            currency=order.currency, price_before=requested.price_before.amount,
            price_after=requested.price_after.amount, requested_at=now,
            respond_by=requested.respond_by)
        events_record(order, events, actor=actor, now=now)
        deadline_set(order, RESPONSE, requested.respond_by, subject_id=change.pk)
    return change


def _apply(order: Order, change: ChangeRequest, *, now: datetime) -> None:
    """Lay the change on the locked order's lines and totals, exactly as requested (R3)."""
    lines = _lines(order)
    changed = []
    for entry in change.lines:
        line, before, after = lines[entry["line"] - 1], entry["before"], entry["after"]
        if (line.product_id, line.options, line.quantity, line.unit_price, line.discount) != (
                before["product_id"], before["options"], before["quantity"],
                before["unit_price"]["amount"], before["discount"]["amount"]):
            raise DomainError("order_changed", _("The order changed since the change was asked "
                                "for; please ask again."))
        order.items_total += (after["unit_price"]["amount"] * after["quantity"]
                              - line.unit_price * line.quantity)
        order.discount_total += after["discount"]["amount"] - line.discount
        line.product_id, line.product_name = after["product_id"], after["product_name"]
        line.options, line.quantity = after["options"], after["quantity"]
        line.unit_price, line.discount = after["unit_price"]["amount"], after["discount"]["amount"]
        changed.append(line)
    OrderLine.objects.bulk_update(changed, ["product", "product_name", "options", "quantity",
                                            "unit_price", "discount"])
    order.save(update_fields=["items_total", "discount_total"])
    change.state, change.applied_at = State.APPLIED, now
    change.save(update_fields=["state", "applied_at"])
    deadlines_void(order, RESPONSE, now=now)


def _record(order: Order, change: ChangeRequest, events: list[Event], *, actor: Actor,
            now: datetime) -> None:
    events_record(order, events, actor=actor, now=now)
    for event in events:
        if isinstance(event, ChangeApplied):
            _apply(order, change, now=now)
        elif isinstance(event, RefundCreated):
            refund_open(order, event, cause=events[0].kind, now=now)


def change_accept(*, order_id: int, user, note: str = "", now: datetime) -> ChangeRequest:
    """R13: the seller accepts. A cheaper change applies at once with a partial refund of the
    difference through the ledger (R21, R22); a dearer one waits for the buyer's confirmation."""
    with transaction.atomic():
        order = order_lock(order_id)
        actor = require_party(user, order, Party.SELLER)
        events = decide_change_accept(order_facts(order), note=note, now=now, policy=policy(),
                                      calendar=calendar())
        accepted: ChangeAccepted = events[0]  # type: ignore[assignment]
        change = _open_change(order)
        change.decided_at, change.decision_note = now, accepted.note
        deadlines_void(order, RESPONSE, now=now)
        if accepted.confirm_by is not None:
            change.state, change.confirm_by = State.AWAITING_CHARGE, accepted.confirm_by
            deadline_set(order, RESPONSE, accepted.confirm_by, subject_id=change.pk,
                         about="extra_charge_confirmation")  # R27: the buyer's turn
        change.save(update_fields=["state", "decided_at", "decision_note", "confirm_by"])
        _record(order, change, events, actor=actor, now=now)
    return change


def _end(*, order_id: int, user, party: Party, decide, state: str, now: datetime,
         seller_decides: bool = False) -> ChangeRequest:
    """One way to end an open change request that leaves the order as it was."""
    with transaction.atomic():
        order = order_lock(order_id)
        actor = require_party(user, order, party)
        events = decide(order_facts(order))
        change = _open_change(order)
        change.state = state
        if seller_decides or change.decided_at is None:
            change.decided_at = now
        if seller_decides:
            change.decision_note = events[0].note
        change.save(update_fields=["state", "decided_at", "decision_note"])
        deadlines_void(order, RESPONSE, now=now)
        events_record(order, events, actor=actor, now=now)
    return change


def change_refuse(*, order_id: int, user, note: str, now: datetime) -> ChangeRequest:
    """R13: the seller refuses, saying why; the buyer can still cancel and order again."""
    return _end(order_id=order_id, user=user, party=Party.SELLER, state=State.REFUSED,
                decide=lambda facts: decide_change_refuse(facts, note=note), now=now,
                seller_decides=True)


def change_withdraw(*, order_id: int, user, now: datetime) -> ChangeRequest:
    """R13: the buyer takes back a change request the seller has not answered."""
    return _end(order_id=order_id, user=user, party=Party.BUYER, state=State.WITHDRAWN,
                decide=decide_change_withdraw, now=now)


def change_charge_decline(*, order_id: int, user, now: datetime) -> ChangeRequest:
    """R13: the buyer will not pay the extra charge; the order stays as it was."""
    return _end(order_id=order_id, user=user, party=Party.BUYER, state=State.CHARGE_DECLINED,
                decide=decide_charge_decline, now=now)


def change_charge_confirm(*, order_id: int, user, now: datetime) -> ChangeRequest:
    """R13, R21: the buyer confirms the extra charge of an accepted change. It is captured
    through the gateway port outside any transaction, with a key per change request so that a
    repeat never charges twice; then the change applies (or, if it ended meanwhile, the charge
    is refunded at once, R22)."""
    order = Order.objects.filter(pk=order_id).first()
    if order is None:
        raise DomainError("order_not_found", _("No such order."), kind=ErrorKind.NOT_FOUND)
    actor = require_party(user, order, Party.BUYER)
    amount = decide_extra_charge(order_facts(order))
    change = _open_change(order)
    try:
        answer = payment_gateway().capture(
            key=f"change-{change.pk}-extra-charge", amount=amount,
            method=PaymentMethod(order.payment_method), now=now)
    except GatewayError as exc:
        raise DomainError("payment_failed", _("The extra charge did not go through: %(exc)s"),
                                            params={"exc": exc},
                          kind=ErrorKind.UNAVAILABLE) from exc
    with transaction.atomic():
        order = order_lock(order_id)
        change = ChangeRequest.objects.get(pk=change.pk)
        if change.charge_reference:  # a concurrent confirmation recorded this charge already
            return change
        events = decide_charge_captured(
            order_facts(order), change_id=change.pk, amount=amount, reference=answer.reference,
            now=now, policy=policy(), calendar=calendar())
        order.total += amount.amount
        order.save(update_fields=["total"])
        change.charge_reference, change.charged_at = answer.reference, now
        change.save(update_fields=["charge_reference", "charged_at"])
        _record(order, change, events, actor=actor, now=now)
    return change


def change_expire(order: Order, deadline: Deadline, *, now: datetime) -> None:
    """R13: the change request's deadline fired. The seller's silence refuses the change (the
    buyer is told they can still cancel); the buyer's lets the extra charge lapse. The order is
    locked by the caller."""
    change = _open_change(order)
    if change is None or change.pk != deadline.subject_id:
        raise DomainError("no_pending_change", _("The change request is no longer open."))
    events = decide_change_silence(order_facts(order), now=now, policy=policy())
    if change.state == State.AWAITING_CHARGE:
        change.state = State.CHARGE_LAPSED
    else:
        change.state, change.decided_at = State.AUTO_REFUSED, now
    change.save(update_fields=["state", "decided_at"])
    events_record(order, events, actor=PLATFORM, now=now)


def changes_close_open(order: Order, open_change: ChangeFacts | None, state: str, *,
                       now: datetime) -> None:
    """End the order's open change request because something else won: a cancellation request
    (R7), a shipment (R14) or the handling time (R12). The order is locked by the caller, who
    read `open_change` from its facts: with none open (the common case) nothing is written."""
    if open_change is None:
        return
    ChangeRequest.objects.filter(order=order, state__in=ChangeRequest.OPEN_STATES).update(
        state=state, decided_at=Coalesce("decided_at", Value(now)))
    deadlines_void(order, RESPONSE, now=now)
