"""A person's language and time zone (issue 15): the profile page and API that remember them,
the middleware that reads pages in them (the user's choice, then the language cookie, then
Accept-Language; the browser's zone on the first visit), and e-mails in the recipient's."""

from __future__ import annotations

from rescind.accounts.models import Reader
from rescind.accounts.reading import as_reader
from rescind.aftersale.services import cancellation_approve
from rescind.refunds.models import Refund
from rescind.refunds.services import refund_submit
from tests.conftest import DAY, HOUR, T0
from tests.integration.test_notification_emails import _html_rows, _message, _parts
from tests.integration.test_notifications import _deliver_queued, smtp  # noqa: F401

PROFILE = "/account/profile/"


def _choose(user, language: str = "", time_zone: str = "") -> None:
    Reader.objects.update_or_create(user=user, defaults={"language": language,
                                                         "time_zone": time_zone})


def test_the_signed_in_readers_language_wins_over_the_cookie_and_accept_language(client, market):
    # given a buyer who chose Spanish, a French language cookie and an Arabic browser
    _choose(market.buyer, language="es")
    client.force_login(market.buyer)
    client.cookies["django_language"] = "fr"
    # when they open their profile
    response = client.get(PROFILE, headers={"Accept-Language": "ar"})
    # then it is in Spanish
    assert response.status_code == 200
    assert response["Content-Language"] == "es"
    assert "<h1>Idioma y zona horaria</h1>" in response.content.decode()


def test_without_a_choice_the_cookie_wins_over_accept_language(client, market):
    client.force_login(market.buyer)
    client.cookies["django_language"] = "fr"
    response = client.get(PROFILE, headers={"Accept-Language": "ar"})
    assert response["Content-Language"] == "fr"
    assert "<h1>Langue et fuseau horaire</h1>" in response.content.decode()


def test_without_a_choice_or_cookie_accept_language_decides_and_arabic_reads_arabic(
        client, market):
    client.force_login(market.buyer)
    response = client.get(PROFILE, headers={"Accept-Language": "ar,en;q=0.5"})
    assert response["Content-Language"] == "ar"
    assert "<h1>اللغة والمنطقة الزمنية</h1>" in response.content.decode()
    # and a stranger's browser language is followed too, before any sign-in
    client.logout()
    assert client.get("/login/", headers={"Accept-Language": "pt-BR"})["Content-Language"] == \
        "pt-br"


def test_dates_on_the_order_page_are_in_the_readers_zone_with_utc_on_hover(client, market):
    # given a buyer in Madrid who placed an order at 10:00 UTC on 2 March (winter time)
    _choose(market.buyer, time_zone="Europe/Madrid")
    order = market.place(at=T0)
    client.force_login(market.buyer)
    # when they open it
    html = client.get(f"/orders/{order.pk}/").content.decode()
    # then it was placed at 11:00 CET, and 10:00 UTC on hover
    assert ('<time datetime="2026-03-02T10:00:00Z" title="Mon 2 Mar 2026, 10:00 UTC">'
            "Mon 2 Mar 2026, 11:00 CET</time>") in html


def test_the_browsers_zone_is_stored_on_the_first_visit_and_never_over_a_choice(client, market):
    # given a buyer with no zone whose browser says São Paulo (countdown.js's cookie)
    client.force_login(market.buyer)
    client.cookies["rescind_tz"] = "America%2FSao_Paulo"
    # when they open a page, then that zone is theirs
    client.get(PROFILE)
    assert Reader.objects.get(user=market.buyer).time_zone == "America/Sao_Paulo"
    # when they travel and the browser says Tokyo, then the stored zone stays
    client.cookies["rescind_tz"] = "Asia%2FTokyo"
    client.get(PROFILE)
    assert Reader.objects.get(user=market.buyer).time_zone == "America/Sao_Paulo"


