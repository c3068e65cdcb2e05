"""One simulation run against the database: drive the steps, check the invariants after each
step and at the end, and stop at the first violation (issue 17)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.utils.crypto import get_random_string

from rescind.simulation.drive import (
    T0,
    YEAR,
    Run,
    database_quicken,
    market_create,
    run_drain,
    step_do,
)
from rescind.simulation.history import Step
from rescind.simulation.invariants import (
    Violation,
    check_r30_metrics,
    facts_read,
    invariants_check,
)
from rescind.simulation.watch import ChangeWatch

# Steps between checks of the orders the worker changed meanwhile (rescind.simulation.watch).
CHANGED_CHECK_EVERY = 200

# Called after each step with the run: tests plant a violation through it.
Sabotage = Callable[[Run], None]


@dataclass
class Result:
    steps_done: int
    violations: list[Violation]
    run: Run
    failed_at: int | None = None  # index of the step after which the first violation showed
    tallies: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.violations


def run_base(trial: int) -> datetime:
    """Trial `trial` of one database starts a whole number of 52-week years after T0."""
    return T0 + trial * YEAR


def history_run(steps: list[Step], *, trial: int = 0, sabotage: Sabotage | None = None,
                progress: Callable[[int], None] | None = None,
                check_each_step: bool = True, actors: int = 1,
                span: timedelta | None = None) -> Result:
    """Drive `steps` through the services and the worker; check after every step (the orders
    it touched; every CHANGED_CHECK_EVERY steps, every order the worker changed since the last
    such check) and after the drain (everything, seller metrics too). Stops at the first
    violation. With `actors` above one, several processes act at once
    (rescind.simulation.actors)."""
    database_quicken()
    market = market_create(f"sim{trial}-{get_random_string(6).lower()}")
    run = Run(market=market, base=run_base(trial), now=run_base(trial))
    if actors > 1:
        from rescind.simulation.actors import history_run_concurrently

        return history_run_concurrently(run, steps, actors=actors, progress=progress,
                                        **({"span": span} if span else {}))
    watch = ChangeWatch()
    for index, step in enumerate(steps):
        applied = step_do(run, step)
        if sabotage is not None:
            sabotage(run)
        if progress is not None:
            progress(1)
        if not applied or not check_each_step:
            continue
        ids = set(run.order_ids(step.checkout))
        if index % CHANGED_CHECK_EVERY == CHANGED_CHECK_EVERY - 1:
            ids |= watch.changed(set(run.orders.values()), run.now)
        found = invariants_check(ids, run.now)
        if found:
            return Result(index + 1, found, run, failed_at=index)
    run_drain(run)
    if sabotage is not None:
        sabotage(run)
    found = final_check(run)
    return Result(len(steps), found, run, failed_at=len(steps) if found else None)


def final_check(run: Run) -> list[Violation]:
    """Every invariant over every order of the run, and the seller metrics (R30)."""
    ids = run.order_ids()
    found = invariants_check(ids, run.now)
    if not found and ids:
        names = {s.pk: s.name for s in run.market.stores}
        found = check_r30_metrics(facts_read(ids), run.now, store_names=names,
                                  period=(run.base - timedelta(days=1),
                                          run.base + timedelta(days=400)))
    return found


def outcome_tallies(run: Run) -> dict[str, int]:
    return dict(sorted(run.outcomes.items()))
