"""`rescind`: the one command for running and operating the service."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated

import typer
from django.db import DatabaseError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TimeElapsedColumn
from rich.table import Table

from rescind.process_tree import children_run, stop_with_starting_parent
from rescind.web_server import DEFAULT_HEADER_TIMEOUT, DEFAULT_MAX_CONNECTIONS, web_serve

console = Console()
errors = Console(stderr=True)


class _RescindApp(typer.Typer):
    """Typer, with a database error explained in one paragraph (what is wrong with the
    database, and what to do) and exit status 1, instead of a traceback."""

    def __call__(self, *args, **kwargs):
        try:
            return super().__call__(*args, **kwargs)
        except DatabaseError as exc:
            from rescind.database_ready import database_error_explained

            _problem(database_error_explained(exc))
            sys.exit(1)


def _problem(paragraph: str, *, style: str = "red") -> None:
    """One paragraph on stderr, unwrapped (the terminal wraps it), taken literally."""
    errors.print(paragraph, style=style, markup=False, highlight=False, soft_wrap=True)


app = _RescindApp(help="Rescind: the after-sale side of marketplace orders.",
                  no_args_is_help=True)
clock_app = typer.Typer(help="The shared clock (demo mode can move it forward).",
                        no_args_is_help=True)
app.add_typer(clock_app, name="clock")
citus_app = typer.Typer(help="Running on Citus, distributed PostgreSQL (docs/deployment.md).",
                        no_args_is_help=True)
app.add_typer(citus_app, name="citus")
translations_app = typer.Typer(help="The translations of the pages, e-mails and messages "
                               "(rescind/translations.py).", no_args_is_help=True)
app.add_typer(translations_app, name="translations")


def _django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rescind.settings")
    import django

    django.setup()


def _refuse_unsafe_start(*, web: bool) -> None:
    """Run Django's system checks (for the web server outside demo mode, the deployment ones
    too) and stop on an error, e.g. rescind.E001: no RESCIND_SECRET_KEY outside demo mode."""
    _django()
    from django.conf import settings
    from django.core import checks

    found = checks.run_checks(include_deployment_checks=web and not settings.DEMO_MODE)
    for message in found:
        console.print(f"[{'red' if message.is_serious() else 'yellow'}]{message}[/]",
                      highlight=False)
    if any(message.is_serious() for message in found):
        raise typer.Exit(1)


def _database_ready(*, refuse: set[str] | None = None) -> None:
    """Stop with a paragraph saying what is wrong with the database (see database_ready.py),
    when it is one of `refuse` (None: any); other problems are printed as a warning."""
    from rescind.database_ready import database_problem

    found = database_problem()
    if found is None:
        return
    if refuse is None or found.problem in refuse:
        _problem(found.message)
        raise typer.Exit(1)
    _problem(found.message, style="yellow")


def _took(seconds: float) -> str:
    return f"{seconds:.1f} s" if seconds < 60 else f"{int(seconds // 60)} min {int(seconds % 60)} s"


@contextmanager
def _step(title: str, doing: str, *, total: int | None = None) -> Iterator[Callable[[], None]]:
    """'==> title', then, on a terminal, a spinner saying what it is `doing` (and a bar, given
    a `total`) with the time spent. Yields the function that counts one unit of `total` done."""
    _say(f"==> {title}", style="bold")
    if not console.is_terminal:
        yield lambda: None
        return
    columns = [SpinnerColumn(), "{task.description}"]
    if total is not None:
        columns += [BarColumn(), MofNCompleteColumn()]
    with Progress(*columns, TimeElapsedColumn(), console=console, transient=True) as progress:
        task = progress.add_task(doing, total=total)
        yield lambda: progress.advance(task)


def _say(line: str, *, style: str = "") -> None:
    console.print(line, style=style, markup=False, highlight=False, soft_wrap=True)


def _migrate_with_progress() -> None:
    """Apply the migrations this code has and the database lacks, saying which case it is: a
    new database, one to update, or one already up to date."""
    from django.core.management import call_command
    from django.core.management.commands.migrate import Command as MigrateCommand
    from django.db import connections
    from django.db.migrations.executor import MigrationExecutor

    from rescind.database_ready import database_where

    executor = MigrationExecutor(connections["default"])
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    where = database_where()
    if not plan:
        _say(f"==> The database is up to date ({where})", style="bold")
        return
    new = not executor.loader.applied_migrations
    count = f"{len(plan)} migration{'' if len(plan) == 1 else 's'}"
    title = (f"Creating the database ({where}): {count}" if new
             else f"Updating the database ({where}): {count}")
    started = time.monotonic()
    with _step(title, "applying migrations", total=len(plan)) as advance:

        class Migrate(MigrateCommand):
            def migration_progress_callback(self, action, migration=None, fake=False):
                if action == "apply_success":
                    advance()

        call_command(Migrate(), "--noinput", verbosity=0)
    _say(f"    {'created' if new else 'updated'} in {_took(time.monotonic() - started)}")


@app.command()
def migrate() -> None:
    """Create or update the database schema."""
    _refuse_unsafe_start(web=False)
    _migrate_with_progress()


def _seed_with_progress() -> None:
    from rescind.demo import DEMO_LOGINS, demo_present, demo_seed
    from rescind.orders.models import Order, Store

    if not demo_present():
        started = time.monotonic()
        with _step("Loading the demo marketplace", "placing, paying, cancelling orders"):
            demo_seed()
        _say(f"    loaded {Store.objects.count()} stores and {Order.objects.count()} orders in "
             f"{_took(time.monotonic() - started)}")
    else:
        _say("==> The demo marketplace is already loaded", style="bold")
    _print_logins(DEMO_LOGINS)


@translations_app.command("update")
def translations_update() -> None:
    """Bring every catalog in line with the marked texts (needs GNU gettext's xgettext)."""
    from rescind.translations import PACKAGE, CatalogsOutOfReach, problems, update

    try:
        update()
    except CatalogsOutOfReach as exc:
        _problem(f"makemessages failed: {exc}")
        sys.exit(1)
    console.print(f"catalogs updated; {len(problems(PACKAGE))} message(s) still to translate "
                  "(`rescind translations check` lists them)")


@translations_app.command("compile")
def translations_compile() -> None:
    """Write the .mo files the service reads (done by `python3 dev.py demo` and `test`)."""
    from rescind.translations import compile_all

    console.print(f"{compile_all()} catalog(s) compiled")


@translations_app.command("check")
def translations_check() -> None:
    """List every message not translated, fuzzy or with other placeholders; exit 1 if any."""
    from rescind.translations import problems

    found = problems()
    for line in found:
        console.print(line, markup=False, highlight=False)
    if found:
        sys.exit(1)
    console.print("every catalog is complete in every shipped language")


@citus_app.command("distribute")
def citus_distribute(shard_count: Annotated[int | None, typer.Option(
        min=1, help="shards a distributed table (default: Citus's citus.shard_count, 32)")]
        = None) -> None:
    """Turn a freshly migrated database on a Citus coordinator into the distributed schema:
    order tables by order id, checkouts by checkout id, small shared tables as reference
    tables. Running it again changes nothing; a database already holding orders is refused."""
    _refuse_unsafe_start(web=False)
    _database_ready()
    from rescind.citus import DistributeRefused, distribute

    try:
        done = distribute(shard_count=shard_count)
    except DistributeRefused as exc:
        _problem(str(exc))
        raise typer.Exit(1) from None
    for line in done:
        _say(f"    {line}")


@app.command()
def seed() -> None:
    """Load the demo marketplace (three stores, buyers, ~20 orders) if it is not there yet."""
    _django()
    _database_ready()
    _seed_with_progress()


def _print_logins(logins: list[tuple[str, str, str]]) -> None:
    table = Table(title="Demo logins (password: demo)")
    table.add_column("username")
    table.add_column("role")
    table.add_column("what to try")
    for username, role, hint in logins:
        table.add_row(username, role, hint)
    console.print(table)


@app.command()
def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: Annotated[int, typer.Option(help="web worker processes")] = 2,
    threads: Annotated[int, typer.Option(
        help="request threads per worker; each holds its own database connection")] = 4,
    max_connections: Annotated[int, typer.Option(
        min=1, help="open client connections per worker, idle ones included; more wait "
                    "in the listen backlog")] = DEFAULT_MAX_CONNECTIONS,
    header_timeout: Annotated[int, typer.Option(
        min=1, max=60, help="seconds a client has to send a request's headers, from "
                            "connecting or from its previous response (keep-alive)")
    ] = DEFAULT_HEADER_TIMEOUT,
) -> None:
    """Serve the web pages and the API (granian, WSGI, HTTP/1.1) until SIGTERM or SIGINT.

    Two workers, one per core, measured best on two cores (docs/benchmarks.md). Threads are
    capped because each keeps a database connection open: granian's own default (up to 512
    threads a worker) let 16 clients hold 56 PostgreSQL connections (docs/deployment.md).
    Connections are not capped at the threads: idle clients would then lock everyone out
    (web_server.py). In production put a buffering reverse proxy in front (docs/deployment.md).
    """
    stop_with_starting_parent()
    _public_url_default(host, port)
    _refuse_unsafe_start(web=True)
    # A database never migrated is a mistake (the wrong folder); one behind is a rolling
    # deploy, which /readyz holds back; one down may come back (the server rides outages).
    _database_ready(refuse={"no_file", "not_migrated"})
    web_serve(host=host, port=port, workers=workers, threads=threads,
              max_connections=max_connections, header_timeout=header_timeout)


