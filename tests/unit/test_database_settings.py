"""The database settings read from the environment (settings._database)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from rescind import settings
from rescind.postgres_cursor import PreparingCursor

POSTGRES = "postgres://rescind@db.example:5432/rescind"
PREPARED = {"server_side_binding": True, "prepare_threshold": 5,
            "cursor_factory": PreparingCursor}


def test_prepared_statements_are_on_for_postgresql_by_default(monkeypatch):
    # given a PostgreSQL database and nothing said about prepared statements
    monkeypatch.setenv("RESCIND_DATABASE_URL", POSTGRES)
    monkeypatch.delenv("RESCIND_DATABASE_PREPARED_STATEMENTS", raising=False)
    # when the settings are read, then psycopg binds on the server and prepares at the 5th run
    assert settings._database()["OPTIONS"] == PREPARED


@pytest.mark.parametrize("off", ["off", "0", "false", "no", " OFF "])
def test_prepared_statements_can_be_turned_off_for_a_pooler_that_cannot_keep_them(
        monkeypatch, off):
    # given a PostgreSQL database behind a pooler without prepared statements
    monkeypatch.setenv("RESCIND_DATABASE_URL", POSTGRES)
    monkeypatch.setenv("RESCIND_DATABASE_PREPARED_STATEMENTS", off)
    # when the settings are read, then Django's default stays: client-side binding, nothing
    # prepared
    assert settings._database().get("OPTIONS", {}) == {}


def test_sqlite_has_no_prepared_statement_options(monkeypatch):
    monkeypatch.setenv("RESCIND_DATABASE_URL", "sqlite:////tmp/rescind-settings-test.sqlite3")
    monkeypatch.setenv("RESCIND_DATABASE_PREPARED_STATEMENTS", "on")
    options = settings._database()["OPTIONS"]
    assert (options["transaction_mode"], "server_side_binding" in options) == ("IMMEDIATE", False)


def test_a_prepared_statements_value_that_is_neither_on_nor_off_is_refused(monkeypatch):
    # given a typo where `off` was meant
    monkeypatch.setenv("RESCIND_DATABASE_URL", POSTGRES)
    monkeypatch.setenv("RESCIND_DATABASE_PREPARED_STATEMENTS", "of")
    # when the settings are read, then they are refused, saying what is allowed
    with pytest.raises(ImproperlyConfigured, match="must be on or off, not 'of'"):
        settings._database()
