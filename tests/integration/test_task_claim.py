"""The worker's claim: up to CLAIM_BATCH ready tasks at once, highest priority first, marked
running with the worker's id; tasks of a claim the worker cannot start in time go back."""

from __future__ import annotations

from datetime import timedelta

from django_tasks import task
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from rescind.statements import task_enqueue
from rescind.worker import CLAIM_BATCH, RescindWorker, tasks_claim

_ran: list[int] = []


@task(queue_name="refunds", priority=10)
def urgent(n: int) -> int:
    _ran.append(n)
    return n


@task()
def routine(n: int) -> int:
    _ran.append(n)
    return n


def _queue(routines: range, urgents: range) -> None:
    for n in routines:
        task_enqueue(routine, n)
    for n in urgents:
        task_enqueue(urgent, n)


def _args(tasks: list[DBTaskResult]) -> list[int]:
    return [t.args_kwargs["args"][0] for t in tasks]


def test_a_claim_takes_up_to_its_limit_highest_priority_first_and_marks_them_running(db):
    # given 8 routine tasks queued, then 4 urgent ones
    _queue(range(8), range(100, 104))
    # when a worker claims
    claimed = tasks_claim(queues=("refunds", "default"), worker_id="w1", limit=CLAIM_BATCH)
    # then it holds 10: the 4 urgent first, then the 6 routine queued first, in queue order
    assert CLAIM_BATCH == 10
    assert _args(claimed) == [100, 101, 102, 103, 0, 1, 2, 3, 4, 5]
    stored = DBTaskResult.objects.filter(pk__in=[t.pk for t in claimed])
    assert {(t.status, tuple(t.worker_ids)) for t in stored} == {("RUNNING", ("w1",))}
    assert len({t.started_at for t in stored}) == 1
    # and the next claim gets the last 2, the one after nothing
    assert _args(tasks_claim(queues=("refunds", "default"), worker_id="w2", limit=10)) == [6, 7]
    assert tasks_claim(queues=("refunds", "default"), worker_id="w2", limit=10) == []


def test_a_claim_takes_only_its_queues(db):
    # given routine and urgent tasks
    _queue(range(3), range(100, 102))
    # when a worker claims from the refunds queue only
    claimed = tasks_claim(queues=("refunds",), worker_id="w1", limit=10)
    # then it gets the urgent ones, and the routine ones stay ready
    assert _args(claimed) == [100, 101]
    assert DBTaskResult.objects.filter(status=TaskResultStatus.READY).count() == 3


def test_tasks_run_runs_every_ready_task_claim_after_claim_and_says_how_many(transactional_db):
    # given 23 routine tasks and 2 urgent ones
    _ran.clear()
    _queue(range(23), range(100, 102))
    # when the worker runs its tasks
    ran = RescindWorker(interval=0).tasks_run()
    # then all 25 ran once, the urgent first, and each is marked succeeded with its result
    assert ran == 25
    assert _ran == [100, 101, *range(23)]
    assert set(DBTaskResult.objects.values_list("status", flat=True)) == {"SUCCESSFUL"}
    assert sorted(DBTaskResult.objects.values_list("return_value", flat=True)) == \
        sorted([100, 101, *range(23)])


def test_tasks_run_stops_at_max_tasks_and_leaves_the_rest_ready(transactional_db):
    # given 15 routine tasks
    _ran.clear()
    _queue(range(15), range(0))
    # when the worker runs at most 12
    ran = RescindWorker(interval=0).tasks_run(max_tasks=12)
    # then 12 ran (a claim of 10, then one of 2) and 3 are still ready, none claimed
    assert ran == 12
    assert _ran == list(range(12))
    assert DBTaskResult.objects.filter(status=TaskResultStatus.READY).count() == 3
    assert not DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING).exists()


def test_a_claim_not_started_within_half_the_lease_goes_back_ready(transactional_db):
    # given a worker whose lease is so short that half of it passes during the first task
    _ran.clear()
    _queue(range(4), range(0))
    worker = RescindWorker(interval=0)
    worker.lease = timedelta(0)
    # when it runs its tasks
    ran = worker.tasks_run(max_tasks=4)
    # then the first task ran, and the 3 others of its claim were given back ready
    assert ran == 1
    assert _ran == [0]
    assert sorted(_args(list(DBTaskResult.objects.filter(status="READY")))) == [1, 2, 3]
    assert DBTaskResult.objects.filter(status="READY", started_at=None).count() == 3


def test_tasks_run_without_a_limit_runs_them_all(transactional_db):
    # given 130 routine tasks, more than the default limit of a run (100)
    _ran.clear()
    _queue(range(130), range(0))
    # when the worker runs its tasks with no limit
    ran = RescindWorker(interval=0).tasks_run(max_tasks=None)
    # then all 130 ran, in the order queued
    assert ran == 130
    assert list(range(130)) == _ran
