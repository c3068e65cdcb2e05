"""Business calendar: weekends and the public holidays of one country (R12, R23)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import lru_cache

import holidays as holiday_tables


class BusinessCalendar:
    """Counts working days: Monday to Friday, minus the country's public holidays."""

    def __init__(self, country: str) -> None:
        self.country = country
        self._holidays = _holidays_for(country)

    def is_working_day(self, day: date) -> bool:
        return _is_working_day(self.country, day)

    def add_working_days(self, start: datetime, days: int) -> datetime:
        """The instant `days` working days after `start`, at the same time of day.

        Each step moves to the next working day; a start on a weekend or holiday counts from the
        next working day, as a person would count "7 working days after payment".
        """
        if days < 0:
            raise ValueError("days must not be negative")
        return start + _reach(self.country, start.date(), days)


@lru_cache(maxsize=4096)  # a storm, or a million simulated orders, count from the same few days
def _reach(country: str, start: date, days: int) -> timedelta:
    """How far `days` working days reach from `start`: the same whatever the time of day, so
    worked out once per day and count (about 20-45 µs each for 7 and 15 days)."""
    current = start
    remaining = days
    while remaining:
        current += timedelta(days=1)
        if _is_working_day(country, current):
            remaining -= 1
    return current - start


@lru_cache(maxsize=4096)  # a storm counts from the same few days for every order
def _is_working_day(country: str, day: date) -> bool:
    return day.weekday() < 5 and day not in _holidays_for(country)


@lru_cache(maxsize=16)
def _holidays_for(country: str) -> holiday_tables.HolidayBase:
    try:
        return holiday_tables.country_holidays(country)
    except NotImplementedError as exc:
        raise ValueError(f"unknown holiday country {country!r}") from exc