def test_a_browser_zone_that_is_no_zone_is_ignored_and_utc_is_shown(client, market):
    client.force_login(market.buyer)
    client.cookies["rescind_tz"] = "Mars%2FOlympus"
    order = market.place(at=T0)
    html = client.get(f"/orders/{order.pk}/").content.decode()
    assert not Reader.objects.filter(user=market.buyer).exists()
    assert ">Mon 2 Mar 2026, 10:00 UTC</time>" in html


def test_the_profile_page_remembers_language_and_zone(client, market):
    client.force_login(market.buyer)
    # when the buyer picks Spanish and Madrid
    response = client.post(PROFILE, {"language": "es", "time_zone": "Europe/Madrid"})
    # then both are remembered and the page says so in Spanish
    assert response.status_code == 302 and response["Location"] == PROFILE
    reader = Reader.objects.get(user=market.buyer)
    assert (reader.language, reader.time_zone) == ("es", "Europe/Madrid")
    html = client.get(PROFILE).content.decode()
    assert "Tu idioma y tu zona horaria se han guardado." in html
    assert '<option value="es" lang="es" selected>Español</option>' in html
    assert "<option selected>Europe/Madrid</option>" in html
    # and the menu links to it
    assert 'href="/account/profile/" id="profile-link" aria-current="page"' in html


def test_the_profile_page_refuses_unknown_values_next_to_their_field(client, market):
    client.force_login(market.buyer)
    response = client.post(PROFILE, {"language": "xx", "time_zone": "Mars/Olympus"})
    assert response.status_code == 422
    html = response.content.decode()
    assert ('<small class="error" role="alert" id="language-error">xx is not a language '
            "Rescind is written in.</small>") in html
    assert ('<small class="error" role="alert" id="time_zone-error">Mars/Olympus is not a time '
            "zone name such as Europe/Madrid or America/Sao_Paulo.</small>") in html
    assert not Reader.objects.filter(user=market.buyer).exists()


def test_as_reader_activates_the_users_language_and_zone_and_restores_the_callers(market):
    from django.utils import timezone, translation

    _choose(market.buyer, language="es", time_zone="Europe/Madrid")
    with translation.override("fr"):
        with as_reader(market.buyer) as reading:
            assert (translation.get_language(), timezone.get_current_timezone_name()) == (
                "es", "Europe/Madrid")
            assert reading.language == "es"
        assert (translation.get_language(), timezone.get_current_timezone_name()) == (
            "fr", "UTC")


def test_a_spanish_recipient_in_madrid_gets_the_email_in_spanish_and_madrid_time(
        market, smtp, settings):  # noqa: F811
    # given a buyer who reads Spanish in Madrid, and a refund started for their order
    _choose(market.buyer, language="es", time_zone="Europe/Madrid")
    order = market.requested(at=T0)
    cancellation_approve(order_id=order.pk, user=market.seller, now=T0 + 2 * DAY)
    refund = Refund.objects.get()
    refund_submit(refund_id=refund.pk, now=T0 + 2 * DAY + HOUR)
    # when the notifications are delivered (by the worker, in no one's language)
    _deliver_queued(T0 + 3 * DAY)
    # then the buyer's e-mail gives its dates in Spanish and in Madrid time (UTC+1 in March)
    rows = [row for m in smtp.messages if m["To"] == "buyer@example.com"
            for row in _html_rows(_parts(m)[1])]
    values = [value for _label, value in rows]
    assert "mié, 4 mar 2026, 12:00 CET" in values
    assert "mié, 25 mar 2026, 11:00 CET" in values
    assert not [value for value in values if "UTC" in value]
    # and the seller, who chose nothing, was told of the request in English and UTC
    asked = _message(smtp, "seller@example.com",
                     f"Cancellation requested for order #{order.pk}: answer by Fri 6 Mar 2026, "
                     "11:00 UTC")
    assert "Fri 6 Mar 2026, 11:00 UTC" in asked.get_body(("plain",)).get_content()
