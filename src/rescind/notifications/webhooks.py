"""Signed webhooks to the marketplace's systems (R27): subscribing, filtering, one task per
delivery, the delivery log and its replay.

Each (event, subscriber) gets its own WebhookDelivery row and its own task, so one subscriber
that fails, hangs or has a broken URL never delays or blocks another. Every attempt checks that
the subscriber is still active, and goes through webhook_http, which refuses non-public
addresses, never follows redirects and ends at a deadline.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rescind.accounts.parties import is_support
from rescind.domain.errors import DomainError, ErrorKind
from rescind.domain.event_kinds import known_event_kinds
from rescind.domain.retry import retry_delay
from rescind.domain.webhook_targets import webhook_target_parse
from rescind.notifications.models import WebhookDelivery, WebhookSubscriber, _new_secret
from rescind.notifications.webhook_http import addresses_resolve, refused_address, webhook_post
from rescind.orders.models import Store, TimelineEntry
from rescind.statements import task_enqueue

logger = logging.getLogger(__name__)
MAX_ATTEMPTS = 12
MANAGE_PERMISSION = "rescind_notifications.manage_webhooks"
Status = WebhookDelivery.Status


def webhooks_manage_check(user) -> None:
    """Only support staff holding the manage_webhooks permission see or change webhooks."""
    if not (is_support(user) and user.has_perm(MANAGE_PERMISSION)):
        raise DomainError("webhooks_permission_required",
                          _("Managing webhooks needs the manage_webhooks permission."),
                          kind=ErrorKind.FORBIDDEN)


def webhook_url_check(url: str) -> None:
    """Refuse (422) a URL that is malformed, not http(s), or whose host is or resolves to a
    non-public address outside RESCIND_WEBHOOK_ALLOWED_NETWORKS."""
    target = webhook_target_parse(url)
    ends = time.monotonic() + settings.RESCIND_WEBHOOK_DEADLINE_SECONDS
    try:
        addresses = addresses_resolve(target.host, target.port, ends)
    except OSError as exc:  # TimeoutError included
        raise DomainError("webhook_url_unresolvable",
                          _("The webhook URL's host %(host)s does not resolve.") % {
                              "host": target.host},
                          kind=ErrorKind.INVALID, details={"host": target.host,
                                                           "error": str(exc)[:200]}) from None
    refused = refused_address(addresses)
    if refused is not None:
        values = {"host": target.host, "address": refused[0], "reason": refused[1]}
        raise DomainError("webhook_url_not_public", (
            _("The webhook URL's host %(host)s is a %(reason)s address; webhooks go only to "
              "public addresses.") if refused[0] == target.host else
            _("The webhook URL's host %(host)s is at %(address)s, which is a %(reason)s "
              "address; webhooks go only to public addresses.")) % values,
                          kind=ErrorKind.INVALID,
                          details={"host": target.host, "address": refused[0],
                                   "reason": refused[1]})


def webhook_filters_check(*, event_kinds: list[str], store_ids: list[int]) -> None:
    """Refuse (422) event kinds that do not exist and stores that do not exist."""
    unknown_kinds = sorted(set(event_kinds) - known_event_kinds())
    if unknown_kinds:
        raise DomainError("webhook_event_kind_unknown",
                          _("No such event kind: %(kinds)s.") % {
                              "kinds": ", ".join(unknown_kinds)},
                          kind=ErrorKind.INVALID, details={"unknown": unknown_kinds})
    found = set(Store.objects.filter(pk__in=store_ids).values_list("pk", flat=True))
    unknown_stores = sorted(set(store_ids) - found)
    if unknown_stores:
        raise DomainError("webhook_store_unknown", _("No such store."), kind=ErrorKind.INVALID,
                          details={"unknown": unknown_stores})


def webhook_subscribe(*, name: str, url: str, event_kinds: list[str] = (),
                      store_ids: list[int] = ()) -> WebhookSubscriber:
    """Register a system for the events it filters for (R27); its secret is on the returned
    object, to be shown this once."""
    webhook_url_check(url)
    webhook_filters_check(event_kinds=list(event_kinds), store_ids=list(store_ids))
    return WebhookSubscriber.objects.create(name=name, url=url,
                                            event_kinds=sorted(set(event_kinds)),
                                            store_ids=sorted(set(store_ids)))


def webhook_get(subscriber_id: int) -> WebhookSubscriber:
    subscriber = WebhookSubscriber.objects.filter(pk=subscriber_id).first()
    if subscriber is None:
        raise DomainError("webhook_not_found", _("No such webhook subscriber."),
                          kind=ErrorKind.NOT_FOUND)
    return subscriber


def webhook_update(*, subscriber_id: int, name: str | None = None, active: bool | None = None,
                   event_kinds: list[str] | None = None,
                   store_ids: list[int] | None = None) -> WebhookSubscriber:
    """Rename, (de)activate or refilter a subscriber. Deactivating drops its queued attempts
    when they come up; the delivery log stays."""
    subscriber = webhook_get(subscriber_id)
    webhook_filters_check(event_kinds=event_kinds or [], store_ids=store_ids or [])
    changes = {"name": name, "active": active,
               "event_kinds": None if event_kinds is None else sorted(set(event_kinds)),
               "store_ids": None if store_ids is None else sorted(set(store_ids))}
    changed = [field for field, value in changes.items() if value is not None]
    for field in changed:
        setattr(subscriber, field, changes[field])
    if changed:
        subscriber.save(update_fields=changed)
    return subscriber


def webhook_secret_rotate(*, subscriber_id: int) -> WebhookSubscriber:
    """A new secret for the subscriber, shown this once; the old one signs nothing more."""
    subscriber = webhook_get(subscriber_id)
    subscriber.secret = _new_secret()
    subscriber.save(update_fields=["secret"])
    return subscriber


def webhook_deliveries_queue(entry: TimelineEntry, subscribers: list[WebhookSubscriber], *,
                             now: datetime) -> int:
    """Inside the fan-out's transaction: a delivery row and its own task per subscriber that
    wants this event. A repeated fan-out finds the rows and queues nothing again."""
    from rescind.notifications.tasks import webhook_deliver_task

    queued = 0
    for subscriber in subscribers:
        if not subscriber.wants(kind=entry.kind, store_id=entry.order.store_id):
            continue
        delivery, created = WebhookDelivery.objects.get_or_create(
            dedup_key=f"{entry.pk}:webhook:{subscriber.pk}",
            defaults={"subscriber": subscriber, "event_kind": entry.kind,
                      "payload": _payload(entry), "created_at": now})
        if created:
            task_enqueue(webhook_deliver_task, delivery.pk)
            queued += 1
    return queued


def _payload(entry: TimelineEntry) -> dict:
    return {"id": entry.pk, "kind": entry.kind, "order_id": entry.order_id,
            "at": entry.at.isoformat(), "actor": entry.actor, "params": entry.params}


def webhook_signature(secret: str, timestamp: int, body: bytes) -> str:
    """HMAC-SHA256 over "<timestamp>.<body>", hex. Receivers recompute it to verify."""
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def webhook_deliver(*, delivery_id: int, now: datetime) -> bool:
    """One attempt at one delivery, if it is still pending and its subscriber still active;
    a failure is counted and retried with backoff, up to MAX_ATTEMPTS."""
    delivery = WebhookDelivery.objects.select_related("subscriber", "replay_of").get(
        pk=delivery_id)
    if delivery.status != Status.PENDING:
        return False
    subscriber = delivery.subscriber
    if not subscriber.active:
        delivery.status = Status.DROPPED
        delivery.last_error = "dropped: the subscriber was deactivated"
        delivery.save(update_fields=["status", "last_error"])
        logger.info("webhook delivery %s dropped: subscriber %s is inactive", delivery.pk,
                    subscriber.pk)
        return False
    body = json.dumps(delivery.payload, sort_keys=True, separators=(",", ":")).encode()
    timestamp = int(time.time())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "Rescind-Webhooks/1",
        "X-Rescind-Event": delivery.event_kind,
        "X-Rescind-Delivery": delivery.delivery_key,
        "X-Rescind-Signature": f"t={timestamp},v1="
                               f"{webhook_signature(subscriber.secret, timestamp, body)}",
    }
    result = webhook_post(subscriber.url, body, headers,
                          deadline_seconds=settings.RESCIND_WEBHOOK_DEADLINE_SECONDS)
    delivery.attempts += 1
    delivery.last_status, delivery.last_error = result.status, result.error
    if result.delivered:
        delivery.status, delivery.delivered_at = Status.DELIVERED, now
    elif result.permanent or delivery.attempts >= MAX_ATTEMPTS:
        delivery.status = Status.FAILED
        logger.error("webhook delivery %s failed for good after %s attempts: %s", delivery.pk,
                     delivery.attempts, result.error)
    delivery.save(update_fields=["attempts", "last_status", "last_error", "status",
                                 "delivered_at"])
    if delivery.status == Status.PENDING:
        from rescind.notifications.tasks import webhook_deliver_task

        # Backoff is technical, so it runs on real time, not the demo clock.
        webhook_deliver_task.using(
            run_after=timezone.now() + retry_delay(delivery.attempts)).enqueue(delivery.pk)
    return result.delivered


def webhook_delivery_replay(*, delivery_id: int, now: datetime) -> WebhookDelivery:
    """Send a finished delivery's payload again, as a new logged delivery with the same
    X-Rescind-Delivery key (receivers that saw it already can tell)."""
    from rescind.notifications.tasks import webhook_deliver_task

    with transaction.atomic():
        original = (WebhookDelivery.objects.select_for_update().select_related("subscriber")
                    .filter(pk=delivery_id).first())
        if original is None:
            raise DomainError("webhook_delivery_not_found", _("No such webhook delivery."),
                              kind=ErrorKind.NOT_FOUND)
        if original.status == Status.PENDING:
            raise DomainError("webhook_delivery_pending",
                              _("This delivery is still being attempted; replay it once it "
                                "has been delivered or has failed."))
        if not original.subscriber.active:
            raise DomainError("webhook_subscriber_inactive",
                              _("The subscriber is inactive; activate it before replaying."))
        root = original.replay_of if original.replay_of_id else original
        WebhookDelivery.objects.select_for_update().filter(pk=root.pk).first()
        replay = WebhookDelivery.objects.create(
            subscriber=original.subscriber, event_kind=original.event_kind,
            payload=original.payload, created_at=now, replay_of=root,
            dedup_key=f"{root.dedup_key}:replay:{root.replays.count() + 1}")
        task_enqueue(webhook_deliver_task, replay.pk)
    return replay
