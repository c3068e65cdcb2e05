"""The one formatting layer for pages: money, instants, days and durations (`{% load rescind %}`).

Every page shows amounts and dates through these filters, so issue 15 (languages and time zones)
changes them here and nowhere else. Dates are shown in UTC, and say so.
"""

from datetime import UTC, date, datetime, timedelta

from django import template
from django.utils import dateformat
from django.utils.html import format_html

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
    if isinstance(value, datetime) and value.tzinfo is not None:
        value = value.astimezone(UTC)
    return value


@register.filter
def when(value) -> str:
    """An instant -> <time datetime="ISO">Fri 4 Dec 2026, 18:22 UTC</time>."""
    value = _instant(value)
    if not isinstance(value, datetime):
        return day(value)
    return format_html('<time datetime="{}">{} UTC</time>', value.isoformat(),
                       dateformat.format(value, "D j M Y, H:i"))


@register.filter
def day(value) -> str:
    """An instant or a date -> <time datetime="ISO">Fri 4 Dec 2026</time>."""
    value = _instant(value)
    if value is None or value == "":
        return ""
    return format_html('<time datetime="{}">{}</time>', value.isoformat(),
                       dateformat.format(value, "D j M Y"))


def duration_words(seconds: float) -> str:
    """Seconds -> its two largest units in words: "2 days 23 hours", "5 hours 10 minutes",
    "45 minutes", "under a minute". Rounded down: a countdown never promises more time."""
    minutes = int(max(0, seconds) // 60)
    if minutes == 0:
        return "under a minute"
    units = [(minutes // 1440, "day"), (minutes % 1440 // 60, "hour"), (minutes % 60, "minute")]
    while units[0][0] == 0:
        units.pop(0)
    shown = [f"{n} {name}{'' if n == 1 else 's'}" for n, name in units[:2] if n]
    return " ".join(shown)


@register.filter
def duration(value) -> str:
    """Seconds or a timedelta -> "2 days 23 hours" (see duration_words)."""
    if value is None or value == "":
        return ""
    if isinstance(value, timedelta):
        value = value.total_seconds()
    return duration_words(float(value))


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
    return dateformat.format(value, "j M")


@register.filter
def day_short(value) -> str:
    """A date -> <time datetime="ISO">9 Mar 2026</time>: a narrow table's first column."""
    value = _instant(value)
    if value is None or value == "":
        return ""
    return format_html('<time datetime="{}">{}</time>', value.isoformat(),
                       dateformat.format(value, "j M Y"))
