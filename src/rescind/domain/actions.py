"""What the reader of an order may do now, and what becomes possible later (R2, R5, R7)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from rescind.domain.cancellation import cancel_available_from
from rescind.domain.facts import OrderFacts
from rescind.domain.policy import Policy
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


ACTION_LABELS = {
    Action.PAY: "Pay now",
    Action.CANCEL: "Cancel order",
    Action.ADD_TO_CART_AGAIN: "Add to cart again",
    Action.REQUEST_CANCELLATION: "Cancel order",
    Action.WITHDRAW_CANCELLATION: "Withdraw cancellation request",
    Action.LOWER_PRICE: "Lower the price",
    Action.APPROVE_CANCELLATION: "Approve cancellation",
    Action.REFUSE_CANCELLATION: "Refuse cancellation",
    Action.SHIP: "Ship",
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
    elif party is Party.SELLER:
        if state is OrderState.AWAITING_PAYMENT:
            actions.append(Action.LOWER_PRICE)
        elif state is OrderState.AWAITING_SHIPMENT:
            if order.pending_request is not None:
                actions += [Action.APPROVE_CANCELLATION, Action.REFUSE_CANCELLATION]
            actions.append(Action.SHIP)
    return actions, upcoming
