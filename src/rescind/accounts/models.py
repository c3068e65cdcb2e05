import hashlib
import secrets
from datetime import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiToken(models.Model):
    """A bearer token for the API. Only its hash is stored; the raw value is shown once.

    It expires RESCIND_API_TOKEN_TTL after it was issued (computed, so shortening the setting
    also shortens the life of tokens already issued); revoking one deletes its row.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="api_tokens")
    key_hash = models.CharField(max_length=64, unique=True)
    name = models.CharField(max_length=100, default="api")
    created_at = models.DateTimeField(auto_now_add=True)
    # Within a few minutes (accounts/tokens.py): a write on every request would cost too much.
    last_used_at = models.DateTimeField(null=True, blank=True)

    @classmethod
    def issue(cls, user, name: str = "api") -> str:
        """A new token's raw value."""
        return cls.issue_row(user, name)[0]

    @classmethod
    def issue_row(cls, user, name: str = "api") -> tuple[str, "ApiToken"]:
        raw = "rsc_" + secrets.token_urlsafe(32)
        # Issuing is a use: the first requests right after it need no write.
        row = cls.objects.create(user=user, key_hash=hash_token(raw), name=name,
                                 last_used_at=timezone.now())
        return raw, row

    @property
    def expires_at(self) -> datetime:
        return self.created_at + settings.RESCIND_API_TOKEN_TTL

    def is_expired(self, now: datetime) -> bool:
        return now >= self.expires_at


class Reader(models.Model):
    """How a person reads Rescind: their language and time zone (issue 15).

    Blank means not chosen: the language then follows the browser (cookie, Accept-Language)
    and the time zone the browser's own zone, stored on the first visit (accounts/middleware.py).
    Stored instants stay UTC; only what a person reads is shown in `time_zone`.
    """

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                related_name="reader")
    language = models.CharField(max_length=10, blank=True, default="")
    time_zone = models.CharField(max_length=64, blank=True, default="")
