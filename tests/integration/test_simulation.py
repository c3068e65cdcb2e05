"""`rescind simulate` through the real services and worker, on both databases (issue 17):
a fixed-seed history keeps every invariant, and the checkers are not hollow: a ledger broken
on purpose, or a rule broken in a fixture, is caught by the rule's checker and shrunk to a
history of a few steps that still fails."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django_tasks_db.models import DBTaskResult

from rescind.domain.coupons import CouponFate
from rescind.orders.models import Deadline, TimelineEntry
from rescind.refunds.models import Refund
from rescind.simulation.command import sabotage_for
from rescind.simulation.history import history_generate
from rescind.simulation.invariants import invariants_check
from rescind.simulation.runner import history_run
from rescind.simulation.shrink import history_shrink
from rescind.simulation.watch import ChangeWatch

pytestmark = pytest.mark.django_db(transaction=True)

SEED, ORDERS = 17, 60


@pytest.fixture
def demo_clock(settings):
    settings.DEMO_MODE = True  # the simulation moves the demo clock, as `rescind clock` does


def test_r3_r21_r22_r23_r25_r26_r29_r30_a_fixed_seed_history_keeps_every_invariant(
        demo_clock):
    # given the fixed-seed history CI runs
    steps = history_generate(seed=SEED, orders=ORDERS)
    # when it is driven through the services and the worker, checked after every step
    result = history_run(steps)
    # then no invariant broke, every step ran, and the history did real work: orders of
    # every ending, refunds paid back, deadlines fired by the worker
    assert [v.text() for v in result.violations] == []
    assert result.steps_done == len(steps)
    ids = result.run.order_ids()
    assert len(ids) == ORDERS
    assert result.run.outcomes["done"] > len(steps) // 2
    assert result.run.fired > ORDERS
    states = set(Refund.objects.filter(order_id__in=ids).values_list("state", flat=True))
    assert "succeeded" in states


def test_r22_a_refund_row_corrupted_on_purpose_is_caught_and_shrunk_to_a_few_steps(
        demo_clock):
    # given a ledger that, after each step, pushes one refund a minor unit above its charge
    sabotage = sabotage_for("r22")
    steps = history_generate(seed=5, orders=25)
    # when the history runs
    result = history_run(steps, sabotage=sabotage)
    # then the R22 checker (and R3's) caught it at once
    rules = {v.rule for v in result.violations}
    assert "R22" in rules and rules <= {"R3", "R22"}
    over = [v for v in result.violations if v.rule == "R22"][0]
    refund = Refund.objects.get(order_id=over.order_id)
    assert refund.amount == refund.order.total + 1
    # and the shrinker cuts the failing history down to a handful of steps that still fail
    trials = iter(range(1, 1000))

    def fails(candidate):
        found = history_run(candidate, trial=next(trials), sabotage=sabotage).violations
        return any(v.rule == "R22" for v in found)

    shrunk = history_shrink(steps[:result.steps_done], fails)
    assert len(shrunk) <= 3 < result.steps_done
    assert shrunk[0].action == "checkout"
    assert fails(shrunk)


def test_r25_r26_a_broken_coupon_rule_is_caught_by_its_checker(demo_clock, monkeypatch):
    # given a coupon rule broken in this fixture: every coupon comes back on cancellation
    def every_coupon_returns(coupon, orders, *, now):
        return CouponFate(coupon.code, coupon.kind, True, "all_items_cancelled")

    monkeypatch.setattr("rescind.coupons.services.coupon_fate", every_coupon_returns)
    steps = history_generate(seed=SEED, orders=ORDERS)
    # when the fixed-seed history runs
    result = history_run(steps)
    # then the coupon checker names the rule broken: a seller coupon or promo code came back
    # (R26), or a platform coupon came back while items it paid for still stand (R25)
    rules = {v.rule for v in result.violations}
    assert rules and rules <= {"R25", "R26"}, [v.text() for v in result.violations]


def test_r14_r25_concurrent_actors_on_the_same_orders_keep_every_invariant(demo_clock):
    # given a history whose checkouts hold several orders, acted out by three processes at
    # once (steps on one checkout dealt to different processes), the worker firing meanwhile
    steps = history_generate(seed=23, orders=40, spread_days=2)
    # when it runs, a day of the history at a time
    result = history_run(steps, actors=3, span=timedelta(days=1))
    # then whoever won each race, every invariant held, seller metrics (R30) included
    assert [v.text() for v in result.violations] == []
    assert result.steps_done == len(steps)
    assert len(result.run.order_ids()) == 40
    assert result.run.outcomes["done"] > len(steps) // 2
    # and on PostgreSQL the actors also caught up as workers beside the main process (each
    # task claimed once, by one of them); on SQLite the main process alone
    claimers = [ids for ids in DBTaskResult.objects.values_list("worker_ids", flat=True)]
    assert all(len(ids) == 1 for ids in claimers)
    by_actors = sum(1 for ids in claimers if "-actor" in ids[0])
    assert (by_actors > 0) is (connection.vendor == "postgresql")


def test_r10_r23_the_periodic_check_finds_exactly_the_orders_the_worker_changed(demo_clock):
    # given a finished run, and a watch that has looked once since
    result = history_run(history_generate(seed=5, orders=25))
    ours, now = set(result.run.orders.values()), result.run.now
    watch = ChangeWatch()
    assert watch.changed(ours, now) == set()
    refund = Refund.objects.filter(order_id__in=ours).order_by("pk").first()
    deadline = Deadline.objects.filter(order_id__in=ours).exclude(order_id=refund.order_id) \
        .order_by("pk").first()
    # when a refund is opened on one order and a deadline made and fired on another
    refund.pk, refund.idempotency_key, refund.state = None, uuid.uuid4(), "processing"
    refund.save()
    made = Deadline.objects.create(order_id=deadline.order_id, kind=deadline.kind,
                                   due_at=now, fired_at=now)
    # then the next look names those two orders and no other, and the one after, none
    assert watch.changed(ours, now) == {refund.order_id, made.order_id}
    assert watch.changed(ours, now) == {refund.order_id}  # not ended: looked at each time
    # and when the worker ends the refund, the look after names it once more, then never
    Refund.objects.filter(pk=refund.pk).update(state="succeeded", arrived_at=now)
    assert watch.changed(ours, now) == {refund.order_id}
    assert watch.changed(ours, now) == set()
    # and a deadline left open past its time is named at every look until it fires (R10)
    Deadline.objects.filter(pk=made.pk).update(fired_at=None)
    assert watch.changed(ours, now + timedelta(days=1)) == {made.order_id}
    assert watch.changed(ours, now + timedelta(days=1)) == {made.order_id}
    Deadline.objects.filter(pk=made.pk).update(fired_at=now)
    assert watch.changed(ours, now + timedelta(days=1)) == {made.order_id}
    assert watch.changed(ours, now + timedelta(days=1)) == set()


def test_r25_each_order_checked_alone_agrees_with_its_checkout_checked_whole(demo_clock):
    # given a checkout of two orders paid with one platform coupon, both cancelled, so the
    # coupon came back, its return written on one of the two (checkout 5734 of seed 2026)
    steps = [s for s in history_generate(seed=2026, orders=10_000) if s.checkout == 5734]
    result = history_run(steps)
    assert result.ok
    first, second = result.run.order_ids()
    returns = TimelineEntry.objects.filter(order_id__in=[first, second], kind="CouponReturned")
    assert returns.count() == 1
    # when each order is checked alone, as the periodic check may with the orders the worker
    # changed, then nothing is found either (R25 counts the coupon's returns on every order)
    assert invariants_check([first], result.run.now) == []
    assert invariants_check([second], result.run.now) == []
