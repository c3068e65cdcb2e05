"""Tell each party of each step that concerns them: in-app inbox, e-mail, signed webhooks
(R24, R27). Runs in tasks after the deciding transaction committed; a failing channel is
retried with backoff and never blocks a change of state. Webhooks: notifications/webhooks.py."""

from __future__ import annotations

import logging
from datetime import datetime

from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.utils import timezone, translation

from rescind.accounts.reading import as_reader, readings_of
from rescind.domain.actions import Party
from rescind.domain.audience import audience
from rescind.domain.retry import retry_delay
from rescind.notifications.emails import EntryFacts, email_compose, entry_facts
from rescind.notifications.messages import notification_text
from rescind.notifications.models import EmailMessage, Notification, WebhookSubscriber
from rescind.notifications.webhooks import webhook_deliveries_queue
from rescind.orders.models import Order, OrderLine, Store, TimelineEntry
from rescind.statements import rows_where_each, task_enqueue

logger = logging.getLogger(__name__)
MAX_ATTEMPTS = 12


class _Recipients:
    """(party, user) for everyone of a set of parties on an order, read once per fan-out: the
    entries of one task share their order, and all share the support team."""

    def __init__(self) -> None:
        self._sellers: dict[int, list] = {}
        self._support: list | None = None

    def of(self, order: Order, parties: frozenset[Party]) -> list[tuple[Party, object]]:
        users: list[tuple[Party, object]] = []
        if Party.BUYER in parties:
            users.append((Party.BUYER, order.buyer))
        if Party.SELLER in parties:
            if order.store_id not in self._sellers:
                self._sellers[order.store_id] = list(
                    order.store.sellers.filter(is_active=True).order_by("pk"))
            users += [(Party.SELLER, seller) for seller in self._sellers[order.store_id]]
        if Party.SUPPORT in parties:
            if self._support is None:
                self._support = list(get_user_model().objects.filter(
                    is_staff=True, is_active=True).order_by("pk"))
            users += [(Party.SUPPORT, staff) for staff in self._support]
        return users


def notify_entries(*, entry_ids: list[int], order_id: int | None = None,
                   now: datetime) -> dict[str, int]:
    """Fan each timeline entry out to its audience and to the webhook subscribers that want it,
    then send the e-mails. Each webhook delivery is queued as its own task (webhooks.py).

    Each (entry, channel, recipient) row is created once by its dedup key, so a repeated task
    changes nothing and sends nothing twice. The rows of a task are written in one INSERT per
    channel, and an e-mail already written is not composed again. `order_id`, the entries'
    order, keeps the read on the order's shard on Citus (docs/deployment.md).
    """
    if order_id is None:  # a task queued before tasks carried their order id
        return _notify_by_order(entry_ids, now)
    entries, lines = _entries_read(entry_ids, order_id)
    subscribers = list(WebhookSubscriber.objects.filter(active=True))
    recipients = _Recipients()
    told = [(entry, party, user) for entry in entries
            for party, user in recipients.of(entry.order, audience(entry.kind))]
    with transaction.atomic():
        _inbox_write(told, now)
        emails = _emails_write([(e, p, u) for e, p, u in told if u.email], lines, now)
        queued = sum(webhook_deliveries_queue(entry, subscribers, now=now) for entry in entries)
    sent = sum(_email_deliver(email, now) for email in emails)
    return {"emails": sent, "webhooks_queued": queued}


def _notify_by_order(entry_ids: list[int], now: datetime) -> dict[str, int]:
    """`notify_entries` for entries whose order is not given: those of each order in turn."""
    by_order: dict[int, list[int]] = {}
    for pk, order_id in (TimelineEntry.objects.filter(pk__in=entry_ids).order_by("pk")
                         .values_list("pk", "order_id")):
        by_order.setdefault(order_id, []).append(pk)
    totals = {"emails": 0, "webhooks_queued": 0}
    for order_id, pks in by_order.items():
        for name, count in notify_entries(entry_ids=pks, order_id=order_id, now=now).items():
            totals[name] += count
    return totals


