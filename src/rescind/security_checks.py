"""System checks that keep an unsafe configuration from starting (issue 12)."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, Tags, register


@register(Tags.security)
def secret_key_check(app_configs, **kwargs) -> list[Error]:
    """rescind.E001: outside demo mode the built-in secret key is refused, since anyone who
    has read the source could forge sessions, password-reset links and signed values with it."""
    if settings.SECRET_KEY == settings.BUILTIN_SECRET_KEY and not settings.DEMO_MODE:
        return [Error(
            "RESCIND_SECRET_KEY is not set: the built-in development key is only for demo mode.",
            hint='Set RESCIND_SECRET_KEY to a long random value, e.g. the output of python3 -c '
                 '"import secrets; print(secrets.token_urlsafe(50))", the same on every web '
                 'and worker process; or set RESCIND_DEMO_MODE=1 for a demo.',
            id="rescind.E001",
        )]
    return []
