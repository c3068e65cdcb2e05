"""A new, empty database on the backend the tests run on, for a real `rescind` command to
start from nothing: a SQLite file, or a PostgreSQL database of its own on the tests' server."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
from django.conf import settings


@contextmanager
def empty_database(directory: Path, name: str) -> Iterator[tuple[str, str]]:
    """(URL, the database in the CLI's words) of an empty database named after `name`,
    dropped afterwards (a SQLite file is made in `directory`, and left there)."""
    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3"):
        path = directory / f"{name}.sqlite3"
        sqlite3.connect(path).close()
        yield f"sqlite:///{path}", f"the SQLite file {path}"
        return
    host, port = db.get("HOST") or "127.0.0.1", db.get("PORT") or 5432
    database = f"test_rescind_{name}_{os.getpid()}"
    admin = psycopg.connect(host=host, port=port, user=db["USER"],
                            password=db.get("PASSWORD") or None, dbname="postgres",
                            autocommit=True)
    admin.execute(f'DROP DATABASE IF EXISTS "{database}"')
    admin.execute(f'CREATE DATABASE "{database}"')
    try:
        password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
        yield (f"postgres://{db['USER']}{password}@{host}:{port}/{database}",
               f"the PostgreSQL database {database} on {host}:{port}")
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        admin.close()
