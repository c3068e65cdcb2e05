"""`rescind citus distribute`: turn a freshly migrated database on a Citus coordinator into the
distributed schema of docs/deployment.md ("Citus"). Everything about one order lives on the
order's shard (distributed by the order id); the tables joined with orders everywhere (users,
stores, products, coupons, and checkouts with their payments) are reference tables (a copy on
every node); the rest (task queue, logs, sessions, parcels, notifications) stays on the
coordinator.

A command, not a migration: it acts on one kind of server only, needs the workers added first,
and must run once, in a known order, before any data arrives; a migration would run on every
database and could not refuse. Run it again and it says the schema is already distributed.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection, transaction

ORDER_TABLE = "rescind_orders_order"
# Distributed by their order id, co-located with the orders: one order, one shard.
ORDER_KEYED = [
    "rescind_orders_orderline", "rescind_orders_shipment", "rescind_orders_timelineentry",
    "rescind_orders_deadline", "rescind_aftersale_cancellationrequest",
    "rescind_aftersale_changerequest", "rescind_refunds_refund", "rescind_disputes_dispute",
    "rescind_messaging_ordermessage", "rescind_messaging_messageattachment",
    "rescind_coupons_couponuse",
]
REFERENCE = [
    "django_content_type", "auth_permission", "auth_group", "auth_group_permissions",
    "auth_user", "auth_user_groups", "auth_user_user_permissions", "rescind_orders_store",
    "rescind_orders_store_sellers", "rescind_orders_product", "rescind_orders_carrier",
    "rescind_orders_carrier_accounts", "rescind_coupons_coupon",
    "rescind_notifications_webhooksubscriber",
    # Joined with orders and refunds by the admin, support's refund queue and checkout itself;
    # distributed by their own id, every such join would cross shards (docs/deployment.md).
    "rescind_orders_checkout", "rescind_orders_payment",
]
# Unique keys that must include the distribution column: (table, constraint suffix, columns).
DISTRIBUTED_KEYS = {
    "rescind_refunds_refund": [("idempotency_key",), ("retry_of_id",)],
}


# Foreign keys from a distributed table to a reference table that order transactions change
# after reading across shards: Citus then refuses the change ("cannot modify table ... because
# there was a parallel operation on a distributed table"), as such a key needs one connection a
# node. A payment is captured after reading its checkout's orders and its amount follows them;
# a coupon's fate is decided by reading its uses in every order. Checkouts, payments and
# coupons are never deleted (PROTECT), so these keys guarded nothing the code does.
LEFT_OUT = {("rescind_orders_order", "rescind_orders_checkout"),
            ("rescind_refunds_refund", "rescind_orders_payment"),
            ("rescind_coupons_couponuse", "rescind_coupons_coupon")}


class DistributeRefused(Exception):
    """The database cannot be distributed as it is; the message says why and what to do."""


@dataclass(frozen=True)
class ForeignKey:
    table: str
    name: str
    columns: list[str]
    target: str
    target_columns: list[str]


def _rows(sql: str, params=()) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _run(sql: str, params=()) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _key_of(table: str) -> str | None:
    if table == ORDER_TABLE:
        return "id"
    if table in ORDER_KEYED:
        return "order_id"
    return None


def _foreign_keys() -> list[ForeignKey]:
    found = _rows("""
        SELECT c.conrelid::regclass::text, c.conname, c.confrelid::regclass::text,
               ARRAY(SELECT a.attname FROM unnest(c.conkey) WITH ORDINALITY k(n, i)
                     JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n
                     ORDER BY k.i),
               ARRAY(SELECT a.attname FROM unnest(c.confkey) WITH ORDINALITY k(n, i)
                     JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.n
                     ORDER BY k.i)
        FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
        WHERE c.contype = 'f' AND n.nspname = current_schema() ORDER BY 1, 2""")
    return [ForeignKey(t, name, list(cols), target, list(tcols))
            for t, name, target, cols, tcols in found]


def _foreign_key_kept(fk: ForeignKey) -> ForeignKey | None:
    """The form a foreign key takes on the distributed schema, or None where Citus cannot have
    it: from a coordinator table to a distributed one (notification -> order, parcel -> order),
    and those of LEFT_OUT."""
    if (fk.table, fk.target) in LEFT_OUT:
        return None
    source, target = _key_of(fk.table), _key_of(fk.target)
    if target is None:  # a reference table, or one on the coordinator
        if fk.target in REFERENCE:
            return fk
        return fk if fk.table not in REFERENCE and source is None else None
    if source is None:
        return None
    if fk.target_columns == [target]:  # already names the distribution column
        return fk
    # A row of the same order: the key becomes (order id, id), e.g. a dispute's refund.
    return ForeignKey(fk.table, fk.name, [source, *fk.columns], fk.target,
                      [target, *fk.target_columns])


def _nonempty() -> list[tuple[str, int]]:
    tables = [ORDER_TABLE, *ORDER_KEYED, "rescind_orders_checkout"]
    counts = []
    for table in tables:
        (count,), = _rows(f"SELECT count(*) FROM {connection.ops.quote_name(table)}")  # noqa: S608
        if count:
            counts.append((table, count))
    return counts


def citus_state() -> str:
    """'absent' (not PostgreSQL, or no citus extension), 'distributed' (done already) or
    'ready'."""
    if connection.vendor != "postgresql":
        return "absent"
    if not _rows("SELECT 1 FROM pg_extension WHERE extname = 'citus'"):
        return "absent"
    if _rows("SELECT 1 FROM pg_dist_partition WHERE logicalrelid = %s::regclass", [ORDER_TABLE]):
        return "distributed"
    return "ready"


def _primary_key(table: str, key: str) -> None:
    (name,), = _rows("SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass "
                     "AND contype = 'p'", [table])
    _run(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}", ADD PRIMARY KEY ("{key}", id)')


def _unique_keys(table: str, key: str) -> None:
    for columns in DISTRIBUTED_KEYS.get(table, []):
        found = _rows("""SELECT c.conname FROM pg_constraint c WHERE c.conrelid = %s::regclass
            AND c.contype = 'u' AND c.conkey = ARRAY(SELECT attnum FROM pg_attribute
            WHERE attrelid = %s::regclass AND attname = ANY(%s))::smallint[]""",
                      [table, table, list(columns)])
        for (name,) in found:
            cols = ", ".join(f'"{c}"' for c in dict.fromkeys((key, *columns)))
            _run(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}", '
                 f'ADD CONSTRAINT "{name}" UNIQUE ({cols})')


def distribute(*, shard_count: int | None = None) -> list[str]:
    """Distribute the schema, in `shard_count` shards a distributed table (None: Citus's
    citus.shard_count, 32 by default); returns what was done, a line a step. Raises
    DistributeRefused."""
    state = citus_state()
    if state == "absent":
        raise DistributeRefused(
            "This database has no citus extension, so there is nothing to distribute over. "
            "Point RESCIND_DATABASE_URL at the Citus coordinator's database, where CREATE "
            "EXTENSION citus was run and the workers were added (citus_add_node), then run "
            "this again. On plain PostgreSQL or SQLite Rescind needs no such step.")
    if state == "distributed":
        return ["The schema is distributed already; nothing to do."]
    if full := _nonempty():
        held = ", ".join(f"{count} rows in {table}" for table, count in full)
        raise DistributeRefused(
            f"This database already holds orders ({held}), and `rescind citus distribute` "
            "only converts a freshly migrated one: the new keys (order id and id) and the "
            "foreign keys it drops are checked against no existing data. Distribute a new, "
            "empty database (rescind migrate, then this command) and move the data into it "
            "with your usual dump and load; nothing here was changed.")
    done = []
    with transaction.atomic():
        _run("SET LOCAL citus.multi_shard_modify_mode TO 'sequential'")
        if shard_count is not None:
            _run(f"SET LOCAL citus.shard_count TO {int(shard_count)}")
        keys = _foreign_keys()
        for fk in keys:
            _run(f'ALTER TABLE "{fk.table}" DROP CONSTRAINT "{fk.name}"')
        done.append(f"dropped {len(keys)} foreign keys for the while")
        for table in ORDER_KEYED:
            _primary_key(table, "order_id")
            _unique_keys(table, "order_id")
        for table in REFERENCE:
            _rows("SELECT create_reference_table(%s)", [table])
        done.append(f"{len(REFERENCE)} reference tables")
        _rows("SELECT create_distributed_table(%s, 'id')", [ORDER_TABLE])
        for table in ORDER_KEYED:
            _rows("SELECT create_distributed_table(%s, 'order_id', colocate_with => %s)",
                  [table, ORDER_TABLE])
        done.append(f"{1 + len(ORDER_KEYED)} tables distributed by order id")
        kept = dropped = 0
        for fk in keys:
            again = _foreign_key_kept(fk)
            if again is None:
                dropped += 1
                continue
            cols = ", ".join(f'"{c}"' for c in again.columns)
            tcols = ", ".join(f'"{c}"' for c in again.target_columns)
            _run(f'ALTER TABLE "{again.table}" ADD CONSTRAINT "{again.name}" FOREIGN KEY '
                 f'({cols}) REFERENCES "{again.target}" ({tcols}) DEFERRABLE INITIALLY DEFERRED')
            kept += 1
        done.append(f"{kept} foreign keys back, {dropped} left out (from coordinator tables "
                    "to distributed ones, and LEFT_OUT)")
    from rescind.shards import citus_forget

    citus_forget()  # the statements asked before: the orders were not distributed then
    return done
