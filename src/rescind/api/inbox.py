"""The in-app inbox (R24, R27). Webhooks: api/webhooks.py."""

from __future__ import annotations

from ninja import Router

from rescind.api.common import ERRORS
from rescind.api.schemas import InboxOut
from rescind.clock.service import now as clock_now
from rescind.notifications.inbox import inbox_of, notification_mark_read, unread_count

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

