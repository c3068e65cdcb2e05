"""Timeline entries in words, for the order page (R29)."""

from __future__ import annotations

from rescind.config import policy
from rescind.domain.coupons import FATE_TEXT
from rescind.domain.money import Money


def _money(value: dict) -> str:
    return Money(value["amount"], value["currency"]).format()


def _reason(code: str) -> str:
    reason = policy().reasons_by_code.get(code)
    return reason.label if reason else code


def _with_files(count: int) -> str:
    return f" with {count} attachment{'s' if count != 1 else ''}." if count else "."


DESCRIBE = {
    "OrderPlaced": lambda p: f"Order placed: {_money(p['total'])}.",
    "OrderPaid": lambda p: f"Paid {_money(p['amount'])} by {p['method'].replace('_', ' ')}.",
    "UnpaidOrderCancelled": lambda p: "The buyer cancelled the unpaid order.",
    "UnpaidOrderTimedOut": lambda p: "Closed: not paid within the time allowed.",
    "PriceLowered": lambda p: f"The seller lowered the price from {_money(p['old_total'])} to "
    f"{_money(p['new_total'])}." + (f" “{p['note']}”" if p.get("note") else ""),
    "CancellationRequested": lambda p: f"Cancellation requested: {_reason(p['reason'])}.",
    "SupplierReported": lambda p: "The buyer reported the supplier (kept for the dispute team).",
    "CancellationApproved": lambda p: "The seller approved the cancellation."
    + (f" “{p['note']}”" if p.get("note") else ""),
    "CancellationAutoApproved": lambda p: "Cancellation approved automatically: the seller did "
    "not answer in time.",
    "CancellationRefused": lambda p: f"The seller refused the cancellation: “{p['note']}”",
    "CancellationWithdrawn": lambda p: "The buyer withdrew the cancellation request.",
    "CancellationRefusedByShipment": lambda p: "The cancellation request was refused because "
    "the seller shipped the order.",
    "OrderShipped": lambda p: f"Shipped with {p['carrier']}, tracking number "
    f"{p['tracking_number']}.",
    "OrderNotShippedInTime": lambda p: "Closed: the seller did not ship in time.",
    "RefundCreated": lambda p: f"Refund of {_money(p['amount'])} decided, to the "
    f"{p['method'].replace('_', ' ')} used for payment.",
    "RefundStarted": lambda p: f"Refund of {_money(p['amount'])} sent to the payment provider.",
    "RefundAttemptFailed": lambda p: f"Refund attempt {p['attempt']} failed; retrying.",
    "RefundArrived": lambda p: f"Refund of {_money(p['amount'])} arrived.",
    "RefundFlaggedOverdue": lambda p: "Refund overdue: flagged for support.",
    "SellerReminded": lambda p: "The seller was reminded: the platform acts by itself at "
    f"{p['due_at'][:16].replace('T', ' ')} UTC.",
    "CouponReturned": lambda p: f"Coupon {p['code']} is yours to use again: everything it paid "
    "for is cancelled.",
    "BuyerMessaged": lambda p: "The buyer sent a message" + _with_files(p["attachments"]),
    "SellerMessaged": lambda p: "The seller sent a message" + _with_files(p["attachments"]),
    "CouponNotReturned": lambda p: f"Coupon {p['code']} does not come back. "
    f"{FATE_TEXT.get(p['reason'], '')}",
}


def describe(kind: str, params: dict) -> str:
    describer = DESCRIBE.get(kind)
    return describer(params) if describer else kind
