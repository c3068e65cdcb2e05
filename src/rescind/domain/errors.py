"""The one error type every layer raises and the API renders as {code, message, details}.

The message is a text marked for translation (issue 15): `DomainError(code, _("… %(x)s …"),
params={"x": …})` with `_` = gettext_lazy keeps it untranslated until `.message` is read, so it
comes out in the language active where it is shown (the API request's Accept-Language, the page's
language), whatever the language was where it was raised. `code` never changes.

A param that is a value with a reader's form (an amount: "$28.00", "28,00 US$") is put in
words by the formatter registered for its type in `PARAM_WORDING` (the pages register money's,
rescind.web.apps), so the domain names amounts as Money and never formats them itself."""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from typing import Any

# type -> how a param of that type reads in the active language (filled at start-up)
PARAM_WORDING: dict[type, Callable[[Any], str]] = {}


class ErrorKind(StrEnum):
    """What sort of failure it is; the API maps each kind to one HTTP status."""

    INVALID = "invalid"  # 422: the input cannot be acted on
    CONFLICT = "conflict"  # 409: the order's current state does not allow it (R14 losers)
    FORBIDDEN = "forbidden"  # 403: the caller may see the thing but not do this
    NOT_FOUND = "not_found"  # 404: no such thing, or not the caller's to see
    UNAVAILABLE = "unavailable"  # 503: a dependency is down; try again later


class DomainError(Exception):
    """A refusal with a stable machine code and a message a person can read, in their
    language: `text` (a lazy translation, or a plain str) filled with `params` when read."""

    def __init__(
        self,
        code: str,
        text: Any,
        *,
        kind: ErrorKind = ErrorKind.CONFLICT,
        details: dict[str, Any] | None = None,
        params: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(code)
        self.code = code
        self.text = text
        self.params = params or {}
        self.kind = kind
        self.details = details or {}

    @property
    def message(self) -> str:
        """The message in the active language (params that are lazy texts are translated too)."""
        text = str(self.text)
        if not self.params:
            return text
        return text % {name: _worded(value) for name, value in self.params.items()}

    def retold(self, *, kind: ErrorKind) -> DomainError:
        """The same refusal (code, text, params, details) as another kind."""
        return type(self)(self.code, self.text, kind=kind, details=self.details,
                          params=self.params)

    def __str__(self) -> str:
        return self.message

    def __reduce__(self):  # copy and pickle keep the text untranslated, with its params
        return (_rebuilt, (type(self), self.code, self.text, self.kind, self.details,
                           self.params))

    def __repr__(self) -> str:
        return f"DomainError({self.code!r}, {self.message!r})"


def _rebuilt(cls: type[DomainError], code: str, text: Any, kind: ErrorKind,
             details: dict[str, Any], params: dict[str, Any]) -> DomainError:
    return cls(code, text, kind=kind, details=details, params=params)


def _is_lazy(value: object) -> bool:
    return type(value).__name__ == "__proxy__"


class TryLater(DomainError):
    """A refusal that passes by itself (e.g. a payment is being captured): a person gets a 409,
    and an automatic action that meets it keeps its deadline and tries again on a later pass."""


def one_of(allowed: list[str], value: object, *, code: str, what: Any) -> str:
    """`value` if it is one of `allowed`, else 422 `code` with the allowed list (a payment
    method, a tracking event, a dispute reason...). `what` is the whole refusal, a lazy text
    with a `%(value)s` placeholder: "%(value)s is not a payment method."."""
    if not isinstance(value, str) or value not in allowed:
        raise DomainError(code, what, kind=ErrorKind.INVALID, params={"value": repr(value)},
                          details={"allowed": list(allowed)})
    return value


def _worded(value: Any) -> Any:
    if _is_lazy(value):
        return str(value)
    wording = PARAM_WORDING.get(type(value))
    return wording(value) if wording else value
