"""The simulation's generator and shrinker, without a database (issue 17)."""

from __future__ import annotations

from rescind.simulation.history import (
    Step,
    checkouts_of,
    history_generate,
    history_load,
    history_save,
)
from rescind.simulation.shrink import ddmin, history_shrink


def test_the_same_seed_generates_the_same_history_and_another_seed_another():
    # given two generations with one seed and one with another
    first = history_generate(seed=42, orders=200)
    again = history_generate(seed=42, orders=200)
    other = history_generate(seed=43, orders=200)
    # then the first two are equal step for step, the third differs
    assert first == again
    assert first != other
    # and the steps come in time order, with every order of the count placed
    assert [s.at for s in first] == sorted(s.at for s in first)
    placed = sum(len(s.args["stores"]) for s in first if s.action == "checkout")
    assert placed == 200


def test_a_history_saved_as_json_loads_back_equal(tmp_path):
    steps = history_generate(seed=7, orders=30)
    history_save(steps, tmp_path / "h.json", meta={"seed": 7, "trial": 3})
    loaded, meta = history_load(tmp_path / "h.json")
    assert loaded == steps
    assert meta == {"seed": 7, "trial": 3}


def test_ddmin_finds_the_two_items_that_together_fail():
    # given a predicate that fails when both 13 and 71 are present
    def fails(items):
        return 13 in items and 71 in items

    # when a hundred items are shrunk
    found = ddmin(list(range(100)), fails)
    # then exactly the two remain, in their order
    assert found == [13, 71]


def test_history_shrink_keeps_only_the_checkout_and_the_step_that_fail():
    # given a history whose failure needs checkout 4's "pay" step after its "checkout" step
    steps = history_generate(seed=3, orders=60)
    assert 4 in checkouts_of(steps)
    calls = []

    def fails(candidate: list[Step]) -> bool:
        calls.append(len(candidate))
        actions = [s.action for s in candidate if s.checkout == 4]
        return "checkout" in actions and "pay" in actions

    assert fails(steps)
    # when it is shrunk
    shrunk = history_shrink(steps, fails)
    # then two steps are left, checkout 4's checkout and pay, in that order
    assert [(s.checkout, s.action) for s in shrunk] == [(4, "checkout"), (4, "pay")]
    assert len(calls) <= 121
