"""The one clock every entry point reads `now` from (DESIGN.md, Time).

In demo mode the offset lives in the database, so the web server, every worker and the CLI
agree on what time it is after `rescind clock advance 3d`.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction

from rescind.clock.models import ClockOffset
from rescind.domain.clock import Clock
from rescind.domain.errors import DomainError, ErrorKind

MAX_ADVANCE = timedelta(days=3650)


def clock_offset() -> timedelta:
    if not settings.DEMO_MODE:
        return timedelta(0)
    row = ClockOffset.objects.filter(pk=1).values_list("offset_seconds", flat=True).first()
    return timedelta(seconds=row or 0)


clock = Clock(offset_source=clock_offset)


def now() -> datetime:
    return clock.now()


def clock_advance(*, by: timedelta) -> timedelta:
    """Move the shared demo clock forward by `by`; returns the new offset."""
    if not settings.DEMO_MODE:
        raise DomainError("not_demo_mode", "The clock can only be moved in demo mode.",
                          kind=ErrorKind.FORBIDDEN)
    if by <= timedelta(0) or by > MAX_ADVANCE:
        raise DomainError("bad_duration", "Advance the clock by a positive duration of at most "
                          "10 years.", kind=ErrorKind.INVALID)
    with transaction.atomic():
        row, _ = ClockOffset.objects.select_for_update().get_or_create(pk=1)
        row.offset_seconds += int(by.total_seconds())
        row.save(update_fields=["offset_seconds", "updated_at"])
    return timedelta(seconds=row.offset_seconds)


def clock_reset() -> None:
    ClockOffset.objects.update_or_create(pk=1, defaults={"offset_seconds": 0})
