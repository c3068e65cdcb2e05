"""Real worker processes on one database: scale-out and a worker killed mid-storm (issue 7).

Orders are built in this process with their seller-response deadline days in the past on the
real clock; `rescind worker` subprocesses on the same test database fire the deadlines, submit
the refunds and send the notifications. The checks then hold every effect to exactly once:
one auto-approval and one refund per order, one gateway refund per refund, one inbox row and
one e-mail per (timeline entry, recipient), each e-mail written to the mail directory once.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from rescind.domain.actions import Party
from rescind.domain.audience import AUDIENCE
from rescind.domain.refunds import RefundState
from rescind.notifications.models import EmailMessage, Notification
from rescind.orders.models import Deadline, Order, TimelineEntry
from rescind.refunds.models import Refund, SandboxOperation
from tests.browser.conftest import _test_database_url

pytestmark = [pytest.mark.processes]

ROOT = Path(__file__).resolve().parents[2]
RESCIND = ROOT / ".venv" / "bin" / "rescind"
WAIT_SECONDS = 120
LEASE_SECONDS = 5  # the workers' task lease: how soon a killed worker's task is queued again
MESSAGE_ID = re.compile(r"^Message-ID: <(.+)@rescind>$", re.MULTILINE)


def _orders(live_market, count: int) -> list[int]:
    """`count` paid orders whose cancellation request went unanswered past its deadline."""
    at = timezone.now() - timedelta(days=5)
    return [live_market.requested(at=at).pk for _ in range(count)]


def _workers_start(count: int, var_dir: Path) -> list[subprocess.Popen]:
    env = {**os.environ, "RESCIND_DATABASE_URL": _test_database_url(),
           "RESCIND_VAR_DIR": str(var_dir),
           "RESCIND_EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
           "RESCIND_TASK_LEASE_SECONDS": str(LEASE_SECONDS)}
    env.pop("RESCIND_DEMO_MODE", None)  # the real clock: the orders were built days ago
    workers = []
    for _ in range(count):
        with (var_dir / f"worker-{len(list(var_dir.glob('worker-*.log')))}.log").open("ab") as log:
            workers.append(subprocess.Popen([str(RESCIND), "worker", "--interval", "0.2"],
                                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                                            stderr=log))
    return workers


def _workers_stop(workers: list[subprocess.Popen]) -> None:
    for worker in workers:
        if worker.poll() is None:
            worker.send_signal(signal.SIGTERM)
    for worker in workers:
        try:
            worker.wait(timeout=15)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait(timeout=10)


def _closed(order_ids: list[int]) -> int:
    return TimelineEntry.objects.filter(order_id__in=order_ids,
                                        kind="CancellationAutoApproved").count()


def _settled(order_ids: list[int]) -> bool:
    """Every order auto-approved, every refund submitted, no task or due deadline left."""
    return (_closed(order_ids) == len(order_ids)
            and Refund.objects.filter(order_id__in=order_ids,
                                      state=RefundState.PROCESSING).count() == len(order_ids)
            and not DBTaskResult.objects.filter(status__in=[TaskResultStatus.READY,
                                                            TaskResultStatus.RUNNING]).exists()
            and not Deadline.objects.filter(fired_at__isnull=True, voided_at__isnull=True,
                                            due_at__lte=timezone.now()).exists())


def _wait_until(condition, workers: list[subprocess.Popen], var_dir: Path) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        if condition():
            return
        assert all(w.poll() is None for w in workers), _logs(var_dir)
        time.sleep(0.3)
    raise AssertionError(f"not settled within {WAIT_SECONDS} s\n{_logs(var_dir)}")


def _logs(var_dir: Path) -> str:
    return "\n".join(p.read_text(errors="replace")[-3000:] for p in var_dir.glob("worker-*.log"))


def _recipients(order: Order, kind: str) -> list:
    parties, users = AUDIENCE.get(kind, frozenset()), []
    if Party.BUYER in parties:
        users.append(order.buyer)
    if Party.SELLER in parties:
        users += list(order.store.sellers.filter(is_active=True))
    if Party.SUPPORT in parties:
        users += list(get_user_model().objects.filter(is_staff=True, is_active=True))
    return users


def _mail_sent(var_dir: Path) -> Counter:
    """How often each e-mail's dedup key (its Message-ID) was written by the file backend."""
    sent: Counter = Counter()
    for path in (var_dir / "mail").glob("*"):
        sent.update(MESSAGE_ID.findall(path.read_text()))
    return sent


