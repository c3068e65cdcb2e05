"""Seller metrics over orders driven through the real services, read back per store and period
(R30, R8-R10, R12, R16, R18-R20). The API's side is in test_metrics_api.py."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission

from rescind.aftersale.changes import change_accept, change_request
from rescind.aftersale.services import (
    cancellation_approve,
    cancellation_refuse,
    cancellation_request,
    cancellation_withdraw,
    order_ship,
)
from rescind.disputes.firing import disputes_fire_due
from rescind.disputes.services import (
    dispute_accept,
    dispute_decide,
    dispute_escalate,
    dispute_open,
    dispute_refuse,
)
from rescind.domain.changes import LineChange
from rescind.domain.metrics import Rate
from rescind.domain.money import Money
from rescind.metrics.reads import store_metrics
from rescind.orders.models import Deadline
from rescind.orders.services import order_cancel_unpaid
from rescind.orders.shipping import (
    shipment_canceled_refund,
    shipment_reassign,
    shipment_void,
)
from rescind.refunds.models import Refund
from rescind.scheduler import deadlines_fire_due
from tests.conftest import DAY, HOUR, T0

# The test's own account of DOMAIN.md R8, not the policy's: which reasons blame the seller.
SELLER_REASONS = {"seller_too_slow", "seller_asked_to_cancel", "out_of_stock",
                  "seller_not_replying"}
OTHER_REASONS = {"ordered_wrong_item", "no_longer_needed", "found_better_price",
                 "wrong_shipping_details", "paid_wrong_order", "duplicate_system_order"}
REASONS = sorted(SELLER_REASONS | OTHER_REASONS)
WIDE = {"period_start": T0 - DAY, "period_end": T0 + 60 * DAY}


def _metrics_of(store, **period):
    [metrics] = store_metrics(store_ids=[store.pk], **(period or WIDE))
    return metrics


@pytest.fixture
def decider(market):
    """Support staff who may decide disputes (R20)."""
    market.support.user_permissions.add(Permission.objects.get(codename="decide_dispute"))
    return get_user_model().objects.get(pk=market.support.pk)  # fresh permission cache


def _dispute(order, *, buyer, seller, decider, seller_lost: bool | None, at: datetime) -> None:
    """The buyer disputes the whole order at `at`; the seller accepts (and loses), or refuses
    and support decides for them, or nothing more happens (None)."""
    dispute_open(order_id=order.pk, user=buyer, reason="not_as_described", claim=None,
                 return_item=False, description="Not as described", evidence=[], now=at)
    if seller_lost:
        dispute_accept(order_id=order.pk, user=seller, now=at + DAY)
    elif seller_lost is False:
        dispute_refuse(order_id=order.pk, user=seller, note="As described", now=at + DAY)
        dispute_escalate(order_id=order.pk, user=buyer, note="It is not", now=at + 2 * DAY)
        dispute_decide(order_id=order.pk, user=decider, refund=0, return_item=False,
                       note="The photos match the listing", now=at + 3 * DAY)


def test_r30_r8_buyer_side_reason_never_counts_against_the_seller(market):
    # given a paid order the buyer asked to cancel because they ordered the wrong item
    order = market.requested(at=T0, reason="ordered_wrong_item")
    # when the seller approves and the order closes with a full refund
    cancellation_approve(order_id=order.pk, user=market.seller, now=T0 + 2 * DAY)
    # then the store's cancellation rate stays at 0 of 1 paid order
    metrics = _metrics_of(market.store)
    assert (metrics.orders, metrics.paid_orders, metrics.seller_cancellations) == (1, 1, 0)
    assert (metrics.cancellation_rate, metrics.cancellation_rate.percent) == (Rate(0, 1), 0.0)
    assert (metrics.requests, metrics.refunds_paid, metrics.refunded) == (
        1, 1, (Money(2800, "USD"),))


def test_r30_r8_seller_side_reason_counts_against_the_seller(market):
    order = market.requested(at=T0, reason="out_of_stock")
    cancellation_approve(order_id=order.pk, user=market.seller, now=T0 + 2 * DAY)
    market.paid(at=T0)
    metrics = _metrics_of(market.store)
    assert (metrics.cancellation_rate, metrics.cancellation_rate.percent) == (Rate(1, 2), 50.0)


def test_r30_r10_r8_silence_approval_counts_for_the_seller_but_a_buyer_reason_still_does_not(
        market):
    # given two requests the seller never answers, one for a buyer-side reason, and one refused
    market.requested(at=T0, reason="no_longer_needed")
    market.requested(at=T0, reason="seller_not_replying")
    refused = market.requested(at=T0)
    cancellation_refuse(order_id=refused.pk, user=market.seller, note="Packed",
                        now=T0 + 26 * HOUR)
    # when the response windows pass, then both are approved through silence
    deadlines_fire_due(now=T0 + 97 * HOUR)
    metrics = _metrics_of(market.store)
    assert (metrics.requests, metrics.auto_approved_by_silence) == (3, 2)
    assert (metrics.auto_approval_share, metrics.auto_approval_share.percent) == (
        Rate(2, 3), 66.7)
    # and only the seller-side reason counts in the cancellation rate
    assert metrics.cancellation_rate == Rate(1, 3)


def test_r30_r12_handling_time_closure_is_a_late_shipment_and_a_seller_cancellation(market):
    market.paid(at=T0)
    shipped = market.paid(at=T0)
    order_ship(order_id=shipped.pk, user=market.seller, carrier="DHL", tracking_number="T1",
               now=T0 + DAY)
    deadlines_fire_due(now=T0 + 10 * DAY)
    metrics = _metrics_of(market.store)
    assert (metrics.late_shipments, metrics.seller_cancellations, metrics.refunds_paid) == (
        1, 1, 1)
    assert metrics.cancellation_rate == Rate(1, 2)


def test_r30_r16_refunded_canceled_shipment_counts_as_canceled_shipment_not_as_cancellation(
        market):
    # given a shipment voided, reshipped, voided again and then refunded in full
    order = market.paid(at=T0)
    order_ship(order_id=order.pk, user=market.seller, carrier="DHL", tracking_number="T1",
               now=T0 + HOUR)
    shipment_void(order_id=order.pk, user=market.seller, now=T0 + 2 * HOUR)
    shipment_reassign(order_id=order.pk, user=market.seller, carrier="DHL",
                      tracking_number="T2", now=T0 + 3 * HOUR)
    shipment_void(order_id=order.pk, user=market.seller, now=T0 + 4 * HOUR)
    shipment_canceled_refund(order_id=order.pk, user=market.seller, now=T0 + 5 * HOUR)
    # then two canceled shipments and a refund, but no cancellation against the seller
    metrics = _metrics_of(market.store)
    assert (metrics.shipments_canceled, metrics.refunds_paid, metrics.seller_cancellations) == (
        2, 1, 0)


def test_r30_r18_r20_disputes_opened_and_lost_and_the_lost_refund_is_no_cancellation(
        market, decider):
    # given three shipped orders disputed in full: the seller accepts one, support decides one
    # for the seller, and one is still open
    orders = [market.paid(at=T0) for _ in range(3)]
    for n, (order, lost) in enumerate(zip(orders, (True, False, None), strict=True)):
        order_ship(order_id=order.pk, user=market.seller, carrier="DHL",
                   tracking_number=f"T{n}", now=T0 + HOUR)
        _dispute(order, buyer=market.buyer, seller=market.seller, decider=decider,
                 seller_lost=lost, at=T0 + 2 * DAY)
    # then three were opened and one was lost, whose full refund is not a cancellation
    metrics = _metrics_of(market.store)
    assert (metrics.disputes_opened, metrics.disputes_lost) == (3, 1)
    assert (metrics.refunds_paid, metrics.refunded, metrics.seller_cancellations) == (
        1, (Money(2800, "USD"),), 0)


def test_r30_r9_supplier_report_beside_a_request_is_a_dispute_opened(market):
    market.requested(at=T0, reason="seller_asked_to_cancel", report_supplier=True)
    metrics = _metrics_of(market.store)
    assert (metrics.requests, metrics.disputes_opened, metrics.disputes_lost) == (1, 1, 0)


def test_r30_a_failed_refund_is_not_counted_as_paid(market):
    for reason in ("out_of_stock", "no_longer_needed"):
        order = market.requested(at=T0, reason=reason)
        cancellation_approve(order_id=order.pk, user=market.seller, now=T0 + 2 * DAY)
    Refund.objects.filter(pk=Refund.objects.order_by("pk").first().pk).update(state="failed")
    metrics = _metrics_of(market.store)
    assert (metrics.refunds_paid, metrics.refunded) == (1, (Money(2800, "USD"),))


def test_r30_metrics_take_the_same_few_queries_however_many_orders(
        market, django_assert_num_queries):
    # stores, orders, requests, refunds, timeline: five queries for any number of orders
    with django_assert_num_queries(5):
        store_metrics(store_ids=None, **WIDE)
    for _ in range(3):
        order = market.requested(at=T0, reason="out_of_stock")
        cancellation_approve(order_id=order.pk, user=market.seller, now=T0 + 2 * DAY)
    with django_assert_num_queries(5):
        rows = store_metrics(store_ids=None, **WIDE)
    assert [(m.store_name, m.seller_cancellations) for m in rows] == [("Store A", 3),
                                                                     ("Store B", 0)]


# A generated marketplace: what the test did to each order, and so what the metrics must say.

SCENARIOS = ("unpaid", "unpaid_cancelled", "shipped", "approved", "refused_then_shipped",
             "refused_then_late", "silence", "shipped_while_pending", "withdrawn_then_shipped",
             "late", "void_reshipped", "void_twice", "void_refunded", "void_unanswered",
             "dispute_lost", "dispute_won", "dispute_silence", "dispute_open",
             "changed_then_shipped")


@dataclass
class Done:
    """The test's record of one generated order and what it expects the metrics to see."""

    store_id: int
    placed_at: datetime
    scenario: str
    paid: bool = True
    requests: int = 0
    auto_approved: int = 0
    seller_cancelled: bool = False
    late: bool = False
    shipments_canceled: int = 0
    disputes_opened: int = 0
    disputes_lost: int = 0
    refunds: list[int] = field(default_factory=list)
    closed_for: str = ""  # the reason of a request that closed it


