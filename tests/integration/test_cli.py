"""The real `rescind` command explains itself: run from a folder with no database, on a database
never migrated, or with PostgreSQL not answering, it says so in one paragraph and exits 1, never
with a traceback; a first run says which step it is at; `clock show` says the offset in words.

Each command runs as a subprocess with only the RESCIND_* variables a test gives it, on the
backend the tests run on (an empty database of its own for a first run)."""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest
from django.db.migrations.loader import MigrationLoader

from rescind.database_ready import WHERE_FROM
from tests.browser.conftest import _test_database_url
from tests.empty_database import empty_database as new_database
from tests.process_watch import free_port

ROOT = Path(__file__).resolve().parents[2]
RESCIND = ROOT / ".venv" / "bin" / "rescind"
TOOK = r"\d+\.\d s"


def _rescind(*args: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    """`rescind <args>` in `cwd` with only the RESCIND_* variables of `env`."""
    base = {k: v for k, v in os.environ.items()
            if not k.startswith("RESCIND_") and k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    return subprocess.run([str(RESCIND), *args], cwd=cwd, env={**base, **env},
                          capture_output=True, text=True, timeout=300, check=False)


def _no_traceback(done: subprocess.CompletedProcess) -> None:
    for marker in ("Traceback", "Error:", "╭─", "File \""):
        assert marker not in done.stdout + done.stderr, done.stdout + done.stderr


@pytest.fixture
def empty_database(tmp_path) -> tuple[str, str]:
    with new_database(tmp_path, "empty") as found:
        yield found


def _count(url: str, table: str) -> int:
    if url.startswith("sqlite:///"):
        with sqlite3.connect(url.removeprefix("sqlite:///")) as connection:
            return connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    with psycopg.connect(url.replace("postgres://", "postgresql://", 1)) as connection:
        return connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def test_run_from_a_folder_without_a_database_says_so_and_exits_1(tmp_path):
    # given a folder where Rescind never ran, and no database named
    # when the clock is asked for there
    done = _rescind("clock", "show", cwd=tmp_path, env={})
    # then it says there is no database here and what to do, with no traceback
    missing = tmp_path / "var" / "rescind.sqlite3"
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr == (
        f"There is no Rescind database here: {missing} does not exist. Run the command from "
        "the folder you first started Rescind in, or set RESCIND_VAR_DIR (or "
        "RESCIND_DATABASE_URL) to the database you meant; to make a new one here, run "
        "`rescind migrate` (or `rescind demo`, which also loads the demo marketplace).\n")
    _no_traceback(done)
    # and it made no database there
    assert not missing.exists()


@pytest.mark.parametrize("command", [["clock", "show"], ["seed"], ["worker", "--once"]])
def test_a_database_never_migrated_is_named_and_the_command_exits_1(tmp_path, empty_database,
                                                                    command):
    # given a database with no Rescind tables, in demo mode
    url, where = empty_database
    # when a command that needs the tables runs on it
    done = _rescind(*command, cwd=tmp_path,
                    env={"RESCIND_DATABASE_URL": url, "RESCIND_DEMO_MODE": "1"})
    # then it says which database has no tables and how to make them, with no traceback
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr == (
        f"{where[0].upper()}{where[1:]} has no Rescind tables: no migration was ever applied "
        "to it. Create them with `rescind migrate` (`rescind demo` also loads the demo "
        f"marketplace), or point Rescind at the database you meant. {WHERE_FROM}\n")
    _no_traceback(done)


def test_postgresql_not_answering_is_named_and_the_command_exits_1(tmp_path):
    # given a PostgreSQL address where nothing listens
    port = free_port()
    url = f"postgres://postgres@127.0.0.1:{port}/rescind"
    # when the clock is asked for
    done = _rescind("clock", "show", cwd=tmp_path, env={"RESCIND_DATABASE_URL": url})
    # then it says which database it could not reach, why, and where the address comes from
    assert (done.returncode, done.stdout) == (1, "")
    said = done.stderr
    assert said.startswith(f"Rescind cannot reach its database, the PostgreSQL database "
                           f"rescind on 127.0.0.1:{port}: connection failed: "), said
    assert "Connection refused. Check that the database server is running and the address is "\
           f"right. {WHERE_FROM}\n" in said
    assert said.count("\n") == 1  # one paragraph
    _no_traceback(done)


def test_first_run_names_each_step_and_never_calls_a_new_database_up_to_date(tmp_path,
                                                                           empty_database):
    # given a new, empty database, in demo mode
    url, where = empty_database
    env = {"RESCIND_DATABASE_URL": url, "RESCIND_DEMO_MODE": "1",
           "RESCIND_VAR_DIR": str(tmp_path)}
    migrations = len(MigrationLoader(None, ignore_no_migrations=True).graph.nodes)
    # when it is migrated, as `rescind demo` first does
    created = _rescind("migrate", cwd=tmp_path, env=env)
    # then the step says it creates the database, how many migrations that takes, and how long
    assert created.returncode == 0, created.stdout + created.stderr
    assert re.fullmatch(
        re.escape(f"==> Creating the database ({where}): {migrations} migrations\n")
        + rf"    created in {TOOK}\n", created.stdout), created.stdout
    assert "up to date" not in created.stdout + created.stderr
    # and when the demo is loaded, as `rescind demo` does next, that step says what it loaded
    seeded = _rescind("seed", cwd=tmp_path, env=env)
    assert seeded.returncode == 0, seeded.stdout + seeded.stderr
    orders, stores = _count(url, "rescind_orders_order"), _count(url, "rescind_orders_store")
    assert (stores, orders > 0) == (5, True)
    assert re.match(re.escape("==> Loading the demo marketplace\n")
                    + rf"    loaded 5 stores and {orders} orders in {TOOK}\n", seeded.stdout), \
        seeded.stdout
    assert "Demo logins (password: demo)" in seeded.stdout
    # and a second start finds both done
    again = _rescind("migrate", cwd=tmp_path, env=env)
    assert again.stdout == f"==> The database is up to date ({where})\n"
    seeded_again = _rescind("seed", cwd=tmp_path, env=env)
    assert seeded_again.stdout.startswith("==> The demo marketplace is already loaded\n")
    assert _count(url, "rescind_orders_order") == orders


def _shown_time(line: str) -> datetime:
    return datetime.strptime(line[:23], "%Y-%m-%d %H:%M:%S UTC").replace(tzinfo=UTC)


def test_clock_show_says_the_offset_in_words(transactional_db, tmp_path):
    # given the demo clock on the test database
    env = {"RESCIND_DATABASE_URL": _test_database_url(), "RESCIND_DEMO_MODE": "1"}
    shown = _rescind("clock", "show", cwd=ROOT, env=env)
    assert shown.stdout.endswith(" UTC, real time\n"), shown.stdout + shown.stderr
    # when it is moved 3 days and 1 hour on
    before = datetime.now(UTC).replace(microsecond=0)
    moved = _rescind("clock", "advance", "3d1h", cwd=ROOT, env=env)
    shown = _rescind("clock", "show", cwd=ROOT, env=env)
    after = datetime.now(UTC)
    # then both say so in words, with the clock's time
    assert moved.returncode == 0, moved.stdout + moved.stderr
    assert re.fullmatch(r"clock is now \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC, 3 days 1 hour ahead "
                        r"of real time\n", moved.stdout), moved.stdout
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC, 3 days 1 hour ahead of real "
                        r"time\n", shown.stdout), shown.stdout
    offset = timedelta(days=3, hours=1)
    assert before + offset <= _shown_time(shown.stdout) <= after + offset
    # and once reset, it is real time again
    _rescind("clock", "reset", cwd=ROOT, env=env)
    assert _rescind("clock", "show", cwd=ROOT, env=env).stdout.endswith(" UTC, real time\n")
