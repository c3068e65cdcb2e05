"""Where `now` comes from. Below the entry points, `now` is always a parameter."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta


class Clock:
    """Real time plus an offset read from `offset_source` (the demo clock); zero in production."""

    def __init__(self, offset_source: Callable[[], timedelta] | None = None) -> None:
        self._offset_source = offset_source

    def now(self) -> datetime:
        now = datetime.now(UTC)
        return now + self._offset_source() if self._offset_source else now


class FixedClock(Clock):
    """A clock that stands still until told to move; for tests and simulations."""

    def __init__(self, at: datetime) -> None:
        super().__init__()
        self.at = at

    def now(self) -> datetime:
        return self.at

    def advance(self, by: timedelta) -> None:
        self.at += by
