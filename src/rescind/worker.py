"""`rescind worker`: fires due deadlines on the shared clock and runs queued tasks."""

from __future__ import annotations

import logging
import signal
import time
from datetime import timedelta

from django.conf import settings
from django.db import OperationalError, close_old_connections
from django.utils import timezone
from django.utils.crypto import get_random_string
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction, is_locked_database_exception

from rescind.clock.service import clock_offset_forget
from rescind.clock.service import now as clock_now
from rescind.disputes.firing import disputes_fire_due
from rescind.pruning import IDLE_SECONDS, PASS_BATCHES, Retention, prune_pass
from rescind.refunds.tasks import QUEUE as REFUND_QUEUE
from rescind.scheduler import deadlines_fire_due

logger = logging.getLogger(__name__)

QUEUES = (REFUND_QUEUE, "default")  # settings.TASKS; the worker claims by priority
REFUNDS_BETWEEN_BATCHES = 1000  # refunds a pass runs between two firing batches, at most
CLAIM_BATCH = 10  # tasks claimed at once; run one after another, well within the lease


def tasks_claim(*, queues: tuple[str, ...], worker_id: str, limit: int) -> list[DBTaskResult]:
    """Claim up to `limit` ready tasks of `queues`, highest priority first, as django-tasks-db's
    own worker claims one: read FOR UPDATE SKIP LOCKED in an exclusive transaction, marked
    RUNNING with this worker's id. Several at once, so that the claim's statements (BEGIN,
    the read, the mark) are shared by up to `limit` tasks, not run for each: in a 150-order
    simulation the claims were 11% of all statements (issue 17). A claimed task not yet run
    when its worker dies is queued again after the lease like any other
    (`tasks_requeue_abandoned`)."""
    ready = DBTaskResult.objects.ready().filter(backend_name="default", queue_name__in=queues)
    with exclusive_transaction(ready.db):
        claimed = list(ready.select_for_update(skip_locked=True)[:limit])
        started = timezone.now()
        for task in claimed:
            task.status, task.started_at = TaskResultStatus.RUNNING, started
            task.worker_ids = [*task.worker_ids, worker_id]
        if claimed:
            DBTaskResult.objects.bulk_update(claimed, ["status", "started_at", "worker_ids"])
    return claimed


def tasks_requeue_abandoned(*, lease: timedelta) -> int:
    """Queue again every task claimed longer than `lease` ago and still RUNNING. Returns how many.

    django-tasks-db marks a claimed task RUNNING and only its own worker ever moves it on, so a
    worker killed mid-task (SIGKILL, OOM, a lost host) would strand it for good: a refund never
    submitted, an e-mail never sent. Every task here is idempotent (refunds by the gateway's
    idempotency key, notifications by dedup key), so running one again is safe; the lease only
    has to outlast the slowest live task. The conditional UPDATE lets any number of workers
    sweep at once: a task re-claimed meanwhile has a fresh `started_at` and is left alone.
    """
    cutoff = timezone.now() - lease
    requeued = (DBTaskResult.objects
                .filter(status=TaskResultStatus.RUNNING, started_at__lt=cutoff)
                .update(status=TaskResultStatus.READY))
    if requeued:
        logger.warning("queued %s abandoned task(s) again (claimed before %s)", requeued,
                       cutoff.isoformat(timespec="seconds"))
    return requeued


def tasks_release(tasks: list[DBTaskResult]) -> int:
    """Make `tasks`, claimed and not started, ready again. Returns how many."""
    return (DBTaskResult.objects.filter(pk__in=[task.pk for task in tasks],
                                        status=TaskResultStatus.RUNNING)
            .update(status=TaskResultStatus.READY, started_at=None))


