"""Cancellation after payment: request, decision, silence, withdrawal, shipping, handling time
(R7-R12, R14, R17) through the real services, with their refunds (R21, R22)."""

from __future__ import annotations

import pytest

from rescind.aftersale.models import CancellationRequest
from rescind.aftersale.services import (
    cancellation_approve,
    cancellation_refuse,
    cancellation_request,
    cancellation_withdraw,
    order_ship,
)
from rescind.domain.errors import DomainError
from rescind.refunds.models import Refund
from rescind.scheduler import deadlines_fire_due
from tests.conftest import DAY, HOUR, T0


def _kinds(order):
    return list(order.timeline.values_list("kind", flat=True))


def test_r7_cancel_request_opens_24_hours_after_payment(market):
    # given an order paid at T0
    order = market.paid(at=T0)
    # when the buyer asks 23 hours later, then it is refused with when it opens
    with pytest.raises(DomainError) as early:
        cancellation_request(order_id=order.pk, user=market.buyer, reason="no_longer_needed",
                             report_supplier=False, now=T0 + 23 * HOUR)
    assert early.value.code == "cancel_not_yet_available"
    assert early.value.details == {"available_from": (T0 + DAY).isoformat()}
    assert CancellationRequest.objects.count() == 0
    # when the buyer asks at 24 hours, then the request waits for the seller for 72 hours
    request = cancellation_request(order_id=order.pk, user=market.buyer,
                                   reason="no_longer_needed", report_supplier=False,
                                   now=T0 + DAY)
    assert (request.state, request.side, request.respond_by) == (
        "pending", "buyer", T0 + DAY + 72 * HOUR)
    assert order.deadlines.get(kind="seller_response").due_at == T0 + 4 * DAY


def test_r8_unknown_reason_is_refused(market):
    order = market.paid(at=T0)
    with pytest.raises(DomainError) as refused:
        cancellation_request(order_id=order.pk, user=market.buyer, reason="because",
                             report_supplier=False, now=T0 + 2 * DAY)
    assert refused.value.code == "unknown_reason"
    assert CancellationRequest.objects.count() == 0


@pytest.mark.parametrize(("reason", "side"), [
    ("ordered_wrong_item", "buyer"),
    ("found_better_price", "buyer"),
    ("out_of_stock", "seller"),
    ("seller_not_replying", "seller"),
    ("duplicate_system_order", "platform"),
])
def test_r8_closed_order_records_the_side_its_reason_counts_against(market, reason, side):
    # given a request with this reason
    order = market.requested(at=T0, reason=reason)
    # when the seller approves
    cancellation_approve(order_id=order.pk, user=market.seller, now=T0 + 2 * DAY)
    # then the closed order carries the reason's side for the seller metrics
    order.refresh_from_db()
    assert (order.close_reason, order.responsible_side) == ("cancelled_on_request", side)


def test_r9_report_against_the_supplier_is_recorded_with_the_request(market):
    order = market.requested(at=T0, reason="seller_asked_to_cancel", report_supplier=True)
    request = order.cancellation_requests.get()
    assert request.report_supplier is True
    # and a dispute opens beside it, straight to support (tests/integration/test_disputes.py)
    assert _kinds(order)[-4:] == ["CancellationRequested", "SupplierReported", "DisputeOpened",
                                  "DisputeEscalated"]
    assert order.timeline.get(kind="SupplierReported").params == {
        "reason": "seller_asked_to_cancel"}


def test_r10_r21_r22_seller_approves_order_closes_and_refunds_what_was_paid(market):
    # given a pending request on an order paid by e-wallet
    order = market.requested(at=T0, method="e_wallet")
    # when the seller approves
    cancellation_approve(order_id=order.pk, user=market.seller, note="OK", now=T0 + 2 * DAY)
    # then the order closes and one refund of the whole 28.00 goes back to the e-wallet
    order.refresh_from_db()
    assert (order.state, order.close_reason, order.refunded) == (
        "closed", "cancelled_on_request", 2800)
    refund = Refund.objects.get(order=order)
    assert (refund.amount, refund.currency, refund.method, refund.state) == (
        2800, "USD", "e_wallet", "pending")
    assert refund.arrive_by == T0 + 2 * DAY + 7 * DAY
    assert order.cancellation_requests.get().state == "approved"
    assert _kinds(order)[-2:] == ["CancellationApproved", "RefundCreated"]
    # and no deadline is left running but the refund's own start deadline (R23)
    assert list(order.deadlines.filter(fired_at__isnull=True, voided_at__isnull=True)
                .values_list("kind", "subject_id", "due_at")) == [
        ("refund_start", refund.pk, T0 + 3 * DAY)]


