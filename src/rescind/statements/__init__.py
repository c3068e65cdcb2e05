"""Lean SQL for the hot path (issue 7): the few statements every service runs, built once per
model from its `_meta` and handed straight to the driver.

Building a query through the ORM costs about 0.3-0.5 ms of Python (query, compiler, SQL text);
the driver then needs about 0.03 ms. A service that locks an order and writes four rows spent
most of its time there, so these helpers do exactly what the ORM would do, minus the building:

- values go in through each field's `pre_save` and `get_db_prep_save`, as `Model.save` does;
- rows come out through the converters a QuerySet applies, so an instance read here equals
  one read by the ORM (tests/integration/test_statements.py checks both ways);
- everything runs on the default connection, inside the caller's transaction.

Use them where a path is hot (a service per API request, a deadline per order in a storm);
everywhere else the ORM's readability wins. `reads` has the SELECTs, `writes` the INSERTs and
UPDATEs, `tasks` the task-queue rows; import them from here.
"""

from rescind.statements.reads import row_get, rows_claim, rows_where, rows_where_each
from rescind.statements.tasks import task_enqueue, tasks_enqueue
from rescind.statements.writes import (
    row_insert_if_new,
    row_update,
    rows_insert,
    rows_insert_alike,
    rows_update_many,
)

__all__ = ["row_get", "row_insert_if_new", "row_update", "rows_claim", "rows_insert",
           "rows_insert_alike", "rows_update_many", "rows_where", "rows_where_each",
           "task_enqueue", "tasks_enqueue"]
