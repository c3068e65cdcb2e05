"""Shrinking a failing history to a small one that still fails (issue 17).

Delta debugging (Zeller's ddmin) over whole checkouts first, since a checkout's steps only make
sense together, then over single steps. `fails` runs a candidate and says whether it still
breaks the same rule; every candidate is a fresh run, so the shrinker needs nothing but it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

from rescind.simulation.history import Step

T = TypeVar("T")


def ddmin(items: Sequence[T], fails: Callable[[list[T]], bool], *,
          budget: int = 200) -> list[T]:
    """A 1-minimal (within `budget` trials) sublist of `items`, order kept, on which `fails`
    is still true. `fails(items)` is assumed true."""
    current, chunks, trials = list(items), 2, 0
    while len(current) >= 2 and trials < budget:
        size = -(-len(current) // chunks)
        parts = [current[i:i + size] for i in range(0, len(current), size)]
        reduced = False
        for index in range(len(parts)):
            complement = [x for j, part in enumerate(parts) if j != index for x in part]
            trials += 1
            if fails(complement):
                current, chunks, reduced = complement, max(chunks - 1, 2), True
                break
            if trials >= budget:
                break
        if not reduced:
            if chunks >= len(current):
                break
            chunks = min(len(current), chunks * 2)
    return current


def history_shrink(steps: list[Step], fails: Callable[[list[Step]], bool], *,
                   budget: int = 120) -> list[Step]:
    """The failing history cut down: whole checkouts away first, then single steps."""
    checkouts = sorted({s.checkout for s in steps})

    def fails_with(kept: list[int]) -> bool:
        keep = set(kept)
        return fails([s for s in steps if s.checkout in keep])

    kept = set(ddmin(checkouts, fails_with, budget=budget // 2))
    fewer = [s for s in steps if s.checkout in kept]
    return ddmin(fewer, fails, budget=budget // 2)
