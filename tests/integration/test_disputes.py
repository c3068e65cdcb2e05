"""Disputes through the real services: open, negotiate, escalate, decide, return-and-refund, the
supplier report, and the refund ledger across them (R9, R18-R22)."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile

from rescind.aftersale.changes import change_accept, change_request
from rescind.aftersale.services import cancellation_approve, order_ship
from rescind.disputes.firing import disputes_fire_due
from rescind.disputes.models import Dispute
from rescind.disputes.returns import dispute_return_confirm, dispute_return_ship
from rescind.disputes.services import (
    dispute_accept,
    dispute_decide,
    dispute_escalate,
    dispute_open,
    dispute_proposal_accept,
    dispute_propose,
    dispute_refuse,
)
from rescind.domain.changes import LineChange
from rescind.domain.errors import DomainError
from rescind.messaging.services import message_send
from rescind.orders.models import Carrier, TimelineEntry
from rescind.orders.shipping import carrier_event_record
from rescind.refunds.models import Refund
from tests.conftest import DAY, HOUR, T0
from tests.integration.test_concurrency import _race
from tests.sample_files import png_bytes

OPENED = T0 + 3 * DAY  # the buyer opens the dispute three days after payment
RESPOND_BY = OPENED + 15 * DAY  # R19: the seller's response window


@pytest.fixture
def carrier(market):
    account = get_user_model().objects.create_user("cainiao-bot", password="pw")
    Carrier.objects.create(name="Cainiao").accounts.add(account)
    return account


@pytest.fixture
def decider(market):
    """Support staff with the permission to decide disputes (R20)."""
    market.support.user_permissions.add(Permission.objects.get(codename="decide_dispute"))
    return get_user_model().objects.get(pk=market.support.pk)  # fresh permission cache


def _shipped(market, at=T0, tracking="LP1"):
    order = market.paid(at=at)
    order_ship(order_id=order.pk, user=market.seller, carrier="Cainiao",
               tracking_number=tracking, now=at + HOUR)
    order.refresh_from_db()
    return order


def _disputed(market, *, claim=None, return_item=False, at=OPENED, tracking="LP1"):
    order = _shipped(market, tracking=tracking)
    dispute_open(order_id=order.pk, user=market.buyer, reason="not_as_described", claim=claim,
                 return_item=return_item, description="Wrong colour", evidence=[], now=at)
    order.refresh_from_db()
    return order


def _state(order):
    order.refresh_from_db()
    dispute = order.disputes.get()
    refunds = list(Refund.objects.filter(order=order).order_by("pk").values_list("amount",
                                                                                  flat=True))
    return order.state, order.refunded, dispute.state, refunds


def _kinds(order):
    return list(order.timeline.values_list("kind", flat=True))


def _decided(order):
    return order.timeline.get(kind="DisputeDecided").params


def _refused(code, call, **kwargs):
    with pytest.raises(DomainError) as caught:
        call(**kwargs)
    assert caught.value.code == code


def test_r18_buyer_opens_a_dispute_with_evidence_from_the_messages(market, settings, tmp_path):
    # given a shipped order, delivered, whose buyer sent the seller a photo
    settings.MEDIA_ROOT = str(tmp_path)
    order = _shipped(market)
    message = message_send(order_id=order.pk, user=market.buyer, body="It is torn",
                           attachments=[SimpleUploadedFile("torn.png", png_bytes())],
                           now=T0 + 2 * DAY)
    photo = message.attachments.get().pk
    # when the buyer opens a dispute for 12.00 back, keeping the item, with the photo
    dispute = dispute_open(order_id=order.pk, user=market.buyer, reason="damaged", claim=1200,
                           return_item=False, description="Torn sleeve", evidence=[photo],
                           now=OPENED)
    # then the order is in dispute and the seller has 15 days to answer
    order.refresh_from_db()
    assert order.state == "in_dispute"
    assert (dispute.state, dispute.reason, dispute.claim, dispute.evidence,
            dispute.respond_by) == ("awaiting_seller", "damaged", 1200, [photo], RESPOND_BY)
    entry = order.timeline.last()
    assert (entry.kind, entry.actor, entry.params) == ("DisputeOpened", "buyer", {
        "reason": "damaged", "claim": {"amount": 1200, "currency": "USD"},
        "return_item": False, "description": "Torn sleeve", "evidence": [photo],
        "respond_by": RESPOND_BY.isoformat(), "beside_cancellation": False})


@pytest.mark.parametrize(("claim", "evidence", "reason", "code"), [
    (2801, [], "damaged", "bad_claim"),
    (0, [], "damaged", "bad_claim"),
    (1000, [999999], "damaged", "unknown_evidence"),
    (1000, [], "no_longer_needed", "unknown_dispute_reason"),
])
def test_r18_r22_a_dispute_asks_for_a_listed_reason_what_is_left_and_own_evidence(
        market, claim, evidence, reason, code):
    order = _shipped(market)
    _refused(code, dispute_open, order_id=order.pk, user=market.buyer, reason=reason,
             claim=claim, return_item=False, description="", evidence=evidence, now=OPENED)
    order.refresh_from_db()
    assert (order.state, Dispute.objects.count()) == ("awaiting_delivery", 0)


def test_r18_one_open_dispute_per_order_and_only_its_buyer_opens_it(market):
    order = _disputed(market)
    _refused("dispute_already_open", dispute_open, order_id=order.pk, user=market.buyer,
             reason="damaged", claim=None, return_item=False, description="", evidence=[],
             now=OPENED + HOUR)
    other = _shipped(market, tracking="LP2")
    _refused("not_your_action", dispute_open, order_id=other.pk, user=market.seller,
             reason="damaged", claim=None, return_item=False, description="", evidence=[],
             now=OPENED)
    assert Dispute.objects.count() == 1


def test_r19_r22_seller_accepts_the_full_claim_and_the_order_closes_refunded(market):
    # given a dispute asking for everything back
    order = _disputed(market)
    # when the seller accepts it
    dispute_accept(order_id=order.pk, user=market.seller, now=OPENED + DAY)
    # then the order closes with the full refund, counted against the seller
    assert _state(order) == ("closed", 2800, "resolved", [2800])
    assert (order.close_reason, order.responsible_side) == ("refunded_after_dispute", "seller")
    assert _kinds(order)[-4:] == ["DisputeSellerAccepted", "DisputeDecided", "DisputeResolved",
                                  "RefundCreated"]
    assert _decided(order) == {"refund": {"amount": 2800, "currency": "USD"},
                               "return_item": False, "by": "seller", "seller_lost": True,
                               "note": ""}


def test_r19_r20_seller_refuses_buyer_escalates_support_decides_no_refund(market, decider):
    # given a dispute the seller refuses
    order = _disputed(market)
    dispute_refuse(order_id=order.pk, user=market.seller, note="It left here intact",
                   now=OPENED + DAY)
    assert _state(order)[2] == "seller_refused"
    # when the buyer escalates and support decides no refund
    dispute_escalate(order_id=order.pk, user=market.buyer, note="Look at the photo",
                     now=OPENED + 2 * DAY)
    assert _state(order)[2] == "escalated"
    dispute_decide(order_id=order.pk, user=decider, refund=0, return_item=False,
                   note="The photo shows no damage", now=OPENED + 3 * DAY)
    # then the order completes without a refund, and the seller did not lose
    assert _state(order) == ("completed", 0, "resolved", [])
    assert _decided(order)["seller_lost"] is False
    dispute = order.disputes.get()
    assert (dispute.decided_by, dispute.decided_by_user_id, dispute.decision_note) == (
        "support", decider.pk, "The photo shows no damage")
    assert order.timeline.get(kind="DisputeDecided").actor == "support"


def test_r19_buyer_accepts_the_sellers_proposal_of_a_partial_refund(market):
    order = _disputed(market)
    dispute_propose(order_id=order.pk, user=market.seller, amount=1000, return_item=False,
                    note="Half, keep it", now=OPENED + DAY)
    dispute_proposal_accept(order_id=order.pk, user=market.buyer, now=OPENED + 2 * DAY)
    assert _state(order) == ("completed", 1000, "resolved", [1000])
    assert _decided(order)["by"] == "buyer"
    assert _kinds(order)[-4:] == ["DisputeProposalAccepted", "DisputeDecided",
                                  "DisputeResolved", "RefundCreated"]


def test_r19_r20_buyer_escalates_a_proposal_and_support_decides_a_partial_refund(market,
                                                                                decider):
    order = _disputed(market)
    dispute_propose(order_id=order.pk, user=market.seller, amount=500, return_item=False,
                    note="", now=OPENED + DAY)
    dispute_escalate(order_id=order.pk, user=market.buyer, note="", now=OPENED + 2 * DAY)
    dispute_decide(order_id=order.pk, user=decider, refund=1500, return_item=False,
                   note="Partly damaged", now=OPENED + 3 * DAY)
    assert _state(order) == ("completed", 1500, "resolved", [1500])
    assert _decided(order)["seller_lost"] is True


def test_r20_support_decides_a_full_refund_and_the_order_closes(market, decider):
    order = _disputed(market)
    dispute_refuse(order_id=order.pk, user=market.seller, note="No", now=OPENED + DAY)
    dispute_escalate(order_id=order.pk, user=market.buyer, note="", now=OPENED + 2 * DAY)
    dispute_decide(order_id=order.pk, user=decider, refund=2800, return_item=False, note="",
                   now=OPENED + 3 * DAY)
    assert _state(order) == ("closed", 2800, "resolved", [2800])


@pytest.mark.parametrize(("proposal", "code"), [(2800, "bad_proposal"), (0, "bad_proposal")])
def test_r19_a_proposal_is_less_than_the_claim_and_more_than_nothing(market, proposal, code):
    order = _disputed(market)
    _refused(code, dispute_propose, order_id=order.pk, user=market.seller, amount=proposal,
             return_item=False, note="", now=OPENED + DAY)
    assert _state(order)[2] == "awaiting_seller"


def test_r19_the_sellers_silence_accepts_the_buyers_claim(market):
    # given a dispute for 12.00 the seller never answers
    order = _disputed(market, claim=1200)
    # when the response window passes, and not before
    assert disputes_fire_due(now=RESPOND_BY - HOUR) == 0
    assert disputes_fire_due(now=RESPOND_BY) == 1
    # then the claim is accepted: 12.00 back, the order completes, the seller lost
    assert _state(order) == ("completed", 1200, "resolved", [1200])
    assert order.timeline.get(kind="DisputeAutoAccepted").actor == "platform"
    assert (_decided(order)["by"], _decided(order)["seller_lost"]) == ("silence", True)
    assert disputes_fire_due(now=RESPOND_BY + DAY) == 0


def test_r19_a_refusal_nobody_moves_on_escalates_by_itself(market):
    order = _disputed(market)
    dispute_refuse(order_id=order.pk, user=market.seller, note="No", now=OPENED + DAY)
    assert disputes_fire_due(now=OPENED + 8 * DAY - HOUR) == 0
    assert disputes_fire_due(now=OPENED + 8 * DAY) == 1
    assert _state(order)[2] == "escalated"
    assert order.timeline.last().params == {"by": "no_movement", "note": ""}
    assert disputes_fire_due(now=RESPOND_BY + DAY) == 0  # support decides from here


def test_r20_only_support_staff_with_the_permission_decide(market, decider):
    order = _disputed(market)
    dispute_refuse(order_id=order.pk, user=market.seller, note="No", now=OPENED + DAY)
    dispute_escalate(order_id=order.pk, user=market.buyer, note="", now=OPENED + 2 * DAY)
    plain_staff = get_user_model().objects.create_user("staff2", password="pw", is_staff=True)
    for user, code in ((plain_staff, "decide_permission_required"),
                       (market.buyer, "not_your_action"), (market.seller, "not_your_action"),
                       (market.other_buyer, "order_not_found")):
        _refused(code, dispute_decide, order_id=order.pk, user=user, refund=2800,
                 return_item=False, note="", now=OPENED + 3 * DAY)
    assert _state(order) == ("in_dispute", 0, "escalated", [])


def test_r20_return_and_refund_pays_out_when_the_seller_confirms_receipt(market, decider):
    # given support decided a full refund once the item is back
    order = _disputed(market)
    dispute_refuse(order_id=order.pk, user=market.seller, note="No", now=OPENED + DAY)
    dispute_escalate(order_id=order.pk, user=market.buyer, note="", now=OPENED + 2 * DAY)
    dispute_decide(order_id=order.pk, user=decider, refund=2800, return_item=True, note="",
                   now=OPENED + 3 * DAY)
    assert _state(order) == ("in_dispute", 0, "awaiting_return", [])
    _refused("return_not_shipped", dispute_return_confirm, order_id=order.pk,
             user=market.seller, now=OPENED + 4 * DAY)
    # when the buyer ships it back and the seller confirms receipt
    dispute_return_ship(order_id=order.pk, user=market.buyer, carrier="Cainiao",
                        tracking_number="RET1", now=OPENED + 4 * DAY)
    dispute_return_confirm(order_id=order.pk, user=market.seller, now=OPENED + 6 * DAY)
    # then the refund pays out and the order closes
    assert _state(order) == ("closed", 2800, "resolved", [2800])
    dispute = order.disputes.get()
    assert (dispute.return_carrier, dispute.return_tracking, dispute.return_received_at) == (
        "Cainiao", "RET1", OPENED + 6 * DAY)
    assert dispute.refund_row.amount == 2800


def test_r20_return_delivered_by_the_carrier_and_a_silent_seller_pays_out(market, carrier):
    # given the seller accepted a claim of 20.00 with the item returned, and it was shipped back
    order = _disputed(market, claim=2000, return_item=True)
    dispute_accept(order_id=order.pk, user=market.seller, now=OPENED + DAY)
    dispute_return_ship(order_id=order.pk, user=market.buyer, carrier="cainiao",
                        tracking_number="RET1", now=OPENED + 2 * DAY)
    # when the carrier reports the return delivered (twice: carriers resend)
    for _ in range(2):
        carrier_event_record(user=carrier, tracking_number="RET1", event="delivered",
                             now=OPENED + 5 * DAY)
    confirm_by = OPENED + 12 * DAY
    assert order.disputes.get().confirm_by == confirm_by
    assert _kinds(order).count("DisputeReturnDelivered") == 1
    assert order.timeline.get(kind="DisputeReturnDelivered").actor == "carrier"
    # then the seller's silence for 7 days pays the refund out, and not before
    assert disputes_fire_due(now=confirm_by - HOUR) == 0
    assert disputes_fire_due(now=confirm_by) == 1
    assert _state(order) == ("completed", 2000, "resolved", [2000])
    assert order.timeline.get(kind="DisputeReturnReceived").params == {
        "by": "silence_after_delivery"}


def test_r20_a_return_is_reported_only_by_its_own_carrier(market, carrier):
    order = _disputed(market, claim=2000, return_item=True)
    dispute_accept(order_id=order.pk, user=market.seller, now=OPENED + DAY)
    dispute_return_ship(order_id=order.pk, user=market.buyer, carrier="DHL",
                        tracking_number="RET1", now=OPENED + 2 * DAY)
    # when Cainiao reports a parcel RET1 that DHL carries
    queued = carrier_event_record(user=carrier, tracking_number="RET1", event="delivered",
                                  now=OPENED + 5 * DAY)
    # then it waits for support instead of moving the return (R15)
    assert (type(queued).__name__, queued.live_matches, queued.last_order_id) == (
        "UnmatchedCarrierEvent", 0, None)
    assert order.disputes.get().return_delivered_at is None


def test_r22_refunds_never_exceed_the_charge_after_a_partial_refund_then_a_dispute(
        market, decider):
    # given an order changed from 28.00 to 15.50 (12.50 refunded), then shipped and disputed
    order = market.paid(at=T0)
    change_request(order_id=order.pk, user=market.buyer, now=T0 + HOUR,
                   changes=[LineChange(line=1, quantity=1)], delivery=None)
    change_accept(order_id=order.pk, user=market.seller, now=T0 + 2 * HOUR)
    order_ship(order_id=order.pk, user=market.seller, carrier="Cainiao",
               tracking_number="LP1", now=T0 + DAY)
    # then the buyer may ask for at most the 15.50 left
    _refused("bad_claim", dispute_open, order_id=order.pk, user=market.buyer, reason="damaged",
             claim=2800, return_item=False, description="", evidence=[], now=OPENED)
    dispute = dispute_open(order_id=order.pk, user=market.buyer, reason="damaged", claim=None,
                           return_item=False, description="", evidence=[], now=OPENED)
    assert dispute.claim == 1550
    dispute_refuse(order_id=order.pk, user=market.seller, note="No", now=OPENED + DAY)
    dispute_escalate(order_id=order.pk, user=market.buyer, note="", now=OPENED + 2 * DAY)
    # and support cannot decide more than is left; all that is left closes the order
    _refused("refund_exceeds_charge", dispute_decide, order_id=order.pk, user=decider,
             refund=1551, return_item=False, note="", now=OPENED + 3 * DAY)
    dispute_decide(order_id=order.pk, user=decider, refund=1550, return_item=False, note="",
                   now=OPENED + 3 * DAY)
    assert _state(order) == ("closed", 2800, "resolved", [1250, 1550])


def test_r9_supplier_report_opens_a_dispute_straight_to_support_beside_the_request(market):
    # when the buyer asks to cancel and reports the supplier
    order = market.requested(at=T0, report_supplier=True)
    # then a dispute for all they paid waits for support, and the order still awaits shipment
    dispute = order.disputes.get()
    assert (order.state, dispute.state, dispute.reason, dispute.claim,
            dispute.beside_cancellation, dispute.respond_by) == (
        "awaiting_shipment", "escalated", "supplier_fraud", 2800, True, None)
    assert _kinds(order)[-4:] == ["CancellationRequested", "SupplierReported", "DisputeOpened",
                                  "DisputeEscalated"]
    assert order.timeline.get(kind="DisputeEscalated").params == {"by": "supplier_report",
                                                                  "note": ""}
    assert disputes_fire_due(now=T0 + 60 * DAY) == 0  # nothing automatic: support decides


def test_r9_r22_a_supplier_dispute_after_the_cancellation_refunded_everything(market, decider):
    # given a supplier report whose cancellation the seller approved: 28.00 refunded
    order = market.requested(at=T0, report_supplier=True)
    cancellation_approve(order_id=order.pk, user=market.seller, now=T0 + 2 * DAY)
    # when support decides the dispute, nothing more can be refunded
    _refused("refund_exceeds_charge", dispute_decide, order_id=order.pk, user=decider,
             refund=100, return_item=False, note="", now=T0 + 3 * DAY)
    dispute_decide(order_id=order.pk, user=decider, refund=0, return_item=False,
                   note="Refunded by the cancellation", now=T0 + 3 * DAY)
    # then the dispute is resolved and the order stays closed with 28.00 refunded once
    assert _state(order) == ("closed", 2800, "resolved", [2800])
    assert order.timeline.get(kind="DisputeResolved").params == {
        "refund": {"amount": 0, "currency": "USD"}, "outcome": "order_unchanged"}


def test_r16_r18_a_dispute_stops_the_orders_own_clocks(market, carrier):
    order = _shipped(market)
    carrier_event_record(user=carrier, tracking_number="LP1", event="delivered",
                         now=T0 + 2 * DAY)
    dispute_open(order_id=order.pk, user=market.buyer, reason="damaged", claim=None,
                 return_item=False, description="", evidence=[], now=OPENED)
    # only the seller's reminder before the dispute's own response window runs (R27)
    assert list(order.deadlines.filter(fired_at__isnull=True, voided_at__isnull=True)
                .values_list("kind", flat=True)) == ["dispute_response_reminder"]


def test_r19_two_workers_fire_each_dispute_deadline_once(live_market):
    # given 5 disputes whose sellers let the response window pass
    orders = [_disputed(live_market, tracking=f"LP{n}") for n in range(5)]
    # when two workers fire due dispute deadlines at the same time
    fired = _race({"worker_1": lambda: disputes_fire_due(now=RESPOND_BY),
                   "worker_2": lambda: disputes_fire_due(now=RESPOND_BY)})
    # then each claim was accepted once and refunded once
    assert set(fired.values()) == {"won"}
    for order in orders:
        assert TimelineEntry.objects.filter(order=order,
                                            kind="DisputeAutoAccepted").count() == 1
        assert Refund.objects.filter(order=order).count() == 1
        assert _state(order) == ("closed", 2800, "resolved", [2800])
