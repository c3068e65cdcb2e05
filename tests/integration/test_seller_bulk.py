"""A seller's refusal reasons and bulk work (issue 14): each order its own transaction through
the single action's service; a refused item leaves the others applied and itself untouched."""

from __future__ import annotations

import pytest

from rescind.aftersale.bulk import (
    ShipmentItem,
    requests_answer,
    shipments_from_csv,
    shipments_ship,
)
from rescind.aftersale.services import cancellation_approve, cancellation_refuse, order_ship
from rescind.domain.errors import DomainError
from rescind.notifications.models import Notification
from rescind.notifications.services import notify_entries
from rescind.orders.models import Carrier, Order, Shipment, TimelineEntry
from rescind.refunds.models import Refund
from rescind.web.timeline import describe
from tests.conftest import DAY, HOUR, T0

LATER = T0 + 2 * DAY


def _snapshot(order_id: int) -> tuple:
    """What an untouched order keeps: its state, timeline and refunds."""
    order = Order.objects.get(pk=order_id)
    return (order.state, order.refunded,
            list(TimelineEntry.objects.filter(order_id=order_id).order_by("pk")
                 .values_list("kind", flat=True)),
            Refund.objects.filter(order_id=order_id).count(),
            list(order.cancellation_requests.order_by("pk").values_list("state", flat=True)))


def test_r11_refusal_reason_code_is_stored_in_the_timeline_and_told_to_the_buyer(market):
    # given a pending request
    order = market.requested(at=T0)
    # when the seller refuses it because the buyer agreed to keep the order, without a note
    cancellation_refuse(order_id=order.pk, user=market.seller, reason_code="buyer_agreed_to_keep",
                        now=LATER)
    # then the request keeps the code, and the timeline (which webhooks send) carries it
    request = order.cancellation_requests.get()
    assert (request.state, request.refusal_reason, request.decision_note) == (
        "refused", "buyer_agreed_to_keep", "")
    entry = TimelineEntry.objects.get(order=order, kind="CancellationRefused")
    assert entry.params == {"note": "", "reason_code": "buyer_agreed_to_keep"}
    assert describe(entry.kind, entry.params) == (
        "The seller refused the cancellation: the buyer agreed to keep the order.")
    # and the buyer is told in words
    notify_entries(entry_ids=[entry.pk], now=LATER)
    notice = Notification.objects.get(user=market.buyer, kind="CancellationRefused")
    assert notice.title == (f"The seller refused to cancel order #{order.pk}: the buyer agreed "
                            "to keep the order")


def test_r11_refusal_without_a_code_is_other_and_needs_its_note(market):
    order = market.requested(at=T0)
    with pytest.raises(DomainError) as no_note:
        cancellation_refuse(order_id=order.pk, user=market.seller, note=" ", now=LATER)
    assert no_note.value.code == "note_required"
    cancellation_refuse(order_id=order.pk, user=market.seller, note="Packed", now=LATER)
    request = order.cancellation_requests.get()
    assert (request.refusal_reason, request.decision_note) == ("other", "Packed")
    entry = TimelineEntry.objects.get(order=order, kind="CancellationRefused")
    assert describe(entry.kind, entry.params) == (
        "The seller refused the cancellation: another reason. “Packed”")


def test_r11_unknown_refusal_reason_is_refused_and_changes_nothing(market):
    order = market.requested(at=T0)
    before = _snapshot(order.pk)
    with pytest.raises(DomainError) as unknown:
        cancellation_refuse(order_id=order.pk, user=market.seller, reason_code="too_busy",
                            note="x", now=LATER)
    assert unknown.value.code == "unknown_refusal_reason"
    assert unknown.value.details["allowed"] == [
        "already_shipped", "buyer_agreed_to_keep", "out_of_date_request", "made_to_order",
        "other"]
    assert _snapshot(order.pk) == before


def test_r10_bulk_approval_applies_each_order_and_reports_the_bad_ones(market):
    # given two pending requests of the store, one of another store, and a paid order
    # without a request
    first, second = market.requested(at=T0), market.requested(at=T0)
    theirs = market.requested(at=T0, product=market.other_product)
    plain = market.paid(at=T0)
    untouched = {pk: _snapshot(pk) for pk in (theirs.pk, plain.pk)}
    # when the seller approves all four at once
    results = requests_answer(user=market.seller, decision="approve",
                              order_ids=[first.pk, theirs.pk, plain.pk, second.pk], now=LATER)
    # then each order has its own result, in the order given
    assert [(r["order_id"], r["status"], r["code"]) for r in results] == [
        (first.pk, "done", None), (theirs.pk, "refused", "order_not_found"),
        (plain.pk, "refused", "no_pending_request"), (second.pk, "done", None)]
    assert results[0]["message"] == (f"You approved the cancellation of order #{first.pk}; "
                                     "$28.00 goes back to the buyer's bank card.")
    assert results[1]["message"] == "No such order."
    assert results[2]["message"] == "There is no cancellation request waiting."
    # and the approved ones are closed and refunded, the refused ones untouched
    for order in (first, second):
        order.refresh_from_db()
        assert (order.state, order.close_reason) == ("closed", "cancelled_on_request")
        assert Refund.objects.get(order=order).amount == 2800
    assert {pk: _snapshot(pk) for pk in untouched} == untouched


