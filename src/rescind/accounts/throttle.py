"""The login throttle on django-axes: who is the client, and what a locked-out login answers.

Both ways in, the login page and POST /api/v1/auth/tokens, go through django.contrib.auth's
authenticate(request, ...), so axes counts their failures in one place (issue 12).
"""

from __future__ import annotations

import ipaddress
import math

from axes.backends import AxesStandaloneBackend
from axes.helpers import get_cool_off
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _

from rescind.api.errors import error_response
from rescind.moments.durations import UNITS


class ThrottledLoginBackend(AxesStandaloneBackend):
    """Refuses a locked-out username or address before any password is hashed.

    authenticate() without a request (Django's test client login, a shell) has no client to
    count and is not throttled, where axes' own backend would raise instead; every HTTP way in
    passes its request.
    """

    def authenticate(self, request: HttpRequest | None, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def client_ip(request: HttpRequest) -> str | None:
    """The client's address: RESCIND_PROXY_COUNT entries from the right of X-Forwarded-For
    behind that many proxies (the ones left of it are the client's to forge), else the socket's."""
    hops = settings.RESCIND_PROXY_COUNT
    if hops:
        forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
                     if a.strip()]
        if len(forwarded) >= hops and _is_address(forwarded[-hops]):
            return forwarded[-hops]
    return request.META.get("REMOTE_ADDR")


def _is_address(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


LOCKED_OUT = _("Too many failed login attempts. Try again in %(wait)s.")


def lockout_response(request: HttpRequest, original_response=None,
                     credentials=None) -> HttpResponse:
    """429 with Retry-After: the API's error shape for the API, the login page for people.

    A failure during the lockout starts the window again, so it is the whole window from now.
    """
    seconds = int(get_cool_off(request).total_seconds())
    minutes = math.ceil(seconds / 60)
    wait = {"wait": UNITS["minute"](minutes) % {"count": minutes}}
    if request.path.startswith("/api/"):
        response = error_response(429, "too_many_attempts", LOCKED_OUT % wait,
                                  {"retry_after_seconds": seconds})
    else:
        next_url = request.POST.get("next", "")
        if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()},
                                               require_https=request.is_secure()):
            next_url = ""
        response = render(request, "rescind/login.html",
                          {"locked_out": LOCKED_OUT % wait, "next": next_url}, status=429)
    response["Retry-After"] = str(seconds)
    return response
