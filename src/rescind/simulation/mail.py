"""The simulation's e-mail backend (issue 17): every e-mail the worker sends is built into its
MIME message, headers validated, exactly as Django's in-memory backend does, and then dropped.

The in-memory backend also keeps a deep copy of each message in `mail.outbox`: a 10,000-order
run sends about 70,000 e-mails, which it would hold to the end (hundreds of MB) and copy one
by one. No invariant reads e-mails: what was sent is in the `EmailMessage` rows."""

from __future__ import annotations

from django.core.mail.backends.base import BaseEmailBackend


class EmailBackend(BaseEmailBackend):
    def send_messages(self, messages) -> int:
        count = 0
        for message in messages:
            message.message()  # builds and validates it, as the in-memory backend does
            count += 1
        return count
