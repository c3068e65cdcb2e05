"""The order page's status in words (issue 13): steps, a headline addressed to its reader and a
tone, per state and close reason; the refund tracker; the list's next step; labels in words."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.utils.html import strip_tags

from rescind.domain.policy import DEFAULT_REASONS
from rescind.orders.reads import STATE_LABELS
from rescind.web.cancel_form import cancel_reasons
from rescind.web.labels import payment_method_label, state_label
from rescind.web.order_list import next_step
from rescind.web.order_status import order_status, refund_progress, refund_tracker
from rescind.web.product_images import product_svg
from rescind.web.templatetags.rescind import day, duration, when

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)  # a Monday
MINUTE = timedelta(minutes=1)
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)


def detail(state: str, **extra) -> dict:
    """An order detail as orders.reads.order_detail gives it, with only what the status reads."""
    return {"state": state, "state_label": STATE_LABELS[state], "close_reason": None,
            "placed_at": NOW - 3 * DAY, "paid_at": None, "delivered_at": None,
            "completed_at": None, "closed_at": None, "dispute_until": None, "actions": [],
            "upcoming_actions": [], "deadlines": [], "cancellation_request": None,
            "change_request": None, "refunds": [], "shipments": [], **extra}


def deadline(kind: str, due_at: datetime) -> dict:
    return {"kind": kind, "label": "", "due_at": due_at}


def refund(state: str, *, retried_by: int | None = None) -> dict:
    return {"id": 1, "state": state, "retried_by": retried_by, "method": "bank_card"}


PAID = {"paid_at": NOW - 2 * DAY}
SHIPPED = {**PAID, "shipments": [{"carrier": "Cainiao"}]}


def words(order: dict, party: str = "buyer", dispute: dict | None = None) -> str:
    return strip_tags(order_status(order, party, now=NOW, dispute=dispute)["headline"])


def steps(order: dict) -> list[tuple[str, str]]:
    return [(s["label"], s["status"])
            for s in order_status(order, "buyer", now=NOW)["steps"]]


def tone(order: dict, dispute: dict | None = None) -> str:
    return order_status(order, "buyer", now=NOW, dispute=dispute)["tone"]


# The formatting layer the headlines go through


def test_duration_reads_in_its_two_largest_units():
    assert duration(2 * DAY + 23 * HOUR + 59 * MINUTE) == "2 days 23 hours"
    assert duration(5 * HOUR + 10 * MINUTE + timedelta(seconds=5)) == "5 hours 10 minutes"
    assert duration(DAY) == "1 day"
    assert duration(HOUR + MINUTE) == "1 hour 1 minute"
    assert duration(59 * MINUTE) == "under an hour"
    assert duration(-5) == "under an hour"


def test_when_and_day_name_the_instant_and_its_zone():
    at = datetime(2026, 12, 4, 18, 22, tzinfo=UTC)
    hover = 'title="Fri 4 Dec 2026, 18:22 UTC"'
    assert when(at) == (f'<time datetime="2026-12-04T18:22:00Z" {hover}>'
                        'Fri 4 Dec 2026, 18:22 UTC</time>')
    assert day(at) == f'<time datetime="2026-12-04T18:22:00Z" {hover}>Fri 4 Dec 2026</time>'


# Each state, in its reader's words


def test_r2_awaiting_payment_says_pay_by_when_to_the_buyer_and_waits_for_the_buyer_to_others():
    # given an unpaid order that closes on 22 Mar at 10:00
    order = detail("awaiting_payment", deadlines=[deadline("unpaid_timeout", NOW + 20 * DAY)])
    # then the buyer is told to pay by then, the seller that the buyer has until then
    assert words(order) == \
        "Awaiting payment: pay by Sun 22 Mar 2026, 10:00 UTC, or the order closes by itself"
    assert words(order, "seller") == \
        "Awaiting payment: the buyer has until Sun 22 Mar 2026, 10:00 UTC to pay"
    assert steps(order) == [("Placed", "current"), ("Paid", "todo"), ("Shipped", "todo"),
                            ("Delivered", "todo"), ("Completed", "todo")]
    assert tone(order) == "warning"


def test_r12_awaiting_shipment_names_the_ship_by_instant():
    order = detail("awaiting_shipment", **PAID,
                   deadlines=[deadline("handling_time", NOW + 7 * DAY)])
    assert words(order) == "Paid: the seller must ship by Mon 9 Mar 2026, 10:00 UTC"
    assert words(order, "seller") == \
        "Paid: ship by Mon 9 Mar 2026, 10:00 UTC, or the order closes and the buyer is refunded"
    assert words(order, "support") == "Paid: the seller must ship by Mon 9 Mar 2026, 10:00 UTC"
    assert steps(order) == [("Placed", "done"), ("Paid", "current"), ("Shipped", "todo"),
                            ("Delivered", "todo"), ("Completed", "todo")]
    assert tone(order) == "info"


def test_r11_a_refused_request_says_the_seller_still_has_to_ship():
    order = detail("awaiting_shipment", **PAID,
                   deadlines=[deadline("handling_time", NOW + 7 * DAY)],
                   cancellation_request={"state": "refused", "respond_by": NOW - DAY})
    assert words(order) == \
        "Paid: the seller refused to cancel and must ship by Mon 9 Mar 2026, 10:00 UTC"


def test_r9_a_reported_supplier_says_support_decides_while_the_order_must_still_ship():
    order = detail("awaiting_shipment", **PAID,
                   deadlines=[deadline("handling_time", NOW + 7 * DAY)],
                   cancellation_request={"state": "refused", "respond_by": NOW - DAY})
    escalated = {**DISPUTE, "state": "escalated"}
    assert words(order, "buyer", escalated) == ("Supplier reported: platform support is "
                                                "deciding, and the seller must still ship by "
                                                "Mon 9 Mar 2026, 10:00 UTC")
    assert words(order, "seller", escalated) == ("Supplier reported: platform support is "
                                                 "deciding; ship by Mon 9 Mar 2026, 10:00 UTC "
                                                 "meanwhile")
    assert tone(order, escalated) == "warning"
    # and once support has decided, the order reads as any paid order again
    assert words(order, "buyer", {**DISPUTE, "state": "resolved"}) == \
        "Paid: the seller refused to cancel and must ship by Mon 9 Mar 2026, 10:00 UTC"


def test_r10_cancellation_requested_counts_down_the_sellers_answer_in_words():
    # given a request the seller must answer within 2 days 23 hours 30 minutes
    order = detail("awaiting_shipment", **PAID, cancellation_request={
        "state": "pending", "respond_by": NOW + 2 * DAY + 23 * HOUR + 30 * MINUTE})
    # then each reader reads who answers, and by when, in words
    assert words(order) == "Cancellation requested: the seller has 2 days 23 hours to answer"
    assert words(order, "seller") == \
        "Cancellation requested: you have 2 days 23 hours to answer, or it is approved by itself"
    assert words(order, "support") == \
        "Cancellation requested: the seller has 2 days 23 hours to answer"
    assert tone(order) == "warning"


def test_r10_a_request_past_its_window_says_it_is_being_approved():
    order = detail("awaiting_shipment", **PAID, cancellation_request={
        "state": "pending", "respond_by": NOW - MINUTE})
    assert words(order) == ("Cancellation requested: the seller did not answer in time, so it "
                            "is being approved")


def test_r13_a_change_request_says_who_answers_or_confirms():
    pending = detail("awaiting_shipment", **PAID, change_request={
        "state": "pending", "respond_by": NOW + 5 * HOUR + 10 * MINUTE})
    assert words(pending) == "Change requested: the seller has 5 hours 10 minutes to answer"
    assert words(pending, "seller") == "Change requested: you have 5 hours 10 minutes to answer"
    dearer = detail("awaiting_shipment", **PAID, change_request={
        "state": "awaiting_charge", "difference": {"amount": 250, "currency": "USD"},
        "confirm_by": NOW + DAY})
    assert words(dearer) == \
        "Change accepted: confirm the extra charge of $2.50 by Tue 3 Mar 2026, 10:00 UTC"
    assert words(dearer, "seller") == ("Change accepted: the buyer confirms the extra charge of "
                                       "$2.50 by Tue 3 Mar 2026, 10:00 UTC")


def test_r17_shipped_gives_the_promised_delivery_day():
    order = detail("awaiting_delivery", **SHIPPED,
                   deadlines=[deadline("promised_delivery", NOW + 60 * DAY)])
    assert words(order) == "Shipped: delivery promised by Fri 1 May 2026"
    assert steps(order) == [("Placed", "done"), ("Paid", "done"), ("Shipped", "current"),
                            ("Delivered", "todo"), ("Completed", "todo")]


def test_r15_delivered_asks_the_buyer_to_confirm_before_it_completes_by_itself():
    order = detail("awaiting_delivery", **SHIPPED, delivered_at=NOW - DAY,
                   deadlines=[deadline("delivery_confirmation", NOW + 14 * DAY)])
    assert words(order) == ("Delivered: confirm receipt, or the order completes by itself on "
                            "Mon 16 Mar 2026, 10:00 UTC")
    assert words(order, "seller") == ("Delivered: the order completes by itself on Mon 16 Mar "
                                      "2026, 10:00 UTC, unless the buyer opens a dispute")
    assert steps(order)[3] == ("Delivered", "current")


def test_r16_shipment_canceled_says_what_the_seller_owes_by_when():
    order = detail("shipment_canceled", **SHIPPED,
                   deadlines=[deadline("shipment_canceled_reply", NOW + 7 * DAY)])
    assert words(order) == \
        "Shipment canceled: the seller must ship again or refund by Mon 9 Mar 2026, 10:00 UTC"
    assert words(order, "seller") == \
        "Shipment canceled: ship again or refund the buyer by Mon 9 Mar 2026, 10:00 UTC"
    assert steps(order) == [("Placed", "done"), ("Paid", "done"), ("Shipped", "done"),
                            ("Shipment canceled", "branch"), ("Delivered", "todo"),
                            ("Completed", "todo")]
    assert tone(order) == "warning"
    # and once the seller's window is over, the buyer may dispute
    assert words(detail("shipment_canceled", **SHIPPED)) == \
        "Shipment canceled: the seller did not ship again or refund you; you can open a dispute"


DISPUTE = {"state": "awaiting_seller", "respond_by": NOW + 14 * DAY + 23 * HOUR,
           "escalate_by": NOW + 7 * DAY, "proposal": {"amount": 1000, "currency": "USD"},
           "return_tracking": ""}


@pytest.mark.parametrize(("state", "buyer", "seller"), [
    ("awaiting_seller", "In dispute: the seller has 14 days 23 hours to answer",
     "In dispute: you have 14 days 23 hours to answer, or the buyer's claim is accepted"),
    ("seller_refused", "In dispute: the seller refused; take it to support, or it goes there "
     "by itself on Mon 9 Mar 2026, 10:00 UTC",
     "In dispute: you refused; it goes to support on Mon 9 Mar 2026, 10:00 UTC, unless the "
     "buyer takes it there sooner"),
    ("seller_proposed", "In dispute: the seller offers $10.00; accept it or take it to "
     "support", "In dispute: you offered $10.00; waiting for the buyer"),
    ("escalated", "In dispute: platform support is deciding",
     "In dispute: platform support is deciding"),
    ("awaiting_return", "In dispute: send the item back; the refund pays out once the seller "
     "has it", "In dispute: the buyer is sending the item back"),
])
def test_r19_r20_in_dispute_says_who_acts_next_to_each_reader(state, buyer, seller):
    order = detail("in_dispute", **SHIPPED, delivered_at=NOW - DAY)
    dispute = {**DISPUTE, "state": state}
    assert words(order, "buyer", dispute) == buyer
    assert words(order, "seller", dispute) == seller
    assert steps(order) == [("Placed", "done"), ("Paid", "done"), ("Shipped", "done"),
                            ("Delivered", "done"), ("In dispute", "branch")]
    assert tone(order, dispute) == "warning"


def test_r18_completed_says_how_long_a_dispute_may_still_be_opened():
    order = detail("completed", **SHIPPED, delivered_at=NOW - 3 * DAY,
                   completed_at=NOW - 2 * DAY, dispute_until=NOW + 13 * DAY)
    assert words(order) == "Completed: you can open a dispute until Sun 15 Mar 2026, 10:00 UTC"
    assert words(order, "seller") == \
        "Completed: buyer protection lasts until Sun 15 Mar 2026, 10:00 UTC"
    assert steps(order)[-1] == ("Completed", "current")
    assert tone(order) == "success"
    assert words({**order, "dispute_until": NOW - DAY}) == "Completed"


# Closed, by close reason and by where its refund is


@pytest.mark.parametrize(("reason", "buyer", "seller"), [
    ("cancelled_by_buyer", "Closed: you cancelled it before paying",
     "Closed: the buyer cancelled it before paying"),
    ("unpaid_timeout", "Closed: not paid in time", "Closed: not paid in time"),
    ("cancelled_on_request", "Closed: cancelled at your request",
     "Closed: cancelled at the buyer's request"),
    ("not_shipped_in_time", "Closed: the seller did not ship in time",
     "Closed: you did not ship in time"),
    ("refunded_shipment_canceled", "Closed: the shipment was canceled",
     "Closed: the shipment was canceled"),
    ("refunded_after_dispute", "Closed: the dispute ended with a refund",
     "Closed: the dispute ended with a refund"),
])
def test_r2_closed_says_why_in_its_readers_words_and_is_no_alarm(reason, buyer, seller):
    order = detail("closed", close_reason=reason)
    assert (words(order), words(order, "seller")) == (buyer, seller)
    assert steps(order) == [("Placed", "done"), ("Closed", "current")]
    assert tone(order) == "neutral"


@pytest.mark.parametrize(("refunds", "buyer", "seller", "tone_"), [
    ([refund("pending")], "Closed: cancelled at your request, your refund is on its way",
     "Closed: cancelled at the buyer's request, the refund is on its way", "neutral"),
    ([refund("processing")], "Closed: cancelled at your request, your refund is on its way",
     "Closed: cancelled at the buyer's request, the refund is on its way", "neutral"),
    ([refund("succeeded")], "Closed: cancelled at your request, refunded",
     "Closed: cancelled at the buyer's request, refunded", "success"),
    ([refund("failed")], "Closed: cancelled at your request, but the refund failed: see below "
     "what to do", "Closed: cancelled at the buyer's request, but the refund failed", "warning"),
    ([refund("failed", retried_by=2), refund("processing")],
     "Closed: cancelled at your request, your refund is on its way",
     "Closed: cancelled at the buyer's request, the refund is on its way", "neutral"),
])
def test_r22_r23_closed_by_request_says_where_the_refund_is(refunds, buyer, seller, tone_):
    order = detail("closed", **PAID, close_reason="cancelled_on_request", refunds=refunds)
    assert (words(order), words(order, "seller")) == (buyer, seller)
    assert tone(order) == tone_
    assert steps(order) == [("Placed", "done"), ("Paid", "done"), ("Closed", "current")]


def test_no_state_is_painted_as_an_alarm():
    # given every state, closed with every refund outcome
    tones = {order_status(detail(state, close_reason="cancelled_on_request",
                                 refunds=[refund(r)]), "buyer", now=NOW)["tone"]
             for state in STATE_LABELS for r in ("pending", "succeeded", "failed")}
    # then none is danger: a refunded order is not an alarm
    assert "danger" not in tones


def test_r20_a_completed_order_with_a_partial_refund_says_where_the_refund_is():
    order = detail("completed", **SHIPPED, completed_at=NOW - DAY,
                   refunds=[refund("pending")])
    assert words(order) == "Completed, your refund is on its way"


# The refund tracker


def test_r23_refund_progress_reads_the_live_refunds_together():
    assert refund_progress([]) is None
    assert refund_progress([refund("succeeded"), refund("pending")]) == "on_its_way"
    assert refund_progress([refund("succeeded")]) == "arrived"
    assert refund_progress([refund("failed"), refund("succeeded")]) == "failed"
    assert refund_progress([refund("failed", retried_by=2), refund("succeeded")]) == "arrived"


@pytest.mark.parametrize(("state", "statuses", "label", "tone_"), [
    ("pending", ["current", "todo", "todo"], "Decided", "info"),
    ("processing", ["done", "current", "todo"], "On its way", "info"),
    ("succeeded", ["done", "done", "current"], "Arrived", "success"),
])
def test_r23_refund_tracker_steps_decided_sent_arrived(state, statuses, label, tone_):
    tracker = refund_tracker({**refund(state), "method": "e_wallet"}, "buyer")
    assert [s["label"] for s in tracker["steps"]] == \
        ["Decided", "Sent to the payment provider", "Arrived"]
    assert [s["status"] for s in tracker["steps"]] == statuses
    assert (tracker["state_label"], tracker["tone"]) == (label, tone_)
    assert tracker["destination"] == "your e-wallet"


def test_r23_a_failed_refund_branches_off_after_it_was_sent():
    tracker = refund_tracker(refund("failed"), "seller")
    assert [(s["label"], s["status"]) for s in tracker["steps"]] == [
        ("Decided", "done"), ("Sent to the payment provider", "done"), ("Failed", "branch")]
    assert (tracker["state_label"], tracker["tone"]) == ("Failed", "warning")
    assert tracker["destination"] == "the buyer's bank card"


# Labels in words


def test_codes_read_in_words_addressed_to_each_reader():
    assert state_label("request", "pending", "buyer") == "Waiting for the seller's answer"
    assert state_label("request", "pending", "seller") == "Waiting for your answer"
    assert state_label("request", "auto_approved", "buyer") == \
        "Approved automatically: the seller did not answer in time"
    assert state_label("request", "withdrawn", "support") == "Withdrawn by the buyer"
    assert state_label("dispute", "seller_proposed", "buyer") == "The seller made an offer"
    assert state_label("dispute", "seller_proposed", "seller") == "You made an offer"
    assert state_label("change", "applied", "buyer") == "Applied"
    assert [payment_method_label(m) for m in ("bank_card", "e_wallet", "bank_transfer")] == \
        ["bank card", "e-wallet", "bank transfer"]


def test_r8_r13_the_cancel_form_points_to_a_change_where_it_fits_better():
    # given the default reasons, with a change open to the buyer, then without
    with_change = {r["code"]: r for r in cancel_reasons(DEFAULT_REASONS, {"request_change"})}
    without = {r["code"]: r for r in cancel_reasons(DEFAULT_REASONS, set())}
    # then the wrong-details reason points to the address change, only while it is possible
    assert with_change["wrong_shipping_details"]["alternative"] == {
        "text": "Wrong shipping details? Change the delivery address instead",
        "href": "#change-form"}
    assert without["wrong_shipping_details"]["alternative"] is None
    # and messaging the seller is always possible
    assert without["seller_not_replying"]["alternative"] == {
        "text": "Not heard back yet? Send the seller a message first", "href": "#message-body"}
    assert with_change["no_longer_needed"]["alternative"] is None
    assert with_change["no_longer_needed"]["explanation"] == \
        "You changed your mind; nothing is wrong with the order."


# The list's next step


def summary(state: str, actions=(), kinds=()) -> dict:
    return {"state": state, "actions": [{"action": a} for a in actions],
            "deadlines": [{"kind": k} for k in kinds]}


@pytest.mark.parametrize(("order", "said"), [
    (summary("awaiting_payment", ["pay", "cancel"]), "Next: pay for the order"),
    (summary("awaiting_shipment", ["request_cancellation"]), "Next: the seller ships it"),
    (summary("awaiting_shipment", ["withdraw_cancellation"]),
     "Next: the seller answers your cancellation request"),
    (summary("awaiting_shipment", ["confirm_extra_charge", "decline_extra_charge"]),
     "Next: confirm or decline the extra charge"),
    (summary("awaiting_delivery", ["confirm_receipt"], ["promised_delivery"]),
     "Next: the parcel arrives, then you confirm receipt"),
    (summary("awaiting_delivery", ["confirm_receipt"], ["delivery_confirmation"]),
     "Next: confirm you received it"),
    (summary("shipment_canceled", ["open_dispute"]),
     "Next: the seller did not help, so you can open a dispute"),
    (summary("shipment_canceled"), "Next: the seller ships it again or refunds you"),
    (summary("in_dispute"), "Next: follow the dispute on the order page"),
    (summary("completed", ["open_dispute"]),
     "Nothing more to do; something wrong? You can still open a dispute"),
    (summary("closed", ["add_to_cart_again"]),
     "Nothing more to do; you can add the items to your cart again"),
    (summary("closed"), "Nothing more to do"),
])
def test_r2_the_list_says_the_next_step_of_each_order(order, said):
    assert next_step(order) == said


@pytest.mark.parametrize(("state", "refunds", "said"), [
    ("closed", [refund("pending")], "Your refund is on its way"),
    ("closed", [refund("succeeded")], "Refunded; nothing more to do"),
    ("closed", [refund("failed")],
     "Next: your refund failed; give renewed payment details on the order page"),
    ("completed", [refund("failed", retried_by=2), refund("processing")],
     "Your refund is on its way"),
])
def test_r23_the_list_says_where_a_closed_orders_refund_is(state, refunds, said):
    assert next_step(summary(state), refunds) == said


def test_a_product_picture_is_drawn_from_its_name_and_colour():
    svg = product_svg("Cotton T-shirt", "navy")
    assert svg.startswith('<svg xmlns="http://www.w3.org/2000/svg"')
    assert 'fill="#24345c"' in svg and ">CT</text>" in svg
    assert product_svg("Cotton T-shirt") == product_svg("Cotton T-shirt")  # same every time
    assert product_svg("Cotton T-shirt") != product_svg("Wool socks")
    assert ">&lt;X</text>" in product_svg("<script> x")  # a name is text, never markup
