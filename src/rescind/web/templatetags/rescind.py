"""The one formatting layer for money, dates and durations (components contract, issue 13).

Stand-in of the contract's filters until the frame's version lands: the same names and output."""

from datetime import UTC, datetime, timedelta

from django import template
from django.utils.html import format_html

from rescind.domain.money import Money

register = template.Library()


@register.filter
def money(value) -> str:
    """{'amount': 1250, 'currency': 'USD'} or a Money -> '12.50 USD'."""
    if isinstance(value, dict):
        value = Money(value["amount"], value["currency"])
    return value.format()


@register.filter
def words(value: str) -> str:
    return (value or "").replace("_", " ")


def _utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


@register.filter
def when(value: datetime | None) -> str:
    """An instant as date and time with its zone named: 'Fri 4 Dec 2026, 18:22 UTC'."""
    if not value:
        return ""
    at = _utc(value)
    return format_html('<time datetime="{}">{} {} {}, {} UTC</time>', at.isoformat(),
                       at.strftime("%a"), at.day, at.strftime("%b %Y"), at.strftime("%H:%M"))


@register.filter
def day(value: datetime | None) -> str:
    """An instant's date: 'Fri 4 Dec 2026'."""
    if not value:
        return ""
    at = _utc(value)
    return format_html('<time datetime="{}">{} {} {}</time>', at.isoformat(), at.strftime("%a"),
                       at.day, at.strftime("%b %Y"))


def _unit(count: int, name: str) -> str:
    return f"{count} {name}" if count == 1 else f"{count} {name}s"


@register.filter
def duration(value: timedelta | int | float) -> str:
    """Seconds or a timedelta in its two largest units: '2 days 23 hours', '5 hours 10
    minutes', 'under a minute'."""
    seconds = int(value.total_seconds() if isinstance(value, timedelta) else value)
    if seconds < 60:
        return "under a minute"
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return " ".join([_unit(days, "day")] + ([_unit(hours, "hour")] if hours else []))
    if hours:
        return " ".join([_unit(hours, "hour")] + ([_unit(minutes, "minute")] if minutes else []))
    return _unit(minutes, "minute")
