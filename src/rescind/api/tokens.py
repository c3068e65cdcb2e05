"""Bearer tokens: get one for a username and password, list yours, revoke one or this one.

Getting a token is throttled with the login page (accounts/throttle.py): too many failures for
a username or from an address answer 429 too_many_attempts with Retry-After.
"""

from __future__ import annotations

from django.contrib.auth import authenticate
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from ninja import Router, Status

from rescind.accounts.models import ApiToken
from rescind.accounts.tokens import token_revoke, tokens_of, tokens_revoke_expired
from rescind.api.common import ERRORS
from rescind.api.schemas import ErrorOut, TokenIn, TokenInfoOut, TokenOut
from rescind.domain.errors import DomainError, ErrorKind

# One router: operations on one path from two routers would be two URL patterns, and the first
# would answer 405 to the other's method.
router = Router(tags=["account"])


@router.post("/auth/tokens", response={201: TokenOut, 429: ErrorOut, **ERRORS}, auth=None)
def tokens_create(request, body: TokenIn):
    """Exchange a username and password for a bearer token (shown once). It expires after
    RESCIND_API_TOKEN_TTL (30 days unless configured) and when the password changes."""
    user = authenticate(request, username=body.username, password=body.password)
    if user is None:
        # When this failure locked the username or address out, the throttle's middleware
        # answers 429 instead.
        raise DomainError("bad_credentials", _("Wrong username or password."),
                          kind=ErrorKind.INVALID)
    tokens_revoke_expired(user=user, now=timezone.now())
    raw, row = ApiToken.issue_row(user)
    return Status(201, {"token": raw, "user_id": user.pk, "id": row.pk,
                        "expires_at": row.expires_at})


@router.get("/auth/tokens", response={200: list[TokenInfoOut], **ERRORS})
def tokens_list(request):
    """Your tokens that still work: when each was issued, last used and expires; never the
    secret. `current` marks the one this request was made with."""
    current = getattr(getattr(request, "api_token", None), "pk", None)
    return [{"id": t.pk, "name": t.name, "created_at": t.created_at,
             "last_used_at": t.last_used_at, "expires_at": t.expires_at,
             "current": t.pk == current}
            for t in tokens_of(request.user, now=timezone.now())]


@router.delete("/auth/tokens/current", response={204: None, **ERRORS})
def tokens_revoke_current(request):
    """Revoke the token this request was made with (log out of the app)."""
    token = getattr(request, "api_token", None)
    if token is None:
        raise DomainError("no_current_token", _("This request was not made with a bearer token."),
                          kind=ErrorKind.INVALID)
    token_revoke(user=request.user, token_id=token.pk)
    return Status(204, None)


@router.delete("/auth/tokens/{token_id}", response={204: None, **ERRORS})
def tokens_revoke_one(request, token_id: int):
    """Revoke one of your tokens, e.g. of a lost phone."""
    token_revoke(user=request.user, token_id=token_id)
    return Status(204, None)
