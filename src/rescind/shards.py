"""Which shard keeps an order's rows on Citus, so that a statement about many orders can be
split into single-shard ones (issues 16 and 18). On PostgreSQL and SQLite every order is in
one group: the same code makes one statement there (docs/deployment.md, "Citus")."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cache

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import BooleanField, Model, QuerySet
from django.db.models.expressions import RawSQL

# On Citus, the shard of each order id seen, by database (docs/deployment.md, "Citus"); an
# order's shard does not change unless an operator splits shards, so it is asked once.
_SHARD_OF: dict[tuple, dict[int, int]] = {}
_CITUS: dict[tuple, bool] = {}
_SHARDS_KEPT = 200_000  # order ids remembered per database before the memory starts afresh


def _db_key(db) -> tuple:
    s = db.settings_dict
    return (db.alias, s.get("NAME"), s.get("HOST"), s.get("PORT"))


def citus_distributed(db=None) -> bool:
    """Whether the database's orders are distributed by Citus (asked once per database)."""
    db = db or connections[DEFAULT_DB_ALIAS]
    key = _db_key(db)
    if key not in _CITUS:
        found = False
        if db.vendor == "postgresql":
            with db.cursor() as cursor:
                cursor.execute("SELECT to_regclass('pg_dist_partition') IS NOT NULL")
                if cursor.fetchone()[0]:
                    cursor.execute("SELECT 1 FROM pg_dist_partition "
                                   "WHERE logicalrelid = 'rescind_orders_order'::regclass")
                    found = cursor.fetchone() is not None
        _CITUS[key] = found
    return _CITUS[key]


def citus_forget() -> None:
    """Forget what was learnt about the databases (after `rescind citus distribute`)."""
    _CITUS.clear()
    _SHARD_OF.clear()


def shard_groups(order_ids: Sequence[int]) -> list[list[int]]:
    """The order ids grouped by the shard that keeps each order's rows, each group in the order
    given: one group holding them all on PostgreSQL and SQLite, one group per shard on Citus.

    A statement naming one group's orders (`order_id = ANY(...)`) is single-shard on Citus:
    Citus takes no shard lock for it, and a batch of them can never deadlock with another
    worker's batch, where a statement over several shards takes a lock on each shard it touches
    and holds it to the commit (docs/benchmarks.md, section 10). The shards come from Citus's
    own metadata (`get_shard_id_for_distribution_column`), asked once per order id."""
    if not order_ids:
        return []
    db = connections[DEFAULT_DB_ALIAS]
    if not citus_distributed(db):
        return [list(order_ids)]
    known = _SHARD_OF.setdefault(_db_key(db), {})
    unknown = [pk for pk in dict.fromkeys(order_ids) if pk not in known]
    if unknown:
        if len(known) + len(unknown) > _SHARDS_KEPT:
            known.clear()
        with db.cursor() as cursor:
            cursor.execute("SELECT o, get_shard_id_for_distribution_column("
                           "'rescind_orders_order', o) FROM unnest(%s::bigint[]) AS o",
                           [list(unknown)])
            known.update(cursor.fetchall())
    groups: dict[int, list[int]] = {}
    for pk in order_ids:
        groups.setdefault(known[pk], []).append(pk)
    return [groups[shard] for shard in sorted(groups)]


def update_by_shard(queryset: QuerySet, column: str, order_ids: Sequence[int], *,
                    pks_of: Mapping[int, Sequence[int]] | None = None, **values) -> int:
    """`queryset.filter(<column>__in=order_ids).update(**values)` (`one_of`: `= ANY` on
    PostgreSQL), one UPDATE per shard group (`shard_groups`): one statement on PostgreSQL and
    SQLite, one per shard on Citus, each on one shard, so that a batch's writes take no lock
    over several shards (the deadlock of docs/benchmarks.md, section 10). `column` holds the
    rows' order id ("order_id"). With `pks_of` (an order id: the primary keys of its rows to
    update), each statement names those rows as well, its own orders' only. Returns the
    number of rows updated."""
    model = queryset.model
    updated = 0
    for group in shard_groups(order_ids):
        where = queryset.filter(one_of(model, column, group))
        if pks_of is not None:
            where = where.filter(one_of(model, "pk", [pk for order_id in group
                                                      for pk in pks_of[order_id]]))
        updated += where.update(**values)
    return updated


def one_of(model: type[Model], column: str, ids: Sequence[int]) -> RawSQL:
    """A filter: `column` (an integer column of `model`, "pk" for its primary key) is one of
    `ids`, as `ids_match` writes it: on PostgreSQL one array however many ids (a storm's batch
    names hundreds), built without the ORM's lookup per id."""
    field = model._meta.pk if column == "pk" else model._meta.get_field(column)
    db = connections[DEFAULT_DB_ALIAS]
    quoted = f"{db.ops.quote_name(model._meta.db_table)}.{db.ops.quote_name(field.column)}"
    sql, params = ids_match(quoted, list(ids), db)
    return RawSQL(sql, params, output_field=BooleanField())  # noqa: S611 - names from _meta


def ids_match(column: str, ids: list[int], db) -> tuple[str, list]:
    """SQL saying the (quoted) `column` is one of `ids`, and its parameters. On PostgreSQL
    `= ANY(%s::bigint[])`, one array: the same short statement for any number of ids, which
    psycopg parses once (it keeps its parse of short statements only; an IN list of hundreds
    of placeholders is parsed anew each time), and on Citus still pruned to the shard.
    Elsewhere `IN`, a placeholder an id (SQLite takes an empty list too)."""
    if db.vendor == "postgresql":
        return f"{column} = ANY(%s::bigint[])", [ids]
    return f"{column} IN ({', '.join(['%s'] * len(ids))})", ids


@cache
def order_key(model: type[Model]) -> str | None:
    """The attribute holding the order id that places a row of `model` on its shard on Citus:
    the order's own id, a ShardKeyed row's order id; None for tables not kept by order."""
    from rescind.citus import ORDER_KEYED, ORDER_TABLE

    table = model._meta.db_table
    if table == ORDER_TABLE:
        return model._meta.pk.attname
    if table in ORDER_KEYED:
        return model._meta.get_field("order").attname
    return None


def by_shard(objects: Sequence[Model]) -> list[Sequence[Model]]:
    """`objects` split by the shard of their order on Citus (one group elsewhere)."""
    if len(objects) == 1 or not citus_distributed():
        return [objects]
    key = order_key(type(objects[0]))
    if key is None:
        return [objects]
    of: dict[int, list[Model]] = {}
    for obj in objects:
        of.setdefault(getattr(obj, key), []).append(obj)
    return [[obj for order_id in group for obj in of[order_id]]
            for group in shard_groups(list(of))]
