"""The login page: Django's LoginView, listing the demo logins in demo mode only."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import views as auth_views


class LoginPage(auth_views.LoginView):
    template_name = "rescind/login.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if settings.DEMO_MODE:
            from rescind.demo import DEMO_LOGINS, PASSWORD

            context["demo_logins"] = DEMO_LOGINS
            context["demo_password"] = PASSWORD
        return context
