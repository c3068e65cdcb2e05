"""R27: a reminder before every automatic action against a party, to exactly the party who can
still act, once: through the worker's deadlines, the timeline and the inbox."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django_tasks_db.models import DBTaskResult

from rescind.aftersale.changes import change_accept, change_refuse, change_request
from rescind.aftersale.services import order_ship
from rescind.disputes.returns import dispute_return_ship
from rescind.disputes.services import dispute_accept, dispute_open, dispute_refuse
from rescind.domain.changes import LineChange
from rescind.notifications.models import Notification
from rescind.notifications.services import notify_entries
from rescind.orders.models import Carrier, Deadline, TimelineEntry
from rescind.orders.services import payment_capture
from rescind.orders.shipping import carrier_event_record, shipment_reassign, shipment_void
from rescind.scheduler import deadlines_fire_due
from tests.conftest import DAY, HOUR, T0
from tests.integration.test_concurrency import _race

SECOND = HOUR / 3600


@pytest.fixture
def carrier(market):
    account = get_user_model().objects.create_user("cainiao-bot", password="pw")
    Carrier.objects.create(name="Cainiao").accounts.add(account)
    return account


def _deliver_queued(now) -> None:
    """Run the queued notification tasks, as the worker would after commit."""
    for task in DBTaskResult.objects.filter(task_path__endswith="notify_task",
                                            status="READY").order_by("enqueued_at"):
        notify_entries(entry_ids=task.args_kwargs["args"][0],
                       order_id=task.args_kwargs["args"][1], now=now)
        task.delete()


def _reminders(market, order) -> dict[str, list[tuple[str, str]]]:
    """Each party's reminder notifications on the order: (kind, title)."""
    return {who: list(Notification.objects.filter(
        order=order, user=user, kind__in=["SellerReminded", "BuyerReminded"]).order_by("pk")
        .values_list("kind", "title"))
        for who, user in (("buyer", market.buyer), ("seller", market.seller))}


def _reminded_once(market, order, *, at, party: str, title: str) -> None:
    """Fire what is due at `at` twice over, deliver the notifications, and check that exactly
    `party` got exactly one reminder with `title`, and the other side none."""
    _deliver_queued(at - DAY)  # what the steps before told, out of the way
    assert deadlines_fire_due(now=at - SECOND) == 0
    assert deadlines_fire_due(now=at) == 1
    assert deadlines_fire_due(now=at + HOUR) == 0  # a repeated worker run sends nothing more
    _deliver_queued(at)
    kind = "BuyerReminded" if party == "buyer" else "SellerReminded"
    other = "seller" if party == "buyer" else "buyer"
    seen = _reminders(market, order)
    assert seen[party] == [(kind, title)]
    assert seen[other] == []
    entry = TimelineEntry.objects.get(order=order, kind=kind)
    assert (entry.actor, entry.at) == ("platform", at)


def _shipped(market, at=T0):
    order = market.paid(at=at)
    order_ship(order_id=order.pk, user=market.seller, carrier="Cainiao", tracking_number="LP1",
               now=at + HOUR)
    order.refresh_from_db()
    return order


def _disputed(market, *, return_item=False, at=T0 + 3 * DAY):
    order = _shipped(market)
    dispute_open(order_id=order.pk, user=market.buyer, reason="damaged", claim=None,
                 return_item=return_item, description="", evidence=[], now=at)
    return order


def test_r27_r19_the_seller_is_reminded_a_day_before_silence_accepts_the_dispute(market):
    # given a dispute opened at T0 + 3 days: the seller must answer within 15 days
    order = _disputed(market)
    # when the worker runs a day before silence would accept the buyer's claim
    # then the seller alone is reminded, once
    _reminded_once(market, order, at=T0 + 17 * DAY, party="seller",
                   title=f"Reminder: act on order #{order.pk} by Fri 20 Mar 2026, 10:00 UTC")
    body = Notification.objects.get(order=order, kind="SellerReminded").body
    assert body == "If you do not answer the dispute by then, the buyer's claim is accepted."


def test_r27_r19_no_dispute_reminder_once_the_seller_has_answered(market):
    order = _disputed(market)
    dispute_refuse(order_id=order.pk, user=market.seller, note="It was fine", now=T0 + 4 * DAY)
    assert deadlines_fire_due(now=T0 + 17 * DAY) == 0
    reminder = order.deadlines.get(kind=Deadline.Kind.DISPUTE_RESPONSE_REMINDER)
    assert (reminder.fired_at, reminder.voided_at) == (None, T0 + 4 * DAY)
    assert not TimelineEntry.objects.filter(order=order, kind="SellerReminded").exists()


def test_r27_r20_the_seller_is_reminded_before_a_delivered_return_counts_as_received(
        market, carrier):
    # given a dispute with a return the seller accepted, sent back and delivered at T0 + 10 d
    order = _disputed(market, return_item=True)
    dispute_accept(order_id=order.pk, user=market.seller, now=T0 + 4 * DAY)
    dispute_return_ship(order_id=order.pk, user=market.buyer, carrier="Cainiao",
                        tracking_number="RET1", now=T0 + 5 * DAY)
    carrier_event_record(user=carrier, tracking_number="RET1", event="delivered",
                         now=T0 + 10 * DAY)
    # when the worker runs a day before the 7-day confirmation window ends
    # then the seller alone is reminded, once
    _reminded_once(market, order, at=T0 + 16 * DAY, party="seller",
                   title=f"Reminder: act on order #{order.pk} by Thu 19 Mar 2026, 10:00 UTC")
    assert Notification.objects.get(order=order, kind="SellerReminded").body == (
        "If you do not confirm the returned item by then, it counts as received and the buyer "
        "is refunded.")


