"""The cursor of every PostgreSQL connection: parameters bound on the server, so that psycopg
can prepare the statements a connection runs often (settings.py, docs/deployment.md).

PostgreSQL's protocol carries at most 65,535 parameters a statement, a limit Django's default
client-side binding never meets: it writes the values into the SQL text. So a statement with
more (an `IN` list of 70,000 ids: a check over a whole storm, a big export) is bound on the
client, as Django would bind it, and sent as text; the others are bound on the server.
"""

from __future__ import annotations

from django.db.backends.postgresql.base import ServerBindingCursor
from psycopg import ClientCursor

MAX_PARAMETERS = 65_535  # the protocol's Bind message counts them in 16 bits


class PreparingCursor(ServerBindingCursor):
    def execute(self, query, params=None, **kwargs):
        if params is not None and len(params) > MAX_PARAMETERS:
            query, params = ClientCursor(self.connection).mogrify(query, params), None
        return super().execute(query, params, **kwargs)
