"""Seller metrics computed from the facts of each order, without a database (R30, R8, R10, R12,
R16)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from fractions import Fraction

import pytest

from rescind.domain.errors import DomainError, ErrorKind
from rescind.domain.metrics import (
    Period,
    PeriodOrder,
    Rate,
    metrics_sorted,
    period_parse,
    store_metrics_compute,
    stores_metrics_compute,
)
from rescind.domain.money import Money

A, B = 1, 2


def _paid(**facts) -> PeriodOrder:
    return PeriodOrder(store_id=facts.pop("store_id", A), currency=facts.pop("currency", "USD"),
                       paid=True, **facts)


def test_r30_r8_r12_cancellation_rate_counts_only_paid_orders_closed_against_the_seller():
    # given paid orders of store A closed for every side and reason, an unpaid one, an open
    # one, and a seller-side cancellation in store B
    orders = [
        _paid(close_reason="cancelled_on_request", responsible_side="seller"),
        _paid(close_reason="cancelled_on_request", responsible_side="buyer"),
        _paid(close_reason="cancelled_on_request", responsible_side="platform"),
        _paid(close_reason="not_shipped_in_time", responsible_side="seller"),
        _paid(close_reason="refunded_shipment_canceled", responsible_side="seller"),
        _paid(),
        PeriodOrder(store_id=A, currency="USD", paid=False, close_reason="cancelled_by_buyer"),
        _paid(store_id=B, close_reason="cancelled_on_request", responsible_side="seller"),
    ]
    # when store A's metrics are computed
    metrics = store_metrics_compute(A, "Store A", orders)
    # then the seller-side request and the handling-time closure count, out of 6 paid orders
    assert (metrics.orders, metrics.paid_orders, metrics.seller_cancellations) == (7, 6, 2)
    assert metrics.cancellation_rate == Rate(2, 6)
    assert metrics.cancellation_rate.fraction == Fraction(1, 3)
    assert metrics.cancellation_rate.percent == 33.3
    assert metrics.late_shipments == 1


def test_r30_r8_buyer_side_reasons_alone_leave_the_cancellation_rate_at_zero():
    orders = [_paid(close_reason="cancelled_on_request", responsible_side="buyer"),
              _paid(close_reason="cancelled_on_request", responsible_side="buyer")]
    metrics = store_metrics_compute(A, "Store A", orders)
    assert metrics.cancellation_rate == Rate(0, 2)
    assert metrics.cancellation_rate.percent == 0.0


def test_r30_r10_share_of_requests_approved_through_silence():
    # given three orders with four requests between them, one approved through silence
    orders = [_paid(requests=2), _paid(requests=1, auto_approved=1), _paid(requests=1),
              _paid(store_id=B, requests=3, auto_approved=3)]
    metrics = store_metrics_compute(A, "Store A", orders)
    assert (metrics.requests, metrics.auto_approved_by_silence) == (4, 1)
    assert metrics.auto_approval_share == Rate(1, 4)
    assert metrics.auto_approval_share.percent == 25.0


def test_r30_r16_shipments_canceled_disputes_opened_and_lost_are_summed():
    orders = [_paid(shipments_canceled=2, disputes_opened=1, disputes_lost=1),
              _paid(shipments_canceled=1), _paid(disputes_opened=1),
              _paid(store_id=B, shipments_canceled=5, disputes_opened=5, disputes_lost=5)]
    metrics = store_metrics_compute(A, "Store A", orders)
    assert (metrics.shipments_canceled, metrics.disputes_opened, metrics.disputes_lost) == (
        3, 2, 1)


def test_r30_refunds_are_counted_and_summed_per_currency():
    orders = [_paid(refunds=1, refunded=2800), _paid(refunds=2, refunded=1450),
              _paid(refunds=1, refunded=300, currency="EUR"), _paid(),
              _paid(store_id=B, refunds=1, refunded=999)]
    metrics = store_metrics_compute(A, "Store A", orders)
    assert metrics.refunds_paid == 4
    assert metrics.refunded == (Money(300, "EUR"), Money(4250, "USD"))


def test_r30_a_store_without_orders_has_zero_figures_and_no_rates():
    [metrics] = stores_metrics_compute({A: "Store A"}, [_paid(store_id=B)])
    assert (metrics.orders, metrics.paid_orders, metrics.refunds_paid, metrics.refunded) == (
        0, 0, 0, ())
    assert (metrics.cancellation_rate.fraction, metrics.cancellation_rate.percent) == (None, None)
    assert metrics.auto_approval_share.percent is None


def test_r30_every_listed_store_gets_a_row_by_name_and_unlisted_stores_none():
    rows = stores_metrics_compute({B: "Alpha", A: "Beta"},
                                  [_paid(store_id=A), _paid(store_id=A), _paid(store_id=3)])
    assert [(m.store_name, m.orders) for m in rows] == [("Alpha", 0), ("Beta", 2)]


@pytest.mark.parametrize(("numerator", "denominator", "percent"), [
    (1, 3, 33.3), (2, 3, 66.7), (1, 6, 16.7), (1, 8, 12.5), (1, 2000, 0.1), (1, 2001, 0.0),
    (5, 5, 100.0), (0, 7, 0.0),
])
def test_r30_rate_percent_rounds_half_up_to_one_decimal(numerator, denominator, percent):
    assert Rate(numerator, denominator).percent == percent


def _store(store_id: int, name: str, *orders: PeriodOrder):
    return store_metrics_compute(store_id, name, orders)


def test_r30_sorting_by_a_rate_is_exact_and_stores_without_a_rate_come_last():
    # given rates of 1/3 and 333/1000 (both 33.3 %), 0/1, and a store with no paid order
    third = _store(1, "Third", _paid(store_id=1, close_reason="not_shipped_in_time",
                                     responsible_side="seller"),
                   _paid(store_id=1), _paid(store_id=1))
    almost = _store(2, "Almost", *[_paid(store_id=2, close_reason="not_shipped_in_time",
                                         responsible_side="seller")] * 333,
                    *[_paid(store_id=2)] * 667)
    clean = _store(3, "Clean", _paid(store_id=3))
    empty = _store(4, "Empty")
    rows = [empty, clean, almost, third]
    # when sorted by cancellation rate either way, then the exact fractions decide
    assert [m.store_name for m in metrics_sorted(rows, by="cancellation_rate",
                                                 descending=True)] == [
        "Third", "Almost", "Clean", "Empty"]
    assert [m.store_name for m in metrics_sorted(rows, by="cancellation_rate")] == [
        "Clean", "Almost", "Third", "Empty"]


def test_r30_sorting_ties_go_by_store_name_and_names_sort_ignoring_case():
    rows = [_store(1, "beta", _paid(store_id=1)), _store(2, "Alpha", _paid(store_id=2)),
            _store(3, "Gamma")]
    assert [m.store_name for m in metrics_sorted(rows, by="orders", descending=True)] == [
        "Alpha", "beta", "Gamma"]
    assert [m.store_name for m in metrics_sorted(rows, by="store")] == ["Alpha", "beta", "Gamma"]


def test_r30_sorting_by_an_unknown_field_is_refused():
    with pytest.raises(DomainError) as refused:
        metrics_sorted([], by="profit")
    assert (refused.value.code, refused.value.kind) == ("unknown_sort_field", ErrorKind.INVALID)
    assert "cancellation_rate" in refused.value.details["allowed"]


def test_r30_period_is_whole_utc_days_with_the_last_one_included():
    period = period_parse("2026-03-02", "2026-03-03", today=date(2026, 11, 1))
    assert period == Period(date(2026, 3, 2), date(2026, 3, 3))
    assert (period.start, period.end) == (datetime(2026, 3, 2, tzinfo=UTC),
                                          datetime(2026, 3, 4, tzinfo=UTC))


def test_r30_period_defaults_to_the_30_days_ending_today():
    assert period_parse(None, None, today=date(2026, 3, 31)) == Period(date(2026, 3, 2),
                                                                       date(2026, 3, 31))
    assert period_parse(None, "2026-03-10", today=date(2026, 11, 1)) == Period(
        date(2026, 2, 9), date(2026, 3, 10))
    assert period_parse("2026-01-01", None, today=date(2026, 3, 31)) == Period(
        date(2026, 1, 1), date(2026, 3, 31))


@pytest.mark.parametrize(("first", "last"), [
    ("2026-13-01", None), ("2026-3-2", None), ("02.03.2026", None), ("2026-03-02T00:00", None),
    ("", None), (None, "2026-02-30"), (None, "２０２６-03-02"), ("2026-03-03", "2026-03-02"),
])
def test_r30_bad_dates_and_a_period_ending_before_it_starts_are_refused(first, last):
    with pytest.raises(DomainError) as refused:
        period_parse(first, last, today=date(2026, 3, 31))
    assert (refused.value.code, refused.value.kind) == ("invalid_period", ErrorKind.INVALID)


def test_r30_period_reaching_the_last_representable_day_still_has_an_end():
    period = period_parse("0001-01-01", "9999-12-31", today=date(2026, 3, 31))
    assert period.start == datetime(1, 1, 1, tzinfo=UTC)
    assert period.end == datetime.max.replace(tzinfo=UTC)
    assert period_parse(None, "0001-01-05", today=date(2026, 3, 31)).first == date(1, 1, 1)
