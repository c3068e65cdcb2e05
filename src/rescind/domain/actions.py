"""What the reader of an order may do now, and what becomes possible later (R2, R5, R7, R17,
R18)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from django.utils.translation import gettext_noop

from rescind.domain.cancellation import cancel_available_from
from rescind.domain.facts import OrderFacts
from rescind.domain.policy import Policy
from rescind.domain.shipping import can_request_dispute, not_received_available_from
from rescind.domain.states import CloseReason, OrderState


class Party(StrEnum):
    BUYER = "buyer"
    SELLER = "seller"
    SUPPORT = "support"
    CARRIER = "carrier"
    PLATFORM = "platform"


class Action(StrEnum):
    PAY = "pay"
    CANCEL = "cancel"
    ADD_TO_CART_AGAIN = "add_to_cart_again"
    REQUEST_CANCELLATION = "request_cancellation"
    WITHDRAW_CANCELLATION = "withdraw_cancellation"
    LOWER_PRICE = "lower_price"
    APPROVE_CANCELLATION = "approve_cancellation"
    REFUSE_CANCELLATION = "refuse_cancellation"
    SHIP = "ship"
    CONFIRM_RECEIPT = "confirm_receipt"
    OPEN_DISPUTE = "open_dispute"
    DISPUTE_NOT_RECEIVED = "dispute_not_received"  # R17: an open_dispute for non-delivery
    VOID_SHIPMENT = "void_shipment"
    RESHIP = "reship"
    REFUND_CANCELED_SHIPMENT = "refund_canceled_shipment"
    DECLINE_CANCELED_SHIPMENT = "decline_canceled_shipment"
    REQUEST_CHANGE = "request_change"
    WITHDRAW_CHANGE = "withdraw_change"
    CONFIRM_EXTRA_CHARGE = "confirm_extra_charge"
    DECLINE_EXTRA_CHARGE = "decline_extra_charge"
    ACCEPT_CHANGE = "accept_change"
    REFUSE_CHANGE = "refuse_change"


ACTION_LABELS = {
    Action.PAY: gettext_noop("Pay now"),
    Action.CANCEL: gettext_noop("Cancel order"),
    Action.ADD_TO_CART_AGAIN: gettext_noop("Add to cart again"),
    Action.REQUEST_CANCELLATION: gettext_noop("Cancel order"),
    Action.WITHDRAW_CANCELLATION: gettext_noop("Withdraw cancellation request"),
    Action.LOWER_PRICE: gettext_noop("Lower the price"),
    Action.APPROVE_CANCELLATION: gettext_noop("Approve cancellation"),
    Action.REFUSE_CANCELLATION: gettext_noop("Refuse cancellation"),
    Action.SHIP: gettext_noop("Ship"),
    Action.CONFIRM_RECEIPT: gettext_noop("Confirm receipt"),
    Action.OPEN_DISPUTE: gettext_noop("Open a dispute"),
    Action.DISPUTE_NOT_RECEIVED: gettext_noop("Open a dispute: the parcel has not arrived"),
    Action.VOID_SHIPMENT: gettext_noop("Void the shipment"),
    Action.RESHIP: gettext_noop("Ship again with a new tracking number"),
    Action.REFUND_CANCELED_SHIPMENT: gettext_noop("Refund in full"),
    Action.DECLINE_CANCELED_SHIPMENT: gettext_noop("Decline"),
    Action.REQUEST_CHANGE: gettext_noop("Change options or delivery details"),
    Action.WITHDRAW_CHANGE: gettext_noop("Withdraw change request"),
    Action.CONFIRM_EXTRA_CHARGE: gettext_noop("Confirm the extra charge"),
    Action.DECLINE_EXTRA_CHARGE: gettext_noop("Decline the extra charge"),
    Action.ACCEPT_CHANGE: gettext_noop("Accept the change"),
    Action.REFUSE_CHANGE: gettext_noop("Refuse the change"),
}

_REORDERABLE = frozenset({CloseReason.UNPAID_TIMEOUT, CloseReason.CANCELLED_BY_BUYER})


@dataclass(frozen=True, slots=True)
class Upcoming:
    action: Action
    available_from: datetime


def available_actions(
    order: OrderFacts, party: Party, *, now: datetime, policy: Policy
) -> tuple[list[Action], list[Upcoming]]:
    """The actions `party` may take on `order` at `now`, and those that open later."""
    state = order.state
    actions: list[Action] = []
    upcoming: list[Upcoming] = []
    if party is Party.BUYER:
        if state is OrderState.AWAITING_PAYMENT:
            actions += [Action.PAY, Action.CANCEL]
        elif state is OrderState.CLOSED and order.close_reason in _REORDERABLE:
            actions.append(Action.ADD_TO_CART_AGAIN)  # R5: instead of "pay now"
        elif state is OrderState.AWAITING_SHIPMENT:
            if order.pending_request is not None:
                actions.append(Action.WITHDRAW_CANCELLATION)
            else:
                opens = cancel_available_from(order, policy)
                if opens is not None and now < opens:
                    upcoming.append(Upcoming(Action.REQUEST_CANCELLATION, opens))
                else:
                    actions.append(Action.REQUEST_CANCELLATION)
            actions += _change_actions(order, party)
        elif state is OrderState.AWAITING_DELIVERY:
            actions += [Action.CONFIRM_RECEIPT, Action.OPEN_DISPUTE]  # R17: no cancel now
            not_received_from = not_received_available_from(order)
            if not_received_from is None or now >= not_received_from:
                actions.append(Action.DISPUTE_NOT_RECEIVED)
            else:
                upcoming.append(Upcoming(Action.DISPUTE_NOT_RECEIVED, not_received_from))
        elif state is OrderState.COMPLETED:
            if can_request_dispute(order, now):  # R18: buyer protection after completion
                actions.append(Action.OPEN_DISPUTE)
        elif state is OrderState.SHIPMENT_CANCELED and order.dispute_from is not None:
            if can_request_dispute(order, now):
                actions.append(Action.OPEN_DISPUTE)
            else:
                upcoming.append(Upcoming(Action.OPEN_DISPUTE, order.dispute_from))
    elif party is Party.SELLER:
        if state is OrderState.AWAITING_PAYMENT:
            actions.append(Action.LOWER_PRICE)
        elif state is OrderState.AWAITING_SHIPMENT:
            if order.pending_request is not None:
                actions += [Action.APPROVE_CANCELLATION, Action.REFUSE_CANCELLATION]
            actions += _change_actions(order, party)
            actions.append(Action.SHIP)
        elif state is OrderState.AWAITING_DELIVERY:
            actions.append(Action.VOID_SHIPMENT)
        elif state is OrderState.SHIPMENT_CANCELED:  # R16: what the buyer is owed
            actions += [Action.RESHIP, Action.REFUND_CANCELED_SHIPMENT]
            if order.dispute_from is None or now < order.dispute_from:
                actions.append(Action.DECLINE_CANCELED_SHIPMENT)
    return actions, upcoming


def _change_actions(order: OrderFacts, party: Party) -> list[Action]:
    """R13 on an order awaiting shipment: the buyer asks for one change at a time (not beside a
    cancellation request), the seller answers it, the buyer confirms or declines an extra
    charge."""
    change = order.pending_change
    if party is Party.SELLER:
        return [Action.ACCEPT_CHANGE, Action.REFUSE_CHANGE] \
            if change is not None and not change.awaiting_charge else []
    if change is None:
        return [] if order.pending_request is not None else [Action.REQUEST_CHANGE]
    if change.awaiting_charge:
        return [Action.CONFIRM_EXTRA_CHARGE, Action.DECLINE_EXTRA_CHARGE]
    return [Action.WITHDRAW_CHANGE]
