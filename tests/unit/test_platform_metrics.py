"""Support's platform figures, pure (R8, R23, R30)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from rescind.domain.calendar import BusinessCalendar
from rescind.domain.metrics import PeriodOrder, Rate
from rescind.domain.platform_metrics import (
    Deadline,
    arrival_histogram,
    bin_width,
    by_side,
    cancellations_by_reason,
    elapsed,
    refund_deadline,
    stores_at_risk,
)
from rescind.domain.policy import Policy
from rescind.domain.refunds import PaymentMethod

US = BusinessCalendar("US")


def _at(day: int, hour: int = 10) -> datetime:
    return datetime(2026, 3, day, hour, tzinfo=UTC)


@pytest.mark.parametrize(("start", "end", "working", "expected"), [
    (_at(2), _at(9), False, 7), (_at(2), _at(9, 9), False, 6),
    (_at(2), _at(9), True, 5),  # Monday to Monday: five working days
    (_at(2), _at(9, 9), True, 4),  # an hour short of the fifth
    (_at(6), _at(9), True, 1),  # Friday to Monday
    (_at(7), _at(8), True, 0),  # a weekend
])
def test_r23_elapsed_counts_as_the_deadline_does(start, end, working, expected):
    assert elapsed(start, end, working=working, calendar=US) == expected


def test_r23_deadlines_and_bins_put_the_deadline_between_two_bins():
    policy = Policy()
    assert refund_deadline(PaymentMethod.E_WALLET, policy) == Deadline(7, working=False)
    assert refund_deadline(PaymentMethod.BANK_CARD, policy) == Deadline(15, working=True)
    assert [bin_width(d) for d in (1, 7, 8, 15, 16, 30, 17)] == [1, 1, 1, 3, 2, 5, 17]
    h = arrival_histogram("bank_card", Deadline(15, True), [0, 2, 3, 14, 15, 29, 30, 90], 5)
    assert [(b.low, b.high, b.count) for b in h.bins] == [
        (0, 3, 2), (3, 6, 1), (6, 9, 0), (9, 12, 0), (12, 15, 1), (15, 18, 1), (18, 21, 0),
        (21, 24, 0), (24, 27, 0), (27, 30, 1), (30, None, 2)]
    assert (h.marker_after, h.arrived, h.on_time, h.late, h.median) == (5, 8, 5, 3, 14.5)
    empty = arrival_histogram("e_wallet", Deadline(7, False), [], 0)
    assert (empty.arrived, empty.median, sum(b.count for b in empty.bins)) == (0, None, 0)


def test_r8_cancellations_by_reason_with_their_side_most_frequent_first():
    rows = cancellations_by_reason(["out_of_stock", "no_longer_needed", "out_of_stock",
                                    "not_shipped_in_time", "retired_reason"], Policy())
    assert [(r.code, r.side, r.count) for r in rows] == [
        ("out_of_stock", "seller", 2), ("no_longer_needed", "buyer", 1),
        ("not_shipped_in_time", "seller", 1), ("retired_reason", "platform", 1)]
    assert rows[0].label == "The item is out of stock"
    assert by_side(rows) == {"buyer": 1, "seller": 3, "platform": 1}


def test_r30_stores_at_risk_most_rates_first():
    def order(store, **facts):
        return PeriodOrder(store_id=store, currency="USD", paid=True, **facts)

    orders = [order(1, close_reason="not_shipped_in_time", responsible_side="seller"),
              order(2, shipments_canceled=1), order(2), order(3)]
    found = stores_at_risk(orders, {1: "Lamps", 2: "Bikes", 3: "Cups"}, Policy())
    assert [(s.store_name, [(m.key, r) for m, r, _t in s.over]) for s in found] == [
        ("Lamps", [("cancellation_rate", Rate(1, 1)), ("late_shipment_rate", Rate(1, 1))]),
        ("Bikes", [("shipment_cancellation_rate", Rate(1, 2))])]
