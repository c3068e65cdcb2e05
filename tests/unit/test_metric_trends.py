"""The five weekly rates of a store, its thresholds and the platform's median (R30)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from fractions import Fraction

import pytest

from rescind.domain.errors import DomainError
from rescind.domain.metric_trends import (
    MEASURES,
    is_at_risk,
    measure_counts,
    measure_of,
    median_share,
    percent,
    store_trends,
    trend_period_check,
    weeks_of,
)
from rescind.domain.metrics import Period, PeriodOrder, Rate
from rescind.domain.policy import Policy, policy_from_mapping


def _order(n: int, day: int, store: int = 1, **facts) -> PeriodOrder:
    return PeriodOrder(store_id=store, currency="USD", paid=facts.pop("paid", True),
                       order_id=n, placed_at=datetime(2026, 3, day, 12, tzinfo=UTC), **facts)


def test_r30_weeks_run_monday_to_sunday_and_the_ends_are_cut_to_the_period():
    weeks = weeks_of(Period(date(2026, 3, 4), date(2026, 3, 17)))  # a Wednesday to a Tuesday
    assert [(w.first.isoformat(), w.last.isoformat()) for w in weeks] == [
        ("2026-03-04", "2026-03-08"), ("2026-03-09", "2026-03-15"), ("2026-03-16", "2026-03-17")]


def test_r30_a_trend_longer_than_53_weeks_is_refused():
    trend_period_check(Period(date(2025, 3, 3), date(2026, 3, 1)))
    with pytest.raises(DomainError) as refused:
        trend_period_check(Period(date(2025, 1, 1), date(2026, 3, 1)))
    assert refused.value.code == "period_too_long"


def test_r30_at_risk_only_strictly_above_the_threshold():
    assert not is_at_risk(Rate(1, 50), 2.0)  # exactly 2 %
    assert is_at_risk(Rate(2, 99), 2.0)  # 2.02 %
    assert not is_at_risk(Rate(0, 0), 0.0)  # nothing to divide by


def test_r30_median_leaves_out_stores_with_nothing_to_divide_by():
    assert median_share([Rate(1, 10), Rate(0, 0), Rate(1, 2), Rate(0, 5)]) == Fraction(1, 10)
    assert median_share([Rate(1, 10), Rate(1, 4)]) == Fraction(7, 40)
    assert median_share([Rate(0, 0)]) is None
    assert (percent(Fraction(7, 40)), percent(Fraction(1, 3)), percent(None)) == (17.5, 33.3, None)


def test_r30_r8_r10_r12_r16_r18_each_measure_counts_orders_and_lists_exactly_them():
    orders = [
        _order(1, 2, close_reason="cancelled_on_request", responsible_side="seller",
               requests=1, auto_approved=1),
        _order(2, 3, close_reason="not_shipped_in_time", responsible_side="seller"),
        _order(3, 10, shipments_canceled=2),
        _order(4, 11, disputes_opened=1, disputes_lost=1),
        _order(5, 11, requests=1),
        _order(6, 12, paid=False),
    ]
    rates = {m.key: (m.rate(orders), measure_counts(m, orders)) for m in MEASURES}
    assert rates == {
        "cancellation_rate": (Rate(2, 5), [2, 1]),
        "auto_approval_share": (Rate(1, 2), [1]),
        "late_shipment_rate": (Rate(1, 5), [2]),
        "shipment_cancellation_rate": (Rate(1, 5), [3]),  # one order, two canceled shipments
        "dispute_lost_rate": (Rate(1, 5), [4]),
    }


def test_r30_store_trends_per_week_with_thresholds_from_the_policy_and_the_median():
    # given store 1 with a seller cancellation in the first week of two, and stores 2 and 3
    orders = [_order(1, 2, close_reason="cancelled_on_request", responsible_side="seller"),
              _order(2, 3), _order(3, 10),
              _order(4, 2, store=2), _order(5, 3, store=2, close_reason="not_shipped_in_time",
                                               responsible_side="seller"),
              _order(6, 3, store=3)]
    policy = policy_from_mapping({"r30_cancellation_rate_threshold": 30})
    trends = store_trends(1, orders, period=Period(date(2026, 3, 2), date(2026, 3, 15)),
                          policy=policy)
    cancellations = trends[0]
    assert cancellations.measure.key == "cancellation_rate"
    assert cancellations.rate == Rate(1, 3) and cancellations.at_risk  # 33.3 % > 30 %
    assert [(w.first.day, r) for w, r in cancellations.weeks] == [(2, Rate(1, 2)),
                                                                  (9, Rate(0, 1))]
    # the median of 1/3, 1/2 and 0 is 1/3
    assert (cancellations.threshold, cancellations.median_percent) == (30.0, 33.3)
    assert [t.threshold for t in trends[1:]] == [10.0, 4.0, 3.0, 1.0]


def test_r30_unknown_metric_is_refused_with_the_allowed_list():
    with pytest.raises(DomainError) as refused:
        measure_of("refund_rate")
    assert refused.value.code == "unknown_metric"
    assert refused.value.details["allowed"] == [m.key for m in MEASURES]


def test_r30_thresholds_in_the_policy_file_are_percentages():
    assert Policy().r30_dispute_lost_rate_threshold == 1.0
    changed = policy_from_mapping({"r30_dispute_lost_rate_threshold": 2})
    assert changed.r30_dispute_lost_rate_threshold == 2.0
    for bad in (-1, 101, "5", True):
        with pytest.raises(ValueError, match="percentage from 0 to 100"):
            policy_from_mapping({"r30_dispute_lost_rate_threshold": bad})


def test_r30_the_period_before_is_as_long_and_ends_the_day_before():
    from rescind.domain.metric_trends import period_before

    before = period_before(Period(date(2026, 3, 2), date(2026, 3, 22)))
    assert (before.first, before.last) == (date(2026, 2, 9), date(2026, 3, 1))
    assert period_before(Period(date(1, 1, 3), date(1, 1, 20))) is None
    orders = [_order(1, 2, close_reason="not_shipped_in_time", responsible_side="seller")]
    earlier = [_order(2, 1, close_reason="not_shipped_in_time", responsible_side="seller"),
               _order(3, 1), _order(4, 1, store=2)]
    trends = store_trends(1, orders, period=Period(date(2026, 3, 2), date(2026, 3, 8)),
                          policy=Policy(), before=earlier)
    assert trends[2].previous == Rate(1, 2)
    assert store_trends(1, orders, period=Period(date(2026, 3, 2), date(2026, 3, 8)),
                        policy=Policy())[2].previous is None
