"""Change instead of cancel through the real services: ask, accept with a partial refund or an
extra charge, refuse, silence, shipping and cancelling in between (R3, R13, R14, R21-R23, R29)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from rescind.aftersale.changes import (
    change_accept,
    change_charge_confirm,
    change_charge_decline,
    change_refuse,
    change_request,
    change_withdraw,
)
from rescind.aftersale.models import ChangeRequest
from rescind.aftersale.services import cancellation_approve, cancellation_request, order_ship
from rescind.coupons.models import Coupon
from rescind.domain.actions import Party
from rescind.domain.changes import LineChange
from rescind.domain.errors import DomainError, ErrorKind
from rescind.notifications.models import Notification
from rescind.notifications.services import notify_entries
from rescind.orders.models import Product
from rescind.orders.reads import order_detail
from rescind.orders.services import CheckoutItem, checkout_create, payment_capture
from rescind.refunds.gateway import payment_gateway
from rescind.refunds.models import Refund, SandboxFault, SandboxOperation
from rescind.scheduler import deadlines_fire_due
from rescind.web.timeline import describe
from tests.conftest import DAY, HOUR, T0

ASKED = T0 + 2 * HOUR
RESPOND_BY = ASKED + 72 * HOUR
# 15 working days after Tuesday 3 March 2026, 10:00 UTC (R23, bank card)
CARD_ARRIVES = datetime(2026, 3, 24, 10, 0, tzinfo=UTC)


def _kinds(order) -> list[str]:
    return list(order.timeline.values_list("kind", flat=True))


def _open_deadlines(order) -> list[tuple[str, datetime]]:
    return sorted(order.deadlines.filter(fired_at__isnull=True, voided_at__isnull=True)
                  .values_list("kind", "due_at"))


def _lines(order) -> list[tuple]:
    return list(order.lines.order_by("pk").values_list(
        "product__name", "options", "quantity", "unit_price", "discount"))


def _ask(market, order, *changes: LineChange, delivery=None, at=ASKED) -> ChangeRequest:
    return change_request(order_id=order.pk, user=market.buyer, changes=list(changes),
                          delivery=delivery, now=at)


def _refused(code: str, call, **kwargs) -> DomainError:
    with pytest.raises(DomainError) as caught:
        call(**kwargs)
    assert caught.value.code == code
    return caught.value


def _dearer(market):
    """An order paid at T0 whose buyer asked for a third shirt (+12.50) and the seller
    accepted a day after payment."""
    order = market.paid(at=T0)
    change = _ask(market, order, LineChange(line=1, quantity=3))
    change_accept(order_id=order.pk, user=market.seller, now=T0 + DAY)
    change.refresh_from_db()
    return order, change


def test_r13_the_buyer_asks_and_the_order_stays_paid_as_it_was(market):
    # given an order of two red shirts paid at T0 ($28.00)
    order = market.paid(at=T0)
    # when the buyer asks for one blue shirt two hours later
    change = _ask(market, order, LineChange(line=1, options={"colour": "blue"}, quantity=1))
    # then the request waits 72 h for the seller, 12.50 cheaper, and nothing else moved yet
    assert (change.state, change.price_before, change.price_after, change.respond_by) == (
        "pending", 2800, 1550, RESPOND_BY)
    order.refresh_from_db()
    assert (order.state, order.total, order.refunded) == ("awaiting_shipment", 2800, 0)
    assert _lines(order) == [("Shirt", {"colour": "red"}, 2, 1250, 0)]
    assert ("change_request_response", RESPOND_BY) in _open_deadlines(order)
    assert order.deadlines.get(kind="change_request_response").subject_id == change.pk
    assert _kinds(order)[-1] == "ChangeRequested"
    assert describe("ChangeRequested", order.timeline.last().params) == (
        "The buyer asked to change line 1 (Shirt): colour red → blue, quantity 2 → 1. "
        "Price $28.00 → $15.50.")
    # and each side sees what it may do about it
    buyer = order_detail(order, Party.BUYER, now=ASKED)
    seller = order_detail(order, Party.SELLER, now=ASKED)
    assert [a["action"] for a in buyer["actions"]] == ["withdraw_change"]
    assert [a["action"] for a in seller["actions"]] == ["accept_change", "refuse_change", "ship"]
    assert (buyer["change_request"]["state"], buyer["change_request"]["difference"]) == (
        "pending", {"amount": -1250, "currency": "USD"})


def test_r13_r3_r21_r22_a_cheaper_change_refunds_exactly_the_difference_through_the_ledger(
        market):
    # given a pending request for one blue shirt instead of two red ones
    order = market.paid(at=T0)
    change = _ask(market, order, LineChange(line=1, options={"colour": "blue"}, quantity=1))
    # when the seller accepts a day after payment
    change_accept(order_id=order.pk, user=market.seller, note="Blue it is", now=T0 + DAY)
    # then the order's line and totals change, and 12.50 goes back to the card through the ledger
    order.refresh_from_db()
    change.refresh_from_db()
    assert _lines(order) == [("Shirt", {"colour": "blue"}, 1, 1250, 0)]
    assert (order.items_total, order.discount_total, order.total, order.refunded) == (
        1250, 0, 2800, 1250)
    assert order.items_total + order.shipping_fee - order.discount_total == \
        order.total - order.refunded == 1550
    refund = Refund.objects.get(order=order)
    assert (refund.amount, refund.method, refund.cause, refund.state, refund.arrive_by) == (
        1250, "bank_card", "ChangeAccepted", "pending", CARD_ARRIVES)
    assert (change.state, change.decision_note, change.applied_at) == (
        "applied", "Blue it is", T0 + DAY)
    assert _kinds(order)[-4:] == ["ChangeRequested", "ChangeAccepted", "ChangeApplied",
                                  "RefundCreated"]
    assert order.state == "awaiting_shipment"
    # and only the handling time (and its reminder) keeps running, with the refund's own start
    # deadline (R23)
    assert [kind for kind, _ in _open_deadlines(order)] == ["handling_time",
                                                             "handling_time_reminder",
                                                             "refund_start"]


def test_r13_r22_cancelling_after_a_cheaper_change_refunds_only_what_is_left(market):
    # given an order changed from 28.00 to 15.50, 12.50 refunded
    order = market.paid(at=T0)
    _ask(market, order, LineChange(line=1, quantity=1))
    change_accept(order_id=order.pk, user=market.seller, now=T0 + DAY)
    # when the buyer then cancels and the seller approves
    cancellation_request(order_id=order.pk, user=market.buyer, reason="no_longer_needed",
                         report_supplier=False, now=T0 + 2 * DAY)
    cancellation_approve(order_id=order.pk, user=market.seller, now=T0 + 2 * DAY)
    # then the second refund is the 15.50 left, and refunds add up to the 28.00 charged
    order.refresh_from_db()
    assert list(Refund.objects.filter(order=order).order_by("pk").values_list(
        "amount", flat=True)) == [1250, 1550]
    assert (order.state, order.total, order.refunded) == ("closed", 2800, 2800)


def test_r13_r3_a_discounted_order_keeps_its_discount_and_refunds_to_the_cent(market):
    # given two shirts bought with a 5.00 seller coupon: 25.00 - 5.00 + 3.00 = 23.00 paid
    Coupon.objects.create(code="SHIRT5", kind="seller", amount=500, store=market.store,
                          expires_at=T0 + 30 * DAY, owner=market.buyer)
    checkout = checkout_create(buyer=market.buyer, payment_method="bank_card", now=T0,
                               items=[CheckoutItem(market.product.pk, 2, {"colour": "red"})],
                               coupon_codes=["SHIRT5"])
    payment_capture(payment_id=checkout.payment.pk, buyer=market.buyer, now=T0)
    order = checkout.orders.get()
    assert (order.total, order.discount_total) == (2300, 500)
    # when the buyer keeps one shirt and the seller accepts
    _ask(market, order, LineChange(line=1, quantity=1))
    change_accept(order_id=order.pk, user=market.seller, now=T0 + DAY)
    # then the coupon's 5.00 stays on the line, and the buyer gets back the 12.50 shirt
    order.refresh_from_db()
    assert _lines(order) == [("Shirt", {"colour": "red"}, 1, 1250, 500)]
    assert Refund.objects.get(order=order).amount == 1250
    assert (order.items_total, order.discount_total, order.total, order.refunded) == (
        1250, 500, 2300, 1250)
    assert order.items_total + order.shipping_fee - order.discount_total == \
        order.total - order.refunded == 1050


def test_r13_r21_a_dearer_change_is_charged_once_after_the_buyer_confirms(market):
    # given a request for Shirt XL (15.00) instead of Shirt (12.50): 5.00 more for two
    xl = Product.objects.create(store=market.store, name="Shirt XL", unit_price=1500,
                                option_choices={"colour": ["red", "blue"]})
    order = market.paid(at=T0)
    change = _ask(market, order, LineChange(line=1, product_id=xl.pk))
    captures = SandboxOperation.objects.filter(kind="capture")
    assert captures.count() == 1  # the checkout's own payment
    # when the seller accepts
    change_accept(order_id=order.pk, user=market.seller, now=T0 + DAY)
    # then nothing is charged yet: the buyer has 72 h to confirm 5.00 more
    change.refresh_from_db()
    order.refresh_from_db()
    assert (change.state, change.confirm_by) == ("awaiting_charge", T0 + DAY + 72 * HOUR)
    assert (order.total, captures.count()) == (2800, 1)
    assert ("change_request_response", T0 + 4 * DAY) in _open_deadlines(order)
    assert order.timeline.last().params["extra_charge"] == {"amount": 500, "currency": "USD"}
    # when the buyer confirms
    change_charge_confirm(order_id=order.pk, user=market.buyer, now=T0 + 2 * DAY)
    # then 5.00 is captured once from the card, and the order now is two XL shirts for 33.00
    capture = captures.get(key=f"change-{change.pk}-extra-charge")
    assert (capture.amount, capture.method) == (500, "bank_card")
    order.refresh_from_db()
    change.refresh_from_db()
    assert _lines(order) == [("Shirt XL", {"colour": "red"}, 2, 1500, 0)]
    assert (order.items_total, order.total, order.refunded) == (3000, 3300, 0)
    assert (change.state, change.charge_reference, change.charged_at) == (
        "applied", capture.reference, T0 + 2 * DAY)
    assert _kinds(order)[-2:] == ["ExtraCharged", "ChangeApplied"]
    assert not any(kind == "change_request_response" for kind, _ in _open_deadlines(order))
    # and confirming again charges nothing more
    _refused("no_extra_charge_to_confirm", change_charge_confirm, order_id=order.pk,
             user=market.buyer, now=T0 + 2 * DAY)
    assert captures.count() == 2
    assert not Refund.objects.filter(order=order).exists()


def test_r13_r21_two_confirmations_at_once_charge_once(market, monkeypatch):
    # given an accepted change 12.50 dearer, and a second confirmation that overtakes the first
    # while the first waits for the gateway
    order, change = _dearer(market)
    gateway = payment_gateway()
    real_capture = gateway.capture
    keys = []

    def capture_overtaken(**kwargs):
        keys.append(kwargs["key"])
        if len(keys) == 1:
            change_charge_confirm(order_id=order.pk, user=market.buyer, now=T0 + 2 * DAY)
        return real_capture(**kwargs)

    monkeypatch.setattr(gateway, "capture", capture_overtaken)
    # when both run to the end
    change_charge_confirm(order_id=order.pk, user=market.buyer, now=T0 + 2 * DAY)
    # then both sent the same key, the gateway took 12.50 once, and the order recorded it once
    assert keys == [f"change-{change.pk}-extra-charge"] * 2
    assert SandboxOperation.objects.filter(kind="capture", key=keys[0]).count() == 1
    order.refresh_from_db()
    assert (order.total, order.items_total, order.refunded) == (4050, 3750, 0)
    assert _kinds(order).count("ExtraCharged") == 1


def test_r13_a_failed_extra_charge_changes_nothing_and_may_be_tried_again(market):
    # given an accepted dearer change, and a gateway that refuses the next capture
    order, change = _dearer(market)
    SandboxFault.objects.create(operation="capture", remaining=1)
    # when the buyer confirms, then it fails as unavailable and nothing is recorded
    refused = _refused("payment_failed", change_charge_confirm, order_id=order.pk,
                       user=market.buyer, now=T0 + 2 * DAY)
    assert refused.kind is ErrorKind.UNAVAILABLE
    change.refresh_from_db()
    order.refresh_from_db()
    assert (change.state, change.charge_reference, order.total) == ("awaiting_charge", "", 2800)
    assert _kinds(order)[-1] == "ChangeAccepted"
    # when the buyer tries again, then it is charged once and the change applies
    change_charge_confirm(order_id=order.pk, user=market.buyer, now=T0 + 2 * DAY)
    order.refresh_from_db()
    assert (order.total, SandboxOperation.objects.filter(
        key=f"change-{change.pk}-extra-charge").count()) == (4050, 1)


def test_r13_r14_r22_a_charge_captured_after_the_order_shipped_goes_straight_back(
        market, monkeypatch):
    # given an accepted dearer change, and the seller shipping while the buyer's charge is
    # on its way to the gateway
    order, change = _dearer(market)
    gateway = payment_gateway()
    real_capture = gateway.capture

    def capture_while_shipping(**kwargs):
        order_ship(order_id=order.pk, user=market.seller, carrier="DHL", tracking_number="T1",
                   now=T0 + 2 * DAY)
        return real_capture(**kwargs)

    monkeypatch.setattr(gateway, "capture", capture_while_shipping)
    # when the confirmation completes
    change_charge_confirm(order_id=order.pk, user=market.buyer, now=T0 + 2 * DAY)
    # then the change stays refused by the shipment and the 12.50 taken is refunded at once
    order.refresh_from_db()
    change.refresh_from_db()
    assert _lines(order) == [("Shirt", {"colour": "red"}, 2, 1250, 0)]
    assert (order.state, order.total, order.refunded) == ("awaiting_delivery", 4050, 1250)
    assert change.state == "refused_by_shipment"
    refund = Refund.objects.get(order=order)
    assert (refund.amount, refund.cause) == (1250, "ExtraCharged")
    assert _kinds(order)[-4:] == ["ChangeRefusedByShipment", "OrderShipped", "ExtraCharged",
                                  "RefundCreated"]


def test_r13_a_declined_extra_charge_leaves_the_order_as_it_was(market):
    order, change = _dearer(market)
    change_charge_decline(order_id=order.pk, user=market.buyer, now=T0 + 2 * DAY)
    change.refresh_from_db()
    order.refresh_from_db()
    assert (change.state, change.decided_at) == ("charge_declined", T0 + DAY)
    assert (order.total, _lines(order)) == (2800, [("Shirt", {"colour": "red"}, 2, 1250, 0)])
    assert SandboxOperation.objects.filter(kind="capture").count() == 1
    assert _kinds(order)[-1] == "ExtraChargeDeclined"
    assert not any(kind == "change_request_response" for kind, _ in _open_deadlines(order))


def test_r13_an_extra_charge_not_confirmed_in_time_lapses(market):
    order, change = _dearer(market)
    # (the buyer's reminder the day before fires first, R27)
    assert deadlines_fire_due(now=T0 + 4 * DAY) == 2
    change.refresh_from_db()
    order.refresh_from_db()
    assert (change.state, order.total) == ("charge_lapsed", 2800)
    entry = order.timeline.last()
    assert (entry.kind, entry.actor, entry.params) == (
        "ExtraChargeLapsed", "platform", {"confirm_by": (T0 + 4 * DAY).isoformat()})


def test_r13_r27_silence_refuses_and_tells_the_buyer_they_can_still_cancel(market):
    # given a request the seller never answers
    order = market.paid(at=T0)
    change = _ask(market, order, LineChange(line=1, quantity=1))
    # when the window has not quite passed, only the seller's reminder fires (R27)
    assert deadlines_fire_due(now=RESPOND_BY - HOUR) == 1
    assert order.timeline.last().kind == "SellerReminded"
    # when it passes, the platform refuses the change
    assert deadlines_fire_due(now=RESPOND_BY) == 1
    change.refresh_from_db()
    order.refresh_from_db()
    assert (change.state, change.decided_at, order.total, order.refunded) == (
        "auto_refused", RESPOND_BY, 2800, 0)
    entry = order.timeline.last()
    assert (entry.kind, entry.actor, entry.params) == (
        "ChangeAutoRefused", "platform", {"respond_by": RESPOND_BY.isoformat(),
                                          "cancel_available_from": (T0 + DAY).isoformat()})
    assert describe(entry.kind, entry.params) == (
        "Change refused automatically: the seller did not answer in time. The buyer can still "
        "cancel the order and order again.")
    # and both sides are told, the buyer that they can still cancel, which they may
    notify_entries(entry_ids=[entry.pk], now=RESPOND_BY)
    told = Notification.objects.get(user=market.buyer, kind="ChangeAutoRefused")
    assert (told.title, told.body) == (
        f"Order #{order.pk}: your change request was refused, the seller did not answer in time",
        "You can still cancel the order and order again.")
    assert Notification.objects.filter(user=market.seller, kind="ChangeAutoRefused").exists()
    actions = order_detail(order, Party.BUYER, now=RESPOND_BY)["actions"]
    assert [a["action"] for a in actions] == ["request_cancellation", "request_change"]
    # and firing again changes nothing
    assert deadlines_fire_due(now=RESPOND_BY + DAY) == 0


def test_r13_refusing_needs_a_note_and_leaves_the_order_as_it_was(market):
    order = market.paid(at=T0)
    change = _ask(market, order, LineChange(line=1, quantity=1))
    refused = _refused("note_required", change_refuse, order_id=order.pk, user=market.seller,
                       note="  ", now=T0 + DAY)
    assert refused.kind is ErrorKind.INVALID
    change.refresh_from_db()
    assert change.state == "pending"
    change_refuse(order_id=order.pk, user=market.seller, note="Already packed", now=T0 + DAY)
    change.refresh_from_db()
    order.refresh_from_db()
    assert (change.state, change.decision_note, change.decided_at) == (
        "refused", "Already packed", T0 + DAY)
    assert (order.total, order.refunded, _kinds(order)[-1]) == (2800, 0, "ChangeRefused")
    assert not Refund.objects.exists()
    # and silence can no longer refuse it again
    assert deadlines_fire_due(now=RESPOND_BY) == 0


def test_r13_the_buyer_withdraws_and_may_ask_again(market):
    order = market.paid(at=T0)
    _ask(market, order, LineChange(line=1, quantity=1))
    change_withdraw(order_id=order.pk, user=market.buyer, now=T0 + 3 * HOUR)
    again = _ask(market, order, LineChange(line=1, options={"colour": "blue"}),
                 at=T0 + 4 * HOUR)
    assert list(order.change_requests.values_list("state", flat=True)) == ["withdrawn",
                                                                            "pending"]
    assert order.deadlines.get(kind="change_request_response", voided_at__isnull=True,
                               ).subject_id == again.pk
    # and a second open request is refused while one is open
    _refused("change_already_pending", _ask, market=market, order=order,
             at=T0 + 5 * HOUR)


@pytest.mark.parametrize(("call", "user_name", "code", "kind"), [
    (change_accept, "other_seller", "order_not_found", ErrorKind.NOT_FOUND),
    (change_accept, "other_buyer", "order_not_found", ErrorKind.NOT_FOUND),
    (change_accept, "buyer", "not_your_action", ErrorKind.FORBIDDEN),
    (change_withdraw, "seller", "not_your_action", ErrorKind.FORBIDDEN),
    (change_withdraw, "other_buyer", "order_not_found", ErrorKind.NOT_FOUND),
    (change_charge_confirm, "seller", "not_your_action", ErrorKind.FORBIDDEN),
    (change_charge_confirm, "other_buyer", "order_not_found", ErrorKind.NOT_FOUND),
    (change_charge_decline, "other_seller", "order_not_found", ErrorKind.NOT_FOUND),
])
def test_r13_only_the_orders_own_parties_act_on_its_change(market, call, user_name, code, kind):
    order = market.paid(at=T0)
    change = _ask(market, order, LineChange(line=1, quantity=1))
    refused = _refused(code, call, order_id=order.pk, user=getattr(market, user_name),
                       now=T0 + DAY)
    assert refused.kind is kind
    change.refresh_from_db()
    assert change.state == "pending"
    assert SandboxOperation.objects.filter(kind="capture").count() == 1


@pytest.mark.parametrize(("user_name", "code"), [("seller", "not_your_action"),
                                                 ("other_buyer", "order_not_found")])
def test_r13_only_the_buyer_asks_for_a_change(market, user_name, code):
    order = market.paid(at=T0)
    _refused(code, change_request, order_id=order.pk, user=getattr(market, user_name),
             changes=[LineChange(line=1, quantity=1)], now=ASKED)
    assert not ChangeRequest.objects.exists()


def test_r13_r14_api_answers_404_to_strangers_and_403_to_the_wrong_party(market, client):
    # given a pending change on the buyer's order
    order = market.paid(at=T0)
    _ask(market, order, LineChange(line=1, quantity=1))
    url = f"/api/v1/orders/{order.pk}/change-request/accept"
    # when another store's seller, then the buyer, try to accept it
    client.force_login(market.other_seller)
    stranger = client.post(url, {"note": ""}, content_type="application/json")
    client.force_login(market.buyer)
    buyer = client.post(url, {"note": ""}, content_type="application/json")
    # then a stranger cannot tell the order exists, and the buyer may not answer for the seller
    assert (stranger.status_code, stranger.json()["code"]) == (404, "order_not_found")
    assert (buyer.status_code, buyer.json()["code"]) == (403, "not_your_action")
    assert order.change_requests.get().state == "pending"


def test_r13_r14_shipping_refuses_an_open_change_and_the_seller_can_no_longer_accept_it(market):
    # given a pending change
    order = market.paid(at=T0)
    change = _ask(market, order, LineChange(line=1, quantity=1))
    # when the seller ships instead
    order_ship(order_id=order.pk, user=market.seller, carrier="Cainiao", tracking_number="LP1",
               now=T0 + DAY)
    # then the change is refused by the shipment, on the timeline, and no money moved
    change.refresh_from_db()
    order.refresh_from_db()
    assert (order.state, change.state, change.decided_at) == (
        "awaiting_delivery", "refused_by_shipment", T0 + DAY)
    assert _kinds(order)[-2:] == ["ChangeRefusedByShipment", "OrderShipped"]
    assert describe("ChangeRefusedByShipment", {}) == (
        "The change request was refused because the seller shipped the order.")
    # and the loser of the race gets a clear error, and silence fires nothing for it
    _refused("no_pending_change", change_accept, order_id=order.pk, user=market.seller,
             now=T0 + DAY)
    assert not order.deadlines.filter(kind="change_request_response", fired_at__isnull=True,
                                      voided_at__isnull=True).exists()
    assert not Refund.objects.exists()


def test_r7_r13_a_cancellation_request_ends_an_open_change(market):
    order = market.paid(at=T0)
    change = _ask(market, order, LineChange(line=1, quantity=1))
    cancellation_request(order_id=order.pk, user=market.buyer, reason="no_longer_needed",
                         report_supplier=False, now=T0 + 25 * HOUR)
    change.refresh_from_db()
    assert change.state == "superseded"
    assert _kinds(order)[-2:] == ["CancellationRequested", "ChangeSuperseded"]
    # and no change may be asked while the cancellation request is pending
    _refused("cancellation_pending", _ask, market=market, order=order, at=T0 + 26 * HOUR)


def test_r12_r13_the_handling_time_closes_the_order_and_its_open_change(market):
    # given a change asked for 8 days after payment, the day before the seller must ship
    order = market.paid(at=T0)
    again = _ask(market, order, LineChange(line=1, quantity=1), at=T0 + 8 * DAY)
    # when the handling time passes (after its reminder) with the change still open
    assert deadlines_fire_due(now=T0 + 9 * DAY) == 2
    # then the order closes with a full refund, and the change with it
    again.refresh_from_db()
    order.refresh_from_db()
    assert (order.state, order.close_reason, order.refunded) == (
        "closed", "not_shipped_in_time", 2800)
    assert again.state == "closed_with_order"


def test_r13_new_delivery_details_apply_and_show_on_the_order(market):
    order = market.paid(at=T0)
    details = {"recipient": "Ann Lee", "line1": "1 Main St", "city": "Springfield",
               "postal_code": "12345", "country": "US"}
    change = _ask(market, order, delivery={**details, "phone": " "})
    assert (change.lines, change.delivery, change.price_after) == ([], details, 2800)
    change_accept(order_id=order.pk, user=market.seller, now=T0 + DAY)
    order.refresh_from_db()
    view = order_detail(order, Party.BUYER, now=T0 + DAY)
    assert (view["delivery"], view["change_request"]["state"]) == (details, "applied")
    assert (order.total, order.refunded) == (2800, 0)
    assert not Refund.objects.exists()


def test_r13_a_product_of_another_store_is_refused(market):
    order = market.paid(at=T0)
    refused = _refused("product_not_in_store", change_request, order_id=order.pk,
                       user=market.buyer, now=ASKED,
                       changes=[LineChange(line=1, product_id=market.other_product.pk)])
    assert refused.kind is ErrorKind.INVALID
    assert not ChangeRequest.objects.exists()


def test_r13_r28_the_api_asks_accepts_and_shows_the_change_and_its_refund(market, client):
    # given an order of two red shirts paid at T0, its buyer logged in to the API
    order = market.paid(at=T0)
    client.force_login(market.buyer)
    url = f"/api/v1/orders/{order.pk}/change-request"
    # when the buyer asks for one blue shirt, naming the line by its number
    asked = client.post(url, {"lines": [{"line": 1, "options": {"colour": "blue"},
                                         "quantity": 1}]}, content_type="application/json")
    # then the order reads with the pending change, 12.50 cheaper
    assert asked.status_code == 201
    body = asked.json()
    assert body["lines"][0]["line"] == 1
    assert {k: body["change_request"][k] for k in ("state", "price_before", "price_after",
                                                   "difference", "delivery")} == {
        "state": "pending", "price_before": {"amount": 2800, "currency": "USD"},
        "price_after": {"amount": 1550, "currency": "USD"},
        "difference": {"amount": -1250, "currency": "USD"}, "delivery": None}
    assert body["change_request"]["lines"][0]["after"]["options"] == {"colour": "blue"}
    assert [a["action"] for a in body["actions"]] == ["request_cancellation", "withdraw_change"]
    # when the seller accepts through the API
    client.force_login(market.seller)
    accepted = client.post(f"{url}/accept", {"note": ""}, content_type="application/json")
    # then the order shows the new line, the change applied and the 12.50 refund
    assert accepted.status_code == 200
    body = accepted.json()
    assert (body["lines"][0]["quantity"], body["lines"][0]["options"]) == (1, {"colour": "blue"})
    assert body["change_request"]["state"] == "applied"
    assert [(r["amount"]["amount"], r["method"]) for r in body["refunds"]] == [
        (1250, "bank_card")]
    assert (body["total"]["amount"], body["refunded"]["amount"]) == (2800, 1250)
