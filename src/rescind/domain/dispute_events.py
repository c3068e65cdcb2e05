"""What happens in a dispute, as frozen past-tense facts; each is one timeline entry (R18-R20,
R29). Kept beside `events.py` so that module stays short; they are ordinary events.

Seller metrics (R30) read two of them by kind: `DisputeOpened` once per dispute, and
`DisputeDecided` once per dispute with `seller_lost` true when the buyer gets money back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from rescind.domain.events import Event
from rescind.domain.money import Money
from rescind.domain.policy import Side
from rescind.domain.states import Transition


@dataclass(frozen=True, slots=True)
class DisputeOpened(Event):
    """R18: the buyer opened a dispute; R9: or reported the supplier beside a cancellation
    request, which leaves the order's state alone (`beside_cancellation`)."""

    reason: str
    claim: Money
    return_item: bool
    description: str
    evidence: tuple[int, ...]  # attachment ids from the order's conversation
    respond_by: datetime | None  # None for a supplier report: it goes straight to support
    beside_cancellation: bool = False

    @property
    def transition(self) -> Transition | None:  # type: ignore[override]
        return None if self.beside_cancellation else Transition.OPEN_DISPUTE


@dataclass(frozen=True, slots=True)
class DisputeSellerAccepted(Event):
    """R19: the seller accepts the buyer's claim as it stands."""


@dataclass(frozen=True, slots=True)
class DisputeAutoAccepted(Event):
    """R19: the seller did not answer within the response window; silence accepts the claim."""

    respond_by: datetime


@dataclass(frozen=True, slots=True)
class DisputeSellerRefused(Event):
    note: str
    escalate_by: datetime  # R19: goes to support by itself then, unless the buyer acts first


@dataclass(frozen=True, slots=True)
class DisputeSellerProposed(Event):
    amount: Money
    return_item: bool
    note: str
    escalate_by: datetime


@dataclass(frozen=True, slots=True)
class DisputeProposalAccepted(Event):
    amount: Money


@dataclass(frozen=True, slots=True)
class DisputeEscalated(Event):
    """R19: to platform support, by the buyer, by no movement, or at once for a supplier
    report (R9)."""

    by: str  # buyer | no_movement | supplier_report
    note: str


@dataclass(frozen=True, slots=True)
class DisputeDecided(Event):
    """R19, R20: what the buyer gets back, and whether the item goes back first. Written once
    per dispute; `seller_lost` is what seller metrics count (R30)."""

    refund: Money
    return_item: bool
    by: str  # seller | silence | buyer (accepting a proposal) | support
    seller_lost: bool
    note: str


@dataclass(frozen=True, slots=True)
class DisputeReturnShipped(Event):
    carrier: str
    tracking_number: str


@dataclass(frozen=True, slots=True)
class DisputeReturnDelivered(Event):
    tracking_number: str
    confirm_by: datetime  # R20: silence after this confirms receipt


@dataclass(frozen=True, slots=True)
class DisputeReturnReceived(Event):
    by: str  # seller | silence_after_delivery


@dataclass(frozen=True, slots=True)
class DisputeResolved(Event):
    """R20: the dispute ends and its refund (if any) is opened. A refund of all that is left
    closes the order; less, or none, completes it; a supplier report (R9) moves no state."""

    refund: Money
    outcome: str  # closed | completed | order_unchanged

    @property
    def transition(self) -> Transition | None:  # type: ignore[override]
        return {"closed": Transition.RESOLVE_DISPUTE_WITH_REFUND,
                "completed": Transition.RESOLVE_DISPUTE_WITHOUT_REFUND}.get(self.outcome)

    @property
    def responsible(self) -> Side | None:
        """A dispute that refunds everything after shipment counts against the seller."""
        return Side.SELLER if self.outcome == "closed" else None
