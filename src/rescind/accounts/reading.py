"""A person's language and time zone: reading and changing them, and acting as their reader.

`as_reader(user)` activates the user's language and time zone for what is rendered for them
away from their own request: e-mails and notifications go out in the recipient's language and
time, not the sender's (issue 15).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from rescind.accounts.models import Reader
from rescind.domain.errors import DomainError, ErrorKind

DEFAULT_ZONE = "UTC"


@dataclass(frozen=True)
class Reading:
    """A user's choices; blank = not chosen."""

    language: str
    time_zone: str


def language_codes() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


@lru_cache(maxsize=1)
def zone_names() -> list[str]:
    """Every IANA zone name this system knows, sorted (the profile's list)."""
    return sorted(available_timezones() - {"Factory", "localtime"})


def zone_of(name: str) -> ZoneInfo | None:
    """The zone named `name` (an IANA name such as "Europe/Madrid"), or None if unknown."""
    if not isinstance(name, str) or not name or name not in zone_names():
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def language_checked(value: str) -> str:
    """`value` if it is a shipped language or blank (not chosen), else 422 unknown_language."""
    if value == "" or value in language_codes():
        return value
    raise DomainError("unknown_language",
                      _("%(value)s is not a language Rescind is written in.") % {"value": value},
                      kind=ErrorKind.INVALID, details={"allowed": language_codes()})


def time_zone_checked(value: str) -> str:
    """`value` if it is an IANA time zone name or blank, else 422 unknown_time_zone."""
    if value == "" or zone_of(value) is not None:
        return value
    raise DomainError("unknown_time_zone",
                      _("%(value)s is not a time zone name such as Europe/Madrid or "
                        "America/Sao_Paulo.") % {"value": value},
                      kind=ErrorKind.INVALID)


def reading_of(user) -> Reading:
    """The user's choices (blank for an anonymous user or one who chose nothing)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return Reading("", "")
    row = Reader.objects.filter(user=user).values_list("language", "time_zone").first()
    return Reading(*row) if row else Reading("", "")


def readings_of(users) -> dict[int, Reading]:
    """`reading_of` for each of `users` (signed-up accounts), by user id, in one statement."""
    ids = {user.pk for user in users}
    rows = Reader.objects.filter(user_id__in=ids).values_list("user_id", "language", "time_zone")
    found = {user_id: Reading(language, zone) for user_id, language, zone in rows}
    return {user_id: found.get(user_id, Reading("", "")) for user_id in ids}


def reading_update(*, user, language: str | None = None,
                   time_zone: str | None = None) -> Reading:
    """Remember the user's language and/or time zone (None leaves one as it is); unknown values
    are refused with 422 unknown_language / unknown_time_zone and nothing changes."""
    changes = {}
    if language is not None:
        changes["language"] = language_checked(language)
    if time_zone is not None:
        changes["time_zone"] = time_zone_checked(time_zone)
    if changes:
        Reader.objects.update_or_create(user=user, defaults=changes)
    return reading_of(user)


def time_zone_first_seen(*, user, time_zone: str) -> bool:
    """Store the browser's zone for a user who has none yet; whether it was stored. A zone the
    user chose is never overwritten."""
    if zone_of(time_zone) is None:
        return False
    row, created = Reader.objects.get_or_create(user=user,
                                                defaults={"time_zone": time_zone})
    if created:
        return True
    return bool(Reader.objects.filter(pk=row.pk, time_zone="").update(time_zone=time_zone))


@contextmanager
def as_reader(user, reading: Reading | None = None) -> Iterator[Reading]:
    """Render inside this block as `user` reads: their language (the site's default if they
    chose none) and their time zone (UTC if none), restoring the caller's afterwards.
    `reading`, the user's choices when already read (`readings_of`), saves reading them."""
    reading = reading or reading_of(user)
    zone = zone_of(reading.time_zone) or ZoneInfo(DEFAULT_ZONE)
    with translation.override(reading.language or settings.LANGUAGE_CODE):
        previous = timezone.get_current_timezone()
        timezone.activate(zone)
        try:
            yield reading
        finally:
            timezone.activate(previous)
