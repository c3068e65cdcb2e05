"""A database outage answers 503 with Retry-After, never a 500 with a traceback."""

from __future__ import annotations

import logging

from django.db import InterfaceError, OperationalError
from django.http import HttpResponseNotFound

from rescind.api.errors import error_response

logger = logging.getLogger(__name__)
RETRY_AFTER_SECONDS = "5"


class DatabaseOutageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, OverflowError):  # an id no database row can have (pages)
            return HttpResponseNotFound("No such page.")
        if isinstance(exception, OperationalError | InterfaceError):
            logger.warning("database unavailable: %s", exception)
            return error_response(503, "service_unavailable",
                                  "The service is briefly unavailable; please try again.",
                                  headers={"Retry-After": RETRY_AFTER_SECONDS})
        return None
