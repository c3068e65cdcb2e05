"""API bearer tokens: checking one, listing and revoking a user's own, and revoking them all
when the password changes (issue 12)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from rescind.accounts.models import ApiToken, hash_token
from rescind.domain.errors import DomainError, ErrorKind
from rescind.statements import row_get, rows_where

# How stale last_used_at may get before a request writes it again.
LAST_USED_PRECISION = timedelta(minutes=5)


class TokenExpired(Exception):
    """A known token past its expiry: the API answers 401 token_expired, not_authenticated."""


def token_for_bearer(raw: str, *, now: datetime) -> ApiToken | None:
    """The live token of an active user with this raw value; None if there is none. Every
    API request asks this first, so the token and its user are read by two lean statements
    (rescind.statements: no query building), not the ORM's join."""
    row = next(iter(rows_where(ApiToken, "key_hash", hash_token(raw))), None)
    user = row_get(get_user_model(), row.user_id) if row is not None else None
    if user is None or not user.is_active:
        return None
    row.user = user
    if row.is_expired(now):
        raise TokenExpired
    if row.last_used_at is None or now - row.last_used_at >= LAST_USED_PRECISION:
        ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
        row.last_used_at = now
    return row


def tokens_of(user, *, now: datetime) -> QuerySet[ApiToken]:
    """The user's tokens that still work, newest first."""
    issued_after = now - _ttl()
    return ApiToken.objects.filter(user=user, created_at__gt=issued_after).order_by("-pk")


def token_revoke(*, user, token_id: int) -> None:
    """Revoke one of the user's own tokens; another user's token is as unknown as a missing one."""
    deleted, _kinds = ApiToken.objects.filter(user=user, pk=token_id).delete()
    if not deleted:
        raise DomainError("token_not_found", _("You have no token with this id."),
                          kind=ErrorKind.NOT_FOUND, details={"token_id": token_id})


def tokens_revoke_expired(*, user, now: datetime) -> int:
    deleted, _kinds = ApiToken.objects.filter(user=user, created_at__lte=now - _ttl()).delete()
    return deleted


def _ttl() -> timedelta:
    from django.conf import settings

    return settings.RESCIND_API_TOKEN_TTL


class ApiTokensRevokedOnPasswordChange:
    """Not a password rule: Django calls every validator's password_changed() after a user's
    password has changed and been saved, whatever changed it (the admin, `changepassword`, a
    future password form). That is the one place a password change can be seen without a
    model signal, and a stolen token must stop working once the owner changes the password.

    A hash upgraded at login (same password, stronger hasher) does not call it.
    """

    def validate(self, password, user=None) -> None:
        return None

    def get_help_text(self) -> str:
        return "Changing the password signs out the app and every other API client."

    def password_changed(self, password, user=None) -> None:
        if user is not None and user.pk is not None:
            ApiToken.objects.filter(user=user).delete()
