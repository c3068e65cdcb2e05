"""Support's work through the services: claiming disputes, deciding without stepping on another
agent, writing to both sides, canceling a shipment for the seller and goodwill refunds (R16,
R20, R22, R27, R29). Races run on real connections, one thread each."""

from __future__ import annotations

import base64

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext

from rescind.aftersale.services import order_ship
from rescind.disputes.assignment import dispute_claim, dispute_release
from rescind.disputes.models import Dispute
from rescind.disputes.queue import dispute_queue, queue_filter
from rescind.disputes.services import (
    dispute_decide,
    dispute_escalate,
    dispute_open,
    dispute_refuse,
)
from rescind.domain.errors import DomainError
from rescind.messaging.models import OrderMessage
from rescind.messaging.services import message_send_support
from rescind.notifications.models import Notification
from rescind.notifications.services import notify_entries
from rescind.orders.models import Deadline, Parcel, TimelineEntry
from rescind.orders.shipping import shipment_cancel_by_platform, shipment_reassign
from rescind.refunds.goodwill import refund_goodwill
from rescind.refunds.models import Refund
from tests.conftest import DAY, HOUR, T0
from tests.integration.test_concurrency import _race

NOW = T0 + 5 * DAY


def _agent(name: str):
    agent = get_user_model().objects.create_user(name, password="pw", is_staff=True)
    agent.user_permissions.add(Permission.objects.get(codename="decide_dispute"))
    return get_user_model().objects.get(pk=agent.pk)  # without the cached permissions


def _shipped(market, *, tracking: str = "LP1", **kwargs):
    order = market.paid(at=T0, **kwargs)
    order_ship(order_id=order.pk, user=market.seller, carrier="Cainiao",
               tracking_number=tracking, now=T0 + DAY)
    return order


def _escalated(market, *, tracking: str = "LP1", at=T0 + 2 * DAY, **kwargs):
    order = _shipped(market, tracking=tracking, **kwargs)
    dispute_open(order_id=order.pk, user=order.buyer, reason="damaged", claim=None,
                 return_item=False, description="Torn", evidence=[], now=at)
    dispute_refuse(order_id=order.pk, user=market.seller, note="Not torn", now=at)
    dispute_escalate(order_id=order.pk, user=order.buyer, note="", now=at)
    return order


def _version(order) -> int:
    return Dispute.objects.get(order=order).version


def test_r20_r29_claim_and_release_are_on_the_timeline_with_the_agent(market):
    # given an escalated dispute and two agents
    order = _escalated(market)
    ann, bob = _agent("ann"), _agent("bob")
    # when ann claims it, claims again, then bob takes it over, then releases it
    dispute_claim(order_id=order.pk, user=ann, now=NOW)
    dispute_claim(order_id=order.pk, user=ann, now=NOW + HOUR)
    with pytest.raises(DomainError) as refused:
        dispute_claim(order_id=order.pk, user=bob, now=NOW + HOUR)
    dispute_claim(order_id=order.pk, user=bob, take_over=True, now=NOW + 2 * HOUR)
    with pytest.raises(DomainError) as not_hers:
        dispute_release(order_id=order.pk, user=ann, now=NOW + 3 * HOUR)
    dispute_release(order_id=order.pk, user=bob, now=NOW + 3 * HOUR)
    # then bob was refused without taking over, ann could not release bob's, and the
    # timeline says who did what, as support
    assert (refused.value.code, refused.value.details) == ("dispute_claimed",
                                                           {"assignee": "ann"})
    assert "ann is working on this dispute" in refused.value.message
    assert not_hers.value.code == "dispute_not_yours"
    entries = list(TimelineEntry.objects.filter(
        order=order, kind__in=["DisputeClaimed", "DisputeReleased"]).order_by("pk")
        .values_list("kind", "actor", "params"))
    assert entries == [
        ("DisputeClaimed", "support", {"agent": "ann", "took_over_from": ""}),
        ("DisputeClaimed", "support", {"agent": "bob", "took_over_from": "ann"}),
        ("DisputeReleased", "support", {"agent": "bob"}),
    ]
    dispute = Dispute.objects.get(order=order)
    assert (dispute.assignee_id, dispute.assigned_at) == (None, None)


