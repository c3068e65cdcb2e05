"""Bearer tokens per user for the app and other systems; the session for the web pages."""

from __future__ import annotations

from django.utils import timezone
from ninja.security import HttpBearer, SessionAuth

from rescind.accounts.tokens import token_for_bearer


class TokenAuth(HttpBearer):
    def authenticate(self, request, token: str):
        # Real time, not the demo clock: moving the demo's clock must not expire its tokens.
        row = token_for_bearer(token, now=timezone.now())
        if row is None:
            return None
        request.user = row.user
        request.api_token = row  # DELETE /auth/tokens/current revokes this one
        return row.user


API_AUTH = [TokenAuth(), SessionAuth()]