def _entries_read(entry_ids: list[int], order_id: int) -> tuple[list, list]:
    """The entries of `entry_ids` that are `order_id`'s, each with the order, its buyer and
    its store at hand; and the order's lines. Lean statements (rescind.statements), the
    order's three tables in one round trip on PostgreSQL and its buyer and store in another,
    each on the order's shard on Citus: the ORM's join and prefetch cost more to build than
    to run. The order's whole timeline is read (a few dozen rows) and the entries picked
    from it, as the lean read is by one column."""
    timeline, orders, lines = rows_where_each([(TimelineEntry, "order", order_id),
                                               (Order, "pk", order_id),
                                               (OrderLine, "order", order_id)])
    if not orders:
        return [], []
    order = orders[0]
    buyers, stores = rows_where_each([(get_user_model(), "pk", order.buyer_id),
                                      (Store, "pk", order.store_id)])
    order.buyer, order.store = buyers[0], stores[0]
    wanted = set(entry_ids)
    entries = [entry for entry in timeline if entry.pk in wanted]
    for entry in entries:
        entry.order = order
    return entries, lines


def _inbox_write(told: list, now: datetime) -> None:
    """The in-app notices, stored in English (shown translated); one already there stays."""
    rows = []
    for entry, party, user in told:
        with translation.override("en"):
            title, body = notification_text(entry.kind, entry.order_id, entry.params, party)
        rows.append(Notification(
            dedup_key=f"{entry.pk}:inbox:{user.pk}", user=user, order=entry.order,
            kind=entry.kind, title=title, body=body, params=entry.params, party=party.value,
            created_at=now))
    Notification.objects.bulk_create(rows, ignore_conflicts=True)


def _emails_write(told: list, lines: list, now: datetime) -> list[EmailMessage]:
    """The e-mails of `told` not written yet, each in its recipient's language (issue 15),
    written; then every one of them not sent yet, in the order written."""
    keys = {f"{entry.pk}:email:{user.pk}": (entry, party, user) for entry, party, user in told}
    if not keys:
        return []
    written = set(EmailMessage.objects.filter(dedup_key__in=keys)
                  .values_list("dedup_key", flat=True))
    readings = readings_of([user for _e, _p, user in told])
    shared: dict[int, EntryFacts] = {}
    rows = []
    for key, (entry, party, user) in keys.items():
        if key in written:
            continue
        if entry.pk not in shared:
            shared[entry.pk] = entry_facts(entry, lines)
        with as_reader(user, readings[user.pk]):
            title, body = notification_text(entry.kind, entry.order_id, entry.params, party)
            email = email_compose(entry=entry, user=user, party=party, title=title, body=body,
                                  shared=shared[entry.pk])
        rows.append(EmailMessage(dedup_key=key, to=user.email, subject=email.subject,
                                 body=email.text, html_body=email.html, created_at=now))
    EmailMessage.objects.bulk_create(rows, ignore_conflicts=True)
    return list(EmailMessage.objects.filter(dedup_key__in=keys, sent_at=None).order_by("pk"))


def _retry_later(task, row_id: int, attempts: int) -> None:
    if attempts >= MAX_ATTEMPTS:
        logger.error("giving up on %s %s after %s attempts", task.name, row_id, attempts)
        return
    # Backoff is technical, so it runs on real time, not the demo clock.
    task.using(run_after=timezone.now() + retry_delay(attempts)).enqueue(row_id)


def email_send(*, email_id: int, now: datetime) -> bool:
    """Send one e-mail unless it was sent; on failure count the attempt and retry later."""
    email = EmailMessage.objects.get(pk=email_id)
    return email.sent_at is None and _email_deliver(email, now)


def _email_deliver(email: EmailMessage, now: datetime) -> bool:
    """Send `email`, not sent yet; on failure count the attempt and retry later."""
    from rescind.notifications.tasks import email_send_task

    message = EmailMultiAlternatives(subject=email.subject, body=email.body, to=[email.to],
                                     headers={"Message-ID": f"<{email.dedup_key}@rescind>"})
    if email.html_body:
        message.attach_alternative(email.html_body, "text/html")
    try:
        message.send(fail_silently=False)
    except Exception as exc:  # SMTP refusals, timeouts, DNS: all retryable here
        email.attempts += 1
        email.last_error = str(exc)[:300]
        email.save(update_fields=["attempts", "last_error"])
        _retry_later(email_send_task, email.pk, email.attempts)
        return False
    email.attempts += 1
    email.sent_at = now
    email.save(update_fields=["attempts", "sent_at"])
    return True


def notifications_enqueue(entry_ids: list[int], *, order_id: int) -> None:
    """Called inside the deciding transaction: the task row commits with the decision, so
    nothing is sent for a rolled-back decision and nothing decided is lost. The entries are
    of one order, whose id the task carries."""
    from rescind.notifications.tasks import notify_task

    if entry_ids:
        task_enqueue(notify_task, entry_ids, order_id)