def test_r20_deciding_a_dispute_another_agent_claimed_needs_taking_it_over(market):
    # given a dispute ann claimed
    order = _escalated(market)
    ann, bob = _agent("ann"), _agent("bob")
    dispute_claim(order_id=order.pk, user=ann, now=NOW)
    # when bob decides without taking it over
    with pytest.raises(DomainError) as refused:
        dispute_decide(order_id=order.pk, user=bob, refund=1000, return_item=False, note="",
                       now=NOW, version_seen=_version(order))
    # then it is refused and nothing was decided
    assert refused.value.code == "dispute_claimed"
    assert Dispute.objects.get(order=order).state == "escalated"
    assert not Refund.objects.filter(order=order).exists()
    # when bob takes it over with the decision
    dispute_decide(order_id=order.pk, user=bob, refund=1000, return_item=False, note="Half",
                   now=NOW, version_seen=_version(order), take_over=True)
    # then bob decided it and holds it; the timeline says he took it from ann
    dispute = Dispute.objects.get(order=order)
    assert (dispute.state, dispute.refund, dispute.assignee_id) == ("resolved", 1000, bob.pk)
    assert TimelineEntry.objects.filter(order=order, kind="DisputeClaimed").order_by(
        "-pk").values_list("params", flat=True).first() == {"agent": "bob",
                                                             "took_over_from": "ann"}


def test_r20_a_decision_made_on_a_page_loaded_before_a_change_is_refused(market):
    # given an escalated dispute the agent read at its version, then someone claimed it and
    # put it back
    order = _escalated(market)
    ann, bob = _agent("ann"), _agent("bob")
    seen = _version(order)
    dispute_claim(order_id=order.pk, user=bob, now=NOW)
    dispute_release(order_id=order.pk, user=bob, now=NOW)
    # when ann decides from her page
    with pytest.raises(DomainError) as refused:
        dispute_decide(order_id=order.pk, user=ann, refund=2800, return_item=False, note="",
                       now=NOW, version_seen=seen)
    # then it is refused with the versions, and nothing was decided
    assert (refused.value.code, refused.value.details) == (
        "dispute_changed", {"version": seen + 2, "version_seen": seen})
    assert Dispute.objects.get(order=order).state == "escalated"
    assert not Refund.objects.filter(order=order).exists()


@pytest.mark.django_db(transaction=True)
def test_r20_two_agents_racing_to_decide_one_wins_the_other_is_told(live_market):
    # given an escalated dispute both agents loaded at the same version
    market = live_market
    order = _escalated(market)
    ann, bob = _agent("ann"), _agent("bob")
    seen = _version(order)
    # when both decide at once, differently
    results = _race({
        "ann": lambda: dispute_decide(order_id=order.pk, user=ann, refund=2800,
                                      return_item=False, note="All", now=NOW,
                                      version_seen=seen),
        "bob": lambda: dispute_decide(order_id=order.pk, user=bob, refund=0,
                                      return_item=False, note="Nothing", now=NOW,
                                      version_seen=seen),
    })
    # then exactly one decided; the other was told the dispute changed; one decision stands
    assert sorted(results.values()) == ["lost:dispute_changed", "won"], results
    winner = next(name for name, result in results.items() if result == "won")
    dispute = Dispute.objects.get(order=order)
    assert (dispute.state, dispute.refund) == ("resolved", 2800 if winner == "ann" else 0)
    assert TimelineEntry.objects.filter(order=order, kind="DisputeDecided").count() == 1
    assert Refund.objects.filter(order=order).count() == (1 if winner == "ann" else 0)


def test_r27_support_writes_to_the_buyer_and_the_seller(market):
    # given a shipped order
    order = _shipped(market)
    # when support writes on it
    message = message_send_support(order_id=order.pk, user=market.support,
                                   body="  We are looking into it.  ", now=NOW)
    notify_entries(entry_ids=list(TimelineEntry.objects.filter(
        order=order, kind="SupportMessaged").values_list("pk", flat=True)), now=NOW)
    # then the message is support's, and both sides are told
    assert (message.author_party, message.body) == ("support", "We are looking into it.")
    assert sorted(Notification.objects.filter(kind="SupportMessaged")
                  .values_list("user__username", flat=True)) == ["buyer", "seller"]
    # and neither side may write as support
    for user in (market.buyer, market.seller):
        with pytest.raises(DomainError) as refused:
            message_send_support(order_id=order.pk, user=user, body="Hi", now=NOW)
        assert refused.value.code == "not_your_action"
    with pytest.raises(DomainError) as empty:
        message_send_support(order_id=order.pk, user=market.support, body="  ", now=NOW)
    assert empty.value.code == "message_empty"
    assert OrderMessage.objects.filter(order=order).count() == 1


