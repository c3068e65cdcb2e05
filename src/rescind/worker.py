"""`rescind worker`: fires due deadlines on the shared clock and runs queued tasks."""

from __future__ import annotations

import logging
import signal
import time
from datetime import timedelta

from django.conf import settings
from django.db import close_old_connections
from django.utils import timezone
from django.utils.crypto import get_random_string
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from rescind.clock.service import clock_offset_forget
from rescind.clock.service import now as clock_now
from rescind.disputes.firing import disputes_fire_due
from rescind.pruning import IDLE_SECONDS, PASS_BATCHES, Retention, prune_pass
from rescind.refunds.tasks import QUEUE as REFUND_QUEUE
from rescind.scheduler import deadlines_fire_due

logger = logging.getLogger(__name__)

QUEUES = (REFUND_QUEUE, "default")  # settings.TASKS; the worker claims by priority
REFUNDS_BETWEEN_BATCHES = 1000  # refunds a pass runs between two firing batches, at most


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

    def tasks_run(self, max_tasks: int = 100, queues: tuple[str, ...] = QUEUES) -> None:
        """Run queued tasks until none is ready (or `max_tasks`), highest priority first."""
        Worker(queue_names=list(queues), interval=0, batch=True, backend_name="default",
               startup_delay=False, max_tasks=max_tasks, worker_id=self.worker_id,
               excluded_queue_names=[]).run()

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
