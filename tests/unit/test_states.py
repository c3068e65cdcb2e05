"""R2: the order lifecycle table and the one function that enforces it."""

from __future__ import annotations

import pytest

from rescind.domain.errors import DomainError, ErrorKind
from rescind.domain.states import (
    TERMINAL_STATES,
    TRANSITIONS,
    CloseReason,
    OrderState,
    Transition,
    apply_transition,
    can_transition,
)

S = OrderState
T = Transition

ALLOWED = [
    (transition, state)
    for transition, (sources, _target, _reason) in TRANSITIONS.items()
    for state in sorted(sources)
]
REFUSED = [
    (transition, state)
    for transition, (sources, _target, _reason) in TRANSITIONS.items()
    for state in OrderState
    if state not in sources
]

# The lifecycle R2 describes, written out independently of the table under test.
EXPECTED_TABLE = {
    T.PAY: ({S.AWAITING_PAYMENT}, S.AWAITING_SHIPMENT, None),
    T.CANCEL_UNPAID: ({S.AWAITING_PAYMENT}, S.CLOSED, CloseReason.CANCELLED_BY_BUYER),
    T.CLOSE_UNPAID_TIMEOUT: ({S.AWAITING_PAYMENT}, S.CLOSED, CloseReason.UNPAID_TIMEOUT),
    T.APPROVE_CANCELLATION: (
        {S.AWAITING_SHIPMENT}, S.CLOSED, CloseReason.CANCELLED_ON_REQUEST),
    T.CLOSE_NOT_SHIPPED: ({S.AWAITING_SHIPMENT}, S.CLOSED, CloseReason.NOT_SHIPPED_IN_TIME),
    T.SHIP: ({S.AWAITING_SHIPMENT}, S.AWAITING_DELIVERY, None),
    T.COMPLETE: ({S.AWAITING_DELIVERY}, S.COMPLETED, None),
    T.DROP_SHIPMENT: ({S.AWAITING_DELIVERY}, S.SHIPMENT_CANCELED, None),
    T.RESHIP: ({S.SHIPMENT_CANCELED}, S.AWAITING_DELIVERY, None),
    T.REFUND_CANCELED_SHIPMENT: (
        {S.SHIPMENT_CANCELED}, S.CLOSED, CloseReason.REFUNDED_SHIPMENT_CANCELED),
    # R18: a completed order can be disputed while buyer protection lasts.
    T.OPEN_DISPUTE: ({S.AWAITING_DELIVERY, S.SHIPMENT_CANCELED, S.COMPLETED}, S.IN_DISPUTE, None),
    T.RESOLVE_DISPUTE_WITH_REFUND: (
        {S.IN_DISPUTE}, S.CLOSED, CloseReason.REFUNDED_AFTER_DISPUTE),
    T.RESOLVE_DISPUTE_WITHOUT_REFUND: ({S.IN_DISPUTE}, S.COMPLETED, None),
}


def test_r2_table_covers_every_transition_and_matches_the_rule_book():
    # given the lifecycle of R2 written out by hand
    # when it is compared with the table
    # then every transition is stated once, with the same sources, target and close reason
    assert set(TRANSITIONS) == set(Transition)
    actual = {t: (set(src), target, reason) for t, (src, target, reason) in TRANSITIONS.items()}
    assert actual == EXPECTED_TABLE


@pytest.mark.parametrize(("transition", "state"), ALLOWED)
def test_r2_every_transition_allowed_from_its_sources(transition, state):
    # given an order in a state the table lists as a source of the transition
    _sources, target, close_reason = EXPECTED_TABLE[transition]
    # when the transition is applied
    result = apply_transition(state, transition)
    # then the order ends in the table's target state with the table's close reason
    assert result == (target, close_reason)
    assert can_transition(state, transition) is True


@pytest.mark.parametrize(("transition", "state"), REFUSED)
def test_r2_every_other_pair_is_refused_with_transition_not_allowed(transition, state):
    # given an order in a state the table does not list as a source of the transition
    assert can_transition(state, transition) is False
    # when the transition is applied
    with pytest.raises(DomainError) as caught:
        apply_transition(state, transition)
    # then it is refused as a conflict with a stable code and the pair in the details
    assert caught.value.code == "transition_not_allowed"
    assert caught.value.kind is ErrorKind.CONFLICT
    assert caught.value.details == {"state": state.value, "transition": transition.value}


def test_r2_every_pair_is_either_allowed_or_refused():
    # given every transition and every state
    # when the allowed and refused pairs are counted
    # then together they are the whole product, with no overlap
    assert len(ALLOWED) + len(REFUSED) == len(Transition) * len(OrderState)
    assert set(ALLOWED).isdisjoint(REFUSED)
    assert len(ALLOWED) == 15  # R18 made completed orders disputable


def test_r2_refusal_message_names_the_state_and_the_transition():
    # given a completed order
    # when someone tries to ship it
    with pytest.raises(DomainError) as caught:
        apply_transition(OrderState.COMPLETED, Transition.SHIP)
    # then the message a person reads says what was refused, in words
    assert caught.value.message == "An order that is completed cannot ship."
    assert str(caught.value) == "An order that is completed cannot ship."


@pytest.mark.parametrize("state", sorted(TERMINAL_STATES))
def test_r2_terminal_states_have_no_way_out(state):
    # given an order that is closed
    # when every transition is tried
    # then none is allowed
    assert {OrderState.CLOSED} == TERMINAL_STATES
    assert [t for t in Transition if can_transition(state, t)] == []


def test_r2_r18_a_completed_order_leaves_only_by_a_dispute():
    # given a completed order
    # when every transition is tried
    # then only opening a dispute is allowed (while buyer protection lasts, R18)
    assert [t for t in Transition if can_transition(OrderState.COMPLETED, t)] == [
        Transition.OPEN_DISPUTE]


def test_r2_only_closing_transitions_carry_a_close_reason():
    # given the table
    # when the transitions that give a close reason are collected
    closing = {t for t, (_src, _target, reason) in TRANSITIONS.items() if reason is not None}
    # then exactly those that end in Closed carry one, and each reason is used once
    assert closing == {t for t, (_src, target, _r) in TRANSITIONS.items() if target is S.CLOSED}
    reasons = [TRANSITIONS[t][2] for t in closing]
    assert sorted(reasons) == sorted(CloseReason)