def _drive(market, decider, rng: random.Random, n: int, scenario: str, in_a: bool) -> Done:
    """Place order `n` in store A (or B) and take it through `scenario` with the real services;
    the deadlines that finish some scenarios are fired later, all at once."""
    store, seller = (market.store, market.seller) if in_a else (market.other_store,
                                                                market.other_seller)
    total, unit = (2800, 1250) if in_a else (1450, 725)
    buyer = rng.choice([market.buyer, market.other_buyer])
    at = T0 + n * 5 * HOUR
    done = Done(store.pk, at, scenario)
    product = market.product if in_a else market.other_product
    if scenario.startswith("unpaid"):
        order = market.place(at=at, buyer=buyer, product=product)
        done.paid = False
        if scenario == "unpaid_cancelled":
            order_cancel_unpaid(order_id=order.pk, user=buyer, now=at + HOUR)
        return done
    order = market.paid(at=at, buyer=buyer, product=product)
    pk = order.pk

    def ship(hours: int, tracking: str = "A") -> None:
        order_ship(order_id=pk, user=seller, carrier="DHL", tracking_number=f"T{n}{tracking}",
                   now=at + hours * HOUR)

    if scenario in ("approved", "refused_then_shipped", "refused_then_late", "silence",
                    "shipped_while_pending", "withdrawn_then_shipped"):
        reason, report = rng.choice(REASONS), rng.random() < 0.3
        cancellation_request(order_id=pk, user=buyer, reason=reason, report_supplier=report,
                             now=at + 25 * HOUR)
        done.requests = 1
        done.disputes_opened = int(report)  # R9: a dispute beside the request, with support
        if scenario in ("approved", "silence"):
            # approved now, or by the platform when the seller's 72 hours pass
            if scenario == "approved":
                cancellation_approve(order_id=pk, user=seller, now=at + 26 * HOUR)
            done.auto_approved = int(scenario == "silence")
            done.seller_cancelled = reason in SELLER_REASONS
            done.closed_for = reason
            done.refunds = [total]
        elif scenario.startswith("refused"):
            cancellation_refuse(order_id=pk, user=seller, note="Packed", now=at + 26 * HOUR)
        elif scenario == "withdrawn_then_shipped":
            cancellation_withdraw(order_id=pk, user=buyer, now=at + 26 * HOUR)
        if scenario in ("refused_then_shipped", "shipped_while_pending",
                        "withdrawn_then_shipped"):
            ship(27)
    if scenario in ("late", "refused_then_late"):  # closed when the handling time passes
        done.late = done.seller_cancelled = True
        done.refunds = [total]
    if scenario == "shipped":
        ship(2)
    if scenario.startswith("void"):
        ship(2)
        shipment_void(order_id=pk, user=seller, now=at + 3 * HOUR)
        done.shipments_canceled = 1
        if scenario in ("void_reshipped", "void_twice"):
            shipment_reassign(order_id=pk, user=seller, carrier="DHL", tracking_number=f"T{n}B",
                              now=at + 4 * HOUR)
        if scenario == "void_twice":
            shipment_void(order_id=pk, user=seller, now=at + 5 * HOUR)
            done.shipments_canceled = 2
        if scenario == "void_refunded":
            shipment_canceled_refund(order_id=pk, user=seller, now=at + 4 * HOUR)
            done.refunds = [total]
    if scenario.startswith("dispute"):
        ship(2)
        # lost by accepting, or (R19) by silence when the dispute deadlines fire; won before
        # support; or opened so late that the seller's 15 days are still running at the end
        lost = {"dispute_lost": True, "dispute_won": False}.get(scenario)
        _dispute(order, buyer=buyer, seller=seller, decider=decider, seller_lost=lost,
                 at=at + (50 * DAY if scenario == "dispute_open" else 3 * DAY))
        done.disputes_opened = 1
        if scenario in ("dispute_lost", "dispute_silence"):
            done.disputes_lost = 1
            done.refunds = [total]  # the whole order back: a lost dispute, not a cancellation
    if scenario == "changed_then_shipped":  # R13: one item fewer, the difference refunded
        change_request(order_id=pk, user=buyer, changes=[LineChange(line=1, quantity=1)],
                       now=at + 3 * HOUR)
        change_accept(order_id=pk, user=seller, now=at + 4 * HOUR)
        done.refunds = [unit]
        ship(5)
    return done


