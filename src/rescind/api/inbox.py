"""The in-app inbox, and webhook subscriptions for the marketplace's systems (R24, R27)."""

from __future__ import annotations

from ninja import Router, Status

from rescind.accounts.parties import is_support
from rescind.api.common import ERRORS
from rescind.api.schemas import InboxOut, WebhookIn, WebhookOut
from rescind.clock.service import now as clock_now
from rescind.domain.errors import DomainError, ErrorKind
from rescind.notifications.inbox import inbox_of, notification_mark_read, unread_count
from rescind.notifications.models import WebhookSubscriber

router = Router(tags=["notifications"])


def _inbox(user) -> dict:
    return {"unread": unread_count(user),
            "notifications": [
                {"id": n.pk, "kind": n.kind, "order_id": n.order_id, "title": n.title,
                 "body": n.body, "created_at": n.created_at, "read_at": n.read_at}
                for n in inbox_of(user)]}


@router.get("/notifications", response={200: InboxOut, **ERRORS})
def notifications_list(request):
    """The caller's latest 50 notifications and how many are unread."""
    return _inbox(request.user)


@router.post("/notifications/{notification_id}/read", response={200: InboxOut, **ERRORS})
def notifications_read(request, notification_id: int):
    notification_mark_read(user=request.user, notification_id=notification_id, now=clock_now())
    return _inbox(request.user)


@router.post("/notifications/read-all", response={200: InboxOut, **ERRORS})
def notifications_read_all(request):
    notification_mark_read(user=request.user, notification_id=None, now=clock_now())
    return _inbox(request.user)


def _support_only(user) -> None:
    if not is_support(user):
        raise DomainError("support_only", "Only platform support manages webhooks.",
                          kind=ErrorKind.FORBIDDEN)


@router.get("/webhooks", response={200: list[WebhookOut], **ERRORS})
def webhooks_list(request):
    """Support: the systems that receive every order event, signed."""
    _support_only(request.user)
    return list(WebhookSubscriber.objects.order_by("pk"))


@router.post("/webhooks", response={201: WebhookOut, **ERRORS})
def webhooks_create(request, body: WebhookIn):
    """Support: subscribe a system; its secret signs every delivery."""
    _support_only(request.user)
    return Status(201, WebhookSubscriber.objects.create(name=body.name, url=body.url))
