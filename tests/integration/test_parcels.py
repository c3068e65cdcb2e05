"""A carrier's tracking number belongs to at most one live parcel, shipments and return
parcels alike; an event that names no live parcel, or several, waits for support (R15, R16,
R20). The database enforces the rule, so concurrent claims have one winner."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction

from rescind.aftersale.services import order_ship
from rescind.disputes.returns import dispute_return_ship
from rescind.disputes.services import dispute_accept, dispute_open
from rescind.domain.errors import DomainError
from rescind.orders.models import Carrier, Parcel, UnmatchedCarrierEvent
from rescind.orders.parcels import carrier_event_handle, carrier_events_unhandled
from rescind.orders.shipping import carrier_event_record, order_confirm_receipt, shipment_reassign
from tests.conftest import DAY, HOUR, T0
from tests.integration.test_concurrency import _race

ROUNDS = 15


@pytest.fixture
def cainiao(market):
    account = get_user_model().objects.create_user("cainiao-bot", password="pw")
    Carrier.objects.create(name="Cainiao").accounts.add(account)
    return account


def _paid_in(market, store):
    product = market.product if store == "A" else market.other_product
    return market.paid(at=T0, product=product, quantity=1)


def _ship(market, order, tracking, carrier="Cainiao"):
    seller = market.seller if order.store_id == market.store.pk else market.other_seller
    return order_ship(order_id=order.pk, user=seller, carrier=carrier, tracking_number=tracking,
                      now=T0 + HOUR)


def _refused_code(action, *args, **kwargs) -> str:
    with pytest.raises(DomainError) as refused:
        action(*args, **kwargs)
    return refused.value.code


def test_r15_a_seller_cannot_ship_with_another_stores_live_tracking_number(market, cainiao):
    # given store B's parcel on its way with Cainiao LP100
    theirs = _ship(market, _paid_in(market, "B"), "LP100")
    mine = _paid_in(market, "A")
    # when store A's seller ships with the same number, written another way
    code = _refused_code(_ship, market, mine, " lp 100 ", carrier="CAINIAO")
    # then it is refused, store A's order is not shipped, and B's parcel keeps its number
    mine.refresh_from_db()
    assert (code, mine.state, mine.shipments.count()) == (
        "tracking_number_in_use", "awaiting_shipment", 0)
    assert list(Parcel.objects.filter(released_at__isnull=True)
                .values_list("order_id", "carrier_key", "tracking_key")) == [
        (theirs.pk, "cainiao", "LP100")]
    # and the carrier's "delivered" reaches store B's order only
    carrier_event_record(user=cainiao, tracking_number="LP100", event="delivered",
                         now=T0 + 3 * DAY)
    theirs.refresh_from_db()
    mine.refresh_from_db()
    assert (theirs.delivered_at, mine.delivered_at) == (T0 + 3 * DAY, None)


def test_r15_another_carrier_may_use_the_same_number(market):
    _ship(market, _paid_in(market, "B"), "LP100", carrier="Cainiao")
    mine = _ship(market, _paid_in(market, "A"), "LP100", carrier="DHL")
    assert mine.state == "awaiting_delivery"


def test_r15_r20_a_return_parcel_cannot_take_a_live_shipments_number(market):
    # given store A's order disputed with a return accepted, and store B's parcel on its way
    returning = _ship(market, _paid_in(market, "A"), "LP1")
    dispute_open(order_id=returning.pk, user=market.buyer, reason="damaged", claim=None,
                 return_item=True, description="", evidence=[], now=T0 + 2 * DAY)
    dispute_accept(order_id=returning.pk, user=market.seller, now=T0 + 3 * DAY)
    _ship(market, _paid_in(market, "B"), "RET9")
    # when the buyer sends the return with store B's number
    code = _refused_code(dispute_return_ship, order_id=returning.pk, user=market.buyer,
                         carrier="cainiao", tracking_number="RET9", now=T0 + 4 * DAY)
    # then it is refused and the dispute still waits for its return parcel
    assert code == "tracking_number_in_use"
    assert returning.disputes.get().return_tracking == ""


def test_r15_r16_a_dropped_parcels_number_is_free_again(market, cainiao):
    # given store A's parcel LP7, dropped by the carrier
    dropped = _ship(market, _paid_in(market, "A"), "LP7")
    carrier_event_record(user=cainiao, tracking_number="LP7", event="tracking_invalid",
                         now=T0 + DAY)
    # when store B ships with LP7 and the carrier reports it delivered
    reused = _ship(market, _paid_in(market, "B"), "LP7")
    carrier_event_record(user=cainiao, tracking_number="LP7", event="delivered",
                         now=T0 + 2 * DAY)
    # then the event reaches store B's order; A's stays "shipment canceled"
    reused.refresh_from_db()
    dropped.refresh_from_db()
    assert (reused.state, reused.delivered_at) == ("awaiting_delivery", T0 + 2 * DAY)
    assert (dropped.state, dropped.delivered_at) == ("shipment_canceled", None)
    assert dropped.parcels.get().release_cause == "tracking_invalid"


def test_r15_a_reship_cannot_take_a_live_number_and_a_completed_orders_number_is_free(market):
    # given store B's parcel LP5 delivered and completed, and store A's parcel LP6 on its way
    done = _ship(market, _paid_in(market, "B"), "LP5")
    order_confirm_receipt(order_id=done.pk, user=market.buyer, now=T0 + DAY)
    _ship(market, _paid_in(market, "A"), "LP6")
    canceled = _paid_in(market, "A")
    _ship(market, canceled, "LP8")
    carrier = get_user_model().objects.create_user("bot", password="pw")
    Carrier.objects.create(name="Cainiao").accounts.add(carrier)
    carrier_event_record(user=carrier, tracking_number="LP8", event="tracking_invalid",
                         now=T0 + DAY)
    # when the seller reships the canceled order with LP6, then with LP5
    code = _refused_code(shipment_reassign, order_id=canceled.pk, user=market.seller,
                         carrier="Cainiao", tracking_number="LP6", now=T0 + 2 * DAY)
    shipment_reassign(order_id=canceled.pk, user=market.seller, carrier="Cainiao",
                      tracking_number="LP5", now=T0 + 2 * DAY)
    # then LP6 is refused, and LP5, whose order completed, is given to the new parcel
    canceled.refresh_from_db()
    assert code == "tracking_number_in_use"
    assert (canceled.state, canceled.shipments.last().tracking_number) == (
        "awaiting_delivery", "LP5")
    assert done.parcels.get().release_cause == "completed"


def test_r15_an_event_for_no_live_parcel_waits_for_support(market, cainiao):
    # given store A's order shipped with LP1
    order = _ship(market, _paid_in(market, "A"), "LP1")
    entries = order.timeline.count()
    # when the carrier reports on a number no parcel carries
    queued = carrier_event_record(user=cainiao, tracking_number="LP2", event="delivered",
                                  location="Lyon", now=T0 + DAY)
    # then no order moves, and support sees the event in its queue
    assert order.timeline.count() == entries
    assert carrier_events_unhandled() == [queued]
    assert (queued.tracking_number, queued.event, queued.location, queued.live_matches,
            queued.carriers, queued.account_id) == ("LP2", "delivered", "Lyon", 0, "Cainiao",
                                                    cainiao.pk)
    # when support says what they did, the event leaves the queue, once
    carrier_event_handle(event_id=queued.pk, user=market.support, note="Asked Cainiao.",
                         now=T0 + 2 * DAY)
    assert carrier_events_unhandled() == []
    assert _refused_code(carrier_event_handle, event_id=queued.pk, user=market.support,
                         note="Again", now=T0 + 2 * DAY) == "carrier_event_already_handled"
    assert _refused_code(carrier_event_handle, event_id=queued.pk, user=market.seller,
                         note="Mine", now=T0 + 2 * DAY) == "support_only"


def test_r15_late_news_of_a_released_parcel_names_its_last_order_for_support(market, cainiao):
    # given store A's parcel LP3 delivered and the order completed
    order = _ship(market, _paid_in(market, "A"), "LP3")
    carrier_event_record(user=cainiao, tracking_number="LP3", event="delivered", now=T0 + DAY)
    order_confirm_receipt(order_id=order.pk, user=market.buyer, now=T0 + 2 * DAY)
    # when the carrier says the parcel was dropped after all
    queued = carrier_event_record(user=cainiao, tracking_number="LP3", event="tracking_invalid",
                                  now=T0 + 3 * DAY)
    # then the completed order is untouched and support is told which order it was
    order.refresh_from_db()
    assert order.state == "completed"
    assert (queued.live_matches, queued.last_order_id) == (0, order.pk)


def test_r15_an_event_naming_two_live_parcels_goes_to_support_not_to_either(market):
    # given an account reporting for two carriers, each with a live parcel LP9
    account = get_user_model().objects.create_user("hub-bot", password="pw")
    for name in ("Cainiao", "4PX"):
        Carrier.objects.create(name=name).accounts.add(account)
    first = _ship(market, _paid_in(market, "A"), "LP9", carrier="Cainiao")
    second = _ship(market, _paid_in(market, "B"), "LP9", carrier="4PX")
    # when it reports LP9 dropped
    queued = carrier_event_record(user=account, tracking_number="LP9", event="tracking_invalid",
                                  now=T0 + DAY)
    # then neither order is touched and support gets the event with both matches counted
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.state, second.state) == ("awaiting_delivery", "awaiting_delivery")
    assert queued.live_matches == 2


def test_r15_the_database_refuses_a_second_live_parcel_with_the_same_number(market):
    # given a live parcel Cainiao LP1
    order = _ship(market, _paid_in(market, "A"), "LP1")
    other = _paid_in(market, "B")
    # when a row for another live parcel with the same pair is written past the services
    with pytest.raises(IntegrityError), transaction.atomic():
        Parcel.objects.create(order=other, kind="shipment", carrier_key="cainiao",
                              tracking_key="LP1", claimed_at=T0)
    # then only a released parcel may share it
    Parcel.objects.create(order=other, kind="shipment", carrier_key="cainiao",
                          tracking_key="LP1", claimed_at=T0, released_at=T0 + DAY)
    assert order.parcels.get().released_at is None


def test_r15_two_sellers_shipping_the_same_number_at_once_have_one_winner(live_market):
    market = live_market
    for round_no in range(ROUNDS):
        # given a paid order in each store
        orders = [_paid_in(market, "A"), _paid_in(market, "B")]
        tracking = f"RACE{round_no}"
        # when both sellers ship with the same number at the same moment
        results = _race({f"seller_of_{o.pk}": (lambda o=o, t=tracking: _ship(market, o, t))
                         for o in orders})
        # then exactly one parcel carries it; the other seller was told why
        assert sorted(results.values()) == ["lost:tracking_number_in_use", "won"], results
        assert Parcel.objects.filter(tracking_key=tracking).count() == 1
        assert UnmatchedCarrierEvent.objects.count() == 0
