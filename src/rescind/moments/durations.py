"""Durations as people say them: "2 days 23 hours", "5 hours 10 minutes", "under an hour"
(issue 15). Rounded down, so a countdown never promises more time than is left, and never
to the second: a countdown changes once a minute at most.

countdown.js says the same words in the page's language: `countdown_words()` gives it every
plural form of each unit by CLDR plural category (the browser's Intl.PluralRules picks one).
"""

from __future__ import annotations

from functools import lru_cache

from babel import Locale
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from rescind.moments.instants import locale_name

# A number of each CLDR plural category in every shipped language (0, 1, 2, 3-10, 11-99,
# 100-102; 1000000 is Spanish's and French's "many").
_SAMPLES = [0, 1, 2, 3, 11, 100, 1000000]
COUNT = "%(count)s"


def _days(n: int) -> str:
    return ngettext("%(count)s day", "%(count)s days", n)


def _hours(n: int) -> str:
    return ngettext("%(count)s hour", "%(count)s hours", n)


def _minutes(n: int) -> str:
    return ngettext("%(count)s minute", "%(count)s minutes", n)


UNITS = {"day": _days, "hour": _hours, "minute": _minutes}


def _pair() -> str:
    # Translators: two units of one duration, the larger first: "2 days 23 hours".
    return pgettext("duration", "%(larger)s %(smaller)s")


def _under_hour() -> str:
    return _("under an hour")


def duration_words(seconds: float) -> str:
    """Seconds -> "2 days 23 hours", "3 days", "5 hours 10 minutes", "1 hour", or "under an
    hour": the largest unit and the next one (if not zero), rounded down."""
    minutes = int(max(0, seconds) // 60)
    days, hours, mins = minutes // 1440, minutes % 1440 // 60, minutes % 60
    if days:
        larger, smaller = UNITS["day"](days) % {"count": days}, (
            UNITS["hour"](hours) % {"count": hours} if hours else "")
    elif hours:
        larger, smaller = UNITS["hour"](hours) % {"count": hours}, (
            UNITS["minute"](mins) % {"count": mins} if mins else "")
    else:
        return _under_hour()
    return _pair() % {"larger": larger, "smaller": smaller} if smaller else larger


def left_words(seconds: float) -> str:
    """A countdown: "2 days 23 hours left", or "due now" once it has run out."""
    if seconds <= 0:
        return _("due now")
    return _("%(time)s left") % {"time": duration_words(seconds)}


def countdown_words() -> dict:
    """What countdown.js needs to say a countdown in the active language (JSON-ready):
    `forms[unit][category]` is the unit with "%(count)s" for its number, by CLDR plural
    category of `lang`; `pair`, `under_hour`, `left` and `due` as duration_words says them."""
    return _countdown_words(translation.get_language())


@lru_cache(maxsize=16)
def _countdown_words(language: str | None) -> dict:
    """Once per language: every page with a countdown carries these words, and they only
    change with the language (the catalogs are fixed while the service runs)."""
    locale = Locale.parse(locale_name(language))
    forms: dict[str, dict[str, str]] = {}
    for unit, form in UNITS.items():
        forms[unit] = {}
        for n in _SAMPLES:
            forms[unit].setdefault(locale.plural_form(n), form(n))
    return {"lang": str(locale).replace("_", "-"), "forms": forms, "pair": _pair(),
            "under_hour": _under_hour(), "left": _("%(time)s left"), "due": _("due now")}
