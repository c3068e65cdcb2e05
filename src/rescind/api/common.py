"""Shared pieces of the routers: the error answers every endpoint documents."""

from __future__ import annotations

from rescind.api.schemas import ErrorOut

# Every endpoint may answer these; declaring them keeps the OpenAPI schema honest.
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut,
          422: ErrorOut, 503: ErrorOut}
