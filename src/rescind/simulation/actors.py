"""Concurrent actors: one history acted out by several processes at once, on the same orders,
with the worker firing deadlines meanwhile (issue 17). For PostgreSQL, where transactions truly
run side by side; on SQLite they queue for the one writer and only the outcome is checked.

Time moves in slices. At the start of a slice the worker catches up to it; then the slice's
checkouts are placed, spread over the actor processes; then every other step of the slice is
dealt out round-robin, so that steps on one order or one checkout (two sellers approving the
requests on the two orders a platform coupon paid for, a seller shipping while the buyer
asks to cancel) run in different processes at the same moment. Who wins each race is up to
the database; the invariants after the slice say whether the rules held.

On PostgreSQL the worker's catch-up at a slice's start is done by this process and every
actor at once, as several worker processes would do it (deadlines and tasks are claimed with
SKIP LOCKED, so each is done once): the tasks and firings of a 10,000-order run are most of
its work, and one process doing them all left the other core idle. On SQLite this process
does it alone, as the one writer would anyway.
"""

from __future__ import annotations

import multiprocessing
from collections import Counter
from collections.abc import Callable
from datetime import timedelta

from django.db import connections

from rescind.clock.service import clock_offset_forget
from rescind.simulation.drive import (
    Run,
    clock_move,
    run_drain,
    step_do,
    worker_catch_up,
    worker_pass,
)
from rescind.simulation.history import Step
from rescind.simulation.invariants import invariants_check
from rescind.simulation.runner import Result, final_check
from rescind.simulation.watch import ChangeWatch
from rescind.worker import RescindWorker

SLICE = timedelta(hours=6)


def _actor(pipe, run: Run, number: int) -> None:
    """An actor process: do the steps it is dealt, report what they made; or, told "work",
    catch up as one more worker and report how many deadlines it fired."""
    connections.close_all()  # inherited from the parent before the fork: never shared
    worker = RescindWorker(interval=0, worker_id=f"{run.market.prefix}-actor{number}")
    while True:
        message = pipe.recv()
        if message is None:
            break
        if message[0] == "work":
            clock_offset_forget()  # the clock was moved by the main process just now
            before = run.fired
            worker_catch_up(run, message[1], worker)
            pipe.send(run.fired - before)
            continue
        steps, orders, checkouts = message
        run.orders.update(orders)
        run.checkouts.update(checkouts)
        before_o, before_c = dict(run.orders), dict(run.checkouts)
        run.outcomes = Counter()
        for step in steps:
            step_do(run, step, worker=False)
        pipe.send((run.outcomes,
                   {k: v for k, v in run.orders.items() if k not in before_o},
                   {k: v for k, v in run.checkouts.items() if k not in before_c}))
    connections.close_all()


def _deal(steps: list[Step], actors: int) -> list[list[Step]]:
    hands: list[list[Step]] = [[] for _ in range(actors)]
    for index, step in enumerate(steps):
        hands[index % actors].append(step)
    return hands


def history_run_concurrently(run: Run, steps: list[Step], *, actors: int,
                             progress: Callable[[int], None] | None = None,
                             span: timedelta = SLICE) -> Result:
    """Act out `steps` with `actors` processes and this one as the worker, `span` of the
    history at a time."""
    connections.close_all()
    context = multiprocessing.get_context("fork")
    pipes, processes = [], []
    for number in range(actors):
        ours, theirs = context.Pipe()
        process = context.Process(target=_actor, args=(theirs, run, number), daemon=True)
        process.start()
        pipes.append(ours)
        processes.append(process)
    try:
        result = _slices(run, steps, pipes, progress, span)
    finally:
        for pipe in pipes:
            pipe.send(None)
        for process in processes:
            process.join(timeout=30)
    return result


def _worker_pass_together(run: Run, now, pipes) -> None:
    """`worker_pass` at `now`, by every actor beside this process on PostgreSQL. This process
    looks once more after the others report, so nothing is left due when it returns."""
    if connections["default"].vendor != "postgresql":
        worker_pass(run, now)
        return
    clock_move(now)
    for pipe in pipes:
        pipe.send(("work", now))
    worker = RescindWorker(interval=0, worker_id=f"{run.market.prefix}-worker")
    worker_catch_up(run, now, worker)
    for pipe in pipes:
        run.fired += pipe.recv()
    worker_catch_up(run, now, worker)  # what the others' last tasks queued


def _slices(run: Run, steps: list[Step], pipes, progress, span: timedelta) -> Result:
    pending = list(steps)
    done = 0
    new_orders: dict = {}
    new_checkouts: dict = {}
    watch = ChangeWatch()
    while pending:
        start = run.base + timedelta(minutes=pending[0].at)
        end = start + span
        batch = [s for s in pending if run.base + timedelta(minutes=s.at) < end]
        pending = pending[len(batch):]
        _worker_pass_together(run, start, pipes)
        run.now = start
        for phase in ([s for s in batch if s.action == "checkout"],
                      [s for s in batch if s.action != "checkout"]):
            if not phase:
                continue
            hands = _deal(phase, len(pipes))
            for pipe, hand in zip(pipes, hands, strict=True):
                pipe.send((hand, new_orders, new_checkouts))
            new_orders, new_checkouts = {}, {}
            for pipe in pipes:
                outcomes, orders, checkouts = pipe.recv()
                run.outcomes.update(outcomes)
                new_orders.update(orders)
                new_checkouts.update(checkouts)
            run.orders.update(new_orders)
            run.checkouts.update(new_checkouts)
        done += len(batch)
        if progress is not None:
            progress(len(batch))
        touched = {pk for s in batch for pk in run.order_ids(s.checkout)}
        touched |= watch.changed(set(run.orders.values()), start)
        found = invariants_check(touched, start)
        if found:
            return Result(done, found, run, failed_at=done)
    run_drain(run)
    found = final_check(run)
    return Result(len(steps), found, run, failed_at=len(steps) if found else None)