def test_r10_silence_approves_after_the_window(market):
    # given a request made at T0+25h, so the seller must answer by T0+97h
    order = market.requested(at=T0)
    respond_by = T0 + 97 * HOUR
    # when the window has not passed, only the seller's reminder fires (R27)
    assert deadlines_fire_due(now=respond_by - HOUR / 3600) == 1
    order.refresh_from_db()
    assert order.state == "awaiting_shipment"
    reminder = order.timeline.get(kind="SellerReminded")
    assert (reminder.actor, reminder.params) == (
        "platform", {"about": "seller_response", "due_at": respond_by.isoformat()})
    # when it passes, the platform approves and refunds in full
    assert deadlines_fire_due(now=respond_by) == 1
    order.refresh_from_db()
    assert (order.state, order.close_reason, order.refunded) == (
        "closed", "cancelled_on_request", 2800)
    entry = order.timeline.get(kind="CancellationAutoApproved")
    assert (entry.actor, entry.actor_user_id) == ("platform", None)
    assert order.cancellation_requests.get().state == "auto_approved"
    # and firing again changes nothing
    assert deadlines_fire_due(now=respond_by + DAY) == 0
    assert Refund.objects.filter(order=order).count() == 1


def test_r11_refused_request_leaves_the_order_awaiting_shipment(market):
    order = market.requested(at=T0)
    with pytest.raises(DomainError) as no_note:
        cancellation_refuse(order_id=order.pk, user=market.seller, note="  ", now=T0 + 2 * DAY)
    assert no_note.value.code == "note_required"
    cancellation_refuse(order_id=order.pk, user=market.seller, note="Already packed",
                        now=T0 + 2 * DAY)
    order.refresh_from_db()
    request = order.cancellation_requests.get()
    assert (order.state, request.state, request.decision_note) == (
        "awaiting_shipment", "refused", "Already packed")
    # and silence can no longer approve it
    # only the handling time (and its reminder) fires
    assert deadlines_fire_due(now=T0 + 10 * DAY) == 2
    order.refresh_from_db()
    assert order.close_reason == "not_shipped_in_time"


def test_r10_only_the_orders_seller_decides(market):
    order = market.requested(at=T0)
    for user in (market.buyer, market.other_seller, market.other_buyer):
        with pytest.raises(DomainError) as refused:
            cancellation_approve(order_id=order.pk, user=user, now=T0 + 2 * DAY)
        assert refused.value.code in {"not_your_action", "order_not_found"}
    order.refresh_from_db()
    assert order.state == "awaiting_shipment"


def test_buyer_withdraws_a_pending_request(market):
    order = market.requested(at=T0)
    cancellation_withdraw(order_id=order.pk, user=market.buyer, now=T0 + 2 * DAY)
    order.refresh_from_db()
    assert order.state == "awaiting_shipment"
    assert order.cancellation_requests.get().state == "withdrawn"
    assert order.deadlines.get(kind="seller_response").voided_at == T0 + 2 * DAY
    # and may ask again later
    cancellation_request(order_id=order.pk, user=market.buyer, reason="found_better_price",
                         report_supplier=False, now=T0 + 3 * DAY)
    assert order.cancellation_requests.filter(state="pending").count() == 1


def test_r7_a_second_pending_request_is_refused(market):
    order = market.requested(at=T0)
    with pytest.raises(DomainError) as refused:
        cancellation_request(order_id=order.pk, user=market.buyer, reason="no_longer_needed",
                             report_supplier=False, now=T0 + 2 * DAY)
    assert refused.value.code == "request_already_pending"


