"""Pruning the tables that only grow (issue 16, item 6): what goes after its retention, what is
never touched, batches, the worker's share per pass, `rescind prune`. Both databases."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django_tasks_db.models import DBTaskResult, get_date_max
from typer.testing import CliRunner

from rescind.api.models import IdempotencyRecord
from rescind.cli import app
from rescind.notifications.models import EmailMessage, WebhookDelivery, WebhookSubscriber
from rescind.pruning import (
    AGE_STEP,
    KINDS,
    PASS_BATCHES,
    Retention,
    prune_batch,
    prune_count,
    prune_cutoffs,
    prune_pass,
)
from rescind.settings import _retention
from rescind.worker import RescindWorker
from tests.conftest import DAY, T0

MINUTE = timedelta(minutes=1)
RETENTION = Retention(tasks=7 * DAY, failed_tasks=30 * DAY, deliveries=30 * DAY,
                      idempotency=DAY)


def _task(status: str, *, finished_at: datetime | None = None,
          started_at: datetime | None = None) -> str:
    row = DBTaskResult.objects.create(
        status=status, args_kwargs={"args": [1], "kwargs": {}}, backend_name="default",
        task_path="rescind.notifications.tasks.notify_task", run_after=get_date_max(),
        started_at=started_at or finished_at, finished_at=finished_at)
    return str(row.pk)


def _email(name: str, *, at: datetime, sent: bool, attempts: int) -> int:
    return EmailMessage.objects.create(
        to="buyer@example.com", subject=name, body="...", created_at=at,
        sent_at=at + MINUTE if sent else None, attempts=attempts, dedup_key=name).pk


def _delivery(name: str, *, at: datetime, status: str, replay_of=None) -> WebhookDelivery:
    subscriber = (WebhookSubscriber.objects.first()
                  or WebhookSubscriber.objects.create(name="ERP", url="https://erp.example.com/h"))
    return WebhookDelivery.objects.create(
        subscriber=subscriber, event_kind="CancellationRequested", payload={"id": 1},
        created_at=at, status=status, dedup_key=name, replay_of=replay_of)


def _idempotency(name: str, *, at: datetime) -> int:
    record = IdempotencyRecord.objects.create(scope="u:1", key=name, request_hash="h",
                                              status_code=201, body=b"{}")
    IdempotencyRecord.objects.filter(pk=record.pk).update(created_at=at)  # auto_now_add
    return record.pk


def _left(model, labels: dict) -> set[str]:
    """Which of the labelled rows of `model` are still there."""
    kept = {str(pk) for pk in model.objects.values_list("pk", flat=True)}
    return {label for label, pk in labels.items() if str(pk) in kept}


def test_cutoffs_are_now_minus_each_retention():
    # given the retentions; when the cutoffs at T0 are computed; then each is T0 minus its own
    assert prune_cutoffs(now=T0, retention=RETENTION) == {
        "tasks_succeeded": T0 - 7 * DAY, "tasks_failed": T0 - 30 * DAY,
        "emails": T0 - 30 * DAY, "webhook_deliveries": T0 - 30 * DAY,
        "idempotency_records": T0 - DAY,
    }


def test_configured_retention_defaults(settings):
    # given the settings' defaults (README, Configuration)
    assert Retention.configured() == Retention(tasks=7 * DAY, failed_tasks=30 * DAY,
                                               deliveries=30 * DAY, idempotency=DAY)
    assert settings.RESCIND_PRUNE_BATCH_SIZE == 1000


def test_rows_past_their_retention_go_and_everything_else_stays(db):
    # given rows of every kind just past their retention, just within it, and unfinished ones
    # far older than any retention
    old, long_ago = T0 - 30 * DAY - MINUTE, T0 - 90 * DAY
    tasks = {
        "succeeded 7d ago": _task("SUCCESSFUL", finished_at=T0 - 7 * DAY - MINUTE),
        "succeeded within 7d": _task("SUCCESSFUL", finished_at=T0 - 7 * DAY + MINUTE),
        "failed 30d ago": _task("FAILED", finished_at=T0 - 30 * DAY - MINUTE),
        "failed 8d ago": _task("FAILED", finished_at=T0 - 8 * DAY),
        "queued long ago": _task("READY"),
        "running since long ago": _task("RUNNING", started_at=long_ago),
    }
    emails = {
        "sent 30d ago": _email("sent-old", at=old, sent=True, attempts=1),
        "sent within 30d": _email("sent-new", at=T0 - 30 * DAY + MINUTE, sent=True, attempts=1),
        "given up 30d ago": _email("given-up", at=old, sent=False, attempts=12),
        "still retried, long ago": _email("retrying", at=long_ago, sent=False, attempts=11),
    }
    root = _delivery("replayed", at=long_ago, status="failed")
    deliveries = {
        "delivered 30d ago": _delivery("delivered-old", at=old, status="delivered").pk,
        "dropped 30d ago": _delivery("dropped-old", at=old, status="dropped").pk,
        "failed for good 30d ago": _delivery("failed-old", at=old, status="failed").pk,
        "delivered within 30d": _delivery("delivered-new", at=T0 - 29 * DAY,
                                          status="delivered").pk,
        "still retried, long ago": _delivery("pending", at=long_ago, status="pending").pk,
        "replayed long ago": root.pk,
        "its replay": _delivery("replayed:replay:1", at=old, status="delivered",
                                replay_of=root).pk,
    }
    keys = {"key 1d ago": _idempotency("old", at=T0 - DAY - MINUTE),
            "key within 1d": _idempotency("new", at=T0 - DAY + MINUTE)}
    # when everything due at T0 is pruned
    result = prune_pass(now=T0, retention=RETENTION, batch_size=1000, max_batches=None)
    # then exactly the finished rows past their retention are gone
    assert result.removed == {"tasks_succeeded": 1, "tasks_failed": 1, "emails": 2,
                              "webhook_deliveries": 3, "idempotency_records": 1}
    assert result.more is False
    assert _left(DBTaskResult, tasks) == {"succeeded within 7d", "failed 8d ago",
                                          "queued long ago", "running since long ago"}
    assert _left(EmailMessage, emails) == {"sent within 30d", "still retried, long ago"}
    assert _left(WebhookDelivery, deliveries) == {"delivered within 30d",
                                                  "still retried, long ago",
                                                  "replayed long ago", "its replay"}
    assert _left(IdempotencyRecord, keys) == {"key within 1d"}


def test_a_batch_deletes_its_own_stretch_of_the_age_index_not_all_up_to_the_cutoff(db):
    # given 5 task rows past retention, a minute apart
    ages = [T0 - 20 * DAY + n * MINUTE for n in range(5)]
    for age in ages:
        _task("SUCCESSFUL", finished_at=age)
    cutoff = prune_cutoffs(now=T0, retention=RETENTION)["tasks_succeeded"]
    # when a batch of 2 is pruned, noting the parameters of its DELETE
    deletes = []

    def note(execute, sql, params, many, context):
        if sql.startswith("DELETE"):
            deletes.append(list(params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(note):
        removed = prune_batch("tasks_succeeded", cutoff, size=2)
    # then the DELETE bounds the age just past the batch's last row, and not by the cutoff too:
    # given two upper bounds SQLite ranges its index by the cutoff, so every batch walked
    # every prunable row left (docs/benchmarks.md, section 6)
    adapt = connection.ops.adapt_datetimefield_value
    assert (removed, len(deletes)) == (2, 1)
    assert (adapt(ages[1] + AGE_STEP) in deletes[0], adapt(cutoff) in deletes[0]) == (True, False)
    assert DBTaskResult.objects.count() == 3


def test_a_batch_removes_at_most_its_size_oldest_first_and_a_pass_at_most_its_batches(db):
    # given 7 task rows past retention and 4 idempotency records past theirs
    tasks = {f"task {n}": _task("SUCCESSFUL", finished_at=T0 - 20 * DAY + n * MINUTE)
             for n in range(7)}
    keys = {f"key {n}": _idempotency(f"k{n}", at=T0 - 2 * DAY + n * MINUTE) for n in range(4)}
    # when a pass may run one batch of 3
    first = prune_pass(now=T0, retention=RETENTION, batch_size=3, max_batches=1)
    # then the 3 oldest task rows went, nothing else, and there is more to do
    assert first.removed == {**dict.fromkeys(KINDS, 0), "tasks_succeeded": 3}
    assert first.more is True
    assert _left(DBTaskResult, tasks) == {"task 3", "task 4", "task 5", "task 6"}
    # when a pass may run two batches of 3
    second = prune_pass(now=T0, retention=RETENTION, batch_size=3, max_batches=2)
    # then one batch of each kind that has rows: 3 task rows and 3 records, the oldest
    assert second.removed == {**dict.fromkeys(KINDS, 0), "tasks_succeeded": 3,
                              "idempotency_records": 3}
    assert second.more is True
    assert _left(DBTaskResult, tasks) == {"task 6"}
    assert _left(IdempotencyRecord, keys) == {"key 3"}
    # when a pass runs without a limit, then the rest goes and nothing more is left
    last = prune_pass(now=T0, retention=RETENTION, batch_size=3, max_batches=None)
    assert last.removed == {**dict.fromkeys(KINDS, 0), "tasks_succeeded": 1,
                            "idempotency_records": 1}
    assert last.more is False
    assert DBTaskResult.objects.count() == IdempotencyRecord.objects.count() == 0


def test_a_running_worker_pass_prunes_a_bounded_share(transactional_db, settings,
                                                       monkeypatch):
    # given 13 task rows that finished 8 days ago (real time: the worker prunes by it), one
    # that finished an hour ago, and batches of 2; a worker that waits a day once idle (the
    # test does not depend on how fast it runs)
    settings.RESCIND_PRUNE_BATCH_SIZE = 2
    monkeypatch.setattr("rescind.worker.IDLE_SECONDS", 86400.0)
    real_now = datetime.now(UTC)
    old = [_task("SUCCESSFUL", finished_at=real_now - 8 * DAY + n * MINUTE) for n in range(13)]
    recent = _task("SUCCESSFUL", finished_at=real_now - timedelta(hours=1))
    worker = RescindWorker(interval=0)
    # when the worker makes one pass
    worker.run_once()
    # then it removed PASS_BATCHES batches of 2, the oldest rows
    assert PASS_BATCHES == 5
    assert _left(DBTaskResult, dict(enumerate(old))) == {10, 11, 12}
    # when it makes another pass, then the rest of the old rows go, the recent one stays
    worker.run_once()
    assert [str(pk) for pk in DBTaskResult.objects.values_list("pk", flat=True)] == [recent]
    # and with nothing left, the next pass does not look again (until IDLE_SECONDS passed)
    stale = _task("SUCCESSFUL", finished_at=real_now - 9 * DAY)
    worker.run_once()
    assert DBTaskResult.objects.filter(pk=stale).exists()


def test_two_pruners_at_once_remove_every_row_once(transactional_db):
    # given 40 task rows past retention
    for n in range(40):
        _task("SUCCESSFUL", finished_at=T0 - 10 * DAY + n * MINUTE)
    results: list = []
    barrier = threading.Barrier(2)

    def prune() -> None:
        try:
            barrier.wait()
            results.append(prune_pass(now=T0, retention=RETENTION, batch_size=5,
                                      max_batches=None).removed["tasks_succeeded"])
        except Exception as exc:  # surfaced by the assertion below
            results.append(repr(exc))
        finally:
            connection.close()

    # when two pruners run at once (own connections; PostgreSQL: SKIP LOCKED, SQLite: the
    # write lock)
    threads = [threading.Thread(target=prune) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    # then between them they removed each row exactly once, and nothing failed
    assert sum(results) == 40
    assert DBTaskResult.objects.count() == 0


def test_rescind_prune_dry_run_counts_and_removes_nothing_then_prune_removes(db):
    # given 3 task rows and an idempotency record past retention (real time), and a fresh key
    real_now = datetime.now(UTC)
    for n in range(3):
        _task("SUCCESSFUL", finished_at=real_now - 8 * DAY - n * MINUTE)
    _idempotency("old", at=real_now - 2 * DAY)
    _idempotency("new", at=real_now)
    assert prune_count(now=real_now, retention=Retention.configured()) == {
        **dict.fromkeys(KINDS, 0), "tasks_succeeded": 3, "idempotency_records": 1}
    # when `rescind prune --dry-run` runs
    dry = CliRunner().invoke(app, ["prune", "--dry-run"])
    # then it says what would go, and nothing went
    assert dry.exit_code == 0, dry.output
    assert "Would remove (dry run)" in dry.output
    assert _counts(dry.output) == {"tasks succeeded": "3", "tasks failed": "0", "emails": "0",
                                   "webhook deliveries": "0", "idempotency records": "1"}
    assert (DBTaskResult.objects.count(), IdempotencyRecord.objects.count()) == (3, 2)
    # when `rescind prune` runs, then it removed them and says so
    done = CliRunner().invoke(app, ["prune"])
    assert done.exit_code == 0, done.output
    assert "Removed" in done.output
    assert _counts(done.output) == _counts(dry.output)
    assert (DBTaskResult.objects.count(), IdempotencyRecord.objects.count()) == (0, 1)


def _counts(output: str) -> dict[str, str]:
    """The table's rows: kind -> count."""
    rows = {}
    for line in output.splitlines():
        cells = [cell.strip() for cell in line.strip("│ ").split("│")]
        if len(cells) == 3 and cells[0] in {k.replace("_", " ") for k in KINDS}:
            rows[cells[0]] = cells[2]
    return rows


@pytest.mark.parametrize("value", ["0d", "30m"])
def test_a_retention_under_an_hour_is_refused_at_start(value, monkeypatch):
    # given a retention shorter than an hour in the environment
    monkeypatch.setenv("RESCIND_RETENTION_IDEMPOTENCY", value)
    # when the settings read it, then they refuse it and say which and why
    with pytest.raises(ImproperlyConfigured) as refused:
        _retention("RESCIND_RETENTION_IDEMPOTENCY", "24h")
    assert str(refused.value) == ("RESCIND_RETENTION_IDEMPOTENCY must be a duration of at "
                                  "least 1h, e.g. 24h")
