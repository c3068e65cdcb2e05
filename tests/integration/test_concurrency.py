"""Races on one order, and deadlines raced by several workers, on real connections (R14, R10).

Each contender runs in its own thread with its own database connection; a barrier starts them
together. On PostgreSQL the order row lock serialises them; on SQLite the IMMEDIATE transaction.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from django.db import connection

from rescind.aftersale.services import (
    cancellation_approve,
    cancellation_withdraw,
    order_ship,
)
from rescind.domain.errors import DomainError
from rescind.orders.models import Deadline, TimelineEntry
from rescind.refunds.models import Refund
from rescind.scheduler import deadline_fire, deadlines_fire_due
from tests.conftest import DAY, T0

ROUNDS = 12


def _race(contenders: dict[str, Callable[[], object]]) -> dict[str, str]:
    """Run every contender at once; returns name -> "won" or the error code it lost with."""
    barrier = threading.Barrier(len(contenders))
    results: dict[str, str] = {}

    def run(name: str, action: Callable[[], object]) -> None:
        try:
            barrier.wait()
            outcome = action()
            results[name] = "lost:not_fired" if outcome is False else "won"
        except DomainError as exc:
            results[name] = f"lost:{exc.code}"
        except Exception as exc:  # surfaced by the assertion below
            results[name] = f"crashed:{exc!r}"
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=item) for item in contenders.items()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def _contenders(market, order, names: tuple[str, ...]) -> dict[str, Callable[[], object]]:
    late = T0 + 10 * DAY  # past the seller's response window and the request's 72 h
    deadline = order.deadlines.get(kind=Deadline.Kind.SELLER_RESPONSE)
    every = {
        "ship": lambda: order_ship(order_id=order.pk, user=market.seller, carrier="Cainiao",
                                   tracking_number="LP1", now=late),
        "approve": lambda: cancellation_approve(order_id=order.pk, user=market.seller, now=late),
        "withdraw": lambda: cancellation_withdraw(order_id=order.pk, user=market.buyer, now=late),
        "auto_approve": lambda: deadline_fire(deadline_id=deadline.pk, order_id=order.pk,
                                              now=late),
    }
    return {name: every[name] for name in names}


@pytest.mark.parametrize("names", [
    ("ship", "approve", "auto_approve"),
    ("approve", "withdraw", "auto_approve"),
])
def test_r14_ship_decision_and_auto_approval_race_has_exactly_one_winner(live_market, names):
    for _ in range(ROUNDS):
        # given a pending request whose response window has passed
        order = live_market.requested(at=T0, reason="out_of_stock")
        # when the contenders act on the order at the same instant
        results = _race(_contenders(live_market, order, names))
        # then exactly one wins, and every loser got a clear domain error, not a crash
        winners = [name for name, result in results.items() if result == "won"]
        assert len(winners) == 1, results
        assert all(r.startswith("lost:") for n, r in results.items() if n not in winners)
        # and the order shows exactly the winner's outcome
        order.refresh_from_db()
        refunds = Refund.objects.filter(order=order).count()
        kinds = list(TimelineEntry.objects.filter(order=order).values_list("kind", flat=True))
        if winners[0] == "ship":
            assert (order.state, refunds) == ("awaiting_delivery", 0)
            assert kinds[-2:] == ["CancellationRefusedByShipment", "OrderShipped"]
        elif winners[0] == "withdraw":
            assert (order.state, refunds) == ("awaiting_shipment", 0)
            assert kinds[-1] == "CancellationWithdrawn"
        else:
            assert (order.state, refunds, order.refunded) == ("closed", 1, 2800)
            assert kinds[-1] == "RefundCreated"


def test_r10_two_workers_fire_each_deadline_once(live_market):
    # given 10 requests whose seller response windows all passed
    orders = [live_market.requested(at=T0) for _ in range(10)]
    late = T0 + 5 * DAY
    # when two workers fire due deadlines at the same time
    fired = _race({
        "worker_1": lambda: deadlines_fire_due(now=late),
        "worker_2": lambda: deadlines_fire_due(now=late),
    })
    # then each order was approved once and refunded once
    assert set(fired.values()) == {"won"}
    for order in orders:
        assert TimelineEntry.objects.filter(order=order,
                                            kind="CancellationAutoApproved").count() == 1
        assert Refund.objects.filter(order=order).count() == 1
    assert not Deadline.objects.filter(kind="seller_response", fired_at__isnull=True,
                                       voided_at__isnull=True).exists()
