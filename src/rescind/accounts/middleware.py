"""The reader's language and time zone for every request (issue 15; replaces Django's
LocaleMiddleware, and sits after AuthenticationMiddleware to know the user).

Language: the signed-in user's choice wins, then Django's language cookie, then
Accept-Language, then settings.LANGUAGE_CODE. Time zone: the user's choice, else the browser's
zone, which countdown.js puts in the `rescind_tz` cookie; on a signed-in user's first visit
that zone is stored as theirs (they can change it on the profile page). Default UTC.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import unquote
from zoneinfo import ZoneInfo

from django.http import HttpRequest, HttpResponse
from django.utils import timezone, translation
from django.utils.cache import patch_vary_headers

from rescind.accounts.reading import (
    DEFAULT_ZONE,
    reading_of,
    time_zone_first_seen,
    zone_of,
)

ZONE_COOKIE = "rescind_tz"


class ReaderMiddleware:
    """Activate the reader's language and time zone for the request, then deactivate them."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        reading = reading_of(getattr(request, "user", None))
        language = reading.language or translation.get_language_from_request(request)
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        zone_name = reading.time_zone or self._browser_zone(request)
        timezone.activate(zone_of(zone_name) or ZoneInfo(DEFAULT_ZONE))
        try:
            response = self.get_response(request)
        finally:
            timezone.deactivate()
        patch_vary_headers(response, ("Accept-Language", "Cookie"))
        response.headers.setdefault("Content-Language", request.LANGUAGE_CODE)
        translation.deactivate()
        return response

    @staticmethod
    def _browser_zone(request: HttpRequest) -> str:
        """The browser's zone from its cookie; stored as the user's on their first visit."""
        name = unquote(request.COOKIES.get(ZONE_COOKIE, ""))
        if zone_of(name) is None:
            return ""
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and request.method in ("GET", "HEAD"):
            time_zone_first_seen(user=user, time_zone=name)
        return name
