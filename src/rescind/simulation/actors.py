"""Concurrent actors: one history acted out by several processes at once, on the same orders,
with the worker firing deadlines meanwhile (issue 17). For PostgreSQL, where transactions truly
run side by side; on SQLite they queue for the one writer and only the outcome is checked.

Time moves in slices. At the start of a slice the worker catches up to it; then the slice's
checkouts are placed, spread over the actor processes; then every other step of the slice is
dealt out round-robin, so that steps on one order or one checkout (two sellers approving the
requests on the two orders a platform coupon paid for, a seller shipping while the buyer
asks to cancel) run in different processes at the same moment, while this process fires the
deadlines due within the slice. Who wins each race is up to the database; the invariants
after the slice say whether the rules held.
"""

from __future__ import annotations

import multiprocessing
from collections import Counter
from collections.abc import Callable
from datetime import timedelta

from django.db import connections

from rescind.simulation.drive import Run, run_drain, step_do, worker_pass
from rescind.simulation.history import Step
from rescind.simulation.invariants import invariants_check
from rescind.simulation.runner import Result, final_check
from rescind.simulation.watch import ChangeWatch

SLICE = timedelta(hours=6)


def _actor(pipe, run: Run) -> None:
    """An actor process: do the steps it is dealt, report what they made."""
    connections.close_all()  # inherited from the parent before the fork: never shared
    while True:
        message = pipe.recv()
        if message is None:
            break
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
    for _ in range(actors):
        ours, theirs = context.Pipe()
        process = context.Process(target=_actor, args=(theirs, run), daemon=True)
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
        worker_pass(run, start)
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