def test_r27_r13_the_seller_is_reminded_before_silence_refuses_a_change(market):
    # given a change asked for at T0 + 1 h: the seller must answer within 72 hours
    order = market.paid(at=T0)
    change_request(order_id=order.pk, user=market.buyer,
                   changes=[LineChange(line=1, quantity=1)], now=T0 + HOUR)
    _reminded_once(market, order, at=T0 + 48 * HOUR + HOUR, party="seller",
                   title=f"Reminder: act on order #{order.pk} by Thu 5 Mar 2026, 11:00 UTC")


def test_r27_r13_no_change_reminder_once_the_seller_has_answered(market):
    order = market.paid(at=T0)
    change_request(order_id=order.pk, user=market.buyer,
                   changes=[LineChange(line=1, quantity=1)], now=T0 + HOUR)
    change_refuse(order_id=order.pk, user=market.seller, note="Packed", now=T0 + 2 * HOUR)
    assert deadlines_fire_due(now=T0 + 72 * HOUR) == 0
    assert not TimelineEntry.objects.filter(order=order, kind="SellerReminded").exists()


def test_r27_r13_the_buyer_is_reminded_before_an_extra_charge_lapses(market):
    # given a dearer change the seller accepted at T0 + 2 h: the buyer confirms within 72 h
    order = market.paid(at=T0)
    change_request(order_id=order.pk, user=market.buyer,
                   changes=[LineChange(line=1, quantity=3)], now=T0 + HOUR)
    change_accept(order_id=order.pk, user=market.seller, now=T0 + 2 * HOUR)
    # then the buyer, whose turn it is, is reminded, and the seller is not
    _reminded_once(market, order, at=T0 + 50 * HOUR, party="buyer",
                   title=f"Reminder: confirm the extra charge for order #{order.pk} by "
                         "Thu 5 Mar 2026, 12:00 UTC")


def test_r27_r16_the_seller_is_reminded_before_the_buyer_may_dispute_a_canceled_shipment(
        market):
    # given a shipment the seller voided at T0 + 1 day: they have 7 days to reship or refund
    order = _shipped(market)
    shipment_void(order_id=order.pk, user=market.seller, now=T0 + DAY)
    _reminded_once(market, order, at=T0 + 7 * DAY, party="seller",
                   title=f"Reminder: act on order #{order.pk} by Tue 10 Mar 2026, 10:00 UTC")
    assert Notification.objects.get(order=order, kind="SellerReminded").body == (
        "If you neither ship again nor refund by then, the buyer may open a dispute.")


def test_r27_r16_no_shipment_canceled_reminder_once_the_seller_reshipped(market):
    order = _shipped(market)
    shipment_void(order_id=order.pk, user=market.seller, now=T0 + DAY)
    shipment_reassign(order_id=order.pk, user=market.seller, carrier="Cainiao",
                      tracking_number="LP2", now=T0 + 2 * DAY)
    assert deadlines_fire_due(now=T0 + 8 * DAY) == 0
    assert not TimelineEntry.objects.filter(order=order, kind="SellerReminded").exists()


def test_r27_r5_the_buyer_is_told_a_day_before_the_unpaid_order_closes(market):
    # given an order placed at T0 and never paid: it closes after 20 days
    order = market.place(at=T0)
    # then the buyer alone is reminded the day before, once
    _reminded_once(market, order, at=T0 + 19 * DAY, party="buyer",
                   title=f"Reminder: pay for order #{order.pk} by Sun 22 Mar 2026, 10:00 UTC, "
                         "or it closes")
    assert Notification.objects.get(order=order, kind="BuyerReminded").body == (
        "An order not paid by then closes by itself.")


def test_r27_r5_no_unpaid_reminder_once_the_buyer_paid(market):
    order = market.place(at=T0)
    payment_capture(payment_id=order.checkout.payment.pk, buyer=market.buyer, now=T0 + DAY)
    deadlines_fire_due(now=T0 + 19 * DAY)
    assert not TimelineEntry.objects.filter(order=order, kind="BuyerReminded").exists()
    reminder = order.deadlines.get(kind=Deadline.Kind.UNPAID_TIMEOUT_REMINDER)
    assert (reminder.fired_at, reminder.voided_at) == (None, T0 + DAY)


def test_r27_two_workers_send_each_reminder_once(live_market):
    # given 4 unpaid orders and 4 disputes, all a day before the platform acts
    unpaid = [live_market.place(at=T0) for _ in range(4)]
    disputed = []
    for number in range(4):
        order = live_market.paid(at=T0)
        order_ship(order_id=order.pk, user=live_market.seller, carrier="Cainiao",
                   tracking_number=f"LP{number}", now=T0 + HOUR)
        dispute_open(order_id=order.pk, user=live_market.buyer, reason="damaged", claim=None,
                     return_item=False, description="", evidence=[], now=T0 + 4 * DAY)
        disputed.append(order)
    # when two workers fire what is due at once
    fired = _race({"worker_1": lambda: deadlines_fire_due(now=T0 + 19 * DAY),
                   "worker_2": lambda: deadlines_fire_due(now=T0 + 19 * DAY)})
    # then each order's party was reminded exactly once, and no reminder is left open
    assert set(fired.values()) == {"won"}
    for order in unpaid:
        assert list(TimelineEntry.objects.filter(order=order, kind__endswith="Reminded")
                    .values_list("kind", flat=True)) == ["BuyerReminded"]
    for order in disputed:
        assert list(TimelineEntry.objects.filter(order=order, kind__endswith="Reminded")
                    .values_list("kind", flat=True)) == ["SellerReminded"]
    assert not Deadline.objects.filter(kind__endswith="_reminder", fired_at__isnull=True,
                                       voided_at__isnull=True).exists()
