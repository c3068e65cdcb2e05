"""Bearer tokens per user for the app and other systems; the session for the web pages."""

from __future__ import annotations

from ninja.security import HttpBearer, SessionAuth

from rescind.accounts.models import ApiToken, hash_token


class TokenAuth(HttpBearer):
    def authenticate(self, request, token: str):
        row = ApiToken.objects.select_related("user").filter(key_hash=hash_token(token)).first()
        if row is None or not row.user.is_active:
            return None
        request.user = row.user
        return row.user


API_AUTH = [TokenAuth(), SessionAuth()]
