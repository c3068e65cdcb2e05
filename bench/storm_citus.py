"""The deadline storm's raw floor on Citus (bench/deadline_storm.py --citus).

The PostgreSQL floor is one statement a batch: a data-modifying CTE that claims due deadlines
with FOR UPDATE SKIP LOCKED and joins every table it writes on the claimed rows. Citus refuses
both over several shards, so on the distributed schema the floor is a statement per table, each
set-based over the batch's orders (as on SQLite), every one naming the orders (`order_id =
ANY(...)`) so that Citus sends it only to their shards. Process k of n claims only the orders
with `order_id % n = k`, so two processes' claims never meet (the spread of workers over shards
that docs/deployment.md proposes), where the PostgreSQL floor relies on SKIP LOCKED.
"""

from __future__ import annotations

import json
import uuid

DUE = ("SELECT order_id, id FROM rescind_orders_deadline WHERE fired_at IS NULL "
       "AND voided_at IS NULL AND due_at <= %(now)s AND order_id %% %(slots)s = %(slot)s "
       "ORDER BY due_at LIMIT %(size)s")


def _values(cursor, sql: str, rows: list[tuple], suffix: str = "") -> list[tuple]:
    """INSERT `rows` in one statement: `sql` up to VALUES, then a row of placeholders each."""
    if not rows:
        return []
    marks = "(" + ", ".join(["%s"] * len(rows[0])) + ")"
    cursor.execute(f"{sql} VALUES {', '.join([marks] * len(rows))} {suffix}",
                   [value for row in rows for value in row])
    return cursor.fetchall() if suffix else []


def raw_batch_citus(cursor, params: dict, refund_columns: str, task_columns: str) -> int:
    """One batch of the floor on Citus: claim, close, approve, void, then insert the refunds,
    their start deadlines, the timeline and the tasks (carrying the order id, as the service's
    do). Returns the orders closed."""
    cursor.execute(DUE, params)
    claimed = cursor.fetchall()
    if not claimed:
        return 0
    orders = sorted({order_id for order_id, _ in claimed})
    p = {**params, "orders": orders, "ids": [i for _, i in claimed]}
    cursor.execute("UPDATE rescind_orders_deadline SET fired_at = %(now)s WHERE order_id = "
                   "ANY(%(orders)s) AND id = ANY(%(ids)s) AND fired_at IS NULL", p)
    cursor.execute("UPDATE rescind_orders_order SET state = %(state)s, close_reason = "
                   "%(close_reason)s, closed_at = %(now)s, responsible_side = %(side)s, "
                   "refunded = refunded + total WHERE id = ANY(%(orders)s)", p)
    cursor.execute("UPDATE rescind_aftersale_cancellationrequest SET state = 'auto_approved', "
                   "decided_at = %(now)s WHERE order_id = ANY(%(orders)s) AND state = 'pending'",
                   p)
    cursor.execute("UPDATE rescind_orders_deadline SET voided_at = %(now)s WHERE order_id = "
                   "ANY(%(orders)s) AND fired_at IS NULL AND voided_at IS NULL "
                   "AND kind <> 'refund_check'", p)
    cursor.execute("SELECT o.id, p.id, o.total, o.currency, p.method, p.instrument FROM "
                   "rescind_orders_order o JOIN rescind_orders_payment p ON p.checkout_id = "
                   "o.checkout_id WHERE o.id = ANY(%(orders)s)", p)
    refunds = _values(
        cursor, f"INSERT INTO rescind_refunds_refund ({refund_columns})",
        [(order_id, payment_id, total, currency, method, "pending", uuid.uuid4(),
          p["cause"], p["now"], p["start_by"], p["arrive_by"], 0, "", "", instrument, "", "")
         for order_id, payment_id, total, currency, method, instrument in cursor.fetchall()],
        "RETURNING id, order_id")
    _values(cursor, "INSERT INTO rescind_orders_deadline (order_id, kind, due_at, subject_id)",
            [(order_id, "refund_start", p["start_by"], refund_id)
             for refund_id, order_id in refunds])
    entries = _values(
        cursor, "INSERT INTO rescind_orders_timelineentry (order_id, at, kind, actor, "
                "actor_user_id, params)",
        [(order_id, p["now"], kind, "platform", None, params_json) for order_id in orders
         for kind, params_json in ((p["kind_1"], p["params_1"]), (p["kind_2"], p["params_2"]))],
        "RETURNING id, order_id")
    of_order: dict[int, list[int]] = {}
    for entry_id, order_id in entries:
        of_order.setdefault(order_id, []).append(entry_id)
    tasks = [(p["notify"], [sorted(ids), order_id]) for order_id, ids in of_order.items()]
    tasks += [(p["refund"], [refund_id, order_id]) for refund_id, order_id in refunds]
    _values(cursor, f"INSERT INTO django_tasks_database_dbtaskresult ({task_columns})",
            [(uuid.uuid4(), "READY", p["now"], json.dumps({"args": args, "kwargs": {}}), 0, path,
              "[]", "default", "default", p["never"], "", "") for path, args in tasks])
    return len(orders)
