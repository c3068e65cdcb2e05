"""`Idempotency-Key` on every API POST: a repeat returns the first answer and changes nothing.

The key is scoped to the caller (user, or the credential's hash). The first request claims the
key by inserting a row in its own transaction; a concurrent repeat finds the claim and gets 409
`idempotency_in_progress`; a later repeat gets the stored answer. A repeat with a different body
gets 422 `idempotency_key_reused`. Server errors are not stored, so they can be retried; a claim
left without an answer for two minutes (its process died) is taken over by the next repeat.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rescind.accounts.models import hash_token
from rescind.api.errors import error_response
from rescind.api.models import IdempotencyRecord

API_PREFIX = "/api/"
STALE_CLAIM = timedelta(minutes=2)
MAX_KEY_LENGTH = 200


def _scope(request) -> str:
    auth = request.headers.get("Authorization", "")
    if auth.lower().startswith("bearer "):
        return "t:" + hash_token(auth[7:].strip())[:40]
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"u:{user.pk}"
    return "anonymous"


def _fingerprint(request) -> str:
    """What makes two POSTs "the same request": path and body. Uploads are fingerprinted from
    their parsed fields and file contents, so a large file never has to sit in memory whole
    and a client's new multipart boundary does not make a repeat look different."""
    digest = hashlib.sha256(request.path.encode() + b"\0")
    if request.content_type == "multipart/form-data":
        for name, value in sorted(request.POST.lists()):
            digest.update(f"{name}={value}\0".encode())
        for name, files in sorted(request.FILES.lists()):
            for upload in files:
                digest.update(f"{name}:{upload.name}:{upload.size}\0".encode())
                for chunk in upload.chunks():
                    digest.update(chunk)
                upload.seek(0)
    else:
        digest.update(request.body)
    return digest.hexdigest()


class IdempotencyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        key = request.headers.get("Idempotency-Key")
        if request.method != "POST" or not key or not request.path.startswith(API_PREFIX):
            return self.get_response(request)
        if len(key) > MAX_KEY_LENGTH:
            return error_response(422, "idempotency_key_too_long",
                                  _("Idempotency-Key may have at most %(max)s characters.")
                                  % {"max": MAX_KEY_LENGTH})
        scope = _scope(request)
        if scope == "anonymous":
            return self.get_response(request)
        fingerprint = _fingerprint(request)
        try:
            with transaction.atomic():
                record = IdempotencyRecord.objects.create(scope=scope, key=key,
                                                          request_hash=fingerprint)
        except IntegrityError:
            replay = self._replay(scope, key, fingerprint)
            if replay is not None:
                return replay
            return self(request)  # the stale claim was cleared: claim it afresh
        response = self.get_response(request)
        if response.status_code >= 500:
            record.delete()
            return response
        record.status_code = response.status_code
        record.content_type = response.get("Content-Type", "application/json")
        record.body = response.content
        record.save(update_fields=["status_code", "content_type", "body"])
        return response

    def _replay(self, scope: str, key: str, fingerprint: str):
        from django.http import HttpResponse

        record = IdempotencyRecord.objects.filter(scope=scope, key=key).first()
        if record is None:  # the first attempt failed with a server error meanwhile
            return error_response(409, "idempotency_in_progress",
                                  _("A request with this Idempotency-Key is in progress."))
        if record.request_hash != fingerprint:
            return error_response(422, "idempotency_key_reused",
                                  _("This Idempotency-Key was used for a different request."))
        if record.status_code is None:
            if timezone.now() - record.created_at > STALE_CLAIM:
                # The first attempt died mid-way (no answer stored): let this one take over.
                IdempotencyRecord.objects.filter(pk=record.pk, status_code__isnull=True).delete()
                return None
            return error_response(409, "idempotency_in_progress",
                                  _("A request with this Idempotency-Key is in progress."))
        response = HttpResponse(bytes(record.body or b""), status=record.status_code,
                                content_type=record.content_type)
        response["Idempotent-Replay"] = "true"
        return response
