"""The one formatting layer for pages (rescind.web.templatetags.rescind): money, instants, days
and durations, as the component contract (issue 13) names them."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from rescind.domain.money import Money
from rescind.web.templatetags.rescind import day, duration, money, money_text, when


def test_money_is_one_unbreakable_span_with_the_same_text():
    # given an amount as the reads give it, and as a Money
    # when formatted, then it is a span the stylesheet keeps on one line
    # (English, the default language: en_US's format, from Babel)
    assert money({"amount": 1250, "currency": "USD"}) == '<span class="money">$12.50</span>'
    assert money(Money(-286, "USD")) == '<span class="money">-$2.86</span>'
    assert money(None) == ""


def test_money_text_is_the_same_amount_as_plain_text_for_attributes():
    assert money_text({"amount": 509800, "currency": "USD"}) == "$5,098.00"
    assert money_text(None) == ""


def test_when_names_the_zone_and_converts_to_it():
    # given 18:22 in UTC+2
    at = datetime(2026, 12, 4, 20, 22, tzinfo=timezone(timedelta(hours=2)))
    # when formatted for a reader in UTC (the default), then it is shown in UTC, saying so,
    # with the instant machine-readable and in words on hover
    assert when(at) == ('<time datetime="2026-12-04T18:22:00Z" title="Fri 4 Dec 2026, 18:22 UTC">'
                        "Fri 4 Dec 2026, 18:22 UTC</time>")
    assert when(None) == ""


def test_day_shows_the_date_of_an_instant_or_a_date():
    assert day(datetime(2026, 12, 4, 18, 22, tzinfo=UTC)) == (
        '<time datetime="2026-12-04T18:22:00Z" title="Fri 4 Dec 2026, 18:22 UTC">Fri 4 Dec 2026'
        '</time>')
    assert day(date(2026, 3, 2)) == '<time datetime="2026-03-02">Mon 2 Mar 2026</time>'
    assert day(None) == ""


@pytest.mark.parametrize(("value", "shown"), [
    (timedelta(days=2, hours=23, minutes=59, seconds=59), "2 days 23 hours"),
    (timedelta(hours=5, minutes=10, seconds=30), "5 hours 10 minutes"),
    (timedelta(days=1), "1 day"),
    (timedelta(days=1, minutes=5), "1 day"),
    (timedelta(hours=1, minutes=1), "1 hour 1 minute"),
    (45 * 60, "under an hour"),
    (59, "under an hour"),
    (-3600, "under an hour"),
])
def test_duration_gives_the_two_largest_units_rounded_down(value, shown):
    assert duration(value) == shown


def test_day_short_is_a_date_without_its_weekday():
    from datetime import date

    from rescind.web.templatetags.rescind import day_short

    assert day_short(date(2026, 3, 9)) == '<time datetime="2026-03-09">9 Mar 2026</time>'
    assert day_short(None) == ""


def test_percent_shows_one_decimal_at_most_and_a_dash_for_none():
    from rescind.web.templatetags.rescind import percent

    assert [percent(v) for v in (28.6, 100.0, 0.0, 2, None)] == [
        "28.6 %", "100 %", "0 %", "2 %", "—"]