@app.command()
def worker(interval: Annotated[float, typer.Option(help="seconds between idle polls")] = 1.0,
           once: Annotated[bool, typer.Option(help="one pass, then exit")] = False) -> None:
    """Fire due deadlines and run queued tasks (refunds, notifications), until stopped."""
    stop_with_starting_parent()
    _refuse_unsafe_start(web=False)
    _database_ready(refuse={"no_file", "not_migrated"})
    from rescind.worker import RescindWorker

    runner = RescindWorker(interval=interval)
    if once:
        console.print(f"fired {runner.run_once()} deadline(s)")
    else:
        runner.run_forever()


@app.command()
def prune(dry_run: Annotated[bool, typer.Option(help="count what would go; remove nothing")]
          = False) -> None:
    """Remove finished rows older than their retention (the worker does this a little every
    pass): task rows, e-mail and webhook logs, idempotency records."""
    _django()
    from django.conf import settings
    from django.utils import timezone

    from rescind.pruning import KINDS, Retention, prune_count, prune_cutoffs, prune_pass

    now, retention = timezone.now(), Retention.configured()
    if dry_run:
        counts = prune_count(now=now, retention=retention)
    else:
        counts = prune_pass(now=now, retention=retention, max_batches=None,
                            batch_size=settings.RESCIND_PRUNE_BATCH_SIZE).removed
    cutoffs = prune_cutoffs(now=now, retention=retention)
    table = Table(title="Would remove (dry run)" if dry_run else "Removed")
    table.add_column("rows")
    table.add_column("older than")
    table.add_column("count", justify="right")
    for kind in KINDS:
        table.add_row(kind.replace("_", " "), cutoffs[kind].isoformat(timespec="seconds"),
                      f"{counts[kind]:,}")
    console.print(table)


