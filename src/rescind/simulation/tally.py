"""What a decisions-only run's orders came to: the figures the policy what-if compares
(issue 17). Sums and lists only, so that chunks decided in different processes merge in any
order."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field


@dataclass
class Tally:
    """What a run's orders came to: the figures the policy what-if compares."""

    orders: int = 0
    steps: int = 0
    refused: int = 0
    closed: Counter = field(default_factory=Counter)  # close reason -> orders
    auto_approved: int = 0  # requests approved by the seller's silence (R10)
    money_back_hours: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    refund_deadline_hours: dict[str, list[int]] = field(
        default_factory=lambda: defaultdict(list))
    store_paid: Counter = field(default_factory=Counter)
    store_seller_cancelled: Counter = field(default_factory=Counter)
    disputes: Counter = field(default_factory=Counter)  # opened / how they ended
    refunded: int = 0  # minor units
    coupons_returned: int = 0  # minor units of platform coupons given back

    def merge(self, other: Tally) -> None:
        for name in ("orders", "steps", "refused", "auto_approved", "refunded",
                     "coupons_returned"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for name in ("closed", "store_paid", "store_seller_cancelled", "disputes"):
            getattr(self, name).update(getattr(other, name))
        for name in ("money_back_hours", "refund_deadline_hours"):
            for key, values in getattr(other, name).items():
                getattr(self, name)[key].extend(values)
