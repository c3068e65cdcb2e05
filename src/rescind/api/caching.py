"""No API answer that carries personal data may be kept by a browser or a shared cache."""

from __future__ import annotations

API_PREFIX = "/api/v1/"
# The schema and its docs page carry nobody's data.
PUBLIC_PATHS = {"/api/v1/openapi.json", "/api/v1/docs"}


class ApiNoStoreMiddleware:
    """`Cache-Control: no-store` on every API answer but the schema and the docs page: orders,
    addresses, messages and tokens must not stay in a proxy or on a shared device (issue 12)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.path.startswith(API_PREFIX) and request.path not in PUBLIC_PATHS:
            response["Cache-Control"] = "no-store"
        return response
