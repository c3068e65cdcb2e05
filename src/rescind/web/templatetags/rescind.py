"""The one formatting layer for pages: money, instants, days and durations (`{% load rescind %}`).

Every page shows amounts and dates through these filters, so issue 15 (languages and time zones)
changes them here and nowhere else. Dates and deadlines are shown in the reader's time zone,
named, in their language, with the UTC instant on hover; the wording is rescind.moments.
"""

from datetime import UTC, date, datetime, timedelta

from django import template
from django.utils import timezone
from django.utils.html import format_html, json_script

from rescind.moments.durations import countdown_words, duration_words, left_words
from rescind.moments.instants import day_words, instant_words, utc_words
from rescind.web import money_format

register = template.Library()


@register.filter
def money_text(value) -> str:
    """{'amount': 1250, 'currency': 'USD'} or a Money -> "$12.50" in the reader's language
    ("12,50 US$" in Spanish; rescind.web.money_format), plain text: for attributes
    (data-confirm="Pay $12.50?") and texts built in the template."""
    return money_format.money_text(value)


@register.filter
def money(value) -> str:
    """{'amount': 1250, 'currency': 'USD'} or a Money -> <span class="money">$12.50</span>
    (the span keeps number and currency on one line)."""
    text = money_text(value)
    return format_html('<span class="money">{}</span>', text) if text else ""


@register.filter
def amount_example(currency) -> str:
    """A currency code -> how the reader types an amount of it: "12.50", "12,50", "1500"."""
    return money_format.amount_example(currency or "USD")


def _instant(value) -> datetime | date | None:
    if isinstance(value, str):
        value = datetime.fromisoformat(value) if value else None
    if isinstance(value, datetime) and value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value


def _time(value: datetime | date, text: str) -> str:
    """<time datetime="…Z" title="… UTC">text</time>: the UTC instant on hover."""
    if not isinstance(value, datetime):
        return format_html('<time datetime="{}">{}</time>', value.isoformat(), text)
    utc = value.astimezone(UTC)
    return format_html('<time datetime="{}" title="{}">{}</time>',
                       utc.isoformat().replace("+00:00", "Z"), utc_words(utc), text)


@register.filter
def when(value) -> str:
    """An instant -> <time datetime="2026-12-05T13:30:00Z" title="Sat 5 Dec 2026, 13:30 UTC">
    Sat 5 Dec 2026, 14:30 CET</time>: in the reader's zone, named, in their language."""
    value = _instant(value)
    if not isinstance(value, datetime):
        return day(value)
    return _time(value, instant_words(value))


@register.filter
def when_text(value) -> str:
    """An instant -> "Sat 5 Dec 2026, 14:30 CET", plain text (attributes, e-mails)."""
    value = _instant(value)
    return instant_words(value) if isinstance(value, datetime) else ""


@register.filter
def day(value) -> str:
    """An instant or a date -> <time datetime="ISO">Fri 4 Dec 2026</time> (an instant's day in
    the reader's zone)."""
    value = _instant(value)
    if value is None or value == "":
        return ""
    return _time(value, day_words(value))


@register.filter
def duration(value) -> str:
    """Seconds or a timedelta -> "2 days 23 hours" (moments.durations.duration_words)."""
    if value is None or value == "":
        return ""
    if isinstance(value, timedelta):
        value = value.total_seconds()
    return duration_words(float(value))


@register.filter
def countdown(value, now=None) -> str:
    """A deadline -> <time class="countdown" datetime="…Z">2 days 23 hours left</time>, counted
    from `now` (default: the real time); countdown.js keeps it true in the same words."""
    value = _instant(value)
    if not isinstance(value, datetime):
        return ""
    now = _instant(now) or timezone.now()
    utc = value.astimezone(UTC)
    return format_html('<time class="countdown" datetime="{}" title="{}"><span class="left">{}'
                       "</span></time>", utc.isoformat().replace("+00:00", "Z"),
                       utc_words(utc), left_words((value - now).total_seconds()))


@register.simple_tag
def countdown_words_json() -> str:
    """<script type="application/json" id="countdown-words">: the unit words of the page's
    language, for countdown.js."""
    return json_script(countdown_words(), "countdown-words")


# A state's badge tone (components/badge.html): success when it ended well for the reader,
# warning while someone must answer, danger when a person must act on a failure.
TONES = {
    # orders
    "awaiting_payment": "neutral", "awaiting_shipment": "info", "awaiting_delivery": "info",
    "completed": "success", "shipment_canceled": "warning", "in_dispute": "warning",
    "closed": "neutral",
    # disputes
    "awaiting_seller": "warning", "seller_refused": "warning", "seller_proposed": "info",
    "escalated": "warning", "awaiting_return": "info", "resolved": "success",
    # refunds
    "pending": "info", "processing": "info", "succeeded": "success", "failed": "danger",
}


@register.filter
def tone(state: str) -> str:
    """An order's, dispute's or refund's state -> the tone of its badge (neutral if unknown)."""
    return TONES.get(state, "neutral")


@register.filter
def words(value: str) -> str:
    return (value or "").replace("_", " ")


def percent_text(value) -> str:
    """A percentage -> "3.5 %" (one decimal at most, as the rates are rounded); "—" for none."""
    if value is None or value == "":
        return "—"
    text = f"{float(value):.1f}".removesuffix(".0")
    return f"{text} %"


@register.filter
def percent(value) -> str:
    """A percentage (3.5, a rate's .percent) -> "3.5 %"; nothing to divide by -> "—"."""
    return percent_text(value)


def short_day(value: date) -> str:
    """A date -> "9 Mar": a chart's axis label."""
    return day_words(value, "axis")


@register.filter
def day_short(value) -> str:
    """A date -> <time datetime="ISO">9 Mar 2026</time>: a narrow table's first column."""
    value = _instant(value)
    if value is None or value == "":
        return ""
    return _time(value, day_words(value, "short_day"))
