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

from rescind.accounts.reading import as_reader
from rescind.domain.actions import Party
from rescind.domain.audience import audience
from rescind.domain.retry import retry_delay
from rescind.notifications.emails import email_compose
from rescind.notifications.messages import notification_text
from rescind.notifications.models import EmailMessage, Notification, WebhookSubscriber
from rescind.notifications.webhooks import webhook_deliveries_queue
from rescind.orders.models import Order, TimelineEntry
from rescind.statements import task_enqueue

logger = logging.getLogger(__name__)
MAX_ATTEMPTS = 12


def _recipients(order: Order, parties: frozenset[Party]) -> list[tuple[Party, object]]:
    """(party, user) for everyone of `parties` on the order, each told in their own words."""
    users: list[tuple[Party, object]] = []
    if Party.BUYER in parties:
        users.append((Party.BUYER, order.buyer))
    if Party.SELLER in parties:
        users += [(Party.SELLER, seller)
                  for seller in order.store.sellers.filter(is_active=True).order_by("pk")]
    if Party.SUPPORT in parties:
        users += [(Party.SUPPORT, staff) for staff in get_user_model().objects.filter(
            is_staff=True, is_active=True).order_by("pk")]
    return users


def notify_entries(*, entry_ids: list[int], order_id: int | None = None,
                   now: datetime) -> dict[str, int]:
    """Fan each timeline entry out to its audience and to the webhook subscribers that want it,
    then send the e-mails. Each webhook delivery is queued as its own task (webhooks.py).

    Each (entry, channel, recipient) row is created once by its dedup key, so a repeated task
    changes nothing and sends nothing twice. `order_id`, the entries' order, keeps the read on
    the order's shard on Citus (docs/deployment.md).
    """
    entries = TimelineEntry.objects.filter(pk__in=entry_ids)
    if order_id is not None:
        entries = entries.filter(order_id=order_id)
    entries = entries.select_related("order__buyer", "order__store").order_by("pk")
    subscribers = list(WebhookSubscriber.objects.filter(active=True))
    emails, queued = [], 0
    with transaction.atomic():
        for entry in entries:
            parties = audience(entry.kind)
            for party, user in _recipients(entry.order, parties):
                with translation.override("en"):  # the stored record; shown translated
                    title, body = notification_text(entry.kind, entry.order_id, entry.params,
                                                    party)
                Notification.objects.get_or_create(
                    dedup_key=f"{entry.pk}:inbox:{user.pk}",
                    defaults={"user": user, "order": entry.order, "kind": entry.kind,
                              "title": title, "body": body, "params": entry.params,
                              "party": party.value, "created_at": now})
                if user.email:
                    email, _ = EmailMessage.objects.get_or_create(
                        dedup_key=f"{entry.pk}:email:{user.pk}",
                        defaults=_email_row(entry, user, party, now))
                    emails.append(email.pk)
            queued += webhook_deliveries_queue(entry, subscribers, now=now)
    sent = sum(email_send(email_id=e, now=now) for e in emails)
    return {"emails": sent, "webhooks_queued": queued}


def _email_row(entry, user, party: Party, now: datetime) -> dict:
    """The e-mail, written once, in the recipient's language (issue 15)."""
    with as_reader(user):
        title, body = notification_text(entry.kind, entry.order_id, entry.params, party)
        email = email_compose(entry=entry, user=user, party=party, title=title, body=body)
    return {"to": user.email, "subject": email.subject, "body": email.text,
            "html_body": email.html, "created_at": now}


def _retry_later(task, row_id: int, attempts: int) -> None:
    if attempts >= MAX_ATTEMPTS:
        logger.error("giving up on %s %s after %s attempts", task.name, row_id, attempts)
        return
    # Backoff is technical, so it runs on real time, not the demo clock.
    task.using(run_after=timezone.now() + retry_delay(attempts)).enqueue(row_id)


def email_send(*, email_id: int, now: datetime) -> bool:
    """Send one e-mail unless it was sent; on failure count the attempt and retry later."""
    from rescind.notifications.tasks import email_send_task

    email = EmailMessage.objects.get(pk=email_id)
    if email.sent_at is not None:
        return False
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
