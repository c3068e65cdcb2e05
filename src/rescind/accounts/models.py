import hashlib
import secrets

from django.conf import settings
from django.db import models


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiToken(models.Model):
    """A bearer token for the API. Only its hash is stored; the raw value is shown once."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="api_tokens")
    key_hash = models.CharField(max_length=64, unique=True)
    name = models.CharField(max_length=100, default="api")
    created_at = models.DateTimeField(auto_now_add=True)

    @classmethod
    def issue(cls, user, name: str = "api") -> str:
        raw = "rsc_" + secrets.token_urlsafe(32)
        cls.objects.create(user=user, key_hash=hash_token(raw), name=name)
        return raw
