"""A database outage answers 503 with Retry-After, never a 500 with a traceback; API callers
get every refusal in the one error shape, even Django's own 404 and 405.

The database can fail anywhere in a request, not only in the view: in a middleware (the
Idempotency-Key claim, the session), or while storing the answer. Django turns an exception
raised in a middleware into a response before any outer middleware sees it, so the middleware
below only catches the view's; `server_error`, installed as `handler500` in the URLconf, is
the one place every other uncaught exception is rendered, and answers 503 there too.
"""

from __future__ import annotations

import logging
import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, HttpResponseNotFound
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.views import defaults

from rescind.api.errors import error_response

logger = logging.getLogger(__name__)
RETRY_AFTER_SECONDS = "5"
API_PREFIX = "/api/"
PLAIN_ERRORS = {
    404: ("not_found", _("No such endpoint.")),
    405: ("method_not_allowed", _("This endpoint does not take that method.")),
}
REFUSED = _("Request refused.")
OUTAGE_ERRORS = (OperationalError, InterfaceError)


def outage_response(exception: BaseException) -> HttpResponse:
    logger.warning("database unavailable: %s", exception)
    return error_response(503, "service_unavailable",
                          _("The service is briefly unavailable; please try again."),
                          headers={"Retry-After": RETRY_AFTER_SECONDS})


def server_error(request) -> HttpResponse:
    """handler500: a database outage raised outside the view is a 503 too (Django calls this
    while handling the exception, so it is the current one)."""
    exception = sys.exc_info()[1]
    if isinstance(exception, OUTAGE_ERRORS):
        return outage_response(exception)
    return defaults.server_error(request)


class DatabaseOutageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.path.startswith(API_PREFIX) and response.status_code >= 400 and \
                not response.get("Content-Type", "").startswith("application/json"):
            # Django's own 404/405 pages: give API callers the one error shape instead.
            # This middleware sits outside LocaleMiddleware: answer in the caller's language.
            code, message = PLAIN_ERRORS.get(response.status_code,
                                             (f"http_{response.status_code}", REFUSED))
            with translation.override(translation.get_language_from_request(request)):
                return error_response(response.status_code, code, message,
                                      headers={"Allow": response["Allow"]}
                                      if response.has_header("Allow") else None)
        return response

    def process_exception(self, request, exception):
        if isinstance(exception, OverflowError):  # an id no database row can have (pages)
            return HttpResponseNotFound("No such page.")
        if isinstance(exception, OUTAGE_ERRORS):
            return outage_response(exception)
        return None
