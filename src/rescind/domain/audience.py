"""Who is told of each event (R24, R27): each side hears of every step that concerns it."""

from __future__ import annotations

from rescind.domain.actions import Party

B, S, SUP = Party.BUYER, Party.SELLER, Party.SUPPORT

AUDIENCE: dict[str, frozenset[Party]] = {
    "OrderPaid": frozenset({S}),
    "UnpaidOrderCancelled": frozenset({S}),
    "UnpaidOrderTimedOut": frozenset({B, S}),
    "PriceLowered": frozenset({B}),
    "CancellationRequested": frozenset({S}),
    "SupplierReported": frozenset({SUP}),
    "CancellationApproved": frozenset({B}),
    "CancellationAutoApproved": frozenset({B, S}),
    "CancellationRefused": frozenset({B}),
    "CancellationWithdrawn": frozenset({S}),
    "CancellationRefusedByShipment": frozenset({B}),
    "OrderShipped": frozenset({B}),
    "OrderNotShippedInTime": frozenset({B, S}),
    "SellerReminded": frozenset({S}),
    "BuyerReminded": frozenset({B}),
    "RefundStarted": frozenset({B}),
    "RefundArrived": frozenset({B}),
    "RefundFlaggedOverdue": frozenset({SUP}),
    "RefundFlaggedNotStarted": frozenset({SUP}),
    # R23: the buyer learns what to do; support sees the failure in its queue and hears when
    # the buyer has fixed the method, so that it can retry.
    "RefundFailed": frozenset({B}),
    "RefundDestinationUpdated": frozenset({SUP}),
    "RefundRetried": frozenset({B}),
    "CouponReturned": frozenset({B}),
    "ParcelDelivered": frozenset({B}),
    "ShipmentCanceled": frozenset({B, S}),
    "ShipmentReassigned": frozenset({B}),
    "ShipmentCanceledRefunded": frozenset({B}),
    "ShipmentCanceledDeclined": frozenset({B}),
    "ShipmentCanceledUnanswered": frozenset({B, S}),
    "OrderCompleted": frozenset({S}),
    "PromisedDeliveryPassed": frozenset({B, S}),
    "BuyerProtectionEnded": frozenset(),
    "DisputeRequested": frozenset({S, SUP}),
    # Disputes (R18-R20): the resolution itself is told through the decision or the receipt.
    "DisputeOpened": frozenset({S}),
    "DisputeSellerAccepted": frozenset({B}),
    "DisputeAutoAccepted": frozenset({B, S}),
    "DisputeSellerRefused": frozenset({B}),
    "DisputeSellerProposed": frozenset({B}),
    "DisputeProposalAccepted": frozenset({S}),
    "DisputeEscalated": frozenset({B, S, SUP}),
    "DisputeDecided": frozenset({B, S}),
    "DisputeReturnShipped": frozenset({S}),
    "DisputeReturnDelivered": frozenset({B, S}),
    "DisputeReturnReceived": frozenset({B}),
    "DisputeResolved": frozenset(),
    "ChangeRequested": frozenset({S}),
    "ChangeAccepted": frozenset({B}),
    "ChangeRefused": frozenset({B}),
    "ChangeAutoRefused": frozenset({B, S}),
    "ChangeWithdrawn": frozenset({S}),
    "ChangeSuperseded": frozenset({S}),
    "ChangeRefusedByShipment": frozenset({B}),
    "ExtraCharged": frozenset({S}),
    "ExtraChargeDeclined": frozenset({S}),
    "ExtraChargeLapsed": frozenset({B, S}),
    # A message tells the other side of the conversation, never its author.
    "BuyerMessaged": frozenset({S}),
    "SellerMessaged": frozenset({B}),
    "SupportMessaged": frozenset({B, S}),  # support writes to both sides at once
    # Support's own work (R20, R22): the buyer hears of money; claims are support's business.
    "GoodwillRefundGranted": frozenset({B}),
    "DisputeClaimed": frozenset(),
    "DisputeReleased": frozenset(),
}


def audience(kind: str) -> frozenset[Party]:
    """The parties to tell of an event of this kind; none for purely internal steps."""
    return AUDIENCE.get(kind, frozenset())
