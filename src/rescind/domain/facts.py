"""Snapshots of an order that the pure decisions read. Services build them from rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from rescind.domain.money import Money
from rescind.domain.policy import Side
from rescind.domain.states import CloseReason, OrderState


@dataclass(frozen=True, slots=True)
class RequestFacts:
    """The pending cancellation request of an order (R7-R11)."""

    reason: str
    side: Side
    requested_at: datetime
    respond_by: datetime


@dataclass(frozen=True, slots=True)
class ChangeFacts:
    """The open change request of an order (R13): waiting for the seller, or accepted at a
    higher price and waiting for the buyer to confirm the extra charge."""

    change_id: int
    awaiting_charge: bool
    respond_by: datetime  # the seller's answer, then the buyer's confirmation, is due by then
    price_before: Money
    price_after: Money

    @property
    def difference(self) -> Money:
        """Above zero an extra charge, below zero a partial refund (R3)."""
        return self.price_after - self.price_before


@dataclass(frozen=True, slots=True)
class OrderFacts:
    state: OrderState
    placed_at: datetime
    total: Money  # what the order costs now (what the buyer pays, or paid)
    refunded: Money  # refunds created so far and not failed for good
    payment_method: str
    paid_at: datetime | None = None
    ship_by: datetime | None = None
    close_reason: CloseReason | None = None
    pending_request: RequestFacts | None = None
    tracking_number: str | None = None  # of the current, not voided, shipment
    delivered_at: datetime | None = None
    dispute_from: datetime | None = None  # R16: when a "shipment canceled" buyer may dispute
    pending_change: ChangeFacts | None = None  # R13
    deliver_by: datetime | None = None  # R17: the current shipment's promised delivery
    dispute_until: datetime | None = None  # R18: buyer protection of a completed order ends

    @property
    def refundable(self) -> Money:
        return self.total - self.refunded if self.paid_at else Money.zero(self.total.currency)
