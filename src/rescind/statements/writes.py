"""Lean writes (see the package's docstring): multi-row INSERTs, an INSERT unless a row alike
exists, UPDATEs of one row's or many rows' fields."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime
from functools import lru_cache
from uuid import UUID

from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.models import Field, Model

from rescind.shards import by_shard, ids_match, order_key
from rescind.statements.reads import _shard_column


@lru_cache(maxsize=256)  # one entry per model and row count
def _writer(model: type[Model], vendor: str, with_pk: bool, count: int,
            if_new: bool = False) -> tuple[str, list]:
    """The INSERT of `count` rows as a VALUES list, and its fields; `if_new`: none written
    where a unique constraint holds one alike already (ON CONFLICT DO NOTHING)."""
    meta = model._meta
    quote = connection.ops.quote_name
    fields = [f for f in meta.concrete_fields if with_pk or f is not meta.pk]
    columns = ", ".join(quote(f.column) for f in fields)
    row = f"({', '.join(['%s'] * len(fields))})"
    sql = (f"INSERT INTO {quote(meta.db_table)} ({columns}) "  # noqa: S608
           f"VALUES {', '.join([row] * count)}")
    if if_new:
        sql += " ON CONFLICT DO NOTHING"
    if not with_pk:
        sql += f" RETURNING {quote(meta.pk.column)}"
    return sql, fields


@lru_cache(maxsize=256)  # one entry per model and set of columns alike in every row
def _unnest_writer(model: type[Model], with_pk: bool, alike: tuple[bool, ...],
                   as_json: tuple[bool, ...]) -> str:
    """The INSERT of many rows on PostgreSQL: `SELECT ... FROM UNNEST(%s::type[], ...)`, one
    array per column that varies, one value for a column alike in every row (as Django's
    bulk_create does, minus the constant columns' arrays). A VALUES list of thousands of
    placeholders costs the driver more to split and PostgreSQL more to plan than the insert
    itself; and an array of a hundred copies of one instant costs as much to send as any.

    A jsonb column marked in `as_json` comes as one JSON array instead
    (`jsonb_array_elements`, beside the others in `ROWS FROM`, which keeps the rows in step):
    in an array of jsonb every quote of every value is escaped once more by psycopg, one
    regular expression substitution per quote."""
    meta = model._meta
    quote = connection.ops.quote_name
    fields = [f for f in meta.concrete_fields if with_pk or f is not meta.pk]
    columns = ", ".join(quote(f.column) for f in fields)
    types = [f.db_type(connection).split("(")[0] for f in fields]
    select = ", ".join(f"(%s)::{t}" if same else f"u.c{i}"
                       for i, (t, same) in enumerate(zip(types, alike, strict=True)))
    sources = ", ".join("jsonb_array_elements((%s)::jsonb)" if json else f"unnest((%s)::{t}[])"
                        for t, same, json in zip(types, alike, as_json, strict=True)
                        if not same)
    names = ", ".join(f"c{i}" for i, same in enumerate(alike) if not same)
    sql = (f"INSERT INTO {quote(meta.db_table)} ({columns}) "  # noqa: S608
           f"SELECT {select} FROM ROWS FROM ({sources}) AS u({names})")
    if not with_pk:
        sql += f" RETURNING {quote(meta.pk.column)}"
    return sql


def _json_array(values: list) -> str | None:
    """The values of a jsonb column (psycopg's Jsonb, as Django's JSONField prepares them) as
    one JSON array, each dumped as psycopg would; None if one is SQL NULL or not a Jsonb."""
    from psycopg.types.json import Jsonb

    parts = []
    for value in values:
        if type(value) is not Jsonb:
            return None
        parts.append((value.dumps or json.dumps)(value.obj))
    return f"[{', '.join(parts)}]"


_PLAIN_TYPES = (str, int, bool, type(None), datetime, date, UUID)


def _column_values(field, objects: Sequence[Model], db, *, add: bool = True) -> list:
    """The values of `field` for an INSERT (`add`) or UPDATE of `objects`, as
    `get_db_prep_save(pre_save(...))` gives them."""
    if type(field).pre_save is Field.pre_save:  # no auto_now and the like: just the value
        raw = [getattr(obj, field.attname) for obj in objects]
    else:
        raw = [field.pre_save(obj, add) for obj in objects]
    return _prepared(field, raw, db)


def _prepared(field, raw: Sequence, db) -> list:
    """`field.get_db_prep_save` of each value. A batch repeats the same few values (the
    instant, a kind, a state) down a column, so a plain immutable value is prepared once and
    reused (and the same object stands for it in every row)."""
    prepared: dict = {}
    values = []
    for value in raw:
        if type(value) in _PLAIN_TYPES:
            key = (type(value), value)
            if key not in prepared:
                prepared[key] = field.get_db_prep_save(value, db)
            values.append(prepared[key])
        else:
            values.append(field.get_db_prep_save(value, db))
    return values


def _insert(model: type[Model], db, with_pk: bool, fields: list, columns: list[list],
            count: int) -> list[int] | None:
    """INSERT `count` rows given column by column (prepared values, in `fields` order);
    returns the ids the database gave them, in the order of the rows, unless `with_pk`."""
    sql, _fields = _writer(model, db.vendor, with_pk, count)
    if count == 1:
        params = [column[0] for column in columns]
    else:
        alike = tuple(all(v is c[0] for v in c) for c in columns)
        if db.vendor == "postgresql" and not all(alike):  # a column at least to unnest
            arrays = [None if same or f.db_type(db) != "jsonb" else _json_array(c)
                      for f, c, same in zip(fields, columns, alike, strict=True)]
            sql = _unnest_writer(model, with_pk, alike, tuple(a is not None for a in arrays))
            params = [c[0] for c, same in zip(columns, alike, strict=True) if same] + \
                [c if a is None else a
                 for c, a, same in zip(columns, arrays, alike, strict=True) if not same]
        else:
            params = [value for row in zip(*columns, strict=True) for value in row]
    with db.cursor() as cursor:
        cursor.execute(sql, params)
        # Numbered in the order of the rows (one statement, one sequence: each value drawn
        # after the one before), but RETURNING need not come back in that order: on Citus an
        # INSERT over several shards returns shard by shard. So the smallest id is the first
        # row's.
        return None if with_pk else sorted(row[0] for row in cursor.fetchall())


def rows_insert(objects: Sequence[Model]) -> None:
    """INSERT unsaved instances of one model in one statement; sets each one's primary key.

    Like `bulk_create` without its query building, and like it, sends no save signals.
    Either every instance has its primary key set (a UUID, say) or none does (the database
    numbers them). On Citus, rows of several shards go in one INSERT per shard
    (`shard_groups`)."""
    if not objects:
        return
    groups = by_shard(objects)
    if len(groups) > 1:  # Citus: one single-shard INSERT per shard (shard_groups)
        for group in groups:
            rows_insert(group)
        return
    model = type(objects[0])
    with_pk = objects[0].pk is not None
    db = connections[DEFAULT_DB_ALIAS]  # the proxy `connection` costs a lookup per use
    _sql, fields = _writer(model, db.vendor, with_pk, len(objects))
    ids = _insert(model, db, with_pk, fields,
                  [_column_values(field, objects, db) for field in fields], len(objects))
    for i, obj in enumerate(objects):
        if ids is not None:
            obj.pk = ids[i]
        obj._state.adding = False
        obj._state.db = db.alias


def row_insert_if_new(obj: Model) -> bool:
    """INSERT an unsaved instance (the database numbers it) unless a unique constraint already
    holds a row alike: one statement, no transaction (so no IntegrityError to recover from).
    Whether it was written; if so, its primary key is set."""
    db = connections[DEFAULT_DB_ALIAS]
    sql, fields = _writer(type(obj), db.vendor, False, 1, True)
    with db.cursor() as cursor:
        cursor.execute(sql, [_column_values(field, [obj], db)[0] for field in fields])
        row = cursor.fetchone()
    if row is None:
        return False
    obj.pk, obj._state.adding, obj._state.db = row[0], False, db.alias
    return True


def rows_insert_alike(template: Model, varying: dict[str, Sequence]) -> None:
    """INSERT rows that are all `template` but for the columns in `varying` (attribute name:
    one value a row), without an instance a row: what `rows_insert` of a copy of `template`
    per row, each with its own values set, would write. Every other column is `template`'s,
    worked out once by its field as `rows_insert` does (a default, an auto_now_add instant:
    the same instant for every row); a varying column's values go through its field's
    `get_db_prep_save`, so it must be one without `pre_save` rules. For rows with their
    primary key among `varying` (a UUID), and kept off the order shards (the task queue)."""
    model = type(template)
    assert order_key(model) is None, "rows kept by order: rows_insert splits them by shard"
    count = len(next(iter(varying.values())))
    if not count:
        return
    db = connections[DEFAULT_DB_ALIAS]
    _sql, fields = _writer(model, db.vendor, True, count)
    columns = []
    for field in fields:
        if field.attname in varying:
            assert type(field).pre_save is Field.pre_save, field.attname
            columns.append(_prepared(field, varying[field.attname], db))
        else:
            columns.append(_column_values(field, [template], db) * count)
    _insert(model, db, True, fields, columns, count)


@lru_cache(maxsize=256)
def _updater(model: type[Model], vendor: str, names: tuple[str, ...]) -> tuple[str, list]:
    meta = model._meta
    quote = connection.ops.quote_name
    fields = [meta.get_field(name) for name in names]
    assignments = ", ".join(f"{quote(f.column)} = %s" for f in fields)
    sql = (f"UPDATE {quote(meta.db_table)} SET {assignments} "  # noqa: S608 - names from _meta
           f"WHERE {quote(meta.pk.column)} = %s")
    if getattr(model, "shard_field", None):  # one shard on Citus, as ShardKeyed.save
        sql += f" AND {quote(_shard_column(model))} = %s"
    return sql, fields


def row_update(obj: Model, fields: Sequence[str]) -> None:
    """UPDATE these fields of a saved instance: `save(update_fields=fields)` without its query
    building (and, like `rows_insert`, without save signals)."""
    db = connections[DEFAULT_DB_ALIAS]
    sql, targets = _updater(type(obj), db.vendor, tuple(fields))
    params = [field.get_db_prep_save(field.pre_save(obj, False), db) for field in targets]
    key = [getattr(obj, _shard_column(type(obj)))] if getattr(obj, "shard_field", None) else []
    with db.cursor() as cursor:
        cursor.execute(sql, [*params, obj.pk, *key])


def rows_update_many(objects: Sequence[Model], fields: Sequence[str]) -> None:
    """UPDATE these fields of saved instances of one model, as `row_update` on each would:
    one statement per distinct set of values (`WHERE pk IN (...)`, `= ANY` on PostgreSQL:
    `shards.ids_match`; and the order ids of a row kept by its order), so a batch of rows
    that end alike (a storm of orders closed the same way) costs one statement; on Citus one
    per shard too (`shard_groups`), so that each stays on one shard."""
    if not objects:
        return
    model = type(objects[0])
    db = connections[DEFAULT_DB_ALIAS]
    meta = model._meta
    targets = [meta.get_field(name) for name in fields]
    key = order_key(model)
    by_key = key is not None and key != meta.pk.attname  # the order id beside the row's id
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(f.column)} = %s" for f in targets)
    pk_column = quote(meta.pk.column)
    order_column = quote(meta.get_field("order").column) if by_key else ""
    with db.cursor() as cursor:
        for group in by_shard(objects):
            groups: dict[tuple, list[Model]] = {}
            columns = [_column_values(field, group, db, add=False) for field in targets]
            for obj, values in zip(group, zip(*columns, strict=True), strict=True):
                groups.setdefault(values, []).append(obj)
            for values, alike in groups.items():
                where, params = ids_match(pk_column, [obj.pk for obj in alike], db)
                if by_key:
                    also, more = ids_match(order_column, list(dict.fromkeys(
                        getattr(obj, key) for obj in alike)), db)
                    where, params = f"{where} AND {also}", [*params, *more]
                cursor.execute(f"UPDATE {quote(meta.db_table)} SET {assignments} "  # noqa: S608
                               f"WHERE {where}", [*values, *params])

