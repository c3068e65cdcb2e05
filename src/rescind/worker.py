"""`rescind worker`: fires due deadlines on the shared clock and runs queued tasks."""

from __future__ import annotations

import logging
import signal
import time

from django.db import close_old_connections
from django.utils.crypto import get_random_string
from django_tasks_db.management.commands.db_worker import Worker

from rescind.clock.service import now as clock_now
from rescind.disputes.firing import disputes_fire_due
from rescind.scheduler import deadlines_fire_due

logger = logging.getLogger(__name__)


class RescindWorker:
    def __init__(self, *, interval: float = 1.0, worker_id: str | None = None) -> None:
        self.interval = interval
        self.worker_id = worker_id or get_random_string(24)
        self.running = True

    def stop(self, *_args) -> None:
        self.running = False

    def tasks_run(self, max_tasks: int = 100) -> None:
        """Run queued tasks until none is ready (or `max_tasks`)."""
        Worker(queue_names=["default"], interval=0, batch=True, backend_name="default",
               startup_delay=False, max_tasks=max_tasks, worker_id=self.worker_id,
               excluded_queue_names=[]).run()

    def run_once(self) -> int:
        """One pass: fire due deadlines, then run the tasks they and others queued."""
        close_old_connections()
        now = clock_now()
        fired = deadlines_fire_due(now=now) + disputes_fire_due(now=now)
        self.tasks_run()
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
