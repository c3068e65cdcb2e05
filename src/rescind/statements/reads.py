"""Lean reads (see the package's docstring): rows of one column's value, several reads in one
round trip, a row by its id, a worker's claim of rows."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.models import IntegerField, Model

from rescind.shards import shard_groups


@cache
def _reader(model: type[Model], vendor: str, column: str, lock: bool,
            shard: bool = False) -> tuple[str, list, list]:
    """SELECT every column of `model` WHERE `column` = %s (and, with `shard`, its shard key
    = %s), in primary key order."""
    meta = model._meta
    quote = connection.ops.quote_name
    fields = list(meta.concrete_fields)
    columns = ", ".join(quote(f.column) for f in fields)
    where = meta.pk if column == "pk" else meta.get_field(column)
    also = f" AND {quote(_shard_column(model))} = %s" if shard else ""
    sql = (f"SELECT {columns} FROM {quote(meta.db_table)} "  # noqa: S608 - names from _meta
           f"WHERE {quote(where.column)} = %s{also} ORDER BY {quote(meta.pk.column)}")
    if lock and connection.features.has_select_for_update:
        sql += " FOR UPDATE"  # SQLite has none: its IMMEDIATE transactions lock the database
    converters = [
        (i, col, [*connection.ops.get_db_converters(col), *col.get_db_converters(connection)])
        for i, col in enumerate(f.get_col(meta.db_table) for f in fields)
    ]
    return sql, [f.attname for f in fields], [c for c in converters if c[2]]


def _shard_column(model: type[Model]) -> str:
    """The column a row of `model` is kept by on Citus (orders.models.ShardKeyed)."""
    return model._meta.get_field(model.shard_field).column


@cache
def _integer_range(model: type[Model], vendor: str, column: str) -> tuple | None:
    """(lowest, highest) of the integer `column` of `model` (or of the column its foreign key
    points to) on this database, as the ORM has them; None for a column of another type."""
    field = model._meta.pk if column == "pk" else model._meta.get_field(column)
    field = field.target_field if field.is_relation else field
    if not isinstance(field, IntegerField):
        return None
    return connection.ops.integer_field_range(field.get_internal_type())


def _beyond(model: type[Model], vendor: str, column: str, value) -> bool:
    """Whether `value` is an integer no row's `column` can hold (2**70 for a bigint id): no
    row then, without asking the database, as the ORM does (IntegerFieldOverflow). Sent as
    is, SQLite's driver overflows and Citus fails choosing the shard ("bigint out of range"):
    the API answered 422 there for an order id that is simply not found (404)."""
    bounds = _integer_range(model, vendor, column) if isinstance(value, int) else None
    if bounds is None:
        return False
    low, high = bounds
    return (low is not None and value < low) or (high is not None and value > high)


def rows_where(model: type[Model], column: str, value, *, lock: bool = False,
               shard=None) -> list[Model]:
    """The rows whose `column` equals `value`, as model instances in primary key order;
    `lock` adds FOR UPDATE. `column` names a field: "pk", "order", "order_id"... `shard`, the
    value of the model's shard key (its order id), keeps the read on one shard on Citus and
    lets it lock there (docs/deployment.md). An integer beyond what `column` (or the shard
    key) holds finds no row, and no statement is sent (`_beyond`)."""
    db = connections[DEFAULT_DB_ALIAS]
    if _beyond(model, db.vendor, column, value) or (
            shard is not None and _beyond(model, db.vendor, model.shard_field, shard)):
        return []
    sql, names, converters = _reader(model, db.vendor, column, lock, shard is not None)
    with db.cursor() as cursor:
        cursor.execute(sql, [value] if shard is None else [value, shard])
        rows = cursor.fetchall()
    return _instances(model, rows, names, converters, db)


def rows_where_each(reads: Sequence[tuple[type[Model], str, object]]) -> list[list[Model]]:
    """`rows_where(model, column, value)` for each of `reads`, in one round trip on
    PostgreSQL: the SELECTs are sent together in psycopg's pipeline mode and their results
    read back in order, so a page that shows eight tables of one order waits for the network
    once, not eight times (issue 16). Each statement is still its own, as Django's cursor
    runs and counts it. SQLite has no network to wait for: one after the other. A read by an
    integer beyond its column's range finds no row without a statement, as in `rows_where`."""
    db = connections[DEFAULT_DB_ALIAS]
    beyond = [_beyond(model, db.vendor, column, value) for model, column, value in reads]
    if any(beyond):
        found = iter(rows_where_each([read for read, out in zip(reads, beyond, strict=True)
                                      if not out]))
        return [[] if out else next(found) for out in beyond]
    if db.vendor != "postgresql" or len(reads) < 2:
        return [rows_where(model, column, value) for model, column, value in reads]
    db.ensure_connection()
    plans = [_reader(model, db.vendor, column, False) for model, column, _value in reads]
    # The pipeline's end sends and reads everything at once, outside Django's cursor, so a
    # connection lost there raises psycopg's own error: wrap it into Django's, which the API
    # answers 503 (api/outage.py), as it does for a cursor's.
    with db.wrap_database_errors, db.connection.pipeline():
        cursors = []
        for (sql, _names, _converters), (_model, _column, value) in zip(plans, reads,
                                                                          strict=True):
            cursor = db.cursor()
            cursor.execute(sql, [value])
            cursors.append(cursor)
    results = []
    for cursor, (_sql, names, converters), (model, _column, _value) in zip(
            cursors, plans, reads, strict=True):
        with cursor:
            results.append(_instances(model, cursor.fetchall(), names, converters, db))
    return results