def _expected(done: list[Done], store, start: datetime, end: datetime) -> dict:
    mine = [d for d in done if d.store_id == store.pk and start <= d.placed_at < end]
    refunded = sum(sum(d.refunds) for d in mine)
    return {
        "store_name": store.name, "orders": len(mine), "paid_orders": sum(d.paid for d in mine),
        "seller_cancellations": sum(d.seller_cancelled for d in mine),
        "requests": sum(d.requests for d in mine),
        "auto_approved_by_silence": sum(d.auto_approved for d in mine),
        "late_shipments": sum(d.late for d in mine),
        "shipments_canceled": sum(d.shipments_canceled for d in mine),
        "disputes_opened": sum(d.disputes_opened for d in mine),
        "disputes_lost": sum(d.disputes_lost for d in mine),
        "refunds_paid": sum(len(d.refunds) for d in mine),
        "refunded": (Money(refunded, "USD"),) if refunded else (),
    }


def _figures(metrics) -> dict:
    figures = {name: getattr(metrics, name) for name in (
        "store_name", "orders", "paid_orders", "seller_cancellations", "requests",
        "auto_approved_by_silence", "late_shipments", "shipments_canceled", "disputes_opened",
        "disputes_lost", "refunds_paid", "refunded")}
    assert metrics.cancellation_rate == Rate(metrics.seller_cancellations, metrics.paid_orders)
    assert metrics.auto_approval_share == Rate(metrics.auto_approved_by_silence,
                                               metrics.requests)
    return figures


