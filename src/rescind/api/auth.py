"""Bearer tokens per user for the app and other systems; the session for the web pages.

A request with neither a valid token nor a logged-in session is not authenticated: 401, for a
POST as for a GET. Only a request logged in through its session cookie is held to Django's
CSRF check (403 `csrf_failed`): a browser sends that cookie by itself, an app never does.
"""

from __future__ import annotations

from django.utils import timezone
from ninja import security
from ninja.utils import check_csrf

from rescind.accounts.tokens import token_for_bearer


class TokenAuth(security.HttpBearer):
    def authenticate(self, request, token: str):
        # Real time, not the demo clock: moving the demo's clock must not expire its tokens.
        row = token_for_bearer(token, now=timezone.now())
        if row is None:
            return None
        request.user = row.user
        request.api_token = row  # DELETE /auth/tokens/current revokes this one
        return row.user


class CsrfFailed(Exception):
    """A logged-in browser session sent a change without its CSRF token."""


class SessionAuth(security.SessionAuth):
    """The session of a logged-in user, CSRF-checked; no session is simply no credential.

    ninja's own SessionAuth runs the CSRF check before it looks at the session, so a caller
    that sent no credentials at all got 403 "CSRF check Failed" on a POST, 401 on a GET.
    """

    def _get_key(self, request):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        if self.csrf and not getattr(request, "_ninja_csrf_exempt", False) \
                and check_csrf(request) is not None:
            raise CsrfFailed
        return request.COOKIES.get(self.param_name)


API_AUTH = [TokenAuth(), SessionAuth()]
