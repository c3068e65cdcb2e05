"""The one clock every entry point reads `now` from (DESIGN.md, Time).

In demo mode the offset lives in the database, so the web server, every worker and the CLI
agree on what time it is after `rescind clock advance 3d`.

Each process keeps the offset it last read for at most `OFFSET_MAX_AGE` (one second) of
monotonic time, so `now()` costs no statement on most calls (issue 16): a page that asks for
the time several times reads ClockOffset at most once, and never again within the second.
The staleness bound: a move of the clock made by another process (the CLI, another web
worker) is seen here at most `OFFSET_MAX_AGE` after it commits. A move made in this process
(`clock_advance`, `clock_reset`: the demo page, the API, the CLI) forgets the kept offset, so
the next `now()` here reads the new one at once. The worker forgets it at the start of each
pass (one read per pass, shared by the tasks the pass runs), so every pass acts on the clock
as it is: the demo page's "due deadlines fire within a second" still holds.
A time-to-live was chosen over a version counter because reading a counter is a statement
too, as dear as reading the offset itself; and over "once per request" alone because the
scheduler and tasks have no request. Outside demo mode the offset is zero and nothing is
read or kept.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from rescind.clock.models import ClockOffset
from rescind.domain.clock import Clock
from rescind.domain.errors import DomainError, ErrorKind

MAX_ADVANCE = timedelta(days=3650)
OFFSET_MAX_AGE = 1.0  # seconds of monotonic time a process keeps the offset it read

# (offset, monotonic time it was read) for the whole process, every thread; None: read it.
_kept: tuple[timedelta, float] | None = None


def clock_offset() -> timedelta:
    """The demo clock's offset: the one this process kept, if read less than
    `OFFSET_MAX_AGE` ago, else read from the database (and kept)."""
    global _kept
    if not settings.DEMO_MODE:
        return timedelta(0)
    kept = _kept  # one read: another thread may replace it meanwhile
    if kept is not None and time.monotonic() - kept[1] < OFFSET_MAX_AGE:
        return kept[0]
    read_at = time.monotonic()  # before the read: the value is at least this fresh
    row = ClockOffset.objects.filter(pk=1).values_list("offset_seconds", flat=True).first()
    offset = timedelta(seconds=row or 0)
    _kept = (offset, read_at)
    return offset


def clock_offset_forget() -> None:
    """Drop the kept offset: the next `clock_offset()` in this process reads the database.
    Called after this process moves the clock (and by tests, whose rollbacks move it too)."""
    global _kept
    _kept = None


clock = Clock(offset_source=clock_offset)


def now() -> datetime:
    return clock.now()


def clock_advance(*, by: timedelta) -> timedelta:
    """Move the shared demo clock forward by `by`; returns the new offset."""
    if not settings.DEMO_MODE:
        raise DomainError("not_demo_mode", _("The clock can only be moved in demo mode."),
                          kind=ErrorKind.FORBIDDEN)
    if by <= timedelta(0) or by > MAX_ADVANCE:
        raise DomainError("bad_duration", _("Advance the clock by a positive duration of at most "
                            "10 years."), kind=ErrorKind.INVALID)
    with transaction.atomic():
        row, _created = ClockOffset.objects.select_for_update().get_or_create(pk=1)
        row.offset_seconds += int(by.total_seconds())
        row.save(update_fields=["offset_seconds", "updated_at"])
    clock_offset_forget()
    return timedelta(seconds=row.offset_seconds)


def clock_reset() -> None:
    ClockOffset.objects.update_or_create(pk=1, defaults={"offset_seconds": 0})
    clock_offset_forget()
