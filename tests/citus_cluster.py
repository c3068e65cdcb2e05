"""Running the tests on a Citus coordinator (docs/deployment.md, "Citus").

With RESCIND_TEST_CITUS_URL=postgres://user@host:port/db (a coordinator's database where
`CREATE EXTENSION citus` ran and the workers were added), every database test runs on a test
database that pytest-django creates and migrates on the coordinator and the root conftest's
`django_db_setup` then distributes with `rescind citus distribute`'s own code. The workers get
a database of the same name with the extension first, as Citus needs.

Without the variable nothing here acts, and tests marked `citus` are deselected (not skipped:
CI, which has no Citus, counts a skip as a failure).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

CITUS_URL = os.environ.get("RESCIND_TEST_CITUS_URL", "")
# Few shards a table keep the flush between transactional tests short (a TRUNCATE reaches
# every shard); still two a worker, so one order's rows and another's may live apart.
SHARDS = 4


def citus_settings_apply() -> None:
    """Point the default database at the coordinator. Django is set up before the root
    conftest is read, so the settings are rebuilt and the connection made anew."""
    from django.conf import settings
    from django.db import connections

    from rescind.settings import _database

    os.environ["RESCIND_DATABASE_URL"] = CITUS_URL
    db = settings.DATABASES["default"]
    db.clear()
    db.update(_database())
    connections.__dict__.pop("settings", None)
    connections.settings  # noqa: B018 - fills in Django's defaults again
    with contextlib.suppress(AttributeError):  # never opened
        del connections["default"]


def _workers(url: str) -> list[tuple[str, int]]:
    """The workers added to the coordinator's database that `url` names."""
    import psycopg

    with psycopg.connect(_libpq(url)) as conn:
        return conn.execute("SELECT nodename, nodeport FROM pg_dist_node WHERE groupid > 0 "
                            "ORDER BY nodeid").fetchall()


def _libpq(url: str, *, dbname: str | None = None) -> str:
    import dj_database_url

    p = dj_database_url.parse(url)
    parts = {"host": p["HOST"] or "127.0.0.1", "port": p["PORT"] or 5432, "user": p["USER"],
             "password": p["PASSWORD"], "dbname": dbname or p["NAME"]}
    return " ".join(f"{k}={v}" for k, v in parts.items() if v)


def _worker_database(host: str, port: int, name: str, *, create: bool, user: str) -> None:
    import psycopg

    base = f"host={host} port={port} user={user} dbname=postgres"
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if create:
            conn.execute(f'CREATE DATABASE "{name}"')
    if create:
        with psycopg.connect(f"host={host} port={port} user={user} dbname={name}",
                             autocommit=True) as conn:
            conn.execute("CREATE EXTENSION citus")


def _user(url: str) -> str:
    import dj_database_url

    return dj_database_url.parse(url)["USER"] or "postgres"


def nodes_add(cluster_url: str) -> None:
    """Make the default connection's database (new, on the coordinator that `cluster_url`
    names) a Citus cluster like `cluster_url`'s database: the extension, the same database with
    it on every worker of that one, the coordinator and the workers added as nodes. Also used
    by bench/ (RESCIND_BENCH_CITUS_URL)."""
    import dj_database_url
    from django.db import connection

    name = connection.settings_dict["NAME"]
    coordinator = dj_database_url.parse(cluster_url)
    workers = _workers(cluster_url)
    for host, port in workers:
        _worker_database(host, port, name, create=True, user=_user(cluster_url))
    with connection.cursor() as cursor:
        cursor.execute("CREATE EXTENSION IF NOT EXISTS citus")
        cursor.execute("SELECT citus_set_coordinator_host(%s, %s)",
                       [coordinator["HOST"] or "127.0.0.1", int(coordinator["PORT"] or 5432)])
        for host, port in workers:
            cursor.execute("SELECT citus_add_node(%s, %s)", [host, port])


def database_distribute() -> None:
    """Give the migrated test database the coordinator's workers, then distribute it."""
    from rescind.citus import distribute

    nodes_add(CITUS_URL)
    distribute(shard_count=SHARDS)


@contextlib.contextmanager
def database_named(suffix: str) -> Iterator[str]:
    """A new database on the coordinator with the citus extension (no workers added), as a
    URL; dropped afterwards."""
    import psycopg

    name = f"test_{suffix}_{os.getpid()}"
    with psycopg.connect(_libpq(CITUS_URL, dbname="postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    with psycopg.connect(_libpq(CITUS_URL, dbname=name), autocommit=True) as conn:
        conn.execute("CREATE EXTENSION citus")
    try:
        yield CITUS_URL.rsplit("/", 1)[0] + "/" + name
    finally:
        with psycopg.connect(_libpq(CITUS_URL, dbname="postgres"), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def worker_databases_drop() -> None:
    from django.db import connection

    for host, port in _workers(CITUS_URL):
        _worker_database(host, port, connection.settings_dict["NAME"], create=False,
                         user=_user(CITUS_URL))
