"""Backoff for side effects that failed: gateway calls, e-mails, webhooks."""

from __future__ import annotations

from datetime import timedelta

RETRY_BASE = timedelta(seconds=30)
RETRY_CAP = timedelta(hours=1)


def retry_delay(attempt: int) -> timedelta:
    """Wait before attempt number `attempt + 1`: 30 s, 1 min, 2 min … capped at 1 h."""
    doublings = min(max(attempt - 1, 0), 7)  # 30 s * 2**7 passes the cap; never overflow
    return min(RETRY_BASE * (2**doublings), RETRY_CAP)
