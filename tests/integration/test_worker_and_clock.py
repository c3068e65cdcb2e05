"""The worker and the demo clock: deadlines fire on the shared clock, tasks run after commit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django_tasks_db.models import DBTaskResult

from rescind.clock.service import clock_advance, clock_offset, now
from rescind.domain.errors import DomainError
from rescind.orders.models import Deadline, TimelineEntry
from rescind.refunds.models import Refund, SandboxOperation
from rescind.scheduler import BATCHED, HANDLERS, deadlines_fire_due
from rescind.worker import RescindWorker
from tests.conftest import DAY, HOUR, T0

NOTIFY = "rescind.notifications.tasks.notify_task"


def test_demo_clock_advance_moves_now_for_every_reader(market, settings):
    # given demo mode
    settings.DEMO_MODE = True
    before = now()
    # when the clock is advanced by 3 days
    clock_advance(by=3 * DAY)
    # then every reader of the clock is 3 days ahead of real time
    assert clock_offset() == 3 * DAY
    assert timedelta(days=3) <= now() - before < timedelta(days=3, minutes=1)


def test_demo_clock_cannot_move_outside_demo_mode(market, settings):
    settings.DEMO_MODE = False
    with pytest.raises(DomainError) as refused:
        clock_advance(by=DAY)
    assert refused.value.code == "not_demo_mode"
    assert clock_offset() == timedelta(0)


@pytest.mark.parametrize("by", [timedelta(0), -DAY, timedelta(days=4000)])
def test_demo_clock_refuses_odd_durations(market, settings, by):
    settings.DEMO_MODE = True
    with pytest.raises(DomainError) as refused:
        clock_advance(by=by)
    assert refused.value.code == "bad_duration"


def test_r10_worker_pass_after_clock_advance_approves_and_starts_the_refund(live_market,
                                                                          settings):
    # given demo mode and a request made just now
    settings.DEMO_MODE = True
    real_now = datetime.now(UTC)
    order = live_market.requested(at=real_now - 25 * HOUR - timedelta(minutes=1))
    worker = RescindWorker(interval=0)
    # when the worker runs before the window passes, nothing happens
    assert worker.run_once() == 0
    # when the clock moves 73 hours and the worker runs
    clock_advance(by=73 * HOUR)
    assert worker.run_once() == 2  # the seller's reminder (R27), then the approval
    # then the order is closed and its refund was sent to the gateway by the task
    order.refresh_from_db()
    assert (order.state, order.close_reason) == ("closed", "cancelled_on_request")
    refund = Refund.objects.get(order=order)
    assert refund.state == "processing"
    assert SandboxOperation.objects.filter(kind="refund", amount=2800).count() == 1
    assert order.timeline.get(kind="CancellationAutoApproved").actor == "platform"


RESPOND_BY = T0 + 97 * HOUR  # of a request made at T0 + 25 h (Market.requested)


def _approved(order) -> tuple:
    order.refresh_from_db()
    return (order.state, order.timeline.filter(kind="CancellationAutoApproved").count(),
            Refund.objects.filter(order=order).count())


def test_r10_a_deadline_its_handler_refuses_is_voided_and_the_rest_of_its_batch_fires(market):
    # given three requests past their window, the middle one's request answerable a day longer
    # than its deadline says (so the auto-approval refuses it: not due)
    orders = [market.requested(at=T0) for _ in range(3)]
    orders[1].cancellation_requests.update(respond_by=RESPOND_BY + DAY)
    # when the worker fires what is due, every deadline in one batch
    fired = deadlines_fire_due(now=RESPOND_BY, batch=20)
    # then the three reminders and the two other approvals fired
    assert fired == 5
    assert [_approved(o) for o in orders] == [("closed", 1, 1), ("awaiting_shipment", 0, 0),
                                              ("closed", 1, 1)]
    # and the refused deadline is voided, never fired, so it does not come back
    deadline = orders[1].deadlines.get(kind=Deadline.Kind.SELLER_RESPONSE)
    assert (deadline.fired_at, deadline.voided_at) == (None, RESPOND_BY)
    assert orders[1].cancellation_requests.get().state == "pending"
    assert deadlines_fire_due(now=RESPOND_BY + DAY) == 0


def test_a_handler_that_crashes_is_passed_over_and_the_rest_of_its_batch_fires(market,
                                                                              monkeypatch):
    # given two requests past their window, and an auto-approval that crashes on the first
    orders = [market.requested(at=T0) for _ in range(2)]
    approve = HANDLERS[Deadline.Kind.SELLER_RESPONSE]

    def crashing(order, deadline, now):
        if order.pk == orders[0].pk:
            raise RuntimeError("a bug")
        approve(order, deadline, now)

    def crashing_batch(batch_orders, now):  # the batched auto-approval, the same bug
        if orders[0].pk in [o.pk for o in batch_orders]:
            raise RuntimeError("a bug")
        return approve_all(batch_orders, now=now)

    approve_all = BATCHED[Deadline.Kind.SELLER_RESPONSE]
    monkeypatch.setitem(HANDLERS, Deadline.Kind.SELLER_RESPONSE, crashing)
    monkeypatch.setitem(BATCHED, Deadline.Kind.SELLER_RESPONSE, crashing_batch)
    # when the worker fires what is due (the batch is rolled back and run again order by order)
    fired = deadlines_fire_due(now=RESPOND_BY, batch=20)
    # then the reminders and the second approval fired, and the first changed nothing
    assert fired == 3
    assert [_approved(o) for o in orders] == [("awaiting_shipment", 0, 0), ("closed", 1, 1)]
    # and its deadline stays due: the next pass tries it again
    deadline = orders[0].deadlines.get(kind=Deadline.Kind.SELLER_RESPONSE)
    assert (deadline.fired_at, deadline.voided_at) == (None, None)
    monkeypatch.setitem(HANDLERS, Deadline.Kind.SELLER_RESPONSE, approve)
    monkeypatch.setitem(BATCHED, Deadline.Kind.SELLER_RESPONSE, approve_all)
    assert deadlines_fire_due(now=RESPOND_BY) == 1
    assert _approved(orders[0]) == ("closed", 1, 1)


def test_r27_an_orders_later_deadline_in_the_same_batch_waits_for_the_earlier_one(market):
    # given a request past its window, with its seller's reminder also still open
    order = market.requested(at=T0)
    # when the worker fires what is due with both in one claim
    fired = deadlines_fire_due(now=RESPOND_BY, batch=20)
    # then the reminder fired first, then the approval, each once
    assert fired == 2
    kinds = list(order.timeline.values_list("kind", flat=True))
    assert kinds[-3:] == ["SellerReminded", "CancellationAutoApproved", "RefundCreated"]
    assert _approved(order) == ("closed", 1, 1)
    # and the approval's deadline reads fired, not voided by the order closing under it
    deadline = order.deadlines.get(kind=Deadline.Kind.SELLER_RESPONSE)
    assert (deadline.fired_at, deadline.voided_at) == (RESPOND_BY, None)


def test_r21_refunds_run_between_a_storms_batches_before_any_other_task(live_market):
    # given three requests past their window, their reminders fired, and a worker (whose
    # task runs commit: a transactional database)
    orders = [live_market.requested(at=T0) for _ in range(3)]
    deadlines_fire_due(now=RESPOND_BY - HOUR)
    worker = RescindWorker(interval=0)
    # when the deadlines fire one a batch, the worker running refunds between batches
    fired = deadlines_fire_due(now=RESPOND_BY, batch=1, between=worker.refunds_run)
    # then each batch's refund reached the gateway before the next batch closed its order:
    # its RefundStarted entry comes before the next order's approval
    assert fired == 3
    entries = {(e.order_id, e.kind): e.pk for e in TimelineEntry.objects.filter(
        order__in=orders, kind__in=["CancellationAutoApproved", "RefundStarted"])}
    # (in the order they fired: deadlines due at the same instant have none of their own, and
    # on Citus the due scan merges the shards' answers in any order)
    first, second, third = (order_id for _pk, order_id in sorted(
        (pk, order_id) for (order_id, kind), pk in entries.items()
        if kind == "CancellationAutoApproved"))
    assert entries[(first, "RefundStarted")] < entries[(second, "CancellationAutoApproved")]
    assert entries[(second, "RefundStarted")] < entries[(third, "CancellationAutoApproved")]
    # and the last batch's refund waits for the pass's task run (nothing follows it)
    assert (third, "RefundStarted") not in entries
    # and no other task ran in between: every notification still waits
    assert DBTaskResult.objects.filter(task_path=NOTIFY).exclude(status="READY").count() == 0
    assert DBTaskResult.objects.filter(task_path=NOTIFY).count() > 0
    assert Refund.objects.filter(order__in=orders, state="processing").count() == 2