@app.command()
def demo(port: int = 8000,
         reset: Annotated[bool, typer.Option(help="start from an empty database")] = False) -> None:
    """Migrate, load the demo marketplace, and serve it with a worker, in demo mode, until
    SIGTERM or SIGINT (Ctrl-C), which stop the server and the worker too."""
    os.environ["RESCIND_DEMO_MODE"] = "1"
    # The demo's e-mails go to files (var/mail/), not over the console of the worker.
    os.environ.setdefault("RESCIND_EMAIL_BACKEND",
                          "django.core.mail.backends.filebased.EmailBackend")
    # Before the settings are read: the worker started below inherits it.
    _public_url_default("127.0.0.1", port)
    _django()
    from django.conf import settings

    if reset:
        db_file = settings.DATABASES["default"]["NAME"]
        if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3") and os.path.exists(
                str(db_file)):
            os.remove(str(db_file))
    _migrate_with_progress()
    _seed_with_progress()
    _say(f"==> Starting the worker and the web server on port {port}", style="bold")
    console.print(f"\n[bold]Rescind demo:[/bold] http://127.0.0.1:{port}/  "
                  f"(API: http://127.0.0.1:{port}/api/v1/docs)\n"
                  "Move the clock with the control on every page or `rescind clock advance 3d`.\n"
                  f"E-mails the demo sends are written to {settings.EMAIL_FILE_PATH}/.\n")
    # Both stop with the demo: on SIGTERM/SIGINT it stops them and waits; if it is killed
    # outright, the kernel tells them (process_tree.py).
    status = children_run([[sys.executable, "-m", "rescind.cli", "worker"],
                           [sys.executable, "-m", "rescind.cli", "serve", "--port", str(port)]])
    raise typer.Exit(status)


def _clock_text() -> str:
    """'2026-03-05 11:00:00 UTC, 3 days 1 hour ahead of real time'."""
    from rescind.clock.service import clock_offset, now
    from rescind.web.templatetags.rescind import duration

    offset = clock_offset()  # never negative: the clock only moves forward, or back to real time
    shown = now().strftime("%Y-%m-%d %H:%M:%S UTC")
    return f"{shown}, {duration(offset)} ahead of real time" if offset else \
        f"{shown}, real time"


