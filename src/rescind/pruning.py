"""Pruning the tables that only grow (issue 16, item 6).

Four kinds of row pile up with every order and are of no use after a while:
- **task rows** (django-tasks-db's table, the outbox): a task that succeeded is kept
  `RESCIND_RETENTION_TASKS` (7 days) after it finished; one that raised keeps its traceback
  `RESCIND_RETENTION_FAILED_TASKS` (30 days). A task still queued or running is never touched.
- **e-mail and webhook logs**: kept `RESCIND_RETENTION_DELIVERIES` (30 days) after they were
  written, once they are over: an e-mail sent or given up, a webhook delivered, dropped or failed
  for good. One still being attempted (a retry queued) is never touched. A webhook delivery
  support replayed, and its replays, are kept: they are the record of an incident, they are few,
  and the replay numbering counts them.
- **idempotency records**: an `Idempotency-Key` is remembered `RESCIND_RETENTION_IDEMPOTENCY`
  (24 hours); a repeat after that runs as a new request.
The timeline, the inbox, refunds and every other record of an order are never pruned.

How: in batches of `RESCIND_PRUNE_BATCH_SIZE` rows (1,000), each its own short transaction:
the oldest prunable primary keys, locked `FOR UPDATE SKIP LOCKED` (so workers pruning at once
take different rows and never wait for a row anyone holds), then one DELETE of those keys.
No statement scans a table: each kind is read through an index on its age. On SQLite a batch
holds the database's one write lock while it runs, so a smaller batch keeps writers' waits
shorter there.
The worker runs at most `PASS_BATCHES` batches a pass after its deadlines and tasks (and one
look at each kind), so firing is never starved; when a pass found less than a full batch of
every kind, it prunes again only after `IDLE_SECONDS`. `rescind prune [--dry-run]` does (or
counts) all of it at once.

Time: the ages compared here are written with the real clock (task and idempotency times) or
the shared clock (e-mails, webhooks), which in demo mode runs ahead of it. The worker passes the
real time, so a row is never pruned before its retention on either clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from rescind.api.models import IdempotencyRecord
from rescind.notifications.models import EmailMessage, WebhookDelivery

PASS_BATCHES = 5  # the most batches one worker pass runs, over every kind together
IDLE_SECONDS = 60.0  # a worker that found nothing more to prune looks again this much later

# The smallest step of a stored age (both databases keep microseconds): `age < last + step`
# is `age <= last`.
AGE_STEP = timedelta(microseconds=1)

KINDS = ("tasks_succeeded", "tasks_failed", "emails", "webhook_deliveries", "idempotency_records")


@dataclass(frozen=True)
class Retention:
    tasks: timedelta
    failed_tasks: timedelta
    deliveries: timedelta
    idempotency: timedelta

    @classmethod
    def configured(cls) -> Retention:
        return cls(tasks=settings.RESCIND_RETENTION_TASKS,
                   failed_tasks=settings.RESCIND_RETENTION_FAILED_TASKS,
                   deliveries=settings.RESCIND_RETENTION_DELIVERIES,
                   idempotency=settings.RESCIND_RETENTION_IDEMPOTENCY)

    def of(self, kind: str) -> timedelta:
        return {"tasks_succeeded": self.tasks, "tasks_failed": self.failed_tasks,
                "emails": self.deliveries, "webhook_deliveries": self.deliveries,
                "idempotency_records": self.idempotency}[kind]


def prune_cutoffs(*, now: datetime, retention: Retention) -> dict[str, datetime]:
    """For each kind, the instant before which its finished rows may go."""
    return {kind: now - retention.of(kind) for kind in KINDS}


def prunable(kind: str, cutoff: datetime) -> QuerySet:
    """The rows of `kind` that may be removed at `cutoff`, oldest first (each order is an
    index: rescind_tasks_finished, email_created, webhook_delivery_created,
    idempotency_created)."""
    from rescind.notifications.services import MAX_ATTEMPTS as EMAIL_ATTEMPTS

    if kind in ("tasks_succeeded", "tasks_failed"):
        status = TaskResultStatus.SUCCESSFUL if kind == "tasks_succeeded" else (
            TaskResultStatus.FAILED)
        return (DBTaskResult.objects.filter(status=status, finished_at__lt=cutoff)
                .order_by("finished_at"))
    if kind == "emails":
        over = Q(sent_at__isnull=False) | Q(attempts__gte=EMAIL_ATTEMPTS)
        return EmailMessage.objects.filter(over, created_at__lt=cutoff).order_by("created_at")
    if kind == "webhook_deliveries":
        Status = WebhookDelivery.Status
        replays = WebhookDelivery.objects.filter(replay_of__isnull=False)
        # Replays and the deliveries they replay are kept. Both are read from the few replay
        # rows (NOT IN, read once through the replay_of index): a term on the row's own
        # replay_of would lead SQLite to read every first delivery through that index and sort
        # them, and a NOT EXISTS leads PostgreSQL to an anti join over the whole table.
        return (WebhookDelivery.objects
                .filter(created_at__lt=cutoff,
                        status__in=[Status.DELIVERED, Status.DROPPED, Status.FAILED])
                .exclude(pk__in=replays.values("pk"))
                .exclude(pk__in=replays.values("replay_of")).order_by("created_at"))
    if kind == "idempotency_records":
        return IdempotencyRecord.objects.filter(created_at__lt=cutoff).order_by("created_at")
    raise ValueError(f"no such kind of row to prune: {kind}")


def prune_batch(kind: str, cutoff: datetime, *, size: int) -> int:
    """Remove up to `size` of the oldest prunable rows of `kind`, in one short transaction.
    Returns how many went."""
    rows = prunable(kind, cutoff)
    age = rows.query.order_by[0]  # the age column, whose index orders the rows
    with transaction.atomic():
        batch = list(rows.select_for_update(skip_locked=True).values_list("pk", age)[:size])
        if not batch:
            return 0
        # The rows are locked (on SQLite the transaction holds the write lock): only a replay of
        # a webhook delivery can appear meanwhile, so the condition is checked again. The age
        # is bounded by the batch's last one instead of the cutoff, so the planner reads just
        # the batch's stretch of the age index: by the keys alone, PostgreSQL reads a small task
        # table whole (random UUIDs); with the cutoff as well, SQLite bounds the range by the
        # cutoff (it takes one upper bound) and walks every prunable row left, each batch.
        doomed = prunable(kind, batch[-1][1] + AGE_STEP).filter(pk__in=[key for key, _ in batch])
        # A raw DELETE: the ORM's delete() would first read every row of a model that others
        # point at (webhook replays), and none of these kinds has anything to cascade to.
        return doomed.order_by()._raw_delete(doomed.db)


@dataclass
class PruneResult:
    removed: dict[str, int]
    more: bool  # some kind's last batch was full: there may be more to remove now


def prune_pass(*, now: datetime, retention: Retention, batch_size: int,
               max_batches: int | None) -> PruneResult:
    """Batches over every kind in turn, one batch each per round, until no kind has more or
    `max_batches` batches removed rows (None: no limit). A kind found with less than a full
    batch is done for this pass, so the work of a pass is bounded: at most `max_batches`
    batches that remove rows, and one look at each kind."""
    cutoffs = prune_cutoffs(now=now, retention=retention)
    removed = dict.fromkeys(KINDS, 0)
    pending = list(KINDS)
    batches = 0
    while pending:
        for kind in list(pending):
            if max_batches is not None and batches >= max_batches:
                return PruneResult(removed=removed, more=True)
            count = prune_batch(kind, cutoffs[kind], size=batch_size)
            removed[kind] += count
            batches += 1 if count else 0
            if count < batch_size:
                pending.remove(kind)
    return PruneResult(removed=removed, more=False)


def prune_count(*, now: datetime, retention: Retention) -> dict[str, int]:
    """How many rows of each kind a prune at `now` would remove (for `rescind prune
    --dry-run`)."""
    cutoffs = prune_cutoffs(now=now, retention=retention)
    return {kind: prunable(kind, cutoffs[kind]).count() for kind in KINDS}
