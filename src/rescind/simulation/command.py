"""`rescind simulate`: the command's work, outside the Typer layer (issue 17).

Django is set up here, after the environment says which database, policy and clock to use:
demo mode (the simulation moves the demo clock), e-mail built and dropped (simulation/mail.py:
thousands of orders would print, or keep, tens of thousands of e-mails), and by default a
fresh SQLite file of its own, so a run never touches the demo's database.
"""

from __future__ import annotations

import os
import shlex
import tempfile
import time
from collections import Counter
from pathlib import Path

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from rich.text import Text

from rescind.simulation.history import Step, history_generate, history_load, history_save


class RateColumn(ProgressColumn):
    """Units per second, e.g. '412 steps/s'."""

    def __init__(self, unit: str) -> None:
        super().__init__()
        self.unit = unit

    def render(self, task) -> Text:
        speed = task.finished_speed or task.speed
        return Text(f"{speed:,.0f} {self.unit}/s" if speed else f"- {self.unit}/s",
                    style="progress.data.speed")


def progress_bar(console: Console, unit: str) -> Progress:
    return Progress("{task.description}", BarColumn(), MofNCompleteColumn(), RateColumn(unit),
                    TimeElapsedColumn(), "left", TimeRemainingColumn(), console=console,
                    transient=False, disable=not console.is_terminal)


def environment_prepare(*, database: str | None, policy: str | None) -> str:
    """Point Django at the run's database (a fresh SQLite file unless `database`) and policy,
    set it up and migrate. Returns the database URL, for the replay command."""
    if not database:
        folder = tempfile.mkdtemp(prefix="rescind-simulate-")
        database = f"sqlite:///{folder}/simulate.sqlite3"
    os.environ["RESCIND_DATABASE_URL"] = database
    os.environ["RESCIND_DEMO_MODE"] = "1"
    os.environ["RESCIND_EMAIL_BACKEND"] = "rescind.simulation.mail.EmailBackend"
    if policy:
        os.environ["RESCIND_POLICY_FILE"] = str(Path(policy).resolve())
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rescind.settings")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)
    return database


def history_pick(*, seed: int, orders: int, replay: str | None,
                 only: str | None) -> tuple[list[Step], int]:
    """The steps to run, and the trial (start year) they ran at when they failed."""
    if replay:
        steps, meta = history_load(replay)
        return steps, int(meta.get("trial", 0))
    steps = history_generate(seed=seed, orders=orders)
    if only:
        keep = {int(c) for c in only.split(",") if c.strip()}
        steps = [s for s in steps if s.checkout in keep]
    return steps, 0


PLANTS = ("r22",)


def sabotage_for(plant: str | None):
    """A deliberately broken ledger, to watch the checkers and the shrinker work: `r22`
    corrupts the first refund that empties its order, one minor unit above the charge."""
    if plant is None:
        return None
    from django.db.models import F

    from rescind.refunds.models import Refund

    def corrupt_refund(run) -> None:
        refund = (Refund.objects.filter(order_id__in=run.order_ids(),
                                        order__refunded=F("order__total"))
                  .exclude(state="failed").order_by("pk").first())
        if refund is not None and not Refund.objects.filter(
                order_id=refund.order_id, amount__gt=F("order__total")).exists():
            Refund.objects.filter(pk=refund.pk).update(amount=F("amount") + 1)

    return corrupt_refund


def simulate(*, console: Console, seed: int, orders: int, database: str | None,
             policy: str | None, replay: str | None, only: str | None, shrink: bool,
             plant: str | None, out: str, actors: int = 1) -> int:
    """Run a history through the database; on a violation shrink it and print the replay
    command. Returns the exit status."""
    url = environment_prepare(database=database, policy=policy)
    from rescind.simulation.runner import history_run
    from rescind.simulation.shrink import history_shrink

    steps, trial = history_pick(seed=seed, orders=orders, replay=replay, only=only)
    sabotage = sabotage_for(plant)
    started = time.monotonic()
    with progress_bar(console, "steps") as bar:
        task = bar.add_task("simulating", total=len(steps))
        result = history_run(steps, trial=trial, sabotage=sabotage, actors=actors,
                             progress=lambda n: bar.advance(task, n))
    took = time.monotonic() - started
    summary_print(console, result, took=took, steps=len(steps))
    if result.ok:
        return 0
    for violation in result.violations[:10]:
        console.print(f"[red]violation[/] {violation.text()}", highlight=False, soft_wrap=True)
    rules = {v.rule for v in result.violations}
    failing = steps[:result.steps_done]
    if shrink and actors == 1:  # concurrent runs do not replay step for step
        tries = {"n": trial}

        def fails(candidate: list[Step]) -> bool:
            tries["n"] += 1
            found = history_run(candidate, trial=tries["n"], sabotage=sabotage).violations
            return any(v.rule in rules for v in found)

        with console.status("shrinking the failing history..."):
            failing = history_shrink(failing, fails)
            trial = tries["n"] + 1
            final = history_run(failing, trial=trial, sabotage=sabotage)
        console.print(f"shrunk to {len(failing)} step(s):")
        for step in failing:
            console.print(f"  {step.text()}", highlight=False, soft_wrap=True)
        for violation in final.violations[:5]:
            console.print(f"  [red]{violation.text()}[/]", highlight=False, soft_wrap=True)
    path = Path(out or f"simulate-seed{seed}-failure.json").resolve()
    history_save(failing, path, meta={"seed": seed, "orders": orders, "trial": trial,
                                      "rules": sorted(rules)})
    command = ["rescind", "simulate", "--replay", str(path)]
    if actors > 1:
        command = ["rescind", "simulate", "--seed", str(seed), "--orders", str(orders),
                   "--actors", str(actors)]
    if database:
        command += ["--database", url]
    if policy:
        command += ["--policy", policy]
    if plant:
        command += ["--plant", plant]
    console.print("replay it with:", style="bold")
    console.print(shlex.join(command), highlight=False, soft_wrap=True)
    return 1


