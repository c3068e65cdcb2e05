"""A broken invariant, named after its rule (issue 17). Pure: the decisions-only mode has no
database."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Violation:
    rule: str  # e.g. "R22"
    order_id: int | None  # the order (end to end) or the checkout (decisions only)
    message: str

    def text(self) -> str:
        return f"{self.rule} order {self.order_id}: {self.message}"