def test_r12_not_shipped_in_time_closes_with_full_refund_against_the_seller(market):
    # given an order paid Monday 2 March, to ship within 7 working days (by Wed 11 March)
    order = market.paid(at=T0, method="bank_card")
    assert deadlines_fire_due(now=T0 + 9 * DAY - HOUR) == 1  # the seller's reminder, R27
    assert order.timeline.last().params == {"about": "handling_time",
                                            "due_at": (T0 + 9 * DAY).isoformat()}
    # when the handling time passes
    assert deadlines_fire_due(now=T0 + 9 * DAY) == 1
    # then the order closes for the seller's fault with a full refund to the card
    order.refresh_from_db()
    assert (order.state, order.close_reason, order.responsible_side, order.refunded) == (
        "closed", "not_shipped_in_time", "seller", 2800)
    refund = Refund.objects.get(order=order)
    assert (refund.amount, refund.method) == (2800, "bank_card")
    # 15 working days after Wed 11 March is Wed 1 April
    assert refund.arrive_by == T0 + 30 * DAY


def test_r14_shipping_refuses_a_pending_request_and_says_so(market):
    order = market.requested(at=T0)
    order_ship(order_id=order.pk, user=market.seller, carrier="Cainiao",
               tracking_number="LP123", now=T0 + 2 * DAY)
    order.refresh_from_db()
    assert order.state == "awaiting_delivery"
    assert order.cancellation_requests.get().state == "refused_by_shipment"
    assert _kinds(order)[-2:] == ["CancellationRefusedByShipment", "OrderShipped"]
    # and the seller's silence can no longer approve it
    assert deadlines_fire_due(now=T0 + 30 * DAY) == 0
    order.refresh_from_db()
    assert order.state == "awaiting_delivery"
    assert not Refund.objects.exists()


def test_r14_the_loser_of_a_race_gets_a_clear_conflict(market):
    # given a request the seller approved
    order = market.requested(at=T0)
    cancellation_approve(order_id=order.pk, user=market.seller, now=T0 + 2 * DAY)
    # when the seller then tries to ship, or the buyer to withdraw
    with pytest.raises(DomainError) as ship:
        order_ship(order_id=order.pk, user=market.seller, carrier="X", tracking_number="1",
                   now=T0 + 2 * DAY)
    with pytest.raises(DomainError) as withdraw:
        cancellation_withdraw(order_id=order.pk, user=market.buyer, now=T0 + 2 * DAY)
    # then each is refused with a stable code and nothing changes
    assert (ship.value.code, withdraw.value.code) == (
        "transition_not_allowed", "transition_not_allowed")
    assert Refund.objects.filter(order=order).count() == 1


def test_r17_shipped_order_cannot_be_cancelled(market):
    order = market.paid(at=T0)
    order_ship(order_id=order.pk, user=market.seller, carrier="Cainiao", tracking_number="LP1",
               now=T0 + HOUR)
    with pytest.raises(DomainError) as refused:
        cancellation_request(order_id=order.pk, user=market.buyer, reason="no_longer_needed",
                             report_supplier=False, now=T0 + 2 * DAY)
    assert refused.value.code == "cancellation_not_available"
    assert "message the seller or open a dispute" in refused.value.message


@pytest.mark.parametrize(("carrier", "tracking", "code"), [
    ("", "LP1", "tracking_required"),
    ("Cainiao", "   ", "tracking_required"),
    ("Cainiao", "x" * 65, "tracking_too_long"),
])
def test_r15_shipping_needs_a_carrier_and_tracking_number(market, carrier, tracking, code):
    order = market.paid(at=T0)
    with pytest.raises(DomainError) as refused:
        order_ship(order_id=order.pk, user=market.seller, carrier=carrier,
                   tracking_number=tracking, now=T0 + HOUR)
    assert refused.value.code == code
    order.refresh_from_db()
    assert order.state == "awaiting_shipment"
    assert not order.shipments.exists()
