"""Task rows (see the package's docstring): what django-tasks-db's `enqueue` writes, written by
the lean INSERTs, inside the caller's transaction."""

from __future__ import annotations

from collections.abc import Sequence

from rescind.statements.writes import rows_insert, rows_insert_alike


def task_enqueue(task, *args) -> None:
    """Queue `task(*args)` on django-tasks-db: the row its `enqueue` writes, written by
    `rows_insert`. The row commits or rolls back with the caller's transaction (the outbox).

    Skipped from `enqueue`: its `task_enqueued` signal, which only django-tasks' debug log
    listens to, and building the TaskResult nobody here reads."""
    from django_tasks.utils import normalize_json
    from django_tasks_db.models import DBTaskResult, get_date_max

    backend = task.get_backend()
    rows_insert([DBTaskResult(
        id=backend._get_id(), args_kwargs=normalize_json({"args": args, "kwargs": {}}),
        priority=task.priority, task_path=task.module_path, queue_name=task.queue_name,
        run_after=task.run_after or get_date_max(),  # as its pre_save receiver does
        backend_name=backend.alias)])


def tasks_enqueue(task, args_list: Sequence[tuple]) -> None:
    """`task_enqueue(task, *args)` for each of `args_list`, in one multi-row INSERT: the rows
    `task_enqueue` writes, but for their ids and arguments alike (`rows_insert_alike`: one
    instance for all of them, not one a row; a storm queues two tasks an order)."""
    from django_tasks.utils import normalize_json
    from django_tasks_db.models import DBTaskResult, get_date_max

    if not args_list:
        return
    backend = task.get_backend()
    template = DBTaskResult(
        id=backend._get_id(), args_kwargs=None, priority=task.priority,
        task_path=task.module_path, queue_name=task.queue_name,
        run_after=task.run_after or get_date_max(), backend_name=backend.alias)
    rows_insert_alike(template, {
        "id": [backend._get_id() for _args in args_list],
        "args_kwargs": [normalize_json({"args": args, "kwargs": {}}) for args in args_list]})