def test_r16_support_cancels_a_shipment_as_a_carrier_drop_would(market):
    # given a shipped order, and an agent allowed to decide
    order = _shipped(market)
    ann = _agent("ann")
    # when the agent cancels the shipment on the seller's behalf
    shipment_cancel_by_platform(order_id=order.pk, user=ann, note="Parcel lost at the hub",
                                now=NOW)
    # then the order shows shipment canceled, the parcel's number is free, the seller's reply
    # window runs, and the timeline has it by support with the reason
    order.refresh_from_db()
    shipment = order.shipments.get()
    assert (order.state, shipment.void_cause, shipment.voided_at) == (
        "shipment_canceled", "canceled_by_platform", NOW)
    assert not Parcel.objects.filter(order=order, released_at__isnull=True).exists()
    assert order.deadlines.get(kind=Deadline.Kind.SHIPMENT_CANCELED_REPLY,
                               voided_at__isnull=True).due_at == NOW + 7 * DAY
    entry = TimelineEntry.objects.get(order=order, kind="ShipmentCanceled")
    assert (entry.actor, entry.actor_user_id, entry.params["cause"], entry.params["note"]) == (
        "support", ann.pk, "canceled_by_platform", "Parcel lost at the hub")
    notify_entries(entry_ids=[entry.pk], now=NOW)
    assert sorted(Notification.objects.filter(kind="ShipmentCanceled")
                  .values_list("user__username", flat=True)) == ["buyer", "seller"]
    # and the seller may ship again, as after a carrier's drop
    shipment_reassign(order_id=order.pk, user=market.seller, carrier="Cainiao",
                      tracking_number="LP2", now=NOW + DAY)
    order.refresh_from_db()
    assert order.state == "awaiting_delivery"


def test_r16_only_support_allowed_to_decide_cancels_a_shipment(market):
    # given a shipped order
    order = _shipped(market)
    # when the buyer, the seller, another buyer and support without the permission try,
    # or an agent gives no reason
    codes = []
    for user in (market.buyer, market.seller, market.other_buyer, market.support):
        with pytest.raises(DomainError) as refused:
            shipment_cancel_by_platform(order_id=order.pk, user=user, note="x", now=NOW)
        codes.append(refused.value.code)
    with pytest.raises(DomainError) as no_reason:
        shipment_cancel_by_platform(order_id=order.pk, user=_agent("ann"), note=" ", now=NOW)
    # then each is refused and the order is still on its way
    assert codes == ["not_your_action", "not_your_action", "order_not_found",
                     "support_permission_required"]
    assert no_reason.value.code == "note_required"
    order.refresh_from_db()
    assert order.state == "awaiting_delivery"


def test_r22_a_goodwill_refund_goes_through_the_ledger_up_to_what_is_left(market):
    # given a paid order of $28.00 and an agent
    order = market.paid(at=T0)
    ann = _agent("ann")
    # when the agent refunds 5.00 as goodwill, then asks for more than is left
    refund = refund_goodwill(order_id=order.pk, user=ann, amount=500,
                             reason="Late delivery", now=NOW)
    with pytest.raises(DomainError) as above:
        refund_goodwill(order_id=order.pk, user=ann, amount=2301, reason="More", now=NOW)
    # then the refund is on the ledger, to the method paid with, and the excess is refused
    # with what is left, changing nothing
    order.refresh_from_db()
    assert (refund.amount, refund.method, refund.cause, order.refunded) == (
        500, "bank_card", "GoodwillRefundGranted", 500)
    assert (above.value.code, above.value.details["refundable"]) == (
        "refund_exceeds_refundable", {"amount": 2300, "currency": "USD"})
    assert "At most $23.00 is left to refund" in above.value.message
    assert Refund.objects.filter(order=order).count() == 1
    entry = TimelineEntry.objects.get(order=order, kind="GoodwillRefundGranted")
    assert (entry.actor, entry.params) == (
        "support", {"amount": {"amount": 500, "currency": "USD"}, "reason": "Late delivery"})
    # and all that is left is still allowed, nothing more
    refund_goodwill(order_id=order.pk, user=ann, amount=2300, reason="Rest", now=NOW)
    with pytest.raises(DomainError) as nothing_left:
        refund_goodwill(order_id=order.pk, user=ann, amount=1, reason="More", now=NOW)
    assert nothing_left.value.code == "refund_exceeds_refundable"
    order.refresh_from_db()
    assert order.refunded == order.total == 2800


def test_r22_goodwill_refunds_refuse_bad_input_and_other_users(market):
    order = market.paid(at=T0)
    unpaid = market.place(at=T0)
    ann = _agent("ann")
    cases = [(ann, order.pk, 0, "x"), (ann, order.pk, 100, "  "), (ann, unpaid.pk, 100, "x"),
             (market.buyer, order.pk, 100, "x"), (market.support, order.pk, 100, "x")]
    codes = []
    for user, order_id, amount, reason in cases:
        with pytest.raises(DomainError) as refused:
            refund_goodwill(order_id=order_id, user=user, amount=amount, reason=reason,
                            now=NOW)
        codes.append(refused.value.code)
    assert codes == ["bad_amount", "reason_required", "order_not_paid", "not_your_action",
                     "support_permission_required"]
    assert not Refund.objects.exists()


