"""After shipment: carrier events, "shipment canceled", reshipping, refunding, completing and
dispute requests (R15-R18), through the real services."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from rescind.aftersale.services import order_ship
from rescind.domain.actions import Party
from rescind.domain.errors import DomainError
from rescind.orders.models import Carrier, UnmatchedCarrierEvent
from rescind.orders.reads import order_summary
from rescind.orders.shipping import (
    carrier_event_record,
    dispute_request,
    order_confirm_receipt,
    shipment_canceled_decline,
    shipment_canceled_refund,
    shipment_reassign,
    shipment_void,
)
from rescind.refunds.models import Refund
from rescind.scheduler import deadlines_fire_due
from tests.conftest import DAY, HOUR, T0


@pytest.fixture
def carrier(market):
    account = get_user_model().objects.create_user("cainiao-bot", password="pw")
    Carrier.objects.create(name="Cainiao").accounts.add(account)
    return account


def _shipped(market, at=T0):
    order = market.paid(at=at)
    order_ship(order_id=order.pk, user=market.seller, carrier="cainiao", tracking_number="LP1",
               now=at + HOUR)
    order.refresh_from_db()
    return order


def _actions(order, party, now):
    order.refresh_from_db()
    return [a["action"] for a in order_summary(order, party, now=now)["actions"]]


def test_r15_delivered_then_completes_by_itself_after_15_days(market, carrier):
    # given a shipped order
    order = _shipped(market)
    # when the carrier reports it in transit, then delivered
    carrier_event_record(user=carrier, tracking_number="LP1", event="in_transit",
                         location="Shenzhen", now=T0 + DAY)
    carrier_event_record(user=carrier, tracking_number="LP1", event="delivered", now=T0 + 5 * DAY)
    order.refresh_from_db()
    assert (order.state, order.delivered_at) == ("awaiting_delivery", T0 + 5 * DAY)
    assert order.shipments.get().delivered_at == T0 + 5 * DAY
    # then it completes on its own 15 days after delivery, not before
    assert deadlines_fire_due(now=T0 + 20 * DAY - HOUR) == 0
    assert deadlines_fire_due(now=T0 + 20 * DAY) == 1
    order.refresh_from_db()
    assert order.state == "completed"
    kinds = list(order.timeline.values_list("kind", "actor"))
    assert kinds[-3:] == [("ParcelInTransit", "carrier"), ("ParcelDelivered", "carrier"),
                          ("OrderCompleted", "platform")]


def test_r15_buyer_confirms_receipt(market):
    order = _shipped(market)
    order_confirm_receipt(order_id=order.pk, user=market.buyer, now=T0 + 3 * DAY)
    order.refresh_from_db()
    assert order.state == "completed"
    assert order.timeline.last().params == {"by": "buyer_confirmed",
                                            "dispute_until": (T0 + 18 * DAY).isoformat()}


def test_r15_repeated_carrier_event_changes_nothing(market, carrier):
    order = _shipped(market)
    for _ in range(2):
        carrier_event_record(user=carrier, tracking_number="LP1", event="delivered",
                             now=T0 + 5 * DAY)
    assert order.timeline.filter(kind="ParcelDelivered").count() == 1
    assert order.deadlines.filter(kind="delivery_confirmation").count() == 1


@pytest.mark.parametrize(("who", "event", "code"), [
    ("buyer", "delivered", "carrier_account_required"),
    ("carrier", "exploded", "unknown_carrier_event"),
])
def test_r15_carrier_events_only_from_carrier_accounts(market, carrier, who, event, code):
    order = _shipped(market)
    user = carrier if who == "carrier" else market.buyer
    with pytest.raises(DomainError) as refused:
        carrier_event_record(user=user, tracking_number="LP1", event=event, now=T0 + DAY)
    assert refused.value.code == code
    assert not order.timeline.filter(actor="carrier").exists()
    assert not UnmatchedCarrierEvent.objects.exists()


def test_r16_dropped_parcel_shows_shipment_canceled_and_the_seller_reships(market, carrier):
    # given a shipped order whose parcel the carrier drops
    order = _shipped(market)
    carrier_event_record(user=carrier, tracking_number="LP1", event="tracking_invalid",
                         now=T0 + 2 * DAY)
    order.refresh_from_db()
    # then the order shows "shipment canceled", and the seller owes a new shipment or a refund
    assert (order.state, order.dispute_from) == ("shipment_canceled", T0 + 9 * DAY)
    assert order.shipments.get().void_cause == "tracking_invalid"
    assert _actions(order, Party.SELLER, T0 + 2 * DAY) == [
        "reship", "refund_canceled_shipment", "decline_canceled_shipment"]
    assert _actions(order, Party.BUYER, T0 + 2 * DAY) == []
    # when the seller assigns a new tracking number
    shipment_reassign(order_id=order.pk, user=market.seller, carrier="Cainiao",
                      tracking_number="LP2", now=T0 + 3 * DAY)
    # then the order awaits delivery again, on the new parcel
    order.refresh_from_db()
    assert (order.state, order.dispute_from) == ("awaiting_delivery", None)
    assert list(order.shipments.order_by("pk").values_list("tracking_number", "voided_at")) == [
        ("LP1", T0 + 2 * DAY), ("LP2", None)]
    assert deadlines_fire_due(now=T0 + 10 * DAY) == 0  # the 7-day reply deadline was voided
    # and the new parcel's carrier events reach it
    carrier_event_record(user=carrier, tracking_number="LP2", event="delivered", now=T0 + 6 * DAY)
    order.refresh_from_db()
    assert order.delivered_at == T0 + 6 * DAY


def test_r16_seller_refunds_a_canceled_shipment_in_full(market):
    order = _shipped(market)
    shipment_void(order_id=order.pk, user=market.seller, now=T0 + DAY)
    shipment_canceled_refund(order_id=order.pk, user=market.seller, now=T0 + 2 * DAY)
    order.refresh_from_db()
    assert (order.state, order.close_reason, order.responsible_side, order.refunded) == (
        "closed", "refunded_shipment_canceled", "seller", 2800)
    refund = Refund.objects.get(order=order)
    assert refund.amount == 2800
    # no deadline is left running but the refund's own start deadline (R23)
    assert list(order.deadlines.filter(fired_at__isnull=True, voided_at__isnull=True)
                .values_list("kind", "subject_id")) == [("refund_start", refund.pk)]


def test_r16_silent_seller_for_7_days_lets_the_buyer_open_a_dispute(market):
    # given a canceled shipment
    order = _shipped(market)
    shipment_void(order_id=order.pk, user=market.seller, now=T0 + DAY)
    # when the buyer tries within 7 days, the dispute action is not there yet, and is refused
    order.refresh_from_db()
    view = order_summary(order, Party.BUYER, now=T0 + 2 * DAY)
    assert [(u["action"], u["available_from"]) for u in view["upcoming_actions"]] == [
        ("open_dispute", T0 + 8 * DAY)]
    with pytest.raises(DomainError) as early:
        dispute_request(order_id=order.pk, user=market.buyer, reason="never came",
                        now=T0 + 2 * DAY)
    assert early.value.code == "dispute_not_available"
    # when 7 days pass without an answer (the seller's reminder first, R27), the buyer is told
    # and may open a dispute
    assert deadlines_fire_due(now=T0 + 8 * DAY) == 2
    assert order.timeline.last().kind == "ShipmentCanceledUnanswered"
    assert _actions(order, Party.BUYER, T0 + 8 * DAY) == ["open_dispute"]
    dispute_request(order_id=order.pk, user=market.buyer, reason="Parcel lost, no answer",
                    now=T0 + 8 * DAY)
    # then a real dispute opens (R18): all that was paid, reason "other", in the buyer's words
    order.refresh_from_db()
    dispute = order.disputes.get()
    assert (order.state, dispute.state, dispute.reason, dispute.claim, dispute.description) == (
        "in_dispute", "awaiting_seller", "other", 2800, "Parcel lost, no answer")
    assert order.timeline.last().kind == "DisputeOpened"


def test_r16_seller_refusal_opens_the_dispute_at_once(market):
    order = _shipped(market)
    shipment_void(order_id=order.pk, user=market.seller, now=T0 + DAY)
    shipment_canceled_decline(order_id=order.pk, user=market.seller, note="Out of stock now",
                              now=T0 + 2 * DAY)
    assert _actions(order, Party.BUYER, T0 + 2 * DAY) == ["open_dispute"]
    assert "decline_canceled_shipment" not in _actions(order, Party.SELLER, T0 + 2 * DAY)


def test_r17_after_shipment_the_buyer_can_confirm_or_dispute_but_not_cancel(market):
    order = _shipped(market)
    assert _actions(order, Party.BUYER, T0 + 3 * DAY) == ["confirm_receipt", "open_dispute"]


def test_r16_r14_only_the_orders_seller_handles_its_shipment(market):
    order = _shipped(market)
    for user in (market.buyer, market.other_seller):
        with pytest.raises(DomainError):
            shipment_void(order_id=order.pk, user=user, now=T0 + DAY)
    order.refresh_from_db()
    assert order.state == "awaiting_delivery"


def test_r16_new_tracking_number_must_differ(market):
    order = _shipped(market)
    shipment_void(order_id=order.pk, user=market.seller, now=T0 + DAY)
    with pytest.raises(DomainError) as refused:
        shipment_reassign(order_id=order.pk, user=market.seller, carrier="Cainiao",
                          tracking_number="LP1", now=T0 + 2 * DAY)
    assert refused.value.code == "same_tracking_number"