def row_get(model: type[Model], pk: int, *, lock: bool = False, shard=None) -> Model | None:
    """The row with primary key `pk` as a model instance, or None; `lock` adds FOR UPDATE;
    `shard` as for `rows_where` (needed with `lock` on Citus). A `pk` beyond the primary
    key's range is None without a statement (`_beyond`)."""
    rows = rows_where(model, "pk", pk, lock=lock, shard=shard)
    return rows[0] if rows else None


def _instances(model: type[Model], rows, names: list[str], converters: list, db) -> list[Model]:
    instances = []
    for row in rows:
        values = list(row)
        for i, col, functions in converters:
            for convert in functions:
                values[i] = convert(values[i], col, db)
        instances.append(model.from_db(db.alias, names, values))
    return instances


def rows_claim(model: type[Model], pks: Sequence[int]) -> list[Model]:
    """The rows of `pks` this transaction could lock, as instances in the order of `pks`; rows
    another transaction holds are skipped, not waited for (a worker's claim). `model` is kept
    by its own id on Citus (the orders).

    PostgreSQL: one `SELECT ... WHERE id = ANY(%s) FOR UPDATE SKIP LOCKED` per shard group
    (`shard_groups`): one statement on PostgreSQL, one per shard on Citus, where a FOR UPDATE
    is refused over several shards; Citus's groups are sent in one round trip (psycopg's
    pipelined executemany). SQLite has no row locks: its IMMEDIATE transaction already
    excludes every other writer, so one `WHERE id IN (...)` reads them all. An id beyond the
    primary key's range is no row to claim (`_beyond`)."""
    db = connections[DEFAULT_DB_ALIAS]
    pks = [pk for pk in pks if not _beyond(model, db.vendor, "pk", pk)]
    if not pks:
        return []
    sql, names, converters = _reader(model, db.vendor, "pk", False)
    head, _where = sql.split(" WHERE ", 1)
    pk_column = connection.ops.quote_name(model._meta.pk.column)
    rows = []
    with db.cursor() as cursor:
        if db.vendor == "postgresql":
            claim = f"{head} WHERE {pk_column} = ANY(%s::bigint[]) FOR UPDATE SKIP LOCKED"
            groups = shard_groups(pks)
            if len(groups) == 1:
                cursor.execute(claim, [groups[0]])
                rows = cursor.fetchall()
            else:
                raw = cursor.cursor
                raw.executemany(claim, [[group] for group in groups], returning=True)
                while True:
                    rows.extend(raw.fetchall())
                    if not raw.nextset():
                        break
        else:
            marks = ", ".join(["%s"] * len(pks))
            cursor.execute(f"{head} WHERE {pk_column} IN ({marks})", list(pks))
            rows = cursor.fetchall()
    found = {i.pk: i for i in _instances(model, rows, names, converters, db)}
    return [found[pk] for pk in pks if pk in found]
