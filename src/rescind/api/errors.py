"""The API's one error shape: {"code", "message", "details"} with a fitting 4xx status."""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpResponse

from rescind.domain.errors import ErrorKind

STATUS_BY_KIND = {
    ErrorKind.INVALID: 422,
    ErrorKind.CONFLICT: 409,
    ErrorKind.FORBIDDEN: 403,
    ErrorKind.NOT_FOUND: 404,
    ErrorKind.UNAVAILABLE: 503,
}


ECHO_LIMIT = 100  # characters of any one value of the caller's that an error quotes back


def bounded(value: Any, *, limit: int = ECHO_LIMIT) -> Any:
    """`value` with every string in it cut to `limit` characters and an ellipsis, so that an
    error never echoes a huge input back whole."""
    if isinstance(value, str):
        return value if len(value) <= limit else value[:limit] + "…"
    if isinstance(value, dict):
        return {bounded(k, limit=limit): bounded(v, limit=limit) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [bounded(item, limit=limit) for item in value]
    return value


def error_response(status: int, code: str, message: Any,
                   details: dict[str, Any] | None = None,
                   headers: dict[str, str] | None = None) -> HttpResponse:
    # `message` may be a lazy translation: it is read here, in the request's language.
    body = json.dumps({"code": code, "message": str(message), "details": details or {}},
                      default=str)
    response = HttpResponse(body, status=status, content_type="application/json")
    for name, value in (headers or {}).items():
        response[name] = value
    return response
