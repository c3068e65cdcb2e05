"""Where a form sends the reader back to: only a page of this site (issue 12)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponseRedirect
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme


def redirect_next(request: HttpRequest, default: str) -> HttpResponseRedirect:
    """Redirect to the form's `next` if it names a page of this site, else to `default` (a URL
    name): `next=https://evil.example/` would otherwise make us an open redirect."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return redirect(target)
    return redirect(default)
