"""The pure decisions of buyer protection after completion (R18), the promised delivery (R17)
and the reminders before every automatic action against a party (R27)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from rescind.domain.actions import Action, Party, Upcoming, available_actions
from rescind.domain.dispute_events import DisputeOpened
from rescind.domain.disputes import decide_open_dispute
from rescind.domain.errors import DomainError
from rescind.domain.events import (
    BuyerProtectionEnded,
    BuyerReminded,
    OrderCompleted,
    PromisedDeliveryPassed,
    SellerReminded,
    ShipmentReassigned,
)
from rescind.domain.facts import OrderFacts
from rescind.domain.money import Money
from rescind.domain.policy import Policy, policy_from_mapping
from rescind.domain.reminders import REMINDED, decide_reminder, reminder_due
from rescind.domain.shipping import (
    decide_auto_complete,
    decide_confirm_receipt,
    decide_promised_delivery_passed,
    decide_protection_end,
    decide_reship,
)
from rescind.domain.states import OrderState

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
DAY = timedelta(days=1)
POLICY = Policy()
SHIPPED = OrderFacts(state=OrderState.AWAITING_DELIVERY, placed_at=T0, total=Money(2800, "USD"),
                     refunded=Money(0, "USD"), payment_method="e_wallet", paid_at=T0,
                     tracking_number="LP1", deliver_by=T0 + 61 * DAY)
COMPLETED = replace(SHIPPED, state=OrderState.COMPLETED, delivered_at=T0 + 5 * DAY,
                    dispute_until=T0 + 23 * DAY)


def _open(order: OrderFacts, *, reason: str = "damaged", now: datetime) -> list:
    return decide_open_dispute(order, None, reason=reason, claim=None, return_item=False,
                               description="", evidence=(), order_attachments=frozenset(),
                               now=now, policy=POLICY)


def _buyer(order: OrderFacts, now: datetime) -> tuple[list[Action], list[Upcoming]]:
    return available_actions(order, Party.BUYER, now=now, policy=POLICY)


# Policy values


def test_r17_r18_r27_defaults_and_their_toml_override():
    # given the default policy, then DOMAIN.md's values
    assert (POLICY.r17_promised_delivery_after_shipping, POLICY.r18_protection_after_completion,
            POLICY.r27_seller_reminder_before, POLICY.r27_buyer_reminder_before) == (
        60 * DAY, 15 * DAY, timedelta(hours=24), timedelta(hours=24))
    # when a policy file sets them, then they are read as durations
    policy = policy_from_mapping({"r17_promised_delivery_after_shipping": "45d",
                                  "r18_protection_after_completion": "30d",
                                  "r27_buyer_reminder_before": "48h"})
    assert (policy.r17_promised_delivery_after_shipping, policy.r18_protection_after_completion,
            policy.r27_buyer_reminder_before) == (45 * DAY, 30 * DAY, 2 * DAY)


# R18: buyer protection after completion


@pytest.mark.parametrize("decide", [
    lambda order, now: decide_confirm_receipt(order, now=now, policy=POLICY),
    lambda order, now: decide_auto_complete(replace(order, delivered_at=T0 + 5 * DAY),
                                            now=now, policy=POLICY),
])
def test_r18_completing_either_way_protects_the_buyer_15_more_days(decide):
    # given a shipped order, when it completes 20 days after T0 (confirmed or by itself)
    [completed] = decide(SHIPPED, T0 + 20 * DAY)
    # then buyer protection lasts until 15 days later
    assert completed.dispute_until == T0 + 35 * DAY
    assert isinstance(completed, OrderCompleted)


def test_r18_a_completed_order_can_be_disputed_until_protection_ends():
    # given an order completed with protection until T0 + 23 days
    # when the buyer opens a dispute a second before the end, it opens
    [opened] = _open(COMPLETED, now=T0 + 23 * DAY - timedelta(seconds=1))
    assert isinstance(opened, DisputeOpened) and opened.claim == Money(2800, "USD")
    # when they try at the end, it is refused as today, saying when protection ended
    with pytest.raises(DomainError) as late:
        _open(COMPLETED, now=T0 + 23 * DAY)
    assert (late.value.code, late.value.details) == ("dispute_not_available", {
        "state": "completed", "available_from": None,
        "protection_ended_at": (T0 + 23 * DAY).isoformat()})


def test_r18_a_completed_order_without_protection_cannot_be_disputed():
    # given a completed order whose protection was used by a dispute (or predates R18)
    with pytest.raises(DomainError) as refused:
        _open(replace(COMPLETED, dispute_until=None), now=T0 + 6 * DAY)
    assert refused.value.code == "dispute_not_available"


def test_r2_r18_the_buyer_sees_the_dispute_action_only_while_protected():
    assert _buyer(COMPLETED, T0 + 22 * DAY) == ([Action.OPEN_DISPUTE], [])
    assert _buyer(COMPLETED, T0 + 23 * DAY) == ([], [])
    # and the seller has nothing to do on a completed order
    assert available_actions(COMPLETED, Party.SELLER, now=T0 + 22 * DAY, policy=POLICY) == (
        [], [])


def test_r18_protection_ends_only_once_it_has_run_out_on_a_completed_order():
    with pytest.raises(DomainError):
        decide_protection_end(COMPLETED, now=T0 + 23 * DAY - timedelta(seconds=1))
    with pytest.raises(DomainError):  # a dispute was opened meanwhile
        decide_protection_end(replace(COMPLETED, state=OrderState.IN_DISPUTE), now=T0 + 30 * DAY)
    assert decide_protection_end(COMPLETED, now=T0 + 23 * DAY) == [
        BuyerProtectionEnded(dispute_until=T0 + 23 * DAY)]


# R17: the promised delivery


def test_r17_not_received_waits_for_the_promised_delivery():
    # given a parcel promised by T0 + 61 days and no delivery event
    # when the buyer disputes it as not received a second before, it is refused with the date
    with pytest.raises(DomainError) as early:
        _open(SHIPPED, reason="not_received", now=T0 + 61 * DAY - timedelta(seconds=1))
    assert (early.value.code, early.value.details) == ("dispute_not_available", {
        "state": "awaiting_delivery", "reason": "not_received",
        "available_from": (T0 + 61 * DAY).isoformat()})
    # when the promise has passed, it opens without any carrier event
    [opened] = _open(SHIPPED, reason="not_received", now=T0 + 61 * DAY)
    assert opened.reason == "not_received"


def test_r17_other_reasons_and_delivered_parcels_do_not_wait():
    # given a parcel still within its promise, a dispute for damage opens at once
    assert _open(SHIPPED, reason="damaged", now=T0 + 2 * DAY)[0].reason == "damaged"
    # and a parcel the carrier calls delivered may be disputed as not received at once
    delivered = replace(SHIPPED, delivered_at=T0 + 3 * DAY)
    assert _open(delivered, reason="not_received", now=T0 + 4 * DAY)[0].reason == "not_received"
    # and a parcel shipped before promises were kept (none stored) holds nothing back
    assert _open(replace(SHIPPED, deliver_by=None), reason="not_received",
                 now=T0 + DAY)[0].reason == "not_received"


def test_r2_r17_the_non_delivery_dispute_is_upcoming_then_available():
    # while the promise runs, the buyer sees it coming, dated
    assert _buyer(SHIPPED, T0 + 2 * DAY) == (
        [Action.CONFIRM_RECEIPT, Action.OPEN_DISPUTE],
        [Upcoming(Action.DISPUTE_NOT_RECEIVED, T0 + 61 * DAY)])
    # once it passed, the action is there
    assert _buyer(SHIPPED, T0 + 61 * DAY) == (
        [Action.CONFIRM_RECEIPT, Action.OPEN_DISPUTE, Action.DISPUTE_NOT_RECEIVED], [])


def test_r17_the_buyer_is_told_when_the_promise_passes_undelivered():
    with pytest.raises(DomainError):
        decide_promised_delivery_passed(SHIPPED, now=T0 + 61 * DAY - timedelta(seconds=1))
    with pytest.raises(DomainError):  # delivered in time: nothing to say
        decide_promised_delivery_passed(replace(SHIPPED, delivered_at=T0 + 9 * DAY),
                                        now=T0 + 61 * DAY)
    assert decide_promised_delivery_passed(SHIPPED, now=T0 + 61 * DAY) == [
        PromisedDeliveryPassed(deliver_by=T0 + 61 * DAY)]


def test_r16_r17_a_new_shipment_promises_delivery_afresh():
    canceled = replace(SHIPPED, state=OrderState.SHIPMENT_CANCELED)
    assert decide_reship(canceled, carrier="DHL", tracking_number="LP2", now=T0 + 9 * DAY,
                         policy=POLICY) == [
        ShipmentReassigned(carrier="DHL", tracking_number="LP2", deliver_by=T0 + 69 * DAY)]


# R27: reminders


def test_r27_each_reminder_goes_to_the_one_party_who_can_still_act():
    sellers = {about for about, party in REMINDED.items() if party is Party.SELLER}
    buyers = {about for about, party in REMINDED.items() if party is Party.BUYER}
    assert sellers == {"seller_response", "handling_time", "change_request_response",
                       "shipment_canceled_reply", "dispute_response", "return_confirmation"}
    assert buyers == {"unpaid_timeout", "extra_charge_confirmation", "buyer_protection"}
    assert decide_reminder("dispute_response", T0 + 15 * DAY) == [
        SellerReminded(about="dispute_response", due_at=T0 + 15 * DAY)]
    assert decide_reminder("unpaid_timeout", T0 + 20 * DAY) == [
        BuyerReminded(about="unpaid_timeout", due_at=T0 + 20 * DAY)]


def test_r27_a_stopped_deadline_has_nothing_to_remind_of():
    with pytest.raises(DomainError) as nothing:
        decide_reminder("return_confirmation", None)
    assert nothing.value.code == "nothing_to_remind"


def test_r27_reminders_go_out_one_policy_interval_before_the_deadline():
    policy = replace(POLICY, r27_seller_reminder_before=timedelta(hours=6))
    assert reminder_due("dispute_response", T0 + 15 * DAY, policy) == T0 + 15 * DAY - \
        timedelta(hours=6)
    assert reminder_due("unpaid_timeout", T0 + 20 * DAY, policy) == T0 + 19 * DAY
