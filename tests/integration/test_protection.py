"""R18: buyer protection lasts 15 days after the order completes; R17: every shipment promises
delivery, and past the promise an undelivered parcel may be disputed. Through the real services
and the worker firing at the right `now`."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from rescind.aftersale.services import order_ship
from rescind.disputes.firing import disputes_fire_due
from rescind.disputes.services import (
    dispute_accept,
    dispute_open,
    dispute_proposal_accept,
    dispute_propose,
)
from rescind.domain.actions import Party
from rescind.domain.errors import DomainError
from rescind.metrics.reads import store_metrics
from rescind.notifications.models import Notification
from rescind.orders.models import Carrier, Deadline, TimelineEntry
from rescind.orders.reads import order_summary
from rescind.orders.shipping import (
    carrier_event_record,
    order_confirm_receipt,
    shipment_reassign,
    shipment_void,
)
from rescind.scheduler import deadlines_fire_due
from tests.conftest import DAY, HOUR, T0
from tests.integration.test_reminders import _deliver_queued, _reminded_once

SECOND = HOUR / 3600
SHIPPED_AT = T0 + HOUR
DELIVER_BY = SHIPPED_AT + 60 * DAY  # R17's default promise


@pytest.fixture
def carrier(market):
    account = get_user_model().objects.create_user("cainiao-bot", password="pw")
    Carrier.objects.create(name="Cainiao").accounts.add(account)
    return account


def _shipped(market):
    order = market.paid(at=T0)
    order_ship(order_id=order.pk, user=market.seller, carrier="Cainiao", tracking_number="LP1",
               now=SHIPPED_AT)
    order.refresh_from_db()
    return order


def _completed(market, at=T0 + 5 * DAY):
    order = _shipped(market)
    order_confirm_receipt(order_id=order.pk, user=market.buyer, now=at)
    order.refresh_from_db()
    return order


def _open(market, order, *, at, reason="damaged"):
    return dispute_open(order_id=order.pk, user=market.buyer, reason=reason, claim=None,
                        return_item=False, description="", evidence=[], now=at)


def _buyer_view(order, now):
    order.refresh_from_db()
    view = order_summary(order, Party.BUYER, now=now)
    return ([a["action"] for a in view["actions"]],
            [(d["kind"], d["due_at"]) for d in view["deadlines"]])


def _kinds(order):
    return list(order.timeline.values_list("kind", flat=True))


# R18: buyer protection after completion


def test_r18_a_confirmed_order_can_be_disputed_for_15_days(market):
    # given an order the buyer confirmed at T0 + 5 days
    order = _completed(market)
    assert (order.state, order.completed_at, order.dispute_until) == (
        "completed", T0 + 5 * DAY, T0 + 20 * DAY)
    # then the buyer sees the dispute action and when protection ends
    assert _buyer_view(order, T0 + 6 * DAY) == (
        ["open_dispute"], [("protection_end", T0 + 20 * DAY)])
    # when they open a dispute on day 14 of protection
    _open(market, order, at=T0 + 19 * DAY)
    order.refresh_from_db()
    # then the order is in dispute, protection is used up and its clocks stop
    assert (order.state, order.dispute_until) == ("in_dispute", None)
    assert order.deadlines.get(kind=Deadline.Kind.PROTECTION_END).voided_at == T0 + 19 * DAY
    assert _kinds(order)[-2:] == ["OrderCompleted", "DisputeOpened"]


def test_r18_after_protection_ends_no_dispute_can_be_opened(market):
    # given an order confirmed at T0 + 5 days
    order = _completed(market)
    # when protection runs out, the worker records it
    assert deadlines_fire_due(now=T0 + 20 * DAY - SECOND) == 1  # the buyer's reminder
    assert deadlines_fire_due(now=T0 + 20 * DAY) == 1
    assert _kinds(order)[-2:] == ["BuyerReminded", "BuyerProtectionEnded"]
    # then the action is gone and the dispute is refused as before R18's window
    assert _buyer_view(order, T0 + 20 * DAY) == ([], [])
    with pytest.raises(DomainError) as late:
        _open(market, order, at=T0 + 20 * DAY)
    assert (late.value.code, late.value.details["protection_ended_at"]) == (
        "dispute_not_available", (T0 + 20 * DAY).isoformat())


def test_r18_r27_the_buyer_is_reminded_a_day_before_protection_ends(market):
    order = _completed(market)
    _reminded_once(market, order, at=T0 + 19 * DAY, party="buyer",
                   title=f"Buyer protection of order #{order.pk} ends on Sun 22 Mar 2026, "
                         "10:00 UTC: open a dispute before then if something is wrong")


def test_r18_r27_no_protection_reminder_once_a_dispute_is_open(market):
    order = _completed(market)
    _open(market, order, at=T0 + 10 * DAY)
    assert deadlines_fire_due(now=T0 + 21 * DAY) == 0
    assert not TimelineEntry.objects.filter(order=order, kind="BuyerReminded").exists()


def test_r15_r18_an_order_completed_by_itself_after_delivery_is_protected_too(market, carrier):
    # given a parcel delivered at T0 + 5 days that completes by itself 15 days later
    order = _shipped(market)
    carrier_event_record(user=carrier, tracking_number="LP1", event="delivered",
                         now=T0 + 5 * DAY)
    assert deadlines_fire_due(now=T0 + 20 * DAY) == 1
    order.refresh_from_db()
    assert (order.state, order.completed_at, order.dispute_until) == (
        "completed", T0 + 20 * DAY, T0 + 35 * DAY)
    # when the buyer finds it broken a week later, they can still dispute it
    _open(market, order, at=T0 + 27 * DAY)
    order.refresh_from_db()
    assert order.state == "in_dispute"


def test_r18_r20_r30_a_dispute_on_a_completed_order_refunded_in_full_closes_it(market):
    # given a completed order disputed within protection
    order = _completed(market)
    _open(market, order, at=T0 + 10 * DAY)
    # when the seller accepts the full claim
    dispute_accept(order_id=order.pk, user=market.seller, now=T0 + 11 * DAY)
    order.refresh_from_db()
    # then it closes refunded after the dispute, against the seller, and the timeline tells it
    assert (order.state, order.close_reason, order.responsible_side, order.refunded) == (
        "closed", "refunded_after_dispute", "seller", 2800)
    assert _kinds(order)[-6:] == ["OrderCompleted", "DisputeOpened", "DisputeSellerAccepted",
                                  "DisputeDecided", "DisputeResolved", "RefundCreated"]
    # and the seller's metrics count one dispute opened and lost
    [metrics] = store_metrics(store_ids=[market.store.pk], period_start=T0,
                              period_end=T0 + 30 * DAY)
    assert (metrics.disputes_opened, metrics.disputes_lost) == (1, 1)


def test_r18_a_partly_refunded_dispute_returns_the_order_to_completed_for_good(market):
    # given a completed order disputed within protection, settled on a proposal of 10.00
    order = _completed(market)
    _open(market, order, at=T0 + 10 * DAY)
    dispute_propose(order_id=order.pk, user=market.seller, amount=1000, return_item=False,
                    note="", now=T0 + 11 * DAY)
    dispute_proposal_accept(order_id=order.pk, user=market.buyer, now=T0 + 12 * DAY)
    order.refresh_from_db()
    # then the order is completed again with 10.00 refunded
    assert (order.state, order.refunded, order.close_reason) == ("completed", 1000, "")
    # and its protection was used by that dispute: no second dispute within the old window
    assert _buyer_view(order, T0 + 13 * DAY) == ([], [])
    with pytest.raises(DomainError) as again:
        _open(market, order, at=T0 + 13 * DAY)
    assert again.value.code == "dispute_not_available"
    assert disputes_fire_due(now=T0 + 40 * DAY) == 0


# R17: the promised delivery


def test_r17_an_undelivered_parcel_may_be_disputed_once_its_promise_passes(market):
    # given a parcel shipped at T0 + 1 h, promised within 60 days, with no carrier event
    order = _shipped(market)
    assert order.shipments.get().deliver_by == DELIVER_BY
    view = order_summary(order, Party.BUYER, now=T0 + DAY)
    assert [(d["kind"], d["due_at"]) for d in view["deadlines"]] == [
        ("promised_delivery", DELIVER_BY)]
    assert [(u["action"], u["available_from"]) for u in view["upcoming_actions"]] == [
        ("dispute_not_received", DELIVER_BY)]
    # when the buyer claims it never came before the promise, it is refused with the date
    with pytest.raises(DomainError) as early:
        _open(market, order, at=DELIVER_BY - SECOND, reason="not_received")
    assert (early.value.code, early.value.details["available_from"]) == (
        "dispute_not_available", DELIVER_BY.isoformat())
    # when the promise passes, the worker tells both sides
    assert deadlines_fire_due(now=DELIVER_BY) == 1
    _deliver_queued(DELIVER_BY)
    # (each told in their own words: the buyer "you may", the seller "the buyer may")
    promise = (f"Order #{order.pk} was promised by Fri 1 May 2026, 11:00 UTC and has not been "
               "delivered")
    assert sorted(Notification.objects.filter(order=order, kind="PromisedDeliveryPassed")
                  .values_list("user__username", "title")) == [
        ("buyer", f"{promise}: you may open a dispute for non-delivery"),
        ("seller", f"{promise}: the buyer may open a dispute for non-delivery")]
    # then the non-delivery dispute is an action, and opens without any carrier event
    assert _buyer_view(order, DELIVER_BY)[0] == [
        "confirm_receipt", "open_dispute", "dispute_not_received"]
    dispute = _open(market, order, at=DELIVER_BY + HOUR, reason="not_received")
    order.refresh_from_db()
    assert (order.state, dispute.reason, dispute.claim) == ("in_dispute", "not_received", 2800)


def test_r17_a_delivered_parcel_keeps_no_promise_running(market, carrier):
    order = _shipped(market)
    carrier_event_record(user=carrier, tracking_number="LP1", event="delivered",
                         now=T0 + 9 * DAY)
    promise = order.deadlines.get(kind=Deadline.Kind.PROMISED_DELIVERY)
    assert (promise.fired_at, promise.voided_at) == (None, T0 + 9 * DAY)
    assert not TimelineEntry.objects.filter(order=order, kind="PromisedDeliveryPassed").exists()


def test_r16_r17_a_reshipped_parcel_gets_a_new_promise(market):
    # given a shipment voided at T0 + 1 day and shipped again at T0 + 3 days
    order = _shipped(market)
    shipment_void(order_id=order.pk, user=market.seller, now=T0 + DAY)
    shipment_reassign(order_id=order.pk, user=market.seller, carrier="Cainiao",
                      tracking_number="LP2", now=T0 + 3 * DAY)
    # then the new parcel promises delivery 60 days after it left, and the old promise stopped
    assert list(order.shipments.order_by("pk").values_list("tracking_number", "deliver_by")) \
        == [("LP1", DELIVER_BY), ("LP2", T0 + 63 * DAY)]
    assert list(order.deadlines.filter(kind=Deadline.Kind.PROMISED_DELIVERY, fired_at=None,
                                       voided_at=None).values_list("due_at", flat=True)) == [
        T0 + 63 * DAY]
    # and the old promise's date alone no longer opens a non-delivery dispute
    with pytest.raises(DomainError) as early:
        _open(market, order, at=DELIVER_BY + DAY, reason="not_received")
    assert early.value.code == "dispute_not_available"