def test_r10_bulk_approval_records_what_the_single_approval_records(market):
    # given two equal orders with requests
    single, bulk = market.requested(at=T0), market.requested(at=T0)
    # when one is approved alone and the other in bulk, with the same note
    cancellation_approve(order_id=single.pk, user=market.seller, note="Sorry", now=LATER)
    requests_answer(user=market.seller, decision="approve", order_ids=[bulk.pk], note="Sorry",
                    now=LATER)

    def recorded(order):
        return [(e.kind, e.actor, e.actor_user_id, e.params)
                for e in TimelineEntry.objects.filter(order=order).order_by("pk")]

    # then both timelines read the same, and both refunds are the same
    assert recorded(bulk) == recorded(single)
    assert list(Refund.objects.filter(order=bulk).values_list("amount", "method", "state")) == \
        list(Refund.objects.filter(order=single).values_list("amount", "method", "state"))


def test_r11_bulk_refusal_stores_the_reason_on_each_and_checks_it_first(market):
    first, second = market.requested(at=T0), market.requested(at=T0)
    before = {pk: _snapshot(pk) for pk in (first.pk, second.pk)}
    # a bad reason, or "other" without a note, refuses the whole request and changes nothing
    for reason, note, code in (("too_busy", "", "unknown_refusal_reason"),
                               ("other", " ", "note_required"), ("", "", "unknown_refusal_reason")):
        with pytest.raises(DomainError) as refused:
            requests_answer(user=market.seller, decision="refuse", reason_code=reason,
                            note=note, order_ids=[first.pk, second.pk], now=LATER)
        assert refused.value.code == code
    assert {pk: _snapshot(pk) for pk in before} == before
    # a good one refuses each, with the code kept
    results = requests_answer(user=market.seller, decision="refuse",
                              reason_code="out_of_date_request",
                              order_ids=[first.pk, second.pk, first.pk], now=LATER)
    assert [(r["order_id"], r["status"]) for r in results] == [
        (first.pk, "done"), (second.pk, "done")]
    assert results[0]["message"] == (
        f"You refused the cancellation of order #{first.pk}: the request came too late: the "
        "order is already packed. The buyer is told; ship the order in time.")
    assert list(Order.objects.filter(pk__in=before).order_by("pk").values_list(
        "state", "cancellation_requests__refusal_reason")) == [
        ("awaiting_shipment", "out_of_date_request")] * 2


def test_bulk_answer_refuses_an_empty_or_unknown_decision(market):
    with pytest.raises(DomainError) as empty:
        requests_answer(user=market.seller, decision="approve", order_ids=[], now=LATER)
    assert empty.value.code == "no_orders_selected"
    with pytest.raises(DomainError) as unknown:
        requests_answer(user=market.seller, decision="maybe", order_ids=[1], now=LATER)
    assert unknown.value.code == "unknown_decision"


