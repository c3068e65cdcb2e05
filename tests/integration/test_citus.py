"""`rescind citus distribute` (docs/deployment.md, "Citus"): it refuses in one paragraph where
there is no Citus; on a Citus coordinator (tests marked `citus`, run with
RESCIND_TEST_CITUS_URL) the test database is distributed by it, a second run changes nothing,
and a database already holding orders is refused, unchanged."""

from __future__ import annotations

import psycopg
import pytest
from django.db import connection

from tests.browser.conftest import _test_database_url
from tests.citus_cluster import database_named
from tests.integration.test_cli import _no_traceback, _rescind

ORDER_KEYED = ["rescind_orders_order", "rescind_orders_deadline", "rescind_refunds_refund",
               "rescind_messaging_messageattachment"]


@pytest.mark.plain
@pytest.mark.django_db(transaction=True)
def test_distribute_without_citus_says_so_and_exits_1(tmp_path):
    # given the test database, plain PostgreSQL or SQLite
    # when it is asked to distribute the schema
    done = _rescind("citus", "distribute", cwd=tmp_path,
                    env={"RESCIND_DATABASE_URL": _test_database_url(), "RESCIND_DEMO_MODE": "1"})
    # then it says in one paragraph why not, and what to do
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr.startswith("This database has no citus extension, so there is nothing "
                                  "to distribute over.")
    assert "On plain PostgreSQL or SQLite Rescind needs no such step." in done.stderr
    _no_traceback(done)


@pytest.mark.citus
@pytest.mark.django_db(transaction=True)
def test_distribute_twice_changes_nothing(tmp_path):
    # given the test database, distributed by the root conftest with the command's own code
    def groups():
        with connection.cursor() as cursor:
            cursor.execute("SELECT logicalrelid::text, partmethod, column_to_column_name("
                           "logicalrelid, partkey), colocationid FROM pg_dist_partition "
                           "ORDER BY 1")
            return cursor.fetchall()

    before = groups()
    # when the command runs on it again
    done = _rescind("citus", "distribute", cwd=tmp_path,
                    env={"RESCIND_DATABASE_URL": _test_database_url(), "RESCIND_DEMO_MODE": "1"})
    # then it says so, exits 0, and the distribution is what it was
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "The schema is distributed already; nothing to do."
    assert groups() == before
    keys = {table: (method, column, group) for table, method, column, group in before}
    order_group = keys["rescind_orders_order"][2]
    assert keys["rescind_orders_order"] == ("h", "id", order_group)
    for table in ORDER_KEYED[1:]:
        assert keys[table] == ("h", "order_id", order_group), table
    for table in ("auth_user", "rescind_orders_store", "rescind_orders_checkout",
                  "rescind_orders_payment", "rescind_coupons_coupon"):
        assert keys[table][:2] == ("n", None), table  # reference tables
    assert "django_tasks_database_dbtaskresult" not in keys  # the queue stays on the coordinator


@pytest.mark.citus
def test_distribute_refuses_a_database_holding_orders(tmp_path):
    # given a new database on the coordinator, migrated, with the demo's orders in it
    with database_named("citus_refuse") as url:
        env = {"RESCIND_DATABASE_URL": url, "RESCIND_DEMO_MODE": "1"}
        assert _rescind("migrate", cwd=tmp_path, env=env).returncode == 0
        assert _rescind("seed", cwd=tmp_path, env=env).returncode == 0
        with psycopg.connect(url.replace("postgres://", "postgresql://", 1)) as conn:
            orders = conn.execute("SELECT count(*) FROM rescind_orders_order").fetchone()[0]
        # when it is asked to distribute the schema
        done = _rescind("citus", "distribute", cwd=tmp_path, env=env)
        # then it refuses in one paragraph, naming what it found, and changes nothing
        assert done.returncode == 1
        assert done.stderr.startswith(f"This database already holds orders ({orders} rows in "
                                      "rescind_orders_order, ")
        assert "nothing here was changed." in done.stderr
        _no_traceback(done)
        with psycopg.connect(url.replace("postgres://", "postgresql://", 1)) as conn:
            assert conn.execute("SELECT count(*) FROM pg_dist_partition").fetchone()[0] == 0
            assert conn.execute("SELECT count(*) FROM pg_constraint WHERE contype = 'f' AND "
                                "conrelid = 'rescind_orders_order'::regclass"
                                ).fetchone()[0] == 3
