"""Dates, time zones and durations in the reader's language and zone (issue 15; rescind.moments
and the formatting layer's `when`, `day`, `duration`, `countdown`)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone, translation

from rescind.moments.durations import countdown_words, duration_words, left_words
from rescind.moments.instants import day_words, instant_words, utc_words
from rescind.web.templatetags.rescind import countdown, day, when

AT = datetime(2026, 12, 5, 13, 30, tzinfo=UTC)
MADRID, SAO_PAULO = ZoneInfo("Europe/Madrid"), ZoneInfo("America/Sao_Paulo")
DAY, HOUR, MINUTE = 86400, 3600, 60


@pytest.fixture
def reader():
    """`reader(language, zone)`: activate both for the rest of the test."""
    def activate(language: str, zone: str = "UTC") -> None:
        translation.activate(language)
        timezone.activate(ZoneInfo(zone))
    yield activate
    translation.deactivate()
    timezone.deactivate()


@pytest.mark.parametrize(("language", "zone", "shown"), [
    ("en", MADRID, "Sat 5 Dec 2026, 14:30 CET"),
    ("es", MADRID, "sáb, 5 dic 2026, 14:30 CET"),
    ("pt-br", SAO_PAULO, "sáb., 5 de dez. de 2026 10:30 -03:00 GMT"),
    ("fr", MADRID, "sam. 5 déc. 2026, 14:30 CET"),
    ("ar", MADRID, "السبت، 5 ديسمبر 2026، 14:30 CET"),
    ("en", ZoneInfo("UTC"), "Sat 5 Dec 2026, 13:30 UTC"),
])
def test_an_instant_reads_in_the_zone_named_and_the_language_given(language, zone, shown):
    with translation.override(language):
        assert instant_words(AT, zone) == shown


def test_summer_time_is_named_as_it_is_then():
    # given an instant in July, in Madrid: summer time
    assert instant_words(datetime(2026, 7, 1, 8, 0, tzinfo=UTC), MADRID) == \
        "Wed 1 Jul 2026, 10:00 CEST"


def test_when_shows_the_readers_zone_and_the_utc_instant_on_hover(reader):
    # given a Spanish reader in Madrid
    reader("es", "Europe/Madrid")
    # when an instant is shown, then in Madrid time, named, and the UTC instant on hover
    assert when(AT) == ('<time datetime="2026-12-05T13:30:00Z" title="sáb, 5 dic 2026, 13:30 UTC">'
                        "sáb, 5 dic 2026, 14:30 CET</time>")
    assert utc_words(AT) == "sáb, 5 dic 2026, 13:30 UTC"


def test_day_of_an_instant_is_the_day_in_the_readers_zone(reader):
    # given 23:30 UTC on 5 Dec, read in Madrid: already 6 Dec there
    reader("en", "Europe/Madrid")
    late = datetime(2026, 12, 5, 23, 30, tzinfo=UTC)
    assert day(late) == ('<time datetime="2026-12-05T23:30:00Z" title="Sat 5 Dec 2026, 23:30 UTC">'
                         "Sun 6 Dec 2026</time>")
    # a date is a date wherever it is read
    assert day_words(date(2026, 3, 9)) == "Mon 9 Mar 2026"
    with translation.override("ar"):
        assert day_words(date(2026, 3, 9), "short_day") == "9 مارس 2026"


@pytest.mark.parametrize(("seconds", "en", "es", "ar"), [
    (2 * DAY + 23 * HOUR + 59 * MINUTE, "2 days 23 hours", "2 días y 23 horas", "يومان و23 ساعة"),
    (5 * HOUR + 10 * MINUTE + 59, "5 hours 10 minutes", "5 horas y 10 minutos",
     "5 ساعات و10 دقائق"),
    (DAY + HOUR, "1 day 1 hour", "1 día y 1 hora", "يوم واحد وساعة واحدة"),
    (3 * DAY, "3 days", "3 días", "3 أيام"),
    (11 * DAY, "11 days", "11 días", "11 يومًا"),
    (100 * DAY, "100 days", "100 días", "100 يوم"),
    (2 * HOUR + 2 * MINUTE, "2 hours 2 minutes", "2 horas y 2 minutos", "ساعتان ودقيقتان"),
    (HOUR + 15 * MINUTE, "1 hour 15 minutes", "1 hora y 15 minutos", "ساعة واحدة و15 دقيقة"),
    (59 * MINUTE, "under an hour", "menos de una hora", "أقل من ساعة"),
    (-5, "under an hour", "menos de una hora", "أقل من ساعة"),
])
def test_a_duration_reads_as_people_say_it_in_english_spanish_and_arabic(seconds, en, es, ar):
    # then the largest unit and the next, rounded down, in every plural form of each language
    for language, shown in (("en", en), ("es", es), ("ar", ar)):
        with translation.override(language):
            assert duration_words(seconds) == shown, language


def test_a_countdown_says_how_long_is_left_or_that_it_is_due():
    with translation.override("es"):
        assert left_words(2 * DAY + 5) == "en 2 días"
        assert left_words(0) == "vence ahora"
    with translation.override("ar"):
        assert left_words(2 * HOUR) == "الوقت المتبقي: ساعتان"
    assert left_words(-1) == "due now"


def test_countdown_renders_the_words_server_side_with_the_utc_instant(reader):
    reader("en", "Europe/Madrid")
    now = AT - timedelta(days=2, hours=23, minutes=30)
    assert countdown(AT, now) == (
        '<time class="countdown" datetime="2026-12-05T13:30:00Z" '
        'title="Sat 5 Dec 2026, 13:30 UTC"><span class="left">2 days 23 hours left</span></time>')


def test_countdown_js_gets_every_arabic_plural_form_by_cldr_category():
    # when the words are given to countdown.js for an Arabic page
    with translation.override("ar"):
        words = countdown_words()
    # then each unit has the six Arabic forms, named as Intl.PluralRules names them
    assert words["lang"] == "ar"
    assert words["forms"]["day"] == {
        "zero": "%(count)s يوم", "one": "يوم واحد", "two": "يومان", "few": "%(count)s أيام",
        "many": "%(count)s يومًا", "other": "%(count)s يوم"}
    assert words["pair"] == "%(larger)s و%(smaller)s"
    assert words["under_hour"] == "أقل من ساعة"
    assert words["left"] == "الوقت المتبقي: %(time)s"


def test_countdown_js_gets_spanish_forms_and_the_page_language_tag():
    with translation.override("pt-br"):
        assert countdown_words()["lang"] == "pt-BR"
    with translation.override("es"):
        words = countdown_words()
    assert words["forms"]["hour"] == {"one": "%(count)s hora", "many": "%(count)s horas",
                                      "other": "%(count)s horas"}
