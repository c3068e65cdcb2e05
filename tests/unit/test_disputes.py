"""Dispute decisions, pure: no database (R9, R18-R20, R22)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from rescind.domain.audience import AUDIENCE
from rescind.domain.calendar import BusinessCalendar
from rescind.domain.dispute_events import (
    DisputeDecided,
    DisputeEscalated,
    DisputeOpened,
    DisputeResolved,
    DisputeReturnDelivered,
)
from rescind.domain.disputes import (
    DisputeFacts,
    DisputeState,
    decide_accept_proposal,
    decide_auto_accept,
    decide_auto_escalate,
    decide_escalate,
    decide_open_dispute,
    decide_return_auto_received,
    decide_return_delivered,
    decide_seller_accept,
    decide_seller_propose,
    decide_supplier_dispute,
    decide_support,
    dispute_actions,
)
from rescind.domain.errors import DomainError
from rescind.domain.events import RefundCreated
from rescind.domain.facts import OrderFacts
from rescind.domain.money import Money
from rescind.domain.policy import Policy, Side
from rescind.domain.states import OrderState, Transition

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
DAY = timedelta(days=1)
POLICY = Policy()
CAL = BusinessCalendar("US")
USD = "USD"
SHIPPED = OrderFacts(state=OrderState.AWAITING_DELIVERY, placed_at=T0,
                     total=Money(2800, USD), refunded=Money(0, USD),
                     payment_method="e_wallet", paid_at=T0)
DISPUTED = replace(SHIPPED, state=OrderState.IN_DISPUTE)
OPEN = DisputeFacts(state=DisputeState.AWAITING_SELLER, claim=Money(2800, USD),
                    return_item=False, beside_cancellation=False, respond_by=T0 + 15 * DAY)


def _open(**kwargs):
    args = {"reason": "damaged", "claim": None, "return_item": False, "description": "",
            "evidence": (), "order_attachments": frozenset(), "now": T0, "policy": POLICY}
    return decide_open_dispute(SHIPPED, None, **{**args, **kwargs})


def test_r18_r19_opening_asks_for_all_that_is_left_and_gives_the_seller_15_days():
    [opened] = _open(description="  Torn  ", evidence=(7,), order_attachments=frozenset({7}))
    assert opened == DisputeOpened(reason="damaged", claim=Money(2800, USD), return_item=False,
                                   description="Torn", evidence=(7,),
                                   respond_by=T0 + 15 * DAY)
    assert opened.transition is Transition.OPEN_DISPUTE


def test_r18_r22_a_claim_above_what_is_left_is_refused():
    partly_refunded = replace(SHIPPED, refunded=Money(1250, USD))
    with pytest.raises(DomainError) as refused:
        decide_open_dispute(partly_refunded, None, reason="damaged", claim=Money(1551, USD),
                            return_item=False, description="", evidence=(),
                            order_attachments=frozenset(), now=T0, policy=POLICY)
    assert (refused.value.code, refused.value.details) == (
        "bad_claim", {"refundable": {"amount": 1550, "currency": USD}})


def test_r16_r18_not_on_an_order_awaiting_shipment():
    with pytest.raises(DomainError) as refused:
        decide_open_dispute(replace(SHIPPED, state=OrderState.AWAITING_SHIPMENT), None,
                            reason="damaged", claim=None, return_item=False, description="",
                            evidence=(), order_attachments=frozenset(), now=T0, policy=POLICY)
    assert refused.value.code == "dispute_not_available"


def test_r9_a_supplier_report_goes_straight_to_support_without_moving_the_order():
    events = decide_supplier_dispute(replace(SHIPPED, state=OrderState.AWAITING_SHIPMENT),
                                     None)
    assert [e.kind for e in events] == ["DisputeOpened", "DisputeEscalated"]
    assert (events[0].transition, events[0].claim, events[1]) == (
        None, Money(2800, USD), DisputeEscalated(by="supplier_report", note=""))
    assert decide_supplier_dispute(SHIPPED, OPEN) == []


def test_r19_r22_the_seller_accepting_everything_closes_the_order_with_the_refund():
    events = decide_seller_accept(DISPUTED, OPEN, now=T0 + DAY, policy=POLICY, calendar=CAL)
    assert [e.kind for e in events] == ["DisputeSellerAccepted", "DisputeDecided",
                                        "DisputeResolved", "RefundCreated"]
    resolved, refund = events[2], events[3]
    assert (resolved.transition, resolved.responsible) == (
        Transition.RESOLVE_DISPUTE_WITH_REFUND, Side.SELLER)
    assert refund == RefundCreated(amount=Money(2800, USD), method="e_wallet",
                                   arrive_by=T0 + 8 * DAY)


def test_r19_r20_a_partial_refund_completes_the_order():
    proposed = replace(OPEN, state=DisputeState.SELLER_PROPOSED, proposal=Money(1000, USD))
    events = decide_accept_proposal(DISPUTED, proposed, now=T0, policy=POLICY, calendar=CAL)
    assert events[1] == DisputeDecided(refund=Money(1000, USD), return_item=False, by="buyer",
                                       seller_lost=True, note="")
    assert events[2] == DisputeResolved(refund=Money(1000, USD), outcome="completed")
    assert events[2].transition is Transition.RESOLVE_DISPUTE_WITHOUT_REFUND


def test_r20_a_return_defers_the_payout_until_the_item_is_back():
    escalated = replace(OPEN, state=DisputeState.ESCALATED)
    events = decide_support(DISPUTED, escalated, refund=Money(2800, USD), return_item=True,
                            note="", now=T0, policy=POLICY, calendar=CAL)
    assert [e.kind for e in events] == ["DisputeDecided"]


def test_r20_r22_support_cannot_refund_beyond_the_charge_nor_return_for_nothing():
    escalated = replace(OPEN, state=DisputeState.ESCALATED)
    for refund, return_item, code in ((2801, False, "refund_exceeds_charge"),
                                      (0, True, "return_needs_refund")):
        with pytest.raises(DomainError) as refused:
            decide_support(DISPUTED, escalated, refund=Money(refund, USD),
                           return_item=return_item, note="", now=T0, policy=POLICY,
                           calendar=CAL)
        assert refused.value.code == code


def test_r20_no_refund_is_a_decision_the_seller_did_not_lose():
    escalated = replace(OPEN, state=DisputeState.ESCALATED)
    events = decide_support(DISPUTED, escalated, refund=Money(0, USD), return_item=False,
                            note="No damage", now=T0, policy=POLICY, calendar=CAL)
    assert events == [DisputeDecided(refund=Money(0, USD), return_item=False, by="support",
                                     seller_lost=False, note="No damage"),
                      DisputeResolved(refund=Money(0, USD), outcome="completed")]


def test_r19_silence_accepts_only_once_the_window_passed():
    with pytest.raises(DomainError):
        decide_auto_accept(DISPUTED, OPEN, now=T0 + 15 * DAY - timedelta(seconds=1),
                           policy=POLICY, calendar=CAL)
    events = decide_auto_accept(DISPUTED, OPEN, now=T0 + 15 * DAY, policy=POLICY,
                                calendar=CAL)
    assert [e.kind for e in events][:2] == ["DisputeAutoAccepted", "DisputeDecided"]
    assert events[1].by == "silence"


def test_r19_a_proposal_must_lie_between_nothing_and_the_claim():
    for amount in (0, 2800, 3000):
        with pytest.raises(DomainError) as refused:
            decide_seller_propose(OPEN, amount=Money(amount, USD), return_item=False, note="",
                                  now=T0, policy=POLICY)
        assert refused.value.code == "bad_proposal"
    [proposed] = decide_seller_propose(OPEN, amount=Money(1000, USD), return_item=True,
                                       note="", now=T0, policy=POLICY)
    assert proposed.escalate_by == T0 + 7 * DAY


def test_r19_escalation_by_the_buyer_or_by_no_movement():
    refused = replace(OPEN, state=DisputeState.SELLER_REFUSED, escalate_by=T0 + 7 * DAY)
    assert decide_escalate(refused, note=" Please ") == [DisputeEscalated(by="buyer",
                                                                          note="Please")]
    with pytest.raises(DomainError) as early:
        decide_auto_escalate(refused, now=T0 + 6 * DAY)
    assert early.value.code == "not_due"
    assert decide_auto_escalate(refused, now=T0 + 7 * DAY) == [
        DisputeEscalated(by="no_movement", note="")]
    with pytest.raises(DomainError) as wrong_state:
        decide_escalate(OPEN, note="")
    assert wrong_state.value.code == "dispute_state_conflict"


def test_r20_delivered_return_starts_the_confirmation_window_once():
    returning = replace(OPEN, state=DisputeState.AWAITING_RETURN, refund=Money(2800, USD),
                        return_tracking="RET1")
    assert decide_return_delivered(returning, now=T0, policy=POLICY) == [
        DisputeReturnDelivered(tracking_number="RET1", confirm_by=T0 + 7 * DAY)]
    delivered = replace(returning, return_delivered_at=T0, confirm_by=T0 + 7 * DAY)
    assert decide_return_delivered(delivered, now=T0 + DAY, policy=POLICY) == []
    events = decide_return_auto_received(DISPUTED, delivered, now=T0 + 7 * DAY, policy=POLICY,
                                         calendar=CAL)
    assert [e.kind for e in events] == ["DisputeReturnReceived", "DisputeResolved",
                                        "RefundCreated"]


def test_r19_r20_who_may_do_what_on_a_dispute():
    assert dispute_actions(OPEN, "seller") == ["accept", "refuse", "propose"]
    assert dispute_actions(OPEN, "buyer") == []
    proposed = replace(OPEN, state=DisputeState.SELLER_PROPOSED)
    assert dispute_actions(proposed, "buyer") == ["accept_proposal", "escalate"]
    returning = replace(OPEN, state=DisputeState.AWAITING_RETURN)
    assert dispute_actions(returning, "buyer") == ["ship_return"]
    assert dispute_actions(replace(returning, return_tracking="R"), "seller") == [
        "confirm_return"]


def test_r27_r29_every_dispute_event_has_an_audience_entry_words_and_a_title():
    from rescind.domain import dispute_events
    from rescind.notifications.messages import TITLES
    from rescind.web.dispute_timeline import DISPUTE_DESCRIBE

    kinds = {name for name in dir(dispute_events) if name.startswith("Dispute")}
    assert kinds <= set(AUDIENCE) & set(TITLES) & set(DISPUTE_DESCRIBE)
