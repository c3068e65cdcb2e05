"""The pure decisions: checkout, payment, cancel before and after payment, shipping, refunds,
and the actions a party may take now (R1, R2, R4-R12, R14, R17, R21-R23, R29, R30)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from rescind.domain.actions import (
    ACTION_LABELS,
    Action,
    Party,
    Upcoming,
    available_actions,
)
from rescind.domain.calendar import BusinessCalendar
from rescind.domain.cancellation import (
    cancel_available_from,
    decide_approve_cancellation,
    decide_auto_approve,
    decide_handling_timeout,
    decide_refuse_cancellation,
    decide_request_cancellation,
    decide_ship,
    decide_withdraw_cancellation,
)
from rescind.domain.errors import DomainError, ErrorKind
from rescind.domain.events import (
    CancellationApproved,
    CancellationAutoApproved,
    CancellationRefused,
    CancellationRefusedByShipment,
    CancellationRequested,
    CancellationWithdrawn,
    OrderNotShippedInTime,
    OrderPaid,
    OrderPlaced,
    OrderShipped,
    PriceLowered,
    RefundCreated,
    SupplierReported,
    UnpaidOrderCancelled,
    UnpaidOrderTimedOut,
    responsible_side_of,
)
from rescind.domain.facts import OrderFacts, RequestFacts
from rescind.domain.money import Money
from rescind.domain.ordering import (
    LineDraft,
    OrderDraft,
    decide_cancel_unpaid,
    decide_checkout,
    decide_lower_price,
    decide_pay,
    decide_unpaid_timeout,
    order_placed,
)
from rescind.domain.policy import Policy, Side
from rescind.domain.refunds import (
    PaymentMethod,
    RefundState,
    decide_full_refund,
    decide_refund,
    is_overdue,
    refund_arrive_by,
    refund_start_by,
    retry_delay,
)
from rescind.domain.states import CloseReason, OrderState, Transition

POLICY = Policy()
US = BusinessCalendar("US")
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
SECOND = timedelta(seconds=1)
# Monday 2 March 2026, 10:00 UTC: no US holiday within three weeks either side.
T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
# Wednesday 1 July 2026, 10:00 UTC: Friday 3 July is Independence Day (observed).
JULY_1 = datetime(2026, 7, 1, 10, 0, tzinfo=UTC)


def usd(amount: int) -> Money:
    return Money(amount, "USD")


def unpaid(**changes) -> OrderFacts:
    """An order placed at T0 for 28.00 USD and not paid."""
    facts = {
        "state": OrderState.AWAITING_PAYMENT,
        "placed_at": T0,
        "total": usd(2800),
        "refunded": usd(0),
        "payment_method": "bank_card",
    }
    return OrderFacts(**{**facts, **changes})


def paid(**changes) -> OrderFacts:
    """An order placed and paid at T0 for 28.00 USD, awaiting shipment, handling until 11 March."""
    facts = {
        "state": OrderState.AWAITING_SHIPMENT,
        "paid_at": T0,
        "ship_by": datetime(2026, 3, 11, 10, 0, tzinfo=UTC),
    }
    return unpaid(**{**facts, **changes})


def pending_request(reason: str = "no_longer_needed", side: Side = Side.BUYER) -> RequestFacts:
    """A request made 25 h after payment at T0; the seller must answer within 72 h."""
    return RequestFacts(reason=reason, side=side, requested_at=T0 + 25 * HOUR,
                        respond_by=T0 + 97 * HOUR)


def requested(**changes) -> OrderFacts:
    return paid(pending_request=pending_request(), **changes)


def refuses(code: str, call, *args, **kwargs) -> DomainError:
    with pytest.raises(DomainError) as caught:
        call(*args, **kwargs)
    assert caught.value.code == code
    return caught.value


# R1 checkout


def line(product_id: int, price: int = 1250, quantity: int = 1, currency: str = "USD"):
    return LineDraft(product_id=product_id, product_name=f"P{product_id}", options={},
                     quantity=quantity, unit_price=Money(price, currency))


def test_r1_checkout_makes_one_order_per_store_in_store_order():
    # given lines from store 20, store 10 and store 20 again
    lines = [line(1, 1250, 2), line(2, 725, 1), line(3, 100, 3)]
    store_of = {1: 20, 2: 10, 3: 20}
    fees = {10: usd(0), 20: usd(300)}
    # when the checkout is decided
    drafts = decide_checkout(lines, store_of=store_of, shipping_fees=fees)
    # then there is one draft per store, sorted by store, each with its lines and fee
    assert [d.store_id for d in drafts] == [10, 20]
    assert drafts[0] == OrderDraft(store_id=10, lines=(lines[1],), shipping_fee=usd(0))
    assert drafts[1] == OrderDraft(store_id=20, lines=(lines[0], lines[2]), shipping_fee=usd(300))
    # and each total is lines times quantity plus shipping, exact to the cent
    assert [d.total for d in drafts] == [usd(725), usd(2 * 1250 + 3 * 100 + 300)]


def test_r1_empty_checkout_is_refused():
    # given no lines
    # when the checkout is decided
    # then it is refused as invalid
    error = refuses("empty_checkout", decide_checkout, [], store_of={}, shipping_fees={})
    assert error.kind is ErrorKind.INVALID


def test_r1_r3_checkout_in_two_currencies_is_refused():
    # given a USD line and a EUR line
    lines = [line(1), line(2, currency="EUR")]
    # when the checkout is decided
    error = refuses("mixed_currencies", decide_checkout, lines, store_of={1: 1, 2: 1},
                    shipping_fees={1: usd(0)})
    # then the currencies are listed
    assert error.details == {"currencies": ["EUR", "USD"]}


@pytest.mark.parametrize("quantity", [0, -1, 1000])
def test_r1_checkout_quantity_out_of_range_is_refused(quantity):
    # given a line with a quantity outside 1..999
    # when the checkout is decided
    error = refuses("bad_quantity", decide_checkout, [line(7, quantity=quantity)],
                    store_of={7: 1}, shipping_fees={1: usd(0)})
    # then the product is named
    assert error.details == {"product_id": 7}


def test_r5_order_placed_must_be_paid_within_20_days():
    # given a draft of 2 x 12.50 + 3.00 shipping
    draft = OrderDraft(store_id=1, lines=(line(1, 1250, 2),), shipping_fee=usd(300))
    # when it is placed at T0
    event = order_placed(draft, now=T0, policy=POLICY)
    # then its total is 28.00 USD and it must be paid by T0 + 20 days
    assert event == OrderPlaced(total=usd(2800), pay_by=T0 + 20 * DAY)


# Payment (R7, R12)


def test_r7_r12_payment_starts_the_handling_time_and_the_cancel_countdown():
    # given an unpaid order
    # when it is paid at T0 (Monday 2 March) by bank card
    event = decide_pay(unpaid(), method="bank_card", now=T0, policy=POLICY, calendar=US)
    # then it must ship within 7 working days (Wed 11 March) and cancel opens 24 h later
    assert event == OrderPaid(
        amount=usd(2800),
        method="bank_card",
        ship_by=datetime(2026, 3, 11, 10, 0, tzinfo=UTC),
        cancel_available_from=T0 + 24 * HOUR,
    )
    assert event.transition is Transition.PAY


def test_r12_handling_time_skips_the_independence_day_weekend():
    # given an unpaid order
    # when it is paid on Wednesday 1 July 2026
    event = decide_pay(unpaid(), method="e_wallet", now=JULY_1, policy=POLICY, calendar=US)
    # then 2, 6, 7, 8, 9, 10, 13 July are the 7 working days: ship by Monday 13 July
    assert event.ship_by == datetime(2026, 7, 13, 10, 0, tzinfo=UTC)


def test_r2_paying_a_paid_order_is_refused():
    # given an order that is paid already
    # when it is paid again
    # then the lifecycle refuses it
    refuses("transition_not_allowed", decide_pay, paid(), method="bank_card", now=T0,
            policy=POLICY, calendar=US)


# R4 free cancel before payment


def test_r4_unpaid_order_is_cancelled_at_once_with_no_penalty():
    # given an unpaid order
    # when the buyer cancels it
    event = decide_cancel_unpaid(unpaid())
    # then it closes by the buyer's cancel, and counts against no one
    assert event == UnpaidOrderCancelled()
    assert event.transition is Transition.CANCEL_UNPAID
    assert responsible_side_of(event) is None


def test_r4_paid_order_cannot_be_cancelled_at_once():
    # given a paid order
    # when the buyer tries the free cancel
    error = refuses("order_already_paid", decide_cancel_unpaid, paid())
    # then it is refused: a paid order needs a request
    assert error.details == {"state": "awaiting_shipment"}


def test_r4_closed_unpaid_order_cannot_be_cancelled_again():
    # given an unpaid order that has closed already
    order = unpaid(state=OrderState.CLOSED, close_reason=CloseReason.UNPAID_TIMEOUT)
    # when the buyer cancels it
    # then the lifecycle refuses it
    refuses("transition_not_allowed", decide_cancel_unpaid, order)


# R5 unpaid timeout


def test_r5_unpaid_timeout_is_not_due_before_20_days():
    # given an order placed at T0 and still unpaid
    # when the timeout is checked one second before T0 + 20 days
    error = refuses("not_due", decide_unpaid_timeout, unpaid(), now=T0 + 20 * DAY - SECOND,
                    policy=POLICY)
    # then it is not due, and says when it will be
    assert error.details == {"due_at": "2026-03-22T10:00:00+00:00"}


def test_r5_r6_unpaid_order_times_out_at_20_days_with_no_penalty():
    # given an order placed at T0 and still unpaid
    # when the timeout is checked at exactly T0 + 20 days
    event = decide_unpaid_timeout(unpaid(), now=T0 + 20 * DAY, policy=POLICY)
    # then the order closes by itself, counting against no one
    assert event == UnpaidOrderTimedOut()
    assert event.transition is Transition.CLOSE_UNPAID_TIMEOUT
    assert responsible_side_of(event) is None


def test_r5_paid_order_never_times_out_as_unpaid():
    # given a paid order long past 20 days
    # when the timeout is checked
    # then the lifecycle refuses it
    refuses("transition_not_allowed", decide_unpaid_timeout, paid(), now=T0 + 30 * DAY,
            policy=POLICY)


# R6 lower the price


def test_r6_r3_lower_price_spreads_the_reduction_exactly_over_the_parts():
    # given an unpaid order of 25.00 of lines and 3.00 shipping (28.00 USD)
    # when the seller lowers it to 25.00
    event, shares = decide_lower_price(unpaid(), new_total=usd(2500), part_totals=[2500, 300],
                                       note="Sorry for the wait")
    # then the 3.00 reduction is shared 2.68 / 0.32, which adds up to the cent
    assert event == PriceLowered(old_total=usd(2800), new_total=usd(2500),
                                 note="Sorry for the wait")
    assert shares == [268, 32]
    assert sum(shares) == 300


def test_r6_lower_price_note_is_cut_at_500_characters():
    # given a very long note
    # when the price is lowered
    event, _shares = decide_lower_price(unpaid(), new_total=usd(2700), part_totals=[2800],
                                        note="x" * 600)
    # then the note keeps its first 500 characters
    assert event.note == "x" * 500


@pytest.mark.parametrize("new_amount", [2800, 2900, 0, -100])
def test_r6_new_price_must_be_lower_and_above_zero(new_amount):
    # given an unpaid order of 28.00 USD
    # when the seller sets a price that is not lower, or not above zero
    error = refuses("price_not_lower", decide_lower_price, unpaid(), new_total=usd(new_amount),
                    part_totals=[2800], note="")
    # then it is refused as invalid, naming the current total
    assert error.kind is ErrorKind.INVALID
    assert error.message == "The new price must be above zero and below $28.00."
    assert error.details == {"current_total": {"amount": 2800, "currency": "USD"}}


def test_r6_r3_new_price_in_another_currency_is_refused():
    # given an unpaid USD order
    # when the seller sets a EUR price
    # then it is refused
    refuses("currency_mismatch", decide_lower_price, unpaid(), new_total=Money(2000, "EUR"),
            part_totals=[2800], note="")


def test_r6_price_cannot_be_lowered_after_payment():
    # given a paid order
    # when the seller lowers the price
    error = refuses("price_change_not_allowed", decide_lower_price, paid(), new_total=usd(2000),
                    part_totals=[2800], note="")
    # then it is refused, naming the state
    assert error.details == {"state": "awaiting_shipment"}


# R7-R9 the cancellation request


def test_r7_cancel_request_before_24_hours_is_not_yet_available():
    # given an order paid at T0
    # when the buyer asks to cancel one second before T0 + 24 h
    error = refuses("cancel_not_yet_available", decide_request_cancellation, paid(),
                    reason="no_longer_needed", report_supplier=False,
                    now=T0 + 24 * HOUR - SECOND, policy=POLICY)
    # then it is refused, saying when it becomes available
    assert error.details == {"available_from": "2026-03-03T10:00:00+00:00"}


def test_r7_r10_cancel_request_after_24_hours_gives_the_seller_72_hours():
    # given an order paid at T0
    now = T0 + 24 * HOUR
    # when the buyer asks to cancel at exactly T0 + 24 h, without reporting the supplier
    events = decide_request_cancellation(paid(), reason="no_longer_needed",
                                         report_supplier=False, now=now, policy=POLICY)
    # then one request is made, attributed to the buyer, due an answer by now + 72 h
    assert events == [
        CancellationRequested(reason="no_longer_needed", side=Side.BUYER, report_supplier=False,
                              respond_by=now + 72 * HOUR)
    ]


def test_r9_reporting_the_supplier_adds_a_report_beside_the_request():
    # given an order paid at T0
    now = T0 + 30 * HOUR
    # when the buyer asks to cancel and answers yes to reporting the supplier
    events = decide_request_cancellation(paid(), reason="seller_asked_to_cancel",
                                         report_supplier=True, now=now, policy=POLICY)
    # then the request is followed by a supplier report with the same reason
    assert events == [
        CancellationRequested(reason="seller_asked_to_cancel", side=Side.SELLER,
                              report_supplier=True, respond_by=now + 72 * HOUR),
        SupplierReported(reason="seller_asked_to_cancel"),
    ]


@pytest.mark.parametrize(
    ("reason", "side"),
    [("ordered_wrong_item", Side.BUYER), ("out_of_stock", Side.SELLER),
     ("duplicate_system_order", Side.PLATFORM)],
)
def test_r8_request_carries_the_side_of_its_reason(reason, side):
    # given an order paid at T0
    # when the buyer asks to cancel with a reason
    events = decide_request_cancellation(paid(), reason=reason, report_supplier=False,
                                         now=T0 + 2 * DAY, policy=POLICY)
    # then the request is attributed to the reason's side
    assert events[0].side is side


def test_r8_request_with_an_unknown_reason_is_refused():
    # given an order paid at T0
    # when the buyer gives a reason not on the list
    # then it is refused
    refuses("unknown_reason", decide_request_cancellation, paid(), reason="bored",
            report_supplier=False, now=T0 + 2 * DAY, policy=POLICY)


def test_r10_request_window_follows_the_policy():
    # given the alternative 14-day response window
    policy = Policy(r10_seller_response_window=14 * DAY)
    now = T0 + 2 * DAY
    # when the buyer asks to cancel
    events = decide_request_cancellation(paid(), reason="no_longer_needed",
                                         report_supplier=False, now=now, policy=policy)
    # then the seller must respond within 14 days
    assert events[0].respond_by == now + 14 * DAY


def test_r4_r7_unpaid_order_needs_no_request():
    # given an unpaid order
    # when the buyer asks to cancel through a request
    # then it is refused: the free cancel applies instead
    refuses("order_not_paid", decide_request_cancellation, unpaid(), reason="no_longer_needed",
            report_supplier=False, now=T0 + 2 * DAY, policy=POLICY)


def test_r7_second_request_while_one_is_pending_is_refused():
    # given an order with a pending request
    # when the buyer asks again
    # then it is refused
    refuses("request_already_pending", decide_request_cancellation, requested(),
            reason="no_longer_needed", report_supplier=False, now=T0 + 2 * DAY, policy=POLICY)


@pytest.mark.parametrize(
    "state",
    [OrderState.AWAITING_DELIVERY, OrderState.SHIPMENT_CANCELED, OrderState.IN_DISPUTE,
     OrderState.COMPLETED],
)
def test_r17_shipped_order_cannot_be_cancelled(state):
    # given an order that has shipped
    # when the buyer asks to cancel
    error = refuses("cancellation_not_available", decide_request_cancellation, paid(state=state),
                    reason="no_longer_needed", report_supplier=False, now=T0 + 2 * DAY,
                    policy=POLICY)
    # then it is refused, pointing to a message or a dispute
    assert error.details == {"state": state.value}
    assert error.message == ("Once an order has shipped it cannot be cancelled: message the "
                             "seller or open a dispute instead.")


def test_r7_closed_order_cannot_be_cancelled():
    # given a paid order that closed already
    order = paid(state=OrderState.CLOSED, close_reason=CloseReason.CANCELLED_ON_REQUEST)
    # when the buyer asks to cancel
    error = refuses("cancellation_not_available", decide_request_cancellation, order,
                    reason="no_longer_needed", report_supplier=False, now=T0 + 2 * DAY,
                    policy=POLICY)
    # then it says the order is closed
    assert error.message == "This order is closed already."


def test_r7_cancel_available_from_is_24_hours_after_payment_or_none():
    # given a paid and an unpaid order
    # when the cancel opening is computed
    # then it is payment + 24 h, or nothing for an unpaid order
    assert cancel_available_from(paid(), POLICY) == T0 + 24 * HOUR
    assert cancel_available_from(unpaid(), POLICY) is None


# R10, R11 the seller decides


def test_r10_r22_seller_approval_closes_with_a_full_refund():
    # given an order paid at T0 by bank card with a pending request
    now = datetime(2026, 3, 4, 10, 0, tzinfo=UTC)  # Wednesday
    # when the seller approves with a note
    events = decide_approve_cancellation(requested(), note="OK", now=now, policy=POLICY,
                                         calendar=US)
    # then the request is approved and all 28.00 go back to the card within 15 working days
    assert events == [
        CancellationApproved(reason="no_longer_needed", side=Side.BUYER, note="OK"),
        RefundCreated(amount=usd(2800), method="bank_card",
                      arrive_by=datetime(2026, 3, 25, 10, 0, tzinfo=UTC)),
    ]
    assert events[0].transition is Transition.APPROVE_CANCELLATION


def test_r10_approval_without_a_pending_request_is_refused():
    # given a paid order with no request
    # when the seller approves
    # then it is refused
    refuses("no_pending_request", decide_approve_cancellation, paid(), note="", now=T0 + 2 * DAY,
            policy=POLICY, calendar=US)


def test_r11_refusal_keeps_the_order_and_needs_a_note():
    # given an order with a pending request
    # when the seller refuses with a note padded by spaces
    events = decide_refuse_cancellation(requested(), note="  Already packed  ")
    # then the refusal carries the trimmed note and moves the order nowhere
    assert events == [CancellationRefused(note="Already packed")]
    assert events[0].transition is None


def test_r11_refusal_without_a_note_is_refused():
    # given an order with a pending request
    # when the seller refuses with a blank note
    error = refuses("note_required", decide_refuse_cancellation, requested(), note="   ")
    # then it is invalid input
    assert error.kind is ErrorKind.INVALID


def test_r11_withdrawal_keeps_the_order_awaiting_shipment():
    # given an order with a pending request
    # when the buyer withdraws it
    events = decide_withdraw_cancellation(requested())
    # then it is withdrawn and the order does not move
    assert events == [CancellationWithdrawn()]
    assert events[0].transition is None
    refuses("no_pending_request", decide_withdraw_cancellation, paid())


def test_r10_auto_approval_is_not_due_before_the_window_ends():
    # given a request due an answer by T0 + 97 h
    # when the platform checks one second before
    error = refuses("not_due", decide_auto_approve, requested(), now=T0 + 97 * HOUR - SECOND,
                    policy=POLICY, calendar=US)
    # then it is not due, and says until when the seller may answer
    assert error.details == {"respond_by": "2026-03-06T11:00:00+00:00"}


def test_r10_silence_approves_at_the_end_of_the_window_with_a_full_refund():
    # given a request due an answer by T0 + 97 h (Friday 6 March, 11:00)
    respond_by = T0 + 97 * HOUR
    # when the platform checks at exactly that instant
    events = decide_auto_approve(requested(), now=respond_by, policy=POLICY, calendar=US)
    # then the request is approved by silence and the whole 28.00 is refunded to the card
    assert events == [
        CancellationAutoApproved(reason="no_longer_needed", side=Side.BUYER,
                                 respond_by=respond_by),
        RefundCreated(amount=usd(2800), method="bank_card",
                      arrive_by=datetime(2026, 3, 27, 11, 0, tzinfo=UTC)),
    ]


def test_r10_r22_silence_refunds_only_what_was_not_refunded_yet():
    # given a 28.00 order already refunded 5.00, paid by e-wallet, with a pending request
    order = requested(refunded=usd(500), payment_method="e_wallet")
    now = T0 + 5 * DAY
    # when silence approves it
    events = decide_auto_approve(order, now=now, policy=POLICY, calendar=US)
    # then 23.00 go back to the e-wallet within 7 days
    assert events[1] == RefundCreated(amount=usd(2300), method="e_wallet", arrive_by=now + 7 * DAY)


# R14 ship vs. cancel race


def test_r14_shipping_refuses_a_pending_request_on_the_timeline():
    # given an order with a pending request
    # when the seller ships it
    events = decide_ship(requested(), carrier=" UPS ", tracking_number=" 1Z999 ",
                         now=T0 + 2 * DAY, policy=POLICY)
    # then the request is refused by the shipment, then the order ships (trimmed tracking),
    # promising delivery within 60 days (R17)
    assert events == [
        CancellationRefusedByShipment(),
        OrderShipped(carrier="UPS", tracking_number="1Z999", deliver_by=T0 + 62 * DAY),
    ]
    assert [e.transition for e in events] == [None, Transition.SHIP]


def test_r14_r15_shipping_without_a_request_only_ships():
    # given an order awaiting shipment with no request
    # when the seller ships it
    # then only the shipment happens
    assert decide_ship(paid(), carrier="DHL", tracking_number="JD0001", now=T0 + DAY,
                       policy=POLICY) == [
        OrderShipped(carrier="DHL", tracking_number="JD0001", deliver_by=T0 + 61 * DAY)
    ]


@pytest.mark.parametrize(("carrier", "tracking"), [("", "1Z"), ("UPS", "   "), (" ", " ")])
def test_r15_shipping_needs_a_carrier_and_a_tracking_number(carrier, tracking):
    # given a missing carrier or tracking number
    # when the seller ships
    error = refuses("tracking_required", decide_ship, paid(), carrier=carrier,
                    tracking_number=tracking, now=T0, policy=POLICY)
    # then it is invalid input
    assert error.kind is ErrorKind.INVALID


def test_r15_tracking_longer_than_64_characters_is_refused():
    # given a 65-character tracking number (64 is fine)
    # when the seller ships
    # then only the too-long one is refused
    refuses("tracking_too_long", decide_ship, paid(), carrier="UPS", tracking_number="9" * 65,
            now=T0, policy=POLICY)
    assert decide_ship(paid(), carrier="UPS", tracking_number="9" * 64, now=T0,
                       policy=POLICY)[0].tracking_number == "9" * 64


def test_r14_r10_auto_approval_after_shipping_loses_the_race():
    # given an order that shipped while a request was still recorded as pending
    order = requested(state=OrderState.AWAITING_DELIVERY)
    # when the platform's silence check runs after the window
    error = refuses("transition_not_allowed", decide_auto_approve, order, now=T0 + 10 * DAY,
                    policy=POLICY, calendar=US)
    # then it loses with a conflict naming the state
    assert error.kind is ErrorKind.CONFLICT
    assert error.details == {"state": "awaiting_delivery", "transition": "approve_cancellation"}


def test_r14_shipping_after_approval_loses_the_race():
    # given an order closed by an approved request
    order = paid(state=OrderState.CLOSED, close_reason=CloseReason.CANCELLED_ON_REQUEST)
    # when the seller then ships it
    # then the shipment is refused
    refuses("transition_not_allowed", decide_ship, order, carrier="UPS", tracking_number="1Z",
            now=T0, policy=POLICY)


def test_r14_approval_after_shipping_loses_the_race():
    # given a shipped order with a stale pending request
    order = requested(state=OrderState.AWAITING_DELIVERY)
    # when the seller approves or refuses it
    # then both are refused by the lifecycle
    refuses("transition_not_allowed", decide_approve_cancellation, order, note="",
            now=T0 + 2 * DAY, policy=POLICY, calendar=US)
    refuses("transition_not_allowed", decide_refuse_cancellation, order, note="no")


# R12 handling time


def test_r12_handling_timeout_is_not_due_before_ship_by():
    # given an order that must ship by Wednesday 11 March 10:00
    # when the platform checks one second before
    # then it is not due
    refuses("not_due", decide_handling_timeout, paid(), now=datetime(2026, 3, 11, 9, 59, 59,
            tzinfo=UTC), policy=POLICY, calendar=US)


def test_r12_r30_not_shipped_in_time_closes_with_full_refund_against_the_seller():
    # given an order that had to ship by Wednesday 11 March 10:00, paid by e-wallet
    ship_by = datetime(2026, 3, 11, 10, 0, tzinfo=UTC)
    # when the platform checks at that instant
    events = decide_handling_timeout(paid(payment_method="e_wallet"), now=ship_by, policy=POLICY,
                                     calendar=US)
    # then the order closes, counted against the seller, with all 28.00 back in 7 days
    assert events == [
        OrderNotShippedInTime(ship_by=ship_by),
        RefundCreated(amount=usd(2800), method="e_wallet", arrive_by=ship_by + 7 * DAY),
    ]
    assert events[0].transition is Transition.CLOSE_NOT_SHIPPED
    assert responsible_side_of(events[0]) is Side.SELLER


def test_r12_handling_timeout_without_a_ship_by_is_never_due():
    # given a paid order with no handling deadline recorded
    # when the platform checks
    # then it is not due
    refuses("not_due", decide_handling_timeout, paid(ship_by=None), now=T0 + 100 * DAY,
            policy=POLICY, calendar=US)


# R8, R30 who a closing counts against


@pytest.mark.parametrize(
    ("side", "expected"),
    [(Side.BUYER, Side.BUYER), (Side.SELLER, Side.SELLER), (Side.PLATFORM, Side.PLATFORM)],
)
def test_r8_r30_an_approved_request_counts_against_its_reasons_side(side, expected):
    # given approvals by the seller and by silence for a reason of one side
    approved = CancellationApproved(reason="r", side=side, note="")
    silent = CancellationAutoApproved(reason="r", side=side, respond_by=T0)
    # when their responsible side is read
    # then it is the reason's side
    assert responsible_side_of(approved) is expected
    assert responsible_side_of(silent) is expected


# R21-R23 refunds


def test_r22_refund_above_the_charge_is_refused():
    # given a 28.00 order already refunded 20.00
    order = paid(refunded=usd(2000))
    # when a refund of 8.01 is decided
    error = refuses("refund_exceeds_charge", decide_refund, order, amount=usd(801), now=T0,
                    policy=POLICY, calendar=US)
    # then it is refused, with what was charged, refunded and asked
    assert error.details == {
        "charged": {"amount": 2800, "currency": "USD"},
        "refunded": {"amount": 2000, "currency": "USD"},
        "requested": {"amount": 801, "currency": "USD"},
    }
    assert error.message == "Refunds would total more than the $28.00 charged."


def test_r22_r21_refund_up_to_the_charge_goes_to_the_payment_method():
    # given a 28.00 order paid by e-wallet, already refunded 20.00
    order = paid(refunded=usd(2000), payment_method="e_wallet")
    # when exactly the remaining 8.00 is refunded
    event = decide_refund(order, amount=usd(800), now=T0, policy=POLICY, calendar=US)
    # then it is accepted, back to the e-wallet
    assert event == RefundCreated(amount=usd(800), method="e_wallet", arrive_by=T0 + 7 * DAY)


def test_r22_fully_refunded_order_has_nothing_left_to_refund():
    # given a 28.00 order refunded in full
    order = paid(refunded=usd(2800))
    # when a full refund is decided again
    error = refuses("nothing_to_refund", decide_full_refund, order, now=T0, policy=POLICY,
                    calendar=US)
    # then nothing is refunded twice
    assert error.details == {"refunded": {"amount": 2800, "currency": "USD"}}
    assert order.refundable == usd(0)


def test_r22_unpaid_order_has_nothing_to_refund():
    # given an unpaid order
    # when a refund is decided
    # then it is refused, and its refundable amount is zero
    refuses("order_not_paid", decide_refund, unpaid(), amount=usd(100), now=T0, policy=POLICY,
            calendar=US)
    assert unpaid().refundable == usd(0)


def test_r22_r3_refund_in_another_currency_is_refused():
    # given a USD order
    # when a EUR refund is decided
    # then it is refused as a currency mismatch
    refuses("currency_mismatch", decide_refund, paid(), amount=Money(100, "EUR"), now=T0,
            policy=POLICY, calendar=US)


def test_r23_ewallet_refund_arrives_within_7_calendar_days():
    # given a decision on Wednesday 1 July 2026 (a holiday and weekend follow)
    # when the e-wallet deadline is computed
    # then it is 7 calendar days later: Wednesday 8 July, 10:00
    assert refund_arrive_by(PaymentMethod.E_WALLET, decided_at=JULY_1, policy=POLICY,
                            calendar=US) == datetime(2026, 7, 8, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize("method", [PaymentMethod.BANK_CARD, PaymentMethod.BANK_TRANSFER])
def test_r23_bank_refund_arrives_within_15_working_days(method):
    # given a decision on Wednesday 1 July 2026
    # when the bank deadline is computed
    # then 15 working days skip Fri 3 July (observed holiday) and weekends: Thursday 23 July
    assert refund_arrive_by(method, decided_at=JULY_1, policy=POLICY,
                            calendar=US) == datetime(2026, 7, 23, 10, 0, tzinfo=UTC)


def test_r23_refund_starts_within_one_working_day():
    # given a decision on Thursday 2 July 2026, before the observed holiday
    decided = datetime(2026, 7, 2, 16, 0, tzinfo=UTC)
    # when the start deadline is computed
    # then it is Monday 6 July, same time
    assert refund_start_by(decided_at=decided, policy=POLICY, calendar=US) == datetime(
        2026, 7, 6, 16, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("attempt", "delay"),
    [
        (0, timedelta(seconds=30)),
        (1, timedelta(seconds=30)),
        (2, timedelta(seconds=60)),
        (3, timedelta(minutes=2)),
        (7, timedelta(seconds=1920)),
        (8, timedelta(hours=1)),
        (20, timedelta(hours=1)),
        (42, timedelta(hours=1)),
    ],
)
def test_r23_retry_delay_doubles_from_30_seconds_capped_at_one_hour(attempt, delay):
    # given a failed gateway attempt
    # when the next delay is computed
    # then it doubles from 30 s and never exceeds one hour
    assert retry_delay(attempt) == delay


@pytest.mark.parametrize(
    ("state", "now_offset", "overdue"),
    [
        (RefundState.PROCESSING, SECOND, True),
        (RefundState.PENDING, SECOND, True),
        # A refund that failed for good is not on its way: it waits for support's retry,
        # listed as failed rather than overdue (R23).
        (RefundState.FAILED, SECOND, False),
        (RefundState.PROCESSING, timedelta(0), False),
        (RefundState.PROCESSING, -SECOND, False),
        (RefundState.SUCCEEDED, 10 * DAY, False),
    ],
)
def test_r23_refund_not_arrived_after_its_deadline_is_overdue(state, now_offset, overdue):
    # given a refund due to arrive by JULY_1
    # when it is checked at a moment around the deadline
    # then only one still on its way, after the deadline, is overdue
    assert is_overdue(state, JULY_1, JULY_1 + now_offset) is overdue


# R2, R5, R7 available actions


def test_r2_r4_buyer_of_an_unpaid_order_may_pay_or_cancel():
    # given an unpaid order
    # when the buyer's actions are listed
    # then they are pay and cancel, with nothing upcoming
    assert available_actions(unpaid(), Party.BUYER, now=T0, policy=POLICY) == (
        [Action.PAY, Action.CANCEL], [])


def test_r2_r6_seller_of_an_unpaid_order_may_lower_the_price():
    # given an unpaid order
    # when the seller's actions are listed
    # then lowering the price is the one action
    assert available_actions(unpaid(), Party.SELLER, now=T0, policy=POLICY) == (
        [Action.LOWER_PRICE], [])


def test_r2_r7_buyer_sees_the_cancel_request_as_upcoming_before_24_hours():
    # given an order paid at T0
    # when the buyer's actions are listed at T0 + 23 h
    actions = available_actions(paid(), Party.BUYER, now=T0 + 23 * HOUR, policy=POLICY)
    # then only a change request (R13) is available yet and the cancel request opens at T0 + 24 h
    assert actions == ([Action.REQUEST_CHANGE],
                       [Upcoming(Action.REQUEST_CANCELLATION, T0 + 24 * HOUR)])


def test_r2_r7_buyer_may_request_cancellation_from_24_hours():
    # given an order paid at T0
    # when the buyer's actions are listed at exactly T0 + 24 h
    # then requesting cancellation is available, beside a change request (R13)
    assert available_actions(paid(), Party.BUYER, now=T0 + 24 * HOUR, policy=POLICY) == (
        [Action.REQUEST_CANCELLATION, Action.REQUEST_CHANGE], [])


def test_r2_r11_buyer_with_a_pending_request_may_withdraw_it():
    # given an order with a pending request
    # when the buyer's actions are listed
    # then withdrawing the request is the one action
    assert available_actions(requested(), Party.BUYER, now=T0 + 2 * DAY, policy=POLICY) == (
        [Action.WITHDRAW_CANCELLATION], [])


def test_r2_r10_r14_seller_with_a_pending_request_may_approve_refuse_or_ship():
    # given an order with a pending request
    # when the seller's actions are listed
    # then approve, refuse and ship are available
    assert available_actions(requested(), Party.SELLER, now=T0 + 2 * DAY, policy=POLICY) == (
        [Action.APPROVE_CANCELLATION, Action.REFUSE_CANCELLATION, Action.SHIP], [])


def test_r2_r15_seller_of_a_paid_order_may_ship():
    # given a paid order with no request
    # when the seller's actions are listed
    # then shipping is the one action
    assert available_actions(paid(), Party.SELLER, now=T0, policy=POLICY) == ([Action.SHIP], [])


@pytest.mark.parametrize("close_reason", [CloseReason.UNPAID_TIMEOUT,
                                          CloseReason.CANCELLED_BY_BUYER])
def test_r5_closed_unpaid_order_offers_add_to_cart_again_instead_of_pay(close_reason):
    # given an unpaid order that closed
    order = unpaid(state=OrderState.CLOSED, close_reason=close_reason)
    # when the buyer's actions are listed
    # then "add to cart again" replaces "pay now"
    assert available_actions(order, Party.BUYER, now=T0 + 21 * DAY, policy=POLICY) == (
        [Action.ADD_TO_CART_AGAIN], [])
    assert ACTION_LABELS[Action.ADD_TO_CART_AGAIN] == "Add to cart again"


def test_r2_closed_paid_order_offers_the_buyer_nothing():
    # given a paid order closed on request
    order = paid(state=OrderState.CLOSED, close_reason=CloseReason.CANCELLED_ON_REQUEST)
    # when the buyer's and the seller's actions are listed
    # then neither has an action
    for party in (Party.BUYER, Party.SELLER):
        assert available_actions(order, party, now=T0 + 5 * DAY, policy=POLICY) == ([], [])


@pytest.mark.parametrize("party", [Party.SUPPORT, Party.CARRIER, Party.PLATFORM])
def test_r2_other_parties_have_no_order_actions(party):
    # given an order with a pending request
    # when support, a carrier or the platform list their actions
    # then these decisions are not theirs through this list
    assert available_actions(requested(), party, now=T0 + 2 * DAY, policy=POLICY) == ([], [])


def test_r2_every_action_has_a_label():
    # given the list of actions
    # when their labels are read
    # then each has one, and the buyer's two cancels read the same
    assert set(ACTION_LABELS) == set(Action)
    assert ACTION_LABELS[Action.CANCEL] == ACTION_LABELS[Action.REQUEST_CANCELLATION]


# R29 timeline entries


def test_r29_event_params_are_the_json_form_of_its_fields():
    # given a refund created event
    event = RefundCreated(amount=usd(2800), method="bank_card",
                          arrive_by=datetime(2026, 3, 25, 10, 0, tzinfo=UTC))
    # when its kind and params are read for the timeline
    # then money, instants and enums are JSON-ready
    assert event.kind == "RefundCreated"
    assert event.params() == {
        "amount": {"amount": 2800, "currency": "USD"},
        "method": "bank_card",
        "arrive_by": "2026-03-25T10:00:00+00:00",
    }
    request = CancellationRequested(reason="out_of_stock", side=Side.SELLER,
                                    report_supplier=True, respond_by=T0)
    assert request.params() == {"reason": "out_of_stock", "side": "seller",
                                "report_supplier": True,
                                "respond_by": "2026-03-02T10:00:00+00:00"}
    assert CancellationRefusedByShipment().params() == {}


def test_r23_retry_delay_stays_capped_however_many_attempts():
    # given a gateway that has failed for days, when the delay is computed, then it is 1 h
    from rescind.domain.refunds import retry_delay as delay

    assert [delay(n) for n in (8, 43, 1000)] == [timedelta(hours=1)] * 3
