"""The JSON API under /api/v1/, with one error shape for every failure."""

from __future__ import annotations

import logging

from django.db import DataError
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, AuthorizationError, HttpError, ValidationError

from rescind.accounts.tokens import TokenExpired
from rescind.api import (
    account,
    cart,
    changes,
    checkouts,
    coupons,
    disputes,
    inbox,
    messages,
    metric_trends,
    metrics,
    orders,
    refund_desk,
    refunds,
    seller_bulk,
    seller_queue,
    shipping,
    support_work,
    tokens,
    webhooks,
)
from rescind.api.auth import API_AUTH, CsrfFailed
from rescind.api.choices import choice_refusal
from rescind.api.errors import STATUS_BY_KIND, bounded, error_response
from rescind.api.validation import error_message
from rescind.domain.errors import DomainError

logger = logging.getLogger(__name__)
UNPARSABLE_BODY = "Cannot parse request body"


class RescindAPI(NinjaAPI):
    def validation_error_from_error_contexts(self, error_contexts):
        """ninja drops the offending inputs from validation errors (right: they are not echoed);
        keep those of off-list values aside, so that their refusal can name them, cut short."""
        error = super().validation_error_from_error_contexts(error_contexts)
        error.choice_inputs = [
            (e["loc"][-1], e["input"])
            for context in error_contexts
            for e in context.pydantic_validation_error.errors(include_url=False)
            if e["type"] == "literal_error" and e["loc"]]
        return error


api = RescindAPI(
    title="Rescind API",
    version="1",
    description="Cancellations, refunds, shipments and disputes of marketplace orders. Every "
    "error is {code, message, details}. Every POST accepts an Idempotency-Key header. In the "
    "sandbox, a checkout's payment_instrument may name a test instrument whose refunds the "
    "provider refuses for good: expired_card (bank_card) or closed_account (e_wallet, "
    "bank_transfer); the refund then reads failed with its failure_code and failure_message, "
    "the buyer renews the method (POST /orders/{id}/refund-destination) and support retries "
    "it (POST /refunds/{id}/retry).",
    auth=API_AUTH,
    urls_namespace="api-v1",
    docs_url="/docs",
)
api.add_router("", tokens.router)
api.add_router("", account.router)
api.add_router("", orders.router)
api.add_router("", seller_queue.router)
api.add_router("", checkouts.router)
api.add_router("", cart.router)
api.add_router("", coupons.router)
api.add_router("", shipping.router)
api.add_router("", inbox.router)
api.add_router("", messages.router)
api.add_router("", changes.router)
api.add_router("", disputes.router)
api.add_router("", support_work.router)
api.add_router("", refunds.router)
api.add_router("", refund_desk.router)
api.add_router("", metrics.router)
api.add_router("", metric_trends.router)
api.add_router("", webhooks.router)
api.add_router("", seller_bulk.router)


@api.exception_handler(DomainError)
def _domain_error(request, exc: DomainError):
    # Messages and details may quote the caller's input: never more than a bounded part of it.
    return error_response(STATUS_BY_KIND[exc.kind], exc.code, bounded(exc.message, limit=300),
                          bounded(exc.details))


@api.exception_handler(ValidationError)
def _validation_error(request, exc: ValidationError):
    refusal = choice_refusal(exc.errors, getattr(exc, "choice_inputs", []))
    if refusal is not None:  # e.g. 422 unknown_reason, as the service has always said it
        return _domain_error(request, refusal)
    # ninja leaves the input out of each error, but a location may hold a dict's key: cut it.
    errors = [{**error, "loc": bounded(list(error.get("loc", ()))), "msg": error_message(error)}
              for error in exc.errors]
    return error_response(422, "invalid_input", _("Some fields are missing or invalid."),
                          {"errors": errors})


@api.exception_handler(AuthenticationError)
def _authentication_error(request, exc):
    return error_response(401, "not_authenticated",
                          _("Send a valid bearer token (POST /api/v1/auth/tokens) or log in."),
                          headers={"WWW-Authenticate": "Bearer"})


@api.exception_handler(CsrfFailed)
def _csrf_failed(request, exc):
    return error_response(403, "csrf_failed",
                          _("A logged-in browser session must send its CSRF token "
                            "(X-CSRFToken header); apps send a bearer token instead."))


@api.exception_handler(TokenExpired)
def _token_expired(request, exc):
    return error_response(401, "token_expired",
                          _("This token has expired: get a new one (POST /api/v1/auth/tokens)."))


@api.exception_handler(AuthorizationError)
def _authorization_error(request, exc):
    return error_response(403, "forbidden", _("You may not do this."))


@api.exception_handler(OverflowError)
def _id_out_of_range(request, exc):
    # An id beyond the database's 64-bit integers names nothing (SQLite raises this).
    return error_response(404, "not_found", _("No such resource."))


@api.exception_handler(DataError)
def _value_out_of_range(request, exc):
    # PostgreSQL's "value out of range": the input cannot be stored or matched.
    return error_response(422, "invalid_input", _("A value is out of range."))


@api.exception_handler(Http404)
def _not_found(request, exc):
    return error_response(404, "not_found", _("No such resource."))


@api.exception_handler(HttpError)
def _http_error(request, exc: HttpError):
    # ninja's one HttpError is a body it cannot parse (its text, plus the parser's in DEBUG).
    code = "bad_request" if exc.status_code == 400 else f"http_{exc.status_code}"
    if code == "bad_request" and str(exc).startswith(UNPARSABLE_BODY):
        return error_response(400, "bad_request", _("Cannot parse request body"))
    return error_response(exc.status_code, code, str(exc))