def _queue(user, now=NOW, **filters):
    return dispute_queue(user=user, now=now, filters=queue_filter(**filters))


def test_r20_the_queue_filters_searches_and_ages(market):
    # given an escalated dispute (2 days ago), one waiting for the seller (opened 4 days ago
    # by the other buyer), and ann holding the escalated one
    escalated = _escalated(market, tracking="LP1", at=T0 + 3 * DAY)
    waiting = _shipped(market, tracking="LP2", buyer=market.other_buyer)
    dispute_open(order_id=waiting.pk, user=market.other_buyer, reason="not_as_described",
                 claim=1000, return_item=True, description="", evidence=[], now=T0 + DAY)
    ann = _agent("ann")
    dispute_claim(order_id=escalated.pk, user=ann, now=NOW)
    # when support reads the queue, filtered and searched
    every = _queue(ann)["disputes"]
    ids = lambda **f: [d["order_id"] for d in _queue(ann, **f)["disputes"]]  # noqa: E731
    # then the longest waiting comes first, each with its age in words and tone
    assert [(d["order_id"], d["age_label"], d["age_tone"], d["waited_seconds"], d["mine"],
             d["assignee"], d["buyer"], d["items"]) for d in every] == [
        (waiting.pk, "long wait", "danger", 4 * 86400, False, None, "other_buyer", ["Shirt"]),
        (escalated.pk, "waiting", "warning", 2 * 86400, True, "ann", "buyer", ["Shirt"])]
    assert ids(waiting_for="support") == [escalated.pk]
    assert ids(waiting_for="seller") == [waiting.pk]
    assert ids(waiting_for="return") == []
    assert ids(assignee="mine") == [escalated.pk]
    assert ids(assignee="unassigned") == [waiting.pk]
    assert ids(search=f"#{waiting.pk}") == [waiting.pk]
    assert ids(search="OTHER_buyer") == [waiting.pk]
    assert ids(search="store a") == [waiting.pk, escalated.pk]
    assert ids(search="shirt", waiting_for="support") == [escalated.pk]
    assert ids(search="mug") == []
    # a fresh dispute is "new"
    assert _queue(ann, now=T0 + 3 * DAY + HOUR, waiting_for="support")["disputes"][0][
        "age_label"] == "new"


def test_r20_the_queue_pages_by_cursor_in_constant_statements(market):
    # given five disputes waiting for the seller, opened an hour apart
    orders = []
    for i in range(5):
        order = _shipped(market, tracking=f"LP{i}")
        dispute_open(order_id=order.pk, user=market.buyer, reason="damaged", claim=None,
                     return_item=False, description="", evidence=[], now=T0 + DAY + i * HOUR)
        orders.append(order.pk)
    # when support pages through two at a time
    seen, cursor, pages = [], "", 0
    while True:
        page = dispute_queue(user=market.support, now=NOW,
                             filters=queue_filter(cursor=cursor), limit=2)
        seen += [d["order_id"] for d in page["disputes"]]
        pages += 1
        if not page["next_cursor"]:
            break
        cursor = page["next_cursor"]
    # then every dispute comes once, oldest first, in three pages
    assert (seen, pages) == (orders, 3)
    # and a page costs the same few statements whether it lists 1 or 5 disputes
    counts = []
    for limit in (1, 5):
        with CaptureQueriesContext(connection) as statements:
            dispute_queue(user=market.support, now=NOW, filters=queue_filter(), limit=limit)
        counts.append(len(statements))
    assert counts[0] == counts[1] <= 3, counts


def test_r20_bad_queue_filters_are_refused_with_a_code(market):
    codes = []
    naive = base64.urlsafe_b64encode(b"2026-03-02T10:00:00|5").decode()
    huge = base64.urlsafe_b64encode(b"2026-03-02T10:00:00+00:00|99999999999999999999").decode()
    for filters in ({"waiting_for": "nobody"}, {"assignee": "theirs"}, {"cursor": "%%%"},
                    {"search": "x" * 101}, {"cursor": naive}, {"cursor": huge}):
        with pytest.raises(DomainError) as refused:
            dispute_queue(user=market.support, now=NOW, filters=queue_filter(**filters))
        codes.append(refused.value.code)
    assert codes == ["unknown_filter", "unknown_filter", "bad_cursor", "bad_search",
                     "bad_cursor", "bad_cursor"]

