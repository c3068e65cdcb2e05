"""Liveness and readiness for load balancers and orchestrators (docs/deployment.md).

`GET /healthz` answers while the process can serve a request at all; it touches no database, so
a database outage never makes an orchestrator restart healthy web processes. `GET /readyz`
answers 200 only when this process could do real work: the database answers a query and every
migration this code knows of is applied. A process of the *old* code during a rolling deploy
stays ready after the new code's migrations ran (it only checks the migrations it knows); a
process of the *new* code is not ready until they ran. Refusals use the API's one error shape
`{"code", "message", "details"}` with 503 and Retry-After. Neither needs a login.
"""

from __future__ import annotations

import logging
from functools import lru_cache

from django.db import DEFAULT_DB_ALIAS, DatabaseError, InterfaceError, connections
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from rescind.api.errors import error_response
from rescind.api.outage import RETRY_AFTER_SECONDS

logger = logging.getLogger(__name__)


@lru_cache(maxsize=1)
def migrations_known() -> dict[tuple[str, str], tuple[tuple[str, str], ...]]:
    """Every migration of this code, each with the migrations it replaces (squashes), read
    from disk once per process: the code does not change while the process runs."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    return {key: tuple(loader.graph.nodes[key].replaces or ()) for key in loader.graph.nodes}


def migrations_unapplied(alias: str = DEFAULT_DB_ALIAS) -> list[str]:
    """The migrations this code knows of that the database has not applied, as "app.name"."""
    applied = set(MigrationRecorder(connections[alias]).applied_migrations())
    return sorted(f"{app}.{name}" for (app, name), replaces in migrations_known().items()
                  if (app, name) not in applied
                  and not (replaces and all(r in applied for r in replaces)))


def _not_ready(code: str, message: str, details: dict | None = None) -> HttpResponse:
    return error_response(503, code, message, details,
                          headers={"Retry-After": RETRY_AFTER_SECONDS,
                                   "Cache-Control": "no-store"})


@never_cache
@require_safe
def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness: the process answers. No database, no login."""
    return JsonResponse({"status": "ok"})


@never_cache
@require_safe
def readyz(request: HttpRequest) -> HttpResponse:
    """Readiness: the database answers a query and no known migration is unapplied."""
    connection = connections[DEFAULT_DB_ALIAS]
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        pending = migrations_unapplied(DEFAULT_DB_ALIAS)
    except (DatabaseError, InterfaceError) as exc:
        logger.warning("not ready: database unavailable: %s", exc)
        return _not_ready("database_unavailable", "The database does not answer.",
                          {"database": connection.vendor})
    if pending:
        return _not_ready("migrations_pending",
                          "The database schema is behind this code: run `rescind migrate`.",
                          {"pending": pending})
    return JsonResponse({"status": "ready", "database": connection.vendor})