def test_r30_r8_r10_r12_r16_generated_orders_give_exactly_the_figures_of_what_happened(
        market, decider):
    # given 40 orders placed 5 hours apart in random order over two stores, each through a
    # scenario (every one at least once per store), with random buyers, reasons and reports
    rng = random.Random(1)
    plan = [(scenario, in_a) for in_a in (True, False) for scenario in SCENARIOS]
    plan += [(rng.choice(SCENARIOS), rng.random() < 0.5) for _ in range(40 - len(plan))]
    rng.shuffle(plan)
    done = [_drive(market, decider, rng, n, *step) for n, step in enumerate(plan)]
    # and every deadline that falls due (silence approvals, handling-time closures, unpaid
    # timeouts, unanswered canceled shipments, disputes the seller left unanswered) fired, as
    # the worker fires them
    end_of_days = T0 + 60 * DAY
    while Deadline.objects.filter(fired_at__isnull=True, voided_at__isnull=True,
                                  due_at__lte=end_of_days).exists():
        deadlines_fire_due(now=end_of_days)
    disputes_fire_due(now=end_of_days)
    # when the metrics of the middle five days and of all of it are read
    for start, end in ((T0 + DAY, T0 + 6 * DAY), (T0 - DAY, end_of_days)):
        rows = store_metrics(store_ids=None, period_start=start, period_end=end)
        # then each store's figures are exactly those of the test's own record
        assert [_figures(m) for m in rows] == [
            _expected(done, store, start, end) for store in (market.store, market.other_store)]
    # and the generated set is not degenerate: in both stores requests closed orders for
    # seller-side and other reasons, and every column has something
    for store_id in (market.store.pk, market.other_store.pk):
        reasons = {d.closed_for for d in done if d.store_id == store_id} - {""}
        assert reasons & SELLER_REASONS and reasons & OTHER_REASONS, reasons
    middle = [_expected(done, store, T0 + DAY, T0 + 6 * DAY)
              for store in (market.store, market.other_store)]
    assert [m["orders"] for m in middle] == [12, 12]
    for figures in (_expected(done, store, T0 - DAY, end_of_days)
                    for store in (market.store, market.other_store)):
        assert all(figures.values()), figures
