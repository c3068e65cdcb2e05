"""How a page runs one service (R28: pages call the same services as the API)."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.http import Http404, HttpRequest
from django.utils.functional import Promise

from rescind.domain.errors import DomainError, ErrorKind


def service_run(request: HttpRequest, call: Callable[[], object], *,
                done: str | Promise | Callable[[], str]) -> None:
    """Run `call`: success flashes `done` (or what `done()` says once it is done); a refusal
    flashes its message; something the user may not see at all is a 404."""
    try:
        call()
    except DomainError as exc:
        if exc.kind is ErrorKind.NOT_FOUND:
            raise Http404(exc.message) from None
        messages.error(request, exc.message)
        return
    messages.success(request, done() if callable(done) else str(done))
