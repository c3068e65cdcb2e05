"""Instants and days as a reader reads them: in the active time zone, named, in the active
language's own format (Babel's CLDR data), e.g. "Sat 5 Dec 2026, 14:30 CET" in English,
"sáb, 5 dic 2026, 14:30 CET" in Spanish. Stored and computed instants stay UTC."""

from __future__ import annotations

from datetime import UTC, date, datetime, tzinfo
from functools import lru_cache

from babel import Locale
from babel.dates import (
    format_date,
    format_datetime,
    get_datetime_format,
    get_timezone_gmt,
    match_skeleton,
)
from django.utils import timezone, translation

# English keeps the house's look ("Fri 4 Dec 2026, 18:22"); other languages use CLDR's
# format for the same fields (weekday, day, short month, year; 24-hour time).
ENGLISH = {"day": "EEE d MMM y", "time": "HH:mm", "short_day": "d MMM y", "axis": "d MMM"}
SKELETONS = {"day": "yMMMEd", "time": "Hm", "short_day": "yMMMd", "axis": "MMMd"}


def locale_name(language: str | None = None) -> str:
    """A Django language code ("pt-br") -> a Babel locale name ("pt_BR"); "en" is en_GB's
    day-month order the pages always had."""
    code = translation.to_locale(language or translation.get_language() or "en")
    return "en_GB" if code.startswith("en") else code


@lru_cache(maxsize=64)
def _pattern(part: str, locale: str) -> str:
    """The CLDR pattern of `part` in `locale` (matching a skeleton costs more than formatting:
    it is done once per language)."""
    if locale == "en_GB":
        return ENGLISH[part]
    loaded = Locale.parse(locale)
    return str(loaded.datetime_skeletons[match_skeleton(SKELETONS[part],
                                                        loaded.datetime_skeletons)])


def _part(value: date | datetime, part: str, zone: tzinfo | None, locale: str) -> str:
    if isinstance(value, datetime):
        return format_datetime(value, _pattern(part, locale), tzinfo=zone, locale=locale)
    return format_date(value, _pattern(part, locale), locale=locale)


def zone_name(value: datetime, zone: tzinfo, locale: str) -> str:
    """The zone's short name at that instant: its abbreviation where it has one in letters
    ("CET", "CEST", "EST", "UTC"), else its offset in the language's own form ("GMT-03:00")."""
    abbreviation = value.astimezone(zone).tzname() or ""
    if abbreviation.isalpha():
        return abbreviation
    return get_timezone_gmt(value.astimezone(zone), "long", locale=locale)


def instant_words(value: datetime, zone: tzinfo | None = None,
                  language: str | None = None) -> str:
    """An aware instant -> "Fri 4 Dec 2026, 19:22 CET" in `zone` (default: the active one)."""
    zone = zone or timezone.get_current_timezone()
    locale = locale_name(language)
    moment = value.astimezone(zone)
    joined = get_datetime_format("medium", locale=locale)
    text = (str(joined).replace("{1}", _part(moment, "day", zone, locale))
            .replace("{0}", _part(moment, "time", zone, locale)))
    return f"{text} {zone_name(value, zone, locale)}"


def utc_words(value: datetime, language: str | None = None) -> str:
    """The same instant in UTC: what a `<time>` shows on hover."""
    return instant_words(value, UTC, language)


def day_words(value: date | datetime, part: str = "day", language: str | None = None) -> str:
    """A date (or an instant's date in the active zone) -> "Fri 4 Dec 2026" ("day"),
    "4 Dec 2026" ("short_day") or "4 Dec" ("axis")."""
    locale = locale_name(language)
    if isinstance(value, datetime):
        zone = timezone.get_current_timezone()
        return _part(value.astimezone(zone), part, zone, locale)
    return _part(value, part, None, locale)
