"""The order lifecycle, stated once as a table (R2), and the one function that enforces it."""

from __future__ import annotations

from enum import StrEnum

from django.utils.translation import gettext_lazy as _

from rescind.domain.errors import DomainError


class OrderState(StrEnum):
    AWAITING_PAYMENT = "awaiting_payment"
    AWAITING_SHIPMENT = "awaiting_shipment"
    AWAITING_DELIVERY = "awaiting_delivery"
    COMPLETED = "completed"
    SHIPMENT_CANCELED = "shipment_canceled"
    IN_DISPUTE = "in_dispute"
    CLOSED = "closed"


class CloseReason(StrEnum):
    CANCELLED_BY_BUYER = "cancelled_by_buyer"
    CANCELLED_ON_REQUEST = "cancelled_on_request"
    UNPAID_TIMEOUT = "unpaid_timeout"
    NOT_SHIPPED_IN_TIME = "not_shipped_in_time"
    REFUNDED_SHIPMENT_CANCELED = "refunded_shipment_canceled"
    REFUNDED_AFTER_DISPUTE = "refunded_after_dispute"


class Transition(StrEnum):
    PAY = "pay"
    CANCEL_UNPAID = "cancel_unpaid"
    CLOSE_UNPAID_TIMEOUT = "close_unpaid_timeout"
    APPROVE_CANCELLATION = "approve_cancellation"
    CLOSE_NOT_SHIPPED = "close_not_shipped"
    SHIP = "ship"
    COMPLETE = "complete"
    DROP_SHIPMENT = "drop_shipment"
    RESHIP = "reship"
    REFUND_CANCELED_SHIPMENT = "refund_canceled_shipment"
    OPEN_DISPUTE = "open_dispute"
    RESOLVE_DISPUTE_WITH_REFUND = "resolve_dispute_with_refund"
    RESOLVE_DISPUTE_WITHOUT_REFUND = "resolve_dispute_without_refund"


S = OrderState
# transition -> (states it may start from, state it ends in, close reason if it closes)
TRANSITIONS: dict[Transition, tuple[frozenset[OrderState], OrderState, CloseReason | None]] = {
    Transition.PAY: (frozenset({S.AWAITING_PAYMENT}), S.AWAITING_SHIPMENT, None),
    Transition.CANCEL_UNPAID: (
        frozenset({S.AWAITING_PAYMENT}), S.CLOSED, CloseReason.CANCELLED_BY_BUYER),
    Transition.CLOSE_UNPAID_TIMEOUT: (
        frozenset({S.AWAITING_PAYMENT}), S.CLOSED, CloseReason.UNPAID_TIMEOUT),
    Transition.APPROVE_CANCELLATION: (
        frozenset({S.AWAITING_SHIPMENT}), S.CLOSED, CloseReason.CANCELLED_ON_REQUEST),
    Transition.CLOSE_NOT_SHIPPED: (
        frozenset({S.AWAITING_SHIPMENT}), S.CLOSED, CloseReason.NOT_SHIPPED_IN_TIME),
    Transition.SHIP: (frozenset({S.AWAITING_SHIPMENT}), S.AWAITING_DELIVERY, None),
    Transition.COMPLETE: (frozenset({S.AWAITING_DELIVERY}), S.COMPLETED, None),
    Transition.DROP_SHIPMENT: (frozenset({S.AWAITING_DELIVERY}), S.SHIPMENT_CANCELED, None),
    Transition.RESHIP: (frozenset({S.SHIPMENT_CANCELED}), S.AWAITING_DELIVERY, None),
    Transition.REFUND_CANCELED_SHIPMENT: (
        frozenset({S.SHIPMENT_CANCELED}), S.CLOSED, CloseReason.REFUNDED_SHIPMENT_CANCELED),
    # R18: a completed order stays disputable while buyer protection lasts.
    Transition.OPEN_DISPUTE: (
        frozenset({S.AWAITING_DELIVERY, S.SHIPMENT_CANCELED, S.COMPLETED}), S.IN_DISPUTE, None),
    Transition.RESOLVE_DISPUTE_WITH_REFUND: (
        frozenset({S.IN_DISPUTE}), S.CLOSED, CloseReason.REFUNDED_AFTER_DISPUTE),
    Transition.RESOLVE_DISPUTE_WITHOUT_REFUND: (frozenset({S.IN_DISPUTE}), S.COMPLETED, None),
}

# Completed is not terminal: R18 lets the buyer dispute it while buyer protection lasts.
TERMINAL_STATES = frozenset({S.CLOSED})


def can_transition(state: OrderState, transition: Transition) -> bool:
    return state in TRANSITIONS[transition][0]


def apply_transition(
    state: OrderState, transition: Transition
) -> tuple[OrderState, CloseReason | None]:
    """The state after `transition`, or a `transition_not_allowed` conflict (R2, R14)."""
    sources, target, close_reason = TRANSITIONS[transition]
    if state not in sources:
        raise DomainError(
            "transition_not_allowed",
            _("An order that is %(state)s cannot %(transition)s."),
            params={"state": state.value.replace("_", " "),
                    "transition": transition.value.replace("_", " ")},
            details={"state": state.value, "transition": transition.value},
        )
    return target, close_reason
