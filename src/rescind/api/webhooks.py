"""Webhook subscriptions, their delivery log and replays, for support holding the
manage_webhooks permission (R27). Every refusal is {code, message, details}."""

from __future__ import annotations

from ninja import Query, Router, Status

from rescind.api.common import ERRORS
from rescind.api.webhook_schemas import (
    DeliveryOut,
    DeliveryPageOut,
    DeliveryQuery,
    WebhookIn,
    WebhookOut,
    WebhookPatchIn,
    WebhookSecretOut,
)
from rescind.clock.service import now as clock_now
from rescind.notifications.models import WebhookDelivery, WebhookSubscriber
from rescind.notifications.webhooks import (
    webhook_delivery_replay,
    webhook_get,
    webhook_secret_rotate,
    webhook_subscribe,
    webhook_update,
    webhooks_manage_check,
)

router = Router(tags=["webhooks"])


def _delivery(delivery: WebhookDelivery) -> dict:
    return {"id": delivery.pk, "subscriber_id": delivery.subscriber_id,
            "event_kind": delivery.event_kind, "status": delivery.status,
            "delivery_key": delivery.delivery_key, "replay_of": delivery.replay_of_id,
            "payload": delivery.payload, "created_at": delivery.created_at,
            "delivered_at": delivery.delivered_at, "attempts": delivery.attempts,
            "last_status": delivery.last_status, "last_error": delivery.last_error}


@router.get("/webhooks", response={200: list[WebhookOut], **ERRORS})
def webhooks_list(request):
    """The subscribed systems, without their secrets."""
    webhooks_manage_check(request.user)
    return list(WebhookSubscriber.objects.order_by("pk"))


@router.post("/webhooks", response={201: WebhookSecretOut, **ERRORS})
def webhooks_create(request, body: WebhookIn):
    """Subscribe a system to the events it filters for. The answer carries the secret that
    signs every delivery: this once, never again (rotate it to get a new one)."""
    webhooks_manage_check(request.user)
    return Status(201, webhook_subscribe(name=body.name, url=body.url,
                                         event_kinds=body.event_kinds, store_ids=body.store_ids))


@router.get("/webhooks/{webhook_id}", response={200: WebhookOut, **ERRORS})
def webhooks_detail(request, webhook_id: int):
    webhooks_manage_check(request.user)
    return webhook_get(webhook_id)


@router.patch("/webhooks/{webhook_id}", response={200: WebhookOut, **ERRORS})
def webhooks_update(request, webhook_id: int, body: WebhookPatchIn):
    """Rename, deactivate (queued attempts are dropped) or reactivate, or change the filters.
    Subscribers are not deleted, so their delivery log stays."""
    webhooks_manage_check(request.user)
    return webhook_update(subscriber_id=webhook_id, name=body.name, active=body.active,
                          event_kinds=body.event_kinds, store_ids=body.store_ids)


@router.post("/webhooks/{webhook_id}/rotate-secret", response={200: WebhookSecretOut, **ERRORS})
def webhooks_rotate_secret(request, webhook_id: int):
    """A new secret, shown this once; deliveries from now on are signed with it."""
    webhooks_manage_check(request.user)
    return webhook_secret_rotate(subscriber_id=webhook_id)


@router.get("/webhooks/{webhook_id}/deliveries", response={200: DeliveryPageOut, **ERRORS})
def webhooks_deliveries(request, webhook_id: int, query: Query[DeliveryQuery]):
    """The subscriber's delivery log, newest first."""
    webhooks_manage_check(request.user)
    subscriber = webhook_get(webhook_id)
    rows = subscriber.deliveries.select_related("replay_of").order_by("-pk")
    page = rows[query.offset:query.offset + query.limit]
    return {"count": rows.count(), "limit": query.limit, "offset": query.offset,
            "deliveries": [_delivery(d) for d in page]}


@router.post("/webhooks/deliveries/{delivery_id}/replay",
             response={202: DeliveryOut, **ERRORS})
def webhooks_delivery_replay(request, delivery_id: int):
    """Send a delivered or failed delivery's payload again, with the same X-Rescind-Delivery
    key; the answer is the new, queued delivery."""
    webhooks_manage_check(request.user)
    return Status(202, _delivery(webhook_delivery_replay(delivery_id=delivery_id,
                                                         now=clock_now())))
