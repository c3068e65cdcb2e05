"""The pure decisions of a change request before shipment: what it costs, to the cent, and how
the seller, the buyer, silence, shipping and a cancellation request end it (R3, R13, R14, R22)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rescind.domain.actions import Action, Party, available_actions
from rescind.domain.calendar import BusinessCalendar
from rescind.domain.cancellation import decide_request_cancellation, decide_ship
from rescind.domain.changes import (
    LineChange,
    LineFacts,
    ProductOffer,
    decide_change_accept,
    decide_change_refuse,
    decide_change_request,
    decide_change_silence,
    decide_change_withdraw,
    decide_charge_captured,
    decide_charge_decline,
    decide_extra_charge,
    discounts_kept,
)
from rescind.domain.errors import DomainError, ErrorKind
from rescind.domain.events import (
    CancellationRequested,
    ChangeAccepted,
    ChangeApplied,
    ChangeAutoRefused,
    ChangeRefused,
    ChangeRefusedByShipment,
    ChangeRequested,
    ChangeSuperseded,
    ChangeWithdrawn,
    ExtraCharged,
    ExtraChargeDeclined,
    ExtraChargeLapsed,
    OrderShipped,
    RefundCreated,
)
from rescind.domain.facts import ChangeFacts, OrderFacts, RequestFacts
from rescind.domain.money import Money
from rescind.domain.policy import Policy, Side
from rescind.domain.states import OrderState

POLICY = Policy()
US = BusinessCalendar("US")
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
# Monday 2 March 2026, 10:00 UTC: no US holiday within three weeks either side.
T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
STORE = 10


def usd(amount: int) -> Money:
    return Money(amount, "USD")


def paid(**changes) -> OrderFacts:
    """Paid at T0: 2 x Shirt 12.50 + 3.00 shipping = 28.00 USD, awaiting shipment."""
    facts = {"state": OrderState.AWAITING_SHIPMENT, "placed_at": T0, "total": usd(2800),
             "refunded": usd(0), "payment_method": "bank_card", "paid_at": T0,
             "ship_by": T0 + 9 * DAY}
    return OrderFacts(**{**facts, **changes})


def shirts(quantity: int = 2, discount: int = 0) -> LineFacts:
    return LineFacts(product_id=1, product_name="Shirt", options={"colour": "red"},
                     quantity=quantity, unit_price=usd(1250), discount=discount)


OFFERS = {
    1: ProductOffer(1, "Shirt", STORE, usd(1250), {"colour": ["red", "blue"]}),
    2: ProductOffer(2, "Shirt XL", STORE, usd(1500), {"colour": ["red", "blue"]}),
    3: ProductOffer(3, "Mug", 20, usd(725), {}),
    4: ProductOffer(4, "Cap", STORE, usd(800), {}),
    5: ProductOffer(5, "Sticker", STORE, usd(150), {}),
}


def ask(order: OrderFacts = None, lines=None, changes=(), delivery=None, now=T0 + 2 * HOUR):
    return decide_change_request(order or paid(), lines=lines or [shirts()],
                                 changes=list(changes), offers=OFFERS, delivery=delivery,
                                 store_id=STORE, now=now, policy=POLICY)


def snapshot(product_id=1, name="Shirt", options=None, quantity=2, price=1250, discount=0):
    return {"product_id": product_id, "product_name": name,
            "options": {"colour": "red"} if options is None else options, "quantity": quantity,
            "unit_price": {"amount": price, "currency": "USD"},
            "discount": {"amount": discount, "currency": "USD"}}


def open_change(before: int = 2800, after: int = 1550, awaiting_charge: bool = False,
                respond_by: datetime = T0 + 74 * HOUR) -> ChangeFacts:
    return ChangeFacts(change_id=7, awaiting_charge=awaiting_charge, respond_by=respond_by,
                       price_before=usd(before), price_after=usd(after))


def refuses(code: str, call, *args, **kwargs) -> DomainError:
    with pytest.raises(DomainError) as caught:
        call(*args, **kwargs)
    assert caught.value.code == code
    return caught.value


# Asking


def test_r13_another_colour_costs_nothing_and_the_seller_has_72_hours():
    # given a paid order of two red shirts, when the buyer asks for blue two hours after payment
    events = ask(changes=[LineChange(line=1, options={"colour": "blue"})])
    # then one request names the line before and after, at the same price, answer within 72 h
    assert events == [ChangeRequested(
        lines=({"line": 1, "before": snapshot(), "after": snapshot(options={"colour": "blue"})},),
        delivery=None, price_before=usd(2800), price_after=usd(2800), difference=usd(0),
        respond_by=T0 + 74 * HOUR)]


def test_r13_r3_one_shirt_fewer_costs_exactly_its_price_less():
    [requested] = ask(changes=[LineChange(line=1, quantity=1)])
    assert (requested.price_before, requested.price_after, requested.difference) == (
        usd(2800), usd(1550), usd(-1250))
    assert requested.lines[0]["after"] == snapshot(quantity=1)


def test_r13_r3_a_dearer_product_of_the_same_store_keeps_the_chosen_colour():
    # when the buyer swaps to Shirt XL (15.00) naming no colour
    [requested] = ask(changes=[LineChange(line=1, product_id=2)])
    # then the red colour carries over, and two XL shirts cost 5.00 more
    assert requested.lines[0]["after"] == snapshot(product_id=2, name="Shirt XL", price=1500)
    assert (requested.price_after, requested.difference) == (usd(3300), usd(500))


def test_r13_r3_a_discounted_line_keeps_its_discount_when_it_gets_cheaper():
    # given 2 shirts with a 5.00 coupon share (20.00), paid 23.00 with shipping
    order = paid(total=usd(2300))
    # when the buyer keeps one shirt
    [requested] = ask(order, lines=[shirts(discount=500)], changes=[LineChange(1, quantity=1)])
    # then the 5.00 stays on the line and the buyer gets back the 12.50 the shirt cost
    assert requested.lines[0]["after"] == snapshot(quantity=1, discount=500)
    assert (requested.price_before, requested.price_after, requested.difference) == (
        usd(2300), usd(1050), usd(-1250))


def test_r13_r3_a_discount_a_line_can_no_longer_carry_moves_to_the_other_lines():
    # given shirts (25.00, 5.00 off) and a cap (8.00, 2.00 off): paid 26.00 + 3.00 shipping
    cap = LineFacts(product_id=4, product_name="Cap", options={}, quantity=1,
                    unit_price=usd(800), discount=200)
    order = paid(total=usd(2900))
    # when the cap becomes a 1.50 sticker
    [requested] = ask(order, lines=[shirts(discount=500), cap],
                      changes=[LineChange(line=2, product_id=5)])
    # then the sticker carries 1.50 of its 2.00 and the shirts take the other 0.50: the order's
    # 7.00 of discount is kept whole, and the buyer gets back 6.50
    assert requested.lines == (
        {"line": 1, "before": snapshot(discount=500), "after": snapshot(discount=550)},
        {"line": 2, "before": snapshot(4, "Cap", {}, 1, 800, 200),
         "after": snapshot(5, "Sticker", {}, 1, 150, 150)},
    )
    assert (requested.price_after, requested.difference) == (usd(2250), usd(-650))


def test_r3_discounts_kept_move_by_room_and_drop_only_what_nothing_can_carry():
    assert discounts_kept([1250, 150], [500, 200]) == [550, 150]
    assert discounts_kept([2500, 150], [500, 200]) == [550, 150]
    assert discounts_kept([100, 300, 600], [400, 0, 0]) == [100, 100, 200]
    assert discounts_kept([150], [200]) == [150]  # nothing else to carry 0.50: dropped


@given(st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 10**6)), min_size=1,
                max_size=8))
def test_r3_discounts_kept_add_up_to_the_cent_and_never_exceed_a_line(pairs):
    gross, discounts = [g for g, _ in pairs], [d for _, d in pairs]
    kept = discounts_kept(gross, discounts)
    assert sum(kept) == min(sum(discounts), sum(gross))
    assert all(0 <= k <= g for k, g in zip(kept, gross, strict=True))


def test_r13_new_delivery_details_alone_cost_nothing():
    [requested] = ask(delivery={"recipient": " Ann Lee ", "line1": "1 Main St", "line2": "",
                                "city": "Springfield", "country": "US"})
    assert requested.lines == ()
    assert requested.delivery == {"recipient": "Ann Lee", "line1": "1 Main St",
                                  "city": "Springfield", "country": "US"}
    assert requested.difference == usd(0)


@pytest.mark.parametrize(("delivery", "details"), [
    ({"recipient": "Ann", "line1": "1 Main St", "city": "X"},
     {"missing": ["country"], "too_long": []}),
    ({"recipient": "Ann", "line1": "x" * 201, "city": "X", "country": "US"},
     {"missing": [], "too_long": ["line1"]}),
])
def test_r13_delivery_details_need_an_address_of_sensible_length(delivery, details):
    refused = refuses("bad_delivery", ask, delivery=delivery)
    assert (refused.kind, refused.details) == (ErrorKind.INVALID, details)


def test_r13_unknown_delivery_fields_are_refused():
    refused = refuses("bad_delivery", ask, delivery={"planet": "Mars"})
    assert refused.details["unknown"] == ["planet"]


@pytest.mark.parametrize(("change", "code"), [
    (LineChange(line=2, quantity=1), "unknown_line"),
    (LineChange(line=1, product_id=3), "product_not_in_store"),
    (LineChange(line=1, product_id=99), "product_not_in_store"),
    (LineChange(line=1, quantity=0), "bad_quantity"),
    (LineChange(line=1, quantity=1000), "bad_quantity"),
    (LineChange(line=1, options={"colour": "green"}), "bad_options"),
    (LineChange(line=1, options={"size": "XL"}), "bad_options"),
    (LineChange(line=1, options={"colour": "red"}, quantity=2), "nothing_to_change"),
])
def test_r13_a_change_the_store_cannot_make_is_invalid(change, code):
    refused = refuses(code, ask, changes=[change])
    assert refused.kind is ErrorKind.INVALID


def test_r13_a_line_named_twice_is_invalid():
    refuses("duplicate_line", ask, changes=[LineChange(1, quantity=1), LineChange(1, quantity=3)])


def test_r13_bad_options_say_which_and_what_is_offered():
    refused = refuses("bad_options", ask, changes=[LineChange(1, options={"colour": "green"})])
    assert refused.details == {"line": 1, "choices": {"colour": ["red", "blue"]},
                               "unknown": [], "missing": [], "invalid": ["colour"]}


@pytest.mark.parametrize("state", [OrderState.AWAITING_PAYMENT, OrderState.AWAITING_DELIVERY,
                                   OrderState.COMPLETED, OrderState.CLOSED])
def test_r13_r17_only_a_paid_order_awaiting_shipment_can_be_changed(state):
    refused = refuses("change_not_available", ask, paid(state=state),
                      changes=[LineChange(1, quantity=1)])
    assert (refused.kind, refused.details) == (ErrorKind.CONFLICT, {"state": state.value})


def test_r13_no_change_beside_a_pending_cancellation_request():
    request = RequestFacts(reason="no_longer_needed", side=Side.BUYER,
                           requested_at=T0 + 25 * HOUR, respond_by=T0 + 97 * HOUR)
    refuses("cancellation_pending", ask, paid(pending_request=request),
            changes=[LineChange(1, quantity=1)])


def test_r13_one_open_change_at_a_time():
    refuses("change_already_pending", ask, paid(pending_change=open_change()),
            changes=[LineChange(1, quantity=1)])


def test_r13_the_response_window_follows_the_policy():
    policy = Policy(r13_change_response_window=14 * DAY)
    [requested] = decide_change_request(
        paid(), lines=[shirts()], changes=[LineChange(1, quantity=1)], offers=OFFERS,
        delivery=None, store_id=STORE, now=T0, policy=policy)
    assert requested.respond_by == T0 + 14 * DAY


# The seller's answer


def test_r13_r21_r22_accepting_a_cheaper_change_applies_it_and_refunds_the_difference():
    # given a pending change from 28.00 to 15.50, when the seller accepts a day after payment
    order = paid(pending_change=open_change(2800, 1550))
    events = decide_change_accept(order, note=" OK ", now=T0 + DAY, policy=POLICY, calendar=US)
    # then it applies at once, and 12.50 goes back to the card within 15 working days
    assert events == [
        ChangeAccepted(note="OK", extra_charge=usd(0), confirm_by=None),
        ChangeApplied(price_before=usd(2800), price_after=usd(1550)),
        RefundCreated(amount=usd(1250), method="bank_card",
                      arrive_by=datetime(2026, 3, 24, 10, 0, tzinfo=UTC)),
    ]


def test_r13_accepting_a_same_price_change_applies_it_with_no_money_moving():
    order = paid(pending_change=open_change(2800, 2800))
    assert decide_change_accept(order, note="", now=T0 + DAY, policy=POLICY, calendar=US) == [
        ChangeAccepted(note="", extra_charge=usd(0), confirm_by=None),
        ChangeApplied(price_before=usd(2800), price_after=usd(2800))]


def test_r13_accepting_a_dearer_change_waits_for_the_buyer_to_confirm_the_extra_charge():
    order = paid(pending_change=open_change(2800, 3300))
    assert decide_change_accept(order, note="", now=T0 + DAY, policy=POLICY, calendar=US) == [
        ChangeAccepted(note="", extra_charge=usd(500), confirm_by=T0 + DAY + 72 * HOUR)]


def test_r13_r22_a_partial_refund_never_exceeds_what_is_left_of_the_charge():
    # given an order already refunded 20.00 of its 28.00 (never so before shipment, but guarded)
    order = paid(refunded=usd(2000), pending_change=open_change(2800, 1550))
    refuses("refund_exceeds_charge", decide_change_accept, order, note="", now=T0 + DAY,
            policy=POLICY, calendar=US)


def test_r13_refusing_needs_a_note_and_keeps_the_order():
    order = paid(pending_change=open_change())
    refused = refuses("note_required", decide_change_refuse, order, note="  ")
    assert refused.kind is ErrorKind.INVALID
    assert decide_change_refuse(order, note=" Already packed ") == [
        ChangeRefused(note="Already packed")]


def test_r13_answering_needs_a_change_waiting_for_the_seller():
    refuses("no_pending_change", decide_change_refuse, paid(), note="No")
    refuses("no_pending_change", decide_change_accept, paid(), note="", now=T0, policy=POLICY,
            calendar=US)
    accepted = paid(pending_change=open_change(2800, 3300, awaiting_charge=True))
    refuses("no_pending_change", decide_change_refuse, accepted, note="Changed my mind")


def test_r13_the_buyer_withdraws_only_an_unanswered_change():
    assert decide_change_withdraw(paid(pending_change=open_change())) == [ChangeWithdrawn()]
    refuses("no_pending_change", decide_change_withdraw,
            paid(pending_change=open_change(awaiting_charge=True)))


# Silence


def test_r13_silence_is_not_due_before_the_window_ends():
    refused = refuses("not_due", decide_change_silence, paid(pending_change=open_change()),
                      now=T0 + 74 * HOUR - timedelta(seconds=1), policy=POLICY)
    assert refused.details == {"respond_by": (T0 + 74 * HOUR).isoformat()}


def test_r13_seller_silence_refuses_and_says_the_buyer_can_still_cancel():
    order = paid(pending_change=open_change())
    assert decide_change_silence(order, now=T0 + 74 * HOUR, policy=POLICY) == [
        ChangeAutoRefused(respond_by=T0 + 74 * HOUR, cancel_available_from=T0 + 24 * HOUR)]


def test_r13_buyer_silence_lets_the_extra_charge_lapse():
    order = paid(pending_change=open_change(2800, 3300, awaiting_charge=True,
                                            respond_by=T0 + 4 * DAY))
    assert decide_change_silence(order, now=T0 + 4 * DAY, policy=POLICY) == [
        ExtraChargeLapsed(confirm_by=T0 + 4 * DAY)]


# The extra charge


def test_r13_the_extra_charge_is_the_exact_difference_and_only_when_accepted():
    accepted = paid(pending_change=open_change(2800, 3300, awaiting_charge=True))
    assert decide_extra_charge(accepted) == usd(500)
    refuses("no_extra_charge_to_confirm", decide_extra_charge,
            paid(pending_change=open_change(2800, 3300)))
    assert decide_charge_decline(accepted) == [ExtraChargeDeclined()]
    refuses("no_extra_charge_to_confirm", decide_charge_decline, paid())


def test_r13_r21_a_captured_extra_charge_applies_the_change():
    order = paid(pending_change=open_change(2800, 3300, awaiting_charge=True))
    assert decide_charge_captured(order, change_id=7, amount=usd(500), reference="sbx_1",
                                  now=T0 + DAY, policy=POLICY, calendar=US) == [
        ExtraCharged(amount=usd(500), method="bank_card", gateway_reference="sbx_1"),
        ChangeApplied(price_before=usd(2800), price_after=usd(3300))]


@pytest.mark.parametrize("order", [
    paid(),  # declined, lapsed or superseded meanwhile
    paid(state=OrderState.AWAITING_DELIVERY),  # shipped meanwhile
    paid(state=OrderState.CLOSED, refunded=usd(2800)),  # closed and refunded in full meanwhile
], ids=["ended", "shipped", "closed"])
def test_r13_r22_an_extra_charge_captured_after_the_change_ended_goes_straight_back(order):
    assert decide_charge_captured(order, change_id=7, amount=usd(500), reference="sbx_1",
                                  now=T0 + DAY, policy=POLICY, calendar=US) == [
        ExtraCharged(amount=usd(500), method="bank_card", gateway_reference="sbx_1"),
        RefundCreated(amount=usd(500), method="bank_card",
                      arrive_by=datetime(2026, 3, 24, 10, 0, tzinfo=UTC))]


# Races with shipping and cancelling


def test_r13_r14_shipping_refuses_an_open_change_on_the_timeline():
    order = paid(pending_change=open_change(2800, 3300, awaiting_charge=True))
    assert decide_ship(order, carrier="DHL", tracking_number="T1", now=T0,
                       policy=Policy()) == [
        ChangeRefusedByShipment(),
        OrderShipped(carrier="DHL", tracking_number="T1", deliver_by=T0 + timedelta(days=60))]


def test_r7_r13_a_cancellation_request_ends_an_open_change():
    events = decide_request_cancellation(paid(pending_change=open_change()),
                                         reason="no_longer_needed", report_supplier=False,
                                         now=T0 + 25 * HOUR, policy=POLICY)
    assert [type(e) for e in events] == [CancellationRequested, ChangeSuperseded]


# What each party may do


@pytest.mark.parametrize(("change", "buyer", "seller"), [
    (None, [Action.REQUEST_CANCELLATION, Action.REQUEST_CHANGE], [Action.SHIP]),
    (open_change(), [Action.REQUEST_CANCELLATION, Action.WITHDRAW_CHANGE],
     [Action.ACCEPT_CHANGE, Action.REFUSE_CHANGE, Action.SHIP]),
    (open_change(2800, 3300, awaiting_charge=True),
     [Action.REQUEST_CANCELLATION, Action.CONFIRM_EXTRA_CHARGE, Action.DECLINE_EXTRA_CHARGE],
     [Action.SHIP]),
], ids=["none", "pending", "awaiting_charge"])
def test_r2_r13_actions_follow_the_change_request(change, buyer, seller):
    order = paid(pending_change=change)
    now = T0 + 2 * DAY
    assert available_actions(order, Party.BUYER, now=now, policy=POLICY) == (buyer, [])
    assert available_actions(order, Party.SELLER, now=now, policy=POLICY) == (seller, [])


def test_r2_r13_no_change_offered_beside_a_pending_cancellation_request():
    request = RequestFacts(reason="no_longer_needed", side=Side.BUYER,
                           requested_at=T0 + 25 * HOUR, respond_by=T0 + 97 * HOUR)
    assert available_actions(paid(pending_request=request), Party.BUYER, now=T0 + 2 * DAY,
                             policy=POLICY) == ([Action.WITHDRAW_CANCELLATION], [])
