"""The query plans of the hot paths on a 100,000-order PostgreSQL data set (issue 7, scale-out).

    .venv/bin/python bench/query_plans.py                  # the full 100,000 orders
    .venv/bin/python bench/query_plans.py --orders 5000    # a quick look while developing

The database (RESCIND_PLANS_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/
rescind_plans) is dropped and made anew, filled by set-based SQL (bench/plans_dataset.sql),
vacuumed and analyzed. Then the real code runs against it: services, worker passes and
HTTP requests through Django's test client, with every statement it sends captured (SQL and
parameters, and the lines of rescind that sent it). The first time each distinct statement is
sent, it is first run under EXPLAIN (ANALYZE, BUFFERS) in a savepoint that is rolled back, so
its plan is of the data exactly as the code found it; a statement that cannot run there (an
INSERT whose unique key is taken: get_or_create's first try) gets a plain EXPLAIN.

Exit status 1 when a hot path's plan reads a big table (at least --big-rows rows) with a Seq
Scan, or sorts at least --big-rows rows. Reports (metrics) are printed but not judged.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urlparse

PLANS_URL = os.environ.get("RESCIND_PLANS_DATABASE_URL",
                           "postgres://postgres@127.0.0.1:5432/rescind_plans")
os.environ["RESCIND_DATABASE_URL"] = PLANS_URL
os.environ["RESCIND_EMAIL_BACKEND"] = "django.core.mail.backends.locmem.EmailBackend"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rescind.settings")
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "src"))
sys.path.insert(0, os.path.dirname(__file__))

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import DatabaseError, connection, transaction  # noqa: E402
from plans_citus import FAN_OUT, routing  # noqa: E402
from plans_dataset import dataset_sql, sequences_reset_sql  # noqa: E402
from plans_scenarios import SCENARIOS, Scenario  # noqa: E402

SRC_MARKERS = (f"{os.sep}rescind{os.sep}", f"{os.sep}django_tasks_db{os.sep}")


@dataclass
class Statement:
    sql: str
    params: object
    sent_by: str
    count: int = 1
    plan_text: str = ""
    analyzed: bool = False
    execution_ms: float | None = None
    routing: str = ""
    flags: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _admin():
    import psycopg

    url = urlparse(PLANS_URL)
    return url.path.lstrip("/"), psycopg.connect(
        host=url.hostname, port=url.port or 5432, user=url.username or "postgres",
        dbname="postgres", autocommit=True)


def database_reset(*, template: str | None = None) -> None:
    """Drop the plans database and make it anew: empty, or as a copy of `template`."""
    connection.close()
    name, admin = _admin()
    admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
    admin.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
    admin.close()
    call_command("migrate", verbosity=0)


def template_exists(template: str) -> bool:
    _name, admin = _admin()
    found = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [template]).fetchone()
    admin.close()
    return found is not None


def template_save(template: str) -> None:
    """Keep a copy of the freshly built data set, for --template runs while developing."""
    connection.close()
    name, admin = _admin()
    admin.execute(f'DROP DATABASE IF EXISTS "{template}"')
    admin.execute(f'CREATE DATABASE "{template}" TEMPLATE "{name}"')
    admin.close()


def dataset_build(*, orders: int, days: int, now: datetime) -> None:
    with connection.cursor() as cursor:
        for label, sql in dataset_sql(orders=orders, days=days, now=now):
            began = time.perf_counter()
            cursor.execute(sql)
            print(f"  {label:<48} {time.perf_counter() - began:6.1f} s", flush=True)
        cursor.execute(sequences_reset_sql())
        began = time.perf_counter()
        cursor.execute("VACUUM (ANALYZE)")
        print(f"  {'VACUUM (ANALYZE)':<48} {time.perf_counter() - began:6.1f} s", flush=True)


def table_rows() -> dict[str, int]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT c.relname, c.reltuples::bigint FROM pg_class c "
                       "JOIN pg_namespace n ON n.oid = c.relnamespace "
                       "WHERE c.relkind = 'r' AND n.nspname = 'public' ORDER BY 2 DESC")
        return dict(cursor.fetchall())


def _sent_by() -> str:
    """The innermost two lines of rescind (or django-tasks-db) on the stack: who sent it."""
    lines = []
    for frame in reversed(traceback.extract_stack()[:-2]):
        if any(marker in frame.filename for marker in SRC_MARKERS) and \
                "query_plans" not in frame.filename:
            path = frame.filename.split(f"{os.sep}site-packages{os.sep}")[-1]
            path = path.split(f"{os.sep}src{os.sep}")[-1].removeprefix(f"rescind{os.sep}")
            lines.append(f"{path}:{frame.lineno} {frame.name}")
            if len(lines) == 2:
                break
    return " < ".join(lines) or "?"


def capture(run: Callable[[], object], explain: Callable[[Statement], None]) -> list[Statement]:
    """Run `run`; return each distinct statement it sent (by SQL text), in first-sent order.

    Each is explained the first time it is sent, just before it runs, in a savepoint that is
    rolled back: the plan is of the data exactly as that statement found it (the backlog a
    worker's claim is about to take, not the empty queue left afterwards). Reads sent in
    psycopg's pipeline mode, where nothing else can run in between, are explained after `run`.
    """
    seen: dict[str, Statement] = {}
    later: list[Statement] = []  # sent in psycopg's pipeline mode: explained once it ends
    explaining = False

    def wrapper(execute, sql, params, many, context):
        nonlocal explaining
        if explaining:  # the EXPLAIN and its savepoints
            return execute(sql, params, many, context)
        if sql in seen:
            seen[sql].count += 1
        elif not many and re.match(r"\s*(SELECT|INSERT|UPDATE|DELETE|WITH)\b", sql, re.I):
            seen[sql] = Statement(sql, params, _sent_by())
            if getattr(connection.connection, "_pipeline", None) is not None:
                later.append(seen[sql])  # reads sent together (statements.rows_where_each)
                return execute(sql, params, many, context)
            explaining = True
            try:
                explain(seen[sql])
            finally:
                explaining = False
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        run()
    for statement in later:
        explain(statement)
    return list(seen.values())


def _explain(statement: Statement, options: str) -> list:
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN {options} {statement.sql}", statement.params)
            rows = cursor.fetchall()
        transaction.set_rollback(True)  # EXPLAIN ANALYZE ran the statement: undo it
    return rows


def _nodes(node: dict):
    yield node
    for child in node.get("Plans", []):
        yield from _nodes(child)


def plan(statement: Statement, *, big: dict[str, int], big_rows: int, warn_rows: int) -> None:
    """EXPLAIN the statement (ANALYZE when it can run again) and judge its plan."""
    try:
        doc = _explain(statement, "(ANALYZE, BUFFERS, FORMAT JSON)")[0][0]
        text = _explain(statement, "(ANALYZE, BUFFERS)")
        statement.analyzed = True
    except DatabaseError:
        doc = _explain(statement, "(FORMAT JSON)")[0][0]
        text = _explain(statement, "")
    doc = json.loads(doc) if isinstance(doc, str) else doc
    statement.plan_text = "\n".join(row[0] for row in text)
    statement.execution_ms = doc[0].get("Execution Time")
    statement.routing = routing(doc[0])
    rows_key = "Actual Rows" if statement.analyzed else "Plan Rows"
    for node in _nodes(doc[0]["Plan"]):
        kind, relation = node["Node Type"], node.get("Relation Name")
        if kind == "Seq Scan" and relation in big:
            statement.flags.append(f"Seq Scan on {relation} ({big[relation]:,} rows)")
        if kind == "Sort" and node.get("Plans"):
            child = node["Plans"][0]
            sorted_rows = child.get(rows_key, 0) * child.get("Actual Loops", 1)
            if sorted_rows >= big_rows:
                statement.flags.append(f"Sort of {sorted_rows:,} rows")
            elif sorted_rows >= warn_rows:
                statement.warnings.append(f"Sort of {sorted_rows:,} rows")


def sql_shown(sql: str) -> str:
    """The statement on one line, a long select list shortened to its column count."""
    sql = re.sub(r"\s+", " ", sql).strip()
    match = re.match(r"SELECT (DISTINCT )?(.*?) FROM ", sql)
    if match and len(match.group(2)) > 100:
        columns = match.group(2).count(",") + 1
        sql = f"SELECT {match.group(1) or ''}<{columns} columns> FROM " + sql[match.end():]
    return sql


def report(scenario: Scenario, statements: list[Statement]) -> None:
    print(f"\n{'=' * 100}\n{'HOT PATH' if scenario.hot else 'REPORT'}: {scenario.name}\n"
          f"  {scenario.description}\n  {len(statements)} distinct statements, "
          f"{sum(s.count for s in statements)} sent\n{'=' * 100}")
    for number, s in enumerate(statements, start=1):
        verdict = "; ".join(s.flags) or "ok"
        print(f"\n--- {scenario.key}.{number} [{verdict}] [citus: {s.routing}] "
              f"sent {s.count}x by {s.sent_by}")
        print(f"SQL: {sql_shown(s.sql)}")
        if s.params:
            print(f"params: {str(list(s.params))[:300]}")
        print(s.plan_text if s.analyzed else "(plain EXPLAIN: the statement cannot run twice)\n"
              + s.plan_text)
        for warning in s.warnings:
            print(f"note: {warning}")


def machine() -> str:
    with open("/proc/cpuinfo") as cpuinfo:
        cpu = next((line.split(":", 1)[1].strip() for line in cpuinfo
                    if line.startswith("model name")), platform.processor())
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        version = cursor.fetchone()[0].split(" on ")[0]
    return (f"{platform.node()}: {os.cpu_count()} cores ({cpu}), {platform.system()} "
            f"{platform.release()}; {version}; Python {platform.python_version()}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--days", type=int, default=180, help="history the orders spread over")
    parser.add_argument("--big-rows", type=int, default=10_000,
                        help="a table this big must not be seq-scanned, nor this many rows sorted")
    parser.add_argument("--warn-rows", type=int, default=1_000, help="sorts noted from here")
    parser.add_argument("--template", help="development aid: copy the data set from this "
                        "database if it exists (then migrate), else build it and keep a copy there")
    args = parser.parse_args()
    began = time.perf_counter()
    now = datetime.now(UTC).replace(microsecond=0)
    print(f"query plans, {now.isoformat()}, {args.orders:,} orders over {args.days} days\n"
          f"database {settings.DATABASES['default']['NAME']} (dropped and made anew)")
    if args.template and template_exists(args.template):
        database_reset(template=args.template)
        print(f"copied from {args.template} and migrated in {time.perf_counter() - began:.1f} s"
              " (a development run: the data set's clock is the template's)")
    else:
        database_reset()
        print(f"migrated in {time.perf_counter() - began:.1f} s; building the data set:")
        built = time.perf_counter()
        dataset_build(orders=args.orders, days=args.days, now=now)
        print(f"data set built in {time.perf_counter() - built:.1f} s")
        if args.template:
            template_save(args.template)
    print(machine())  # it asks the database its version: only once the database exists
    rows = table_rows()
    big = {name: count for name, count in rows.items() if count >= args.big_rows}
    print("tables of at least --big-rows rows: " + ", ".join(
        f"{name.removeprefix('rescind_')} {count:,}" for name, count in big.items()))
    captured = time.perf_counter()
    results: list[tuple[Scenario, list[Statement]]] = []
    for scenario in SCENARIOS:
        scenario.prepare(now)
        results.append((scenario, capture(
            lambda s=scenario: s.run(now),
            lambda statement: plan(statement, big=big, big_rows=args.big_rows,
                                   warn_rows=args.warn_rows))))
    print(f"hot paths run, captured and explained in {time.perf_counter() - captured:.1f} s")
    for scenario, statements in results:
        report(scenario, statements)
    print(f"\n{'=' * 100}\nSUMMARY ({args.orders:,} orders, everything "
          f"{time.perf_counter() - began:.1f} s)\n{'=' * 100}")
    failed = 0
    for scenario, statements in results:
        flagged = [f"{scenario.key}.{i}: {'; '.join(s.flags)}"
                   for i, s in enumerate(statements, start=1) if s.flags]
        slowest = max((s.execution_ms or 0 for s in statements), default=0)
        mark = ("FAIL" if scenario.hot else "note") if flagged else "ok"
        fan_out = [f"{scenario.key}.{i}" for i, s in enumerate(statements, start=1)
                   if s.routing == FAN_OUT]
        print(f"{mark:>4}  {scenario.key:<3} {scenario.name:<58} {len(statements):>3} stmts, "
              f"slowest {slowest:7.2f} ms; citus fan-out: {', '.join(fan_out) or 'none'}")
        for line in flagged:
            print(f"        {line}")
        for i, s in enumerate(statements, start=1):
            for warning in s.warnings:
                print(f"        {scenario.key}.{i}: note: {warning}")
        failed += bool(flagged) and scenario.hot
    print(f"\n{failed} hot path(s) with a Seq Scan on a big table or a big sort" if failed
          else "\nno hot path seq-scans a big table or sorts a big set")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
