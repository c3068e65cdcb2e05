from django.contrib import admin
from django.urls import include, path

from rescind import health
from rescind.api.api import api

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
    path("account/", include("rescind.accounts.urls")),
    path("", include("rescind.web.urls")),
]

# A database outage raised outside a view (in a middleware) is a 503, not a 500.
handler500 = "rescind.api.outage.server_error"
