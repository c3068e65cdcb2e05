"""Is the database a command is about to use there, answering, and migrated? If not, why, in
one paragraph a person can act on: the CLI prints it instead of a traceback."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from django.db import DEFAULT_DB_ALIAS, DatabaseError, InterfaceError, connections
from django.db.migrations.recorder import MigrationRecorder

from rescind.health import migrations_unapplied

WHERE_FROM = ("Rescind uses the database named by RESCIND_DATABASE_URL or, without it, the "
              "SQLite file var/rescind.sqlite3 under the current folder (or under "
              "RESCIND_VAR_DIR).")


class Problem(StrEnum):
    NO_FILE = "no_file"  # SQLite: no database file where one is looked for
    UNREACHABLE = "unreachable"  # the server does not answer, or refuses the login
    NOT_MIGRATED = "not_migrated"  # no migration ever applied: not a Rescind database yet
    BEHIND = "behind"  # some migrations of this code not applied


@dataclass(frozen=True)
class DatabaseProblem:
    problem: Problem
    message: str


def database_where() -> str:
    """The database in words, without its password."""
    db = connections[DEFAULT_DB_ALIAS].settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"the SQLite file {db['NAME']}"
    host = db.get("HOST") or "localhost"
    return f"the PostgreSQL database {db['NAME']} on {host}:{db.get('PORT') or 5432}"


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0].rstrip(".")


def database_problem() -> DatabaseProblem | None:
    """What keeps the database from serving this code, or None. Closes the connections it
    opened: a server forks its workers afterwards, and they must not share one."""
    db = connections[DEFAULT_DB_ALIAS].settings_dict
    where = database_where()
    if db["ENGINE"].endswith("sqlite3") and not Path(db["NAME"]).exists():
        return DatabaseProblem(Problem.NO_FILE, (
            f"There is no Rescind database here: {db['NAME']} does not exist. Run the command "
            "from the folder you first started Rescind in, or set RESCIND_VAR_DIR (or "
            "RESCIND_DATABASE_URL) to the database you meant; to make a new one here, run "
            "`rescind migrate` (or `rescind demo`, which also loads the demo marketplace)."))
    try:
        connections[DEFAULT_DB_ALIAS].ensure_connection()
        applied = MigrationRecorder(connections[DEFAULT_DB_ALIAS]).applied_migrations()
        unapplied = migrations_unapplied(DEFAULT_DB_ALIAS)
    except (DatabaseError, InterfaceError) as exc:
        return DatabaseProblem(Problem.UNREACHABLE, (
            f"Rescind cannot reach its database, {where}: {_first_line(exc)}. Check that the "
            f"database server is running and the address is right. {WHERE_FROM}"))
    finally:
        connections.close_all()
    if not applied:
        return DatabaseProblem(Problem.NOT_MIGRATED, (
            f"{where[:1].upper()}{where[1:]} has no Rescind tables: no migration "
            "was ever applied to it. Create them with `rescind migrate` (`rescind demo` also "
            f"loads the demo marketplace), or point Rescind at the database you meant. "
            f"{WHERE_FROM}"))
    if unapplied:
        shown = ", ".join(unapplied[:3]) + (", …" if len(unapplied) > 3 else "")
        return DatabaseProblem(Problem.BEHIND, (
            f"{where[:1].upper()}{where[1:]} is {len(unapplied)} migration"
            f"{'' if len(unapplied) == 1 else 's'} behind this version of Rescind ({shown}). "
            "Apply them with `rescind migrate`."))
    return None


def database_error_explained(exc: DatabaseError) -> str:
    """A paragraph for a database error a command ran into: the problem with the database if
    one is found, else the error itself."""
    connections.close_all()
    found = database_problem()
    if found:
        return found.message
    return (f"The command stopped on a database error, on {database_where()}: "
            f"{_first_line(exc)}.")