def test_r15_shipment_file_ships_the_good_rows_and_reports_every_bad_one(market):
    # given known carriers, orders of the store awaiting shipment, and bad cases around them
    Carrier.objects.create(name="Cainiao")
    Carrier.objects.create(name="YunExpress")
    good, also_good, repeated = (market.paid(at=T0) for _ in range(3))
    unpaid = market.place(at=T0)
    theirs = market.paid(at=T0, product=market.other_product)
    in_use = market.paid(at=T0)
    order_ship(order_id=in_use.pk, user=market.seller, carrier="Cainiao",
               tracking_number="LP-TAKEN", now=T0 + HOUR)
    other = market.paid(at=T0)
    bad = [unpaid.pk, theirs.pk, other.pk, repeated.pk]
    untouched = {pk: _snapshot(pk) for pk in bad}
    data = (
        "order_number,carrier,tracking_number\r\n"
        f"{good.pk},cainiao,LP-1\r\n"  # 2: any case of a known carrier
        "999999,Cainiao,LP-2\r\n"  # 3: no such order
        f"{theirs.pk},Cainiao,LP-3\r\n"  # 4: another store's
        f"{other.pk},Royal Mail,LP-4\r\n"  # 5: an unknown carrier
        f"{repeated.pk},Cainiao,lp-1\r\n"  # 6: a tracking number already in the file
        f"{unpaid.pk},Cainiao,LP-6\r\n"  # 7: not awaiting shipment
        f"#{also_good.pk},YunExpress,YT-7\r\n"  # 8: "#" before the number is fine
        f"{other.pk},Cainiao,LP-TAKEN\r\n"  # 9: on another live parcel (R15)
        "abc,Cainiao,LP-9\r\n"  # 10: not an order number
        f"{other.pk},Cainiao\r\n"  # 11: a column short
        "\r\n"
    ).encode()
    # when the seller uploads it
    results = shipments_from_csv(user=market.seller, data=data, now=LATER)
    # then every row has its result, by line
    assert [(r["row"], r["order_id"], r["status"], r["code"]) for r in results] == [
        (2, good.pk, "done", None),
        (3, 999999, "refused", "order_not_found"),
        (4, theirs.pk, "refused", "order_not_found"),
        (5, other.pk, "refused", "unknown_carrier"),
        (6, repeated.pk, "refused", "duplicate_tracking_number"),
        (7, unpaid.pk, "refused", "transition_not_allowed"),
        (8, also_good.pk, "done", None),
        (9, other.pk, "refused", "tracking_number_in_use"),
        (10, None, "refused", "order_number_invalid"),
        (11, None, "refused", "row_incomplete"),
    ]
    assert results[0]["message"] == (f"Shipped order #{good.pk} with Cainiao, tracking number "
                                     "LP-1.")
    assert results[3]["message"] == ("Royal Mail is not a carrier we know. Use one of: Cainiao, "
                                     "YunExpress.")
    assert results[4]["message"] == ("Tracking number lp-1 is already on row 2 of this batch: "
                                     "each parcel has its own.")
    # and the good rows shipped with the carrier as the platform writes it
    assert list(Shipment.objects.filter(order__in=[good, also_good]).order_by("order_id")
                .values_list("order_id", "carrier", "tracking_number")) == [
        (good.pk, "Cainiao", "LP-1"), (also_good.pk, "YunExpress", "YT-7")]
    # and the bad ones are untouched
    assert {pk: _snapshot(pk) for pk in untouched} == untouched


@pytest.mark.parametrize(("data", "code"), [
    (b"", "csv_empty"),
    (b"  \r\n", "csv_empty"),
    (b"order_number,carrier,tracking_number\r\n", "csv_empty"),
    ("order_number,carrier,tracking_number\r\n1,Cainiao,Ä\r\n".encode("latin-1"), "csv_not_utf8"),
    (b"order_number,carrier,tracking_number\r\n1,\"Cainiao,LP\r\n", "csv_malformed"),
    (b"order_number,carrier,tracking_number\r\n1,Cai\0niao,LP\r\n", "csv_malformed"),
    (b"order,carrier\r\n1,Cainiao\r\n", "csv_columns_missing"),
    (b"order_number,carrier,tracking_number\r\n" + b"1,Cainiao,LP\r\n" * 20_000,
     "csv_too_large"),
    (b"order_number,carrier,tracking_number\r\n" + b"1,Cainiao,LP\r\n" * 201,
     "csv_too_many_rows"),
])
def test_r15_an_unreadable_shipment_file_ships_nothing(market, data, code):
    Carrier.objects.create(name="Cainiao")
    order = market.paid(at=T0)
    data = data.replace(b"1,", f"{order.pk},".encode())
    with pytest.raises(DomainError) as refused:
        shipments_from_csv(user=market.seller, data=data, now=LATER)
    assert refused.value.code == code
    order.refresh_from_db()
    assert (order.state, Shipment.objects.count()) == ("awaiting_shipment", 0)


def test_r15_bulk_shipping_refuses_an_order_given_twice(market):
    Carrier.objects.create(name="Cainiao")
    order = market.paid(at=T0)
    results = shipments_ship(user=market.seller, now=LATER, items=[
        ShipmentItem(order.pk, "Cainiao", "A1"), ShipmentItem(order.pk, "Cainiao", "A2")])
    assert [(r["status"], r["code"]) for r in results] == [
        ("done", None), ("refused", "duplicate_order")]
    assert results[1]["message"] == f"Order #{order.pk} is already on item 1 of this batch."
    assert list(Shipment.objects.values_list("tracking_number", flat=True)) == ["A1"]
