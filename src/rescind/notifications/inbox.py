"""The in-app inbox: what a user reads, and marking it read (R24, R27)."""

from __future__ import annotations

from datetime import datetime

from django.utils.translation import gettext as _

from rescind.domain.errors import DomainError, ErrorKind
from rescind.notifications.messages import notification_shown
from rescind.notifications.models import Notification


def inbox_of(user, *, limit: int = 50) -> list[Notification]:
    """The user's latest notifications as they read them: `title` and `body` in the active
    language (the reader's; issue 15), put in words now from each event's parameters. The rows
    are for reading only: the stored English is not changed."""
    rows = list(Notification.objects.filter(user=user).select_related("order__store")
                .order_by("-pk")[:limit])
    for row in rows:
        row.title, row.body = notification_shown(row)
    return rows


def unread_count(user) -> int:
    if not user.is_authenticated:
        return 0
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def notification_mark_read(*, user, notification_id: int | None, now: datetime) -> int:
    """Mark one notification (or, with None, all of them) read. Returns how many changed."""
    unread = Notification.objects.filter(user=user, read_at__isnull=True)
    if notification_id is not None:
        if not Notification.objects.filter(user=user, pk=notification_id).exists():
            raise DomainError("notification_not_found", _("No such notification."),
                              kind=ErrorKind.NOT_FOUND)
        unread = unread.filter(pk=notification_id)
    return unread.update(read_at=now)