def _assert_each_effect_once(order_ids: list[int], var_dir: Path, *,
                             in_flight_emails: int = 0) -> None:
    orders = Order.objects.filter(pk__in=order_ids).select_related("buyer", "store")
    for order in orders:
        kinds = Counter(order.timeline.values_list("kind", flat=True))
        assert kinds["CancellationAutoApproved"] == 1, (order.pk, kinds)
        assert kinds["RefundStarted"] == 1, (order.pk, kinds)
        assert kinds["SellerReminded"] <= 1, (order.pk, kinds)
        refunds = list(order.refunds.all())
        assert len(refunds) == 1, order.pk
        assert refunds[0].state == RefundState.PROCESSING
        assert list(SandboxOperation.objects.filter(key=str(refunds[0].idempotency_key))
                    .values_list("kind", flat=True)) == ["refund"]
    assert SandboxOperation.objects.filter(kind="refund").count() == len(order_ids)
    assert not DBTaskResult.objects.filter(status=TaskResultStatus.FAILED).exists()

    inbox, mail = set(), set()
    for entry in TimelineEntry.objects.select_related("order__buyer", "order__store"):
        for user in _recipients(entry.order, entry.kind):
            inbox.add(f"{entry.pk}:inbox:{user.pk}")
            if user.email:
                mail.add(f"{entry.pk}:email:{user.pk}")
    assert len(inbox) > 2 * len(order_ids)  # the auto-approvals reach buyer and seller
    assert set(Notification.objects.values_list("dedup_key", flat=True)) == inbox
    assert Notification.objects.count() == len(inbox)
    assert set(EmailMessage.objects.values_list("dedup_key", flat=True)) == mail
    assert not EmailMessage.objects.filter(sent_at__isnull=True).exists()
    sent = _mail_sent(var_dir)
    assert set(sent) == mail  # every e-mail went out
    repeated = {key: n for key, n in sent.items() if n > 1}
    assert len(repeated) <= in_flight_emails and all(n == 2 for n in repeated.values()), repeated


@pytest.mark.processes
def test_scale_out_four_worker_processes_do_each_effect_exactly_once(live_market, tmp_path):
    # Given 60 orders whose seller-response deadlines have passed
    order_ids = _orders(live_market, 60)
    workers: list[subprocess.Popen] = []
    try:
        # When four worker processes run on the same database
        workers = _workers_start(4, tmp_path)
        _wait_until(lambda: _settled(order_ids), workers, tmp_path)
    finally:
        _workers_stop(workers)
    # Then each deadline, refund and notification took effect exactly once
    _assert_each_effect_once(order_ids, tmp_path)


@pytest.mark.processes
@pytest.mark.faults
def test_worker_killed_mid_storm_loses_nothing_and_repeats_nothing(live_market, tmp_path):
    # Given 150 orders whose seller-response deadlines have passed, and one worker at them
    order_ids = _orders(live_market, 150)
    workers: list[subprocess.Popen] = []
    try:
        # When a worker is killed while firing deadlines, its successor is killed while running
        # the refund and notification tasks, and two fresh workers take over
        for storm_under_way in (lambda: _closed(order_ids) >= 20, lambda: Refund.objects.filter(
                order_id__in=order_ids, state=RefundState.PROCESSING).count() >= 10):
            workers = _workers_start(1, tmp_path)
            _wait_until(storm_under_way, workers, tmp_path)
            workers[0].send_signal(signal.SIGKILL)
            workers[0].wait(timeout=10)
            assert not _settled(order_ids)
        workers = _workers_start(2, tmp_path)
        _wait_until(lambda: _settled(order_ids), workers, tmp_path)
    finally:
        _workers_stop(workers)
    # Then nothing was lost and nothing done twice; only an e-mail written by a killed worker in
    # the instant before it recorded it as sent can go out again, under the same Message-ID
    _assert_each_effect_once(order_ids, tmp_path, in_flight_emails=2)