class RescindWorker:
    def __init__(self, *, interval: float = 1.0, worker_id: str | None = None) -> None:
        self.interval = interval
        self.worker_id = worker_id or get_random_string(24)
        self.running = True
        self.lease = timedelta(seconds=settings.RESCIND_TASK_LEASE_SECONDS)
        self._next_sweep = 0.0  # time.monotonic() of the next abandoned-task sweep
        self._next_prune = 0.0  # time.monotonic() of the next pruning of old rows

    def stop(self, *_args) -> None:
        self.running = False

    def tasks_run(self, max_tasks: int | None = 100,
                  queues: tuple[str, ...] = QUEUES) -> int:
        """Run queued tasks until none is ready (or `max_tasks`), highest priority first,
        claimed CLAIM_BATCH at a time. Each is run, marked succeeded or failed and signalled
        by django-tasks-db's own `run_task`. `max_tasks` None: no limit. Returns how many
        ran."""
        runner = Worker(queue_names=list(queues), interval=0, batch=True,
                        backend_name="default", startup_delay=False, max_tasks=max_tasks,
                        worker_id=self.worker_id, excluded_queue_names=[])
        ran = 0
        while max_tasks is None or ran < max_tasks:
            close_old_connections()
            limit = CLAIM_BATCH if max_tasks is None else min(CLAIM_BATCH, max_tasks - ran)
            try:
                claimed = tasks_claim(queues=queues, worker_id=self.worker_id, limit=limit)
            except OperationalError as error:  # SQLite busy: try again, as django-tasks-db
                if not is_locked_database_exception(error):
                    raise
                continue
            if not claimed:
                break
            done = self._claimed_run(runner, claimed)
            ran += done
            if done < len(claimed):  # the rest given back: the next pass takes them
                break
        return ran

    def _claimed_run(self, runner: Worker, claimed: list[DBTaskResult]) -> int:
        """Run the tasks of one claim in order; once half the lease has passed since the
        claim (slow SMTP, say), give the rest back as ready rather than let the lease run out
        on a task claimed but not started, which another worker would then run as well. The
        first always runs. Returns how many ran."""
        claimed_at = time.monotonic()
        for index, task in enumerate(claimed):
            if index and time.monotonic() - claimed_at > self.lease.total_seconds() / 2:
                tasks_release(claimed[index:])
                return index
            runner.run_task(task)
        return len(claimed)

    def refunds_run(self) -> None:
        """Run the refunds waiting (rescind.refunds.tasks: their own queue), up to
        REFUNDS_BETWEEN_BATCHES: called between a storm's firing batches, so a refund waits
        at most one batch for its turn at the gateway (issue 16)."""
        self.tasks_run(max_tasks=REFUNDS_BETWEEN_BATCHES, queues=(REFUND_QUEUE,))

    def rows_prune(self) -> None:
        """A bounded share of the pruning of old rows (rescind.pruning): at most PASS_BATCHES
        short batches, and none for IDLE_SECONDS once a pass found nothing more to remove.
        Ages are compared with the real clock (see rescind.pruning)."""
        if time.monotonic() < self._next_prune:
            return
        result = prune_pass(now=timezone.now(), retention=Retention.configured(),
                            batch_size=settings.RESCIND_PRUNE_BATCH_SIZE,
                            max_batches=PASS_BATCHES)
        if any(result.removed.values()):
            logger.info("pruned %s", ", ".join(f"{count} {kind}" for kind, count
                                               in result.removed.items() if count))
        self._next_prune = time.monotonic() + (0.0 if result.more else IDLE_SECONDS)

    def run_once(self) -> int:
        """One pass: run waiting refunds, fire due deadlines (running waiting refunds again
        between batches), then run the tasks they and others queued, then prune a little.
        Each pass reads the demo clock afresh, so a move made anywhere is acted on by the next
        pass."""
        close_old_connections()
        clock_offset_forget()
        now = clock_now()
        self.refunds_run()  # money first: waiting refunds before any firing
        fired = deadlines_fire_due(now=now, between=self.refunds_run) + \
            disputes_fire_due(now=now)
        if time.monotonic() >= self._next_sweep:  # a scan of RUNNING rows: not every pass
            tasks_requeue_abandoned(lease=self.lease)
            self._next_sweep = time.monotonic() + max(1.0, self.lease.total_seconds() / 4)
        self.tasks_run()
        self.rows_prune()
        return fired

    def run_forever(self) -> None:
        signal.signal(signal.SIGTERM, self.stop)
        signal.signal(signal.SIGINT, self.stop)
        logger.info("worker %s started", self.worker_id)
        while self.running:
            try:
                fired = self.run_once()
            except Exception:  # keep the worker alive through a database blip
                logger.exception("worker pass failed; retrying")
                fired = 0
                time.sleep(self.interval)
            if not fired and self.running:
                time.sleep(self.interval)
        logger.info("worker %s stopped", self.worker_id)