@clock_app.command("show")
def clock_show() -> None:
    """Print the shared clock's time and how far it is from real time."""
    os.environ.setdefault("RESCIND_DEMO_MODE", "1")
    _django()
    _database_ready()
    console.print(_clock_text(), highlight=False)


@clock_app.command("advance")
def clock_move(by: Annotated[str, typer.Argument(help="e.g. 73h, 3d, 1d12h")]) -> None:
    """Move the shared clock forward (demo mode); due deadlines fire on the worker's next pass."""
    os.environ.setdefault("RESCIND_DEMO_MODE", "1")
    _django()
    from rescind.clock.service import clock_advance
    from rescind.domain.errors import DomainError
    from rescind.domain.policy import parse_duration

    try:
        step = parse_duration(by)
    except ValueError as exc:
        _problem(str(exc))
        raise typer.Exit(2) from None
    _database_ready()
    try:
        clock_advance(by=step)
    except DomainError as exc:
        _problem(exc.message)
        raise typer.Exit(2) from None
    console.print(f"clock is now {_clock_text()}", highlight=False)


@clock_app.command("reset")
def clock_reset_command() -> None:
    """Put the demo clock back to real time."""
    _django()
    _database_ready()
    from rescind.clock.service import clock_reset

    clock_reset()
    console.print("clock reset to real time")


@app.command()
def simulate(
    orders: Annotated[int, typer.Option(help="orders to generate")] = 1000,
    seed: Annotated[int, typer.Option(help="the generator's seed")] = 1,
    database: Annotated[str | None, typer.Option(
        help="database URL; default: a fresh SQLite file of the run's own")] = None,
    policy: Annotated[str | None, typer.Option(help="a policy TOML file")] = None,
    replay: Annotated[str | None, typer.Option(help="run a saved history (JSON)")] = None,
    only: Annotated[str | None, typer.Option(help="only these checkouts, e.g. 3,17")] = None,
    shrink: Annotated[bool, typer.Option(help="shrink a failing history")] = True,
    plant: Annotated[str | None, typer.Option(
        help="break a ledger on purpose (r22), to see the checkers and shrinker work")] = None,
    out: Annotated[str, typer.Option(help="where a failing history is saved")] = "",
    decisions_only: Annotated[bool, typer.Option(
        help="the domain's decisions in memory, no database (fast: a million orders)")] = False,
    processes: Annotated[int, typer.Option(help="processes for --decisions-only/--compare",
                                           min=1, max=64)] = 2,
    compare: Annotated[tuple[str, str] | None, typer.Option(
        help="two policy TOML files: the same history under each, as an HTML report")] = None,
    report: Annotated[str, typer.Option(help="where --compare writes its HTML")] = "",
    actors: Annotated[int, typer.Option(
        help="processes acting at once on the same orders (for PostgreSQL)", min=1,
        max=32)] = 1,
) -> None:
    """Generate a marketplace history, drive it through the services and the worker, and check
    the rule book's invariants after every step (issue 17)."""
    from rescind.simulation import command

    if compare:
        raise typer.Exit(command.compare(console=console, paths=compare, seed=seed,
                                         orders=orders, processes=processes, report=report))
    if decisions_only:
        raise typer.Exit(command.simulate_in_memory(console=console, seed=seed, orders=orders,
                                                    policy=policy, processes=processes))

    if plant is not None and plant not in command.PLANTS:
        _problem(f"--plant must be one of: {', '.join(command.PLANTS)}")
        raise typer.Exit(2)
    raise typer.Exit(command.simulate(console=console, seed=seed, orders=orders, database=database,
                                  policy=policy, replay=replay, only=only, shrink=shrink,
                                  plant=plant, out=out, actors=actors))


@app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def manage(ctx: typer.Context) -> None:
    """Run a Django management command, e.g. `rescind manage createsuperuser`."""
    _django()
    from django.core.management import execute_from_command_line

    execute_from_command_line(["rescind manage", *ctx.args])


def _public_url_default(host: str, port: int) -> None:
    """Links in e-mails point where this server runs, unless RESCIND_PUBLIC_URL says where
    (behind a proxy, the public address). Set before Django reads its settings."""
    if host in {"0.0.0.0", "::", ""}:  # noqa: S104 - every interface, loopback included
        host = "127.0.0.1"
    os.environ.setdefault("RESCIND_PUBLIC_URL",
                          f"http://{f'[{host}]' if ':' in host else host}:{port}")


if __name__ == "__main__":
    app()
