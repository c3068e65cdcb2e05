"""R12 (and R23): working days on a business calendar of weekends and public holidays."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from rescind.domain.calendar import BusinessCalendar

US = BusinessCalendar("US")


def at(day: int, month: int = 7, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


def test_r12_add_working_days_skips_a_weekend_and_a_public_holiday():
    # given Wednesday 1 July 2026, 10:00 UTC; Friday 3 July is Independence Day (observed)
    start = at(1)
    # when three working days are added
    result = US.add_working_days(start, 3)
    # then Thu 2 counts, Fri 3 (holiday), Sat 4 and Sun 5 do not: Tuesday 7 July, same time
    assert result == at(7)
    assert result.weekday() == 1


def test_r12_the_observed_holiday_and_the_weekend_are_not_working_days():
    # given the US calendar around 4 July 2026
    # when each day is checked
    checked = {d: US.is_working_day(date(2026, 7, d)) for d in range(1, 8)}
    # then Wed 1, Thu 2, Mon 6 and Tue 7 are working days; Fri 3 (observed), Sat 4, Sun 5 are not
    assert checked == {1: True, 2: True, 3: False, 4: False, 5: False, 6: True, 7: True}


def test_r12_seven_working_days_of_handling_time_across_the_holiday():
    # given a payment on Wednesday 1 July 2026 at 10:00 UTC
    # when the default handling time (7 working days) is added
    result = US.add_working_days(at(1), 7)
    # then 2, 6, 7, 8, 9, 10, 13 July count: Monday 13 July, 10:00
    assert result == at(13)


def test_r12_start_on_a_saturday_counts_from_the_next_working_day():
    # given a start on Saturday 7 March 2026, 15:30 UTC (no US holiday that week)
    start = at(7, month=3, hour=15, minute=30)
    assert start.weekday() == 5
    # when one and five working days are added
    # then the first working day is Monday 9 March and the fifth is Friday 13 March, 15:30
    assert US.add_working_days(start, 1) == at(9, month=3, hour=15, minute=30)
    assert US.add_working_days(start, 5) == at(13, month=3, hour=15, minute=30)


def test_r12_start_on_a_saturday_holiday_before_an_observed_friday():
    # given a start on Saturday 4 July 2026 (Independence Day itself)
    # when one working day is added
    # then Sunday is skipped and Monday 6 July is the first working day
    assert US.add_working_days(at(4), 1) == at(6)


def test_r12_zero_working_days_is_the_start_itself():
    # given any start, even on a holiday
    # when zero working days are added
    # then the instant is unchanged
    assert US.add_working_days(at(3), 0) == at(3)


def test_r12_negative_working_days_are_refused():
    # given a start
    # when a negative number of working days is added
    # then it is refused
    with pytest.raises(ValueError, match="must not be negative"):
        US.add_working_days(at(1), -1)


def test_r12_the_time_of_day_and_timezone_are_kept():
    # given a start at 23:45 in UTC-5 on Thursday 2 July 2026
    eastern = timezone(timedelta(hours=-5))
    start = datetime(2026, 7, 2, 23, 45, tzinfo=eastern)
    # when one working day is added
    result = US.add_working_days(start, 1)
    # then the local date counts (Fri 3 holiday, weekend skipped): Monday 6 July 23:45 UTC-5
    assert result == datetime(2026, 7, 6, 23, 45, tzinfo=eastern)
    assert result.utcoffset() == timedelta(hours=-5)


def test_r12_the_calendar_country_decides_the_holidays():
    # given the German calendar, where Friday 3 July 2026 is an ordinary working day
    germany = BusinessCalendar("DE")
    # when three working days are added to Wednesday 1 July
    # then Thu 2, Fri 3 and Mon 6 count: Monday 6 July
    assert germany.add_working_days(at(1), 3) == at(6)
    assert germany.country == "DE"


def test_r12_an_unknown_country_is_refused():
    # given a country code with no holiday table
    # when a calendar is built for it
    # then it is refused with a ValueError naming the code
    with pytest.raises(ValueError, match="unknown holiday country 'XX'"):
        BusinessCalendar("XX")


def test_r12_one_day_counted_at_two_times_and_in_two_countries_keeps_each_answer():
    # given Wednesday 1 July 2026 at 10:00 and at 18:30 (the answer is remembered per day)
    morning, evening = at(1), at(1, hour=18, minute=30)
    # when three working days are added to each, in the US and then in Germany
    answers = [cal.add_working_days(start, 3) for cal in (US, BusinessCalendar("DE"))
               for start in (morning, evening)]
    # then each keeps its own time of day, and each country its own holidays
    assert answers == [at(7), at(7, hour=18, minute=30), at(6), at(6, hour=18, minute=30)]
