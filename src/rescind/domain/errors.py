"""The one error type every layer raises and the API renders as {code, message, details}."""

from __future__ import annotations

from enum import StrEnum
from typing import Any


class ErrorKind(StrEnum):
    """What sort of failure it is; the API maps each kind to one HTTP status."""

    INVALID = "invalid"  # 422: the input cannot be acted on
    CONFLICT = "conflict"  # 409: the order's current state does not allow it (R14 losers)
    FORBIDDEN = "forbidden"  # 403: the caller may see the thing but not do this
    NOT_FOUND = "not_found"  # 404: no such thing, or not the caller's to see
    UNAVAILABLE = "unavailable"  # 503: a dependency is down; try again later


class DomainError(Exception):
    """A refusal with a stable machine code and a message a person can read."""

    def __init__(
        self,
        code: str,
        message: str,
        *,
        kind: ErrorKind = ErrorKind.CONFLICT,
        details: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.kind = kind
        self.details = details or {}

    def __repr__(self) -> str:
        return f"DomainError({self.code!r}, {self.message!r})"


class TryLater(DomainError):
    """A refusal that passes by itself (e.g. a payment is being captured): a person gets a 409,
    and an automatic action that meets it keeps its deadline and tries again on a later pass."""


def one_of(allowed: list[str], value: object, *, code: str, what: str) -> str:
    """`value` if it is one of `allowed`, else 422 `code` with the allowed list (a payment
    method, a tracking event, a dispute reason...)."""
    if not isinstance(value, str) or value not in allowed:
        raise DomainError(code, f"{value!r} is not {what}.", kind=ErrorKind.INVALID,
                          details={"allowed": list(allowed)})
    return value
