"""Indexes rescind needs on tables it does not define (bench/query_plans.py, docs/deployment.md).

- auth_user: the active staff, read for every event support hears of
  (notifications.services._recipients); without it every user row is read.
- django-tasks-db's task rows: RUNNING rows by claim time, read by every worker's
  abandoned-task sweep (worker.tasks_requeue_abandoned); without it every task row ever run
  is read, and finished rows are kept until pruned.

Both are partial, so each stays the size of what it finds. The SQL is taken as it is by
PostgreSQL and SQLite. It runs after the latest migrations of both tables' apps here: a later
migration of theirs that rebuilds the table on SQLite would drop the index there (PostgreSQL
keeps it), which costs speed, never correctness.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("rescind_accounts", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("django_tasks_database", "0021_conditional_partial_index_ordering"),
    ]

    operations = [
        migrations.RunSQL(
            "CREATE INDEX rescind_staff_users ON auth_user (id) WHERE is_staff AND is_active",
            "DROP INDEX rescind_staff_users",
        ),
        migrations.RunSQL(
            "CREATE INDEX rescind_tasks_running ON django_tasks_database_dbtaskresult "
            "(started_at) WHERE status = 'RUNNING'",
            "DROP INDEX rescind_tasks_running",
        ),
    ]