def summary_print(console: Console, result, *, took: float, steps: int) -> None:
    """The end-of-run table: how the steps went, where the orders ended, what was checked."""
    from rescind.orders.models import Order
    from rescind.refunds.models import Refund

    run = result.run
    ids = run.order_ids()
    table = Table(title="rescind simulate", show_header=True)
    table.add_column("what")
    table.add_column("count", justify="right")
    table.add_row("steps run", f"{result.steps_done:,} of {steps:,}")
    table.add_row("orders", f"{len(ids):,}")
    table.add_row("time", f"{took:,.1f} s ({len(ids) / took:,.1f} orders/s)" if took else "-")
    table.add_row("deadlines fired by the worker", f"{run.fired:,}")
    refused = sum(n for k, n in run.outcomes.items() if k.startswith("refused:"))
    table.add_row("steps done / refused by the rules", f"{run.outcomes['done']:,} / "
                                                        f"{refused:,}")
    states = Counter(Order.objects.filter(pk__in=ids).values_list("state", "close_reason"))
    for (state, reason), count in sorted(states.items()):
        table.add_row(f"  ended {state}{' (' + reason + ')' if reason else ''}", f"{count:,}")
    refunds = Counter(Refund.objects.filter(order_id__in=ids).values_list("state", flat=True))
    for state, count in sorted(refunds.items()):
        table.add_row(f"  refunds {state}", f"{count:,}")
    table.add_row("violations", f"[red]{len(result.violations)}[/]" if result.violations
                  else "[green]0[/]")
    console.print(table)


def simulate_in_memory(*, console: Console, seed: int, orders: int, policy: str | None,
                       processes: int) -> int:
    """Decisions only: the domain's functions in memory, over `processes` processes."""
    from rescind.domain.policy import load_policy
    from rescind.simulation.memory import memory_run

    started = time.monotonic()
    with progress_bar(console, "orders") as bar:
        task = bar.add_task("deciding", total=orders)
        result = memory_run(seed=seed, orders=orders, policy=load_policy(policy),
                            processes=processes, progress=lambda n: bar.advance(task, n))
    took = time.monotonic() - started
    t = result.tally
    table = Table(title="rescind simulate --decisions-only")
    table.add_column("what")
    table.add_column("count", justify="right")
    table.add_row("orders", f"{t.orders:,}")
    table.add_row("time", f"{took:,.1f} s ({t.orders / took:,.0f} orders/s, "
                          f"{processes} process(es))")
    table.add_row("steps done / refused by the rules", f"{t.steps - t.refused:,} / "
                                                        f"{t.refused:,}")
    for reason, count in sorted(t.closed.items()):
        table.add_row(f"  closed ({reason})", f"{count:,}")
    table.add_row("requests approved by silence", f"{t.auto_approved:,}")
    table.add_row("disputes opened", f"{t.disputes['opened']:,}")
    table.add_row("refunded (USD)", f"{t.refunded / 100:,.2f}")
    table.add_row("violations", f"[red]{len(result.violations)}[/]" if result.violations
                  else "[green]0[/]")
    console.print(table)
    for violation in result.violations[:10]:
        console.print(f"[red]violation[/] {violation.text()}", highlight=False, soft_wrap=True)
    if result.violations:
        console.print(f"replay one chunk end to end: rescind simulate --seed {seed} "
                      f"--orders {orders}", highlight=False, soft_wrap=True)
    return 1 if result.violations else 0


def compare(*, console: Console, paths: tuple[str, str], seed: int, orders: int,
            processes: int, report: str) -> int:
    """The policy what-if: one history under two policies, written as one HTML file."""
    from rescind.simulation.whatif import compare_run, report_html

    with progress_bar(console, "orders") as bar:
        task = bar.add_task("deciding twice", total=2 * orders)
        a, b = compare_run(paths, seed=seed, orders=orders, processes=processes,
                           progress=lambda n: bar.advance(task, n))
    path = Path(report or f"whatif-{a.name}-{b.name}.html").resolve()
    path.write_text(report_html(a, b, seed=seed, orders=orders), encoding="utf-8")
    table = Table(title="policy what-if")
    for column in ("orders closed", a.name, b.name):
        table.add_column(column, justify="right" if column != "orders closed" else "left")
    table.add_row("by the seller's silence", f"{a.tally.auto_approved:,}",
                  f"{b.tally.auto_approved:,}")
    for reason in ("not_shipped_in_time", "unpaid_timeout", "cancelled_on_request"):
        table.add_row(reason, f"{a.tally.closed[reason]:,}", f"{b.tally.closed[reason]:,}")
    console.print(table)
    console.print(f"report: {path}", highlight=False, soft_wrap=True)
    return 0
