"""The profile page: the person's language and time zone (issue 15)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from rescind.accounts.reading import reading_of, reading_update, zone_names
from rescind.domain.errors import DomainError


@login_required
@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    """Show and change the language and time zone the person reads Rescind in."""
    errors: dict[str, str] = {}
    reading = reading_of(request.user)
    chosen = {"language": reading.language, "time_zone": reading.time_zone}
    if request.method == "POST":
        chosen = {key: request.POST.get(key, "").strip() for key in chosen}
        for key in chosen:
            try:
                reading_update(user=request.user, **{key: chosen[key]})
            except DomainError as error:
                errors[key] = error.message
        if not errors:
            translation.activate(chosen["language"] or translation.get_language_from_request(
                request))
            messages.success(request, _("Your language and time zone are saved."))
            return redirect("profile")
    zone_now = timezone.get_current_timezone_name()
    return render(request, "accounts/profile.html", {
        "languages": [(code, translation.get_language_info(code)["name_local"])
                      for code, _name in settings.LANGUAGES],
        "zones": zone_names(), "chosen": chosen, "errors": errors, "zone_now": zone_now,
    }, status=422 if errors else 200)
