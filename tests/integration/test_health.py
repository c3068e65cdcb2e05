"""Liveness and readiness endpoints (docs/deployment.md): /healthz never needs the database;
/readyz answers 200 only when the database answers and every known migration is applied."""

from __future__ import annotations

import socket

import pytest
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder


def test_healthz_answers_without_the_database(client):
    # given no database access at all (pytest-django refuses any query in this test)
    # when a load balancer asks whether the process is alive
    response = client.get("/healthz")
    # then it answers ok, without a login
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_readyz_is_ready_on_a_migrated_database(db, client):
    # given a migrated database
    # when an orchestrator asks whether the process may take traffic
    response = client.get("/readyz")
    # then it is ready and names the database it checked
    assert response.status_code == 200
    assert response.json() == {"status": "ready", "database": connection.vendor}


def test_readyz_refuses_while_a_migration_is_unapplied(db, client):
    # given a database on which one migration of this code was not applied
    MigrationRecorder(connection).record_unapplied("rescind_clock", "0001_initial")
    # when readiness is asked
    response = client.get("/readyz")
    # then the process is not ready, and says which migration is missing
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response.json() == {
        "code": "migrations_pending",
        "message": "The database schema is behind this code: run `rescind migrate`.",
        "details": {"pending": ["rescind_clock.0001_initial"]},
    }


def test_readyz_ignores_migrations_it_does_not_know(db, client):
    # given a database that a newer release already migrated further (a rolling deploy)
    MigrationRecorder(connection).record_applied("rescind_orders", "9999_from_a_newer_release")
    # when a process of this (older) code is asked
    response = client.get("/readyz")
    # then it stays ready: the newer schema is backward compatible by the deploy rules
    assert response.status_code == 200


def _unreachable(settings_dict: dict, tmp_path) -> dict:
    """Connection settings of a database that cannot be reached, on this machine only."""
    if connection.vendor == "sqlite":
        return {"NAME": str(tmp_path / "no-such-directory" / "db.sqlite3")}
    with socket.socket() as probe:  # a port nothing listens on: the connection is refused
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return {"HOST": "127.0.0.1", "PORT": str(port)}


@pytest.fixture
def database_unreachable(transactional_db, tmp_path):
    """Point this process's connection at a database that refuses it, then point it back."""
    saved = dict(connection.settings_dict)
    connection.close()
    connection.settings_dict.update(_unreachable(saved, tmp_path))
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(saved)


def test_readyz_refuses_when_the_database_cannot_be_reached(database_unreachable, client):
    # given a database that refuses connections
    # when readiness is asked
    response = client.get("/readyz")
    # then it is a clear 503 with Retry-After, never a 500
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response.json() == {
        "code": "database_unavailable",
        "message": "The database does not answer.",
        "details": {"database": connection.vendor},
    }
    # and liveness still answers: the process itself is fine, so nobody restarts it
    assert client.get("/healthz").status_code == 200


def test_probes_answer_only_reads(client):
    # given a probe sent with the wrong method
    # when it is a POST
    response = client.post("/healthz")
    # then it is refused as a method, not served
    assert response.status_code == 405
