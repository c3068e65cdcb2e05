"""An index rescind needs on django-tasks-db's task rows: the finished ones by finish time, read
oldest first by the pruning of finished tasks (rescind/pruning.py, issue 16); without it every
prune batch, and every idle check for one, would read the whole table. Partial, like
rescind_tasks_running in 0002: queued and running rows are not in it. The condition is
`finished_at IS NOT NULL`, not the finished statuses, because SQLite uses a partial index only
when the query's WHERE clause implies its condition by its simple rules: `finished_at < ?`
implies `finished_at IS NOT NULL` there (and in PostgreSQL), `status = 'SUCCESSFUL'` does not
imply `status IN ('SUCCESSFUL', 'FAILED')` there. The same caveat as 0002 holds (a later
migration of django-tasks-db that rebuilds the table on SQLite would drop it).
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("rescind_accounts", "0003_api_token_last_used"),
        ("django_tasks_database", "0021_conditional_partial_index_ordering"),
    ]

    operations = [
        migrations.RunSQL(
            "CREATE INDEX rescind_tasks_finished ON django_tasks_database_dbtaskresult "
            "(status, finished_at) WHERE finished_at IS NOT NULL",
            "DROP INDEX rescind_tasks_finished",
        ),
    ]
