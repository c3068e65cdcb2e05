"""A decisions-only run over many processes: the history is cut into chunks of checkouts,
each generated from the run's seed and its chunk number, so that the orders are the same
whatever the number of processes (issue 17)."""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from rescind.domain.policy import Policy
from rescind.simulation.decisions import Engine, checkouts_split
from rescind.simulation.history import history_generate
from rescind.simulation.tally import Tally
from rescind.simulation.violations import Violation

CHUNK = 2000  # orders per chunk


@dataclass
class MemoryResult:
    tally: Tally
    violations: list[Violation] = field(default_factory=list)


def chunk_seed(seed: int, chunk: int) -> int:
    return seed * 1_000_003 + chunk


def chunk_run(job: tuple[int, int, int, Policy]) -> tuple[int, Tally, list[Violation]]:
    """Chunk `chunk` of the run: its orders through the domain under `policy`."""
    seed, chunk, orders, policy = job
    engine = Engine(policy)
    for steps in checkouts_split(history_generate(seed=chunk_seed(seed, chunk),
                                                  orders=orders)):
        engine.checkout_run(steps)
    return orders, engine.tally, engine.violations[:20]


def _jobs(seed: int, orders: int, policy: Policy) -> Iterator[tuple[int, int, int, Policy]]:
    chunk = 0
    while orders > 0:
        yield seed, chunk, min(CHUNK, orders), policy
        orders -= CHUNK
        chunk += 1


def memory_run(*, seed: int, orders: int, policy: Policy, processes: int = 1,
               progress: Callable[[int], None] | None = None) -> MemoryResult:
    """Every chunk, over `processes` processes; the tallies merged (order-independent sums)."""
    result = MemoryResult(Tally())
    jobs = list(_jobs(seed, orders, policy))
    if processes <= 1:
        outcomes = map(chunk_run, jobs)
        pool = None
    else:
        pool = multiprocessing.get_context("fork").Pool(processes)
        outcomes = pool.imap_unordered(chunk_run, jobs)
    try:
        for count, tally, violations in outcomes:
            result.tally.merge(tally)
            result.violations += violations
            if progress is not None:
                progress(count)
    finally:
        if pool is not None:
            pool.close()
            pool.join()
    return result
