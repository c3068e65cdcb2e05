"""Seller metrics per store and period, computed from facts about each order (R30, R8, R10, R12,
R16).

Which orders: an order belongs to the period in which it was *placed* (a cohort), and everything
that has happened to it so far counts there. So every figure of a period is about the same set
of orders, and a rate's numerator is always a part of its denominator.

What counts against the seller in the cancellation rate: a paid order that closed before
shipment with the seller as the responsible side (`Order.responsible_side`). That is a request
approved, by the seller or through their silence, for a seller-side reason (R8), and an order
closed because the handling time passed without a shipment (R12: the seller's fault, so it
counts; `late_shipments` shows those on their own too). A buyer-side or platform-side reason
never counts. An order refunded after its shipment was canceled (R16) is not a cancellation:
it shows in `shipments_canceled`; a dispute refund (close reason `refunded_after_dispute`)
shows in `disputes_lost`.

Refunds paid: every refund of the period's orders that has not failed (pending, on its way or
arrived), whatever decided it: a cancellation, a canceled shipment, a dispute, a cheaper change
(R13). Their sum is kept per currency.

Disputes, as a contract with whatever records them (today `rescind.domain.dispute_events`):
each dispute opened writes exactly one timeline entry of kind `DisputeOpened` (R18, and R9's
supplier report beside a cancellation request); each dispute decided writes exactly one entry
of kind `DisputeDecided` whose params hold `"seller_lost": true` when the buyer gets money back
and `false` otherwise. The metrics read nothing else of a dispute: no table, no state. The
older `DisputeRequested` entries (a wish recorded before disputes existed) are not counted.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from fractions import Fraction
from typing import Any

from django.utils.translation import gettext_lazy as _

from rescind.domain.errors import DomainError, ErrorKind
from rescind.domain.money import Money
from rescind.domain.policy import Side
from rescind.domain.states import CloseReason

# The timeline kinds the metrics read (see the module docstring for the disputes contract).
SHIPMENT_CANCELED_KIND = "ShipmentCanceled"
DISPUTE_OPENED_KIND = "DisputeOpened"
DISPUTE_DECIDED_KIND = "DisputeDecided"
DISPUTE_SELLER_LOST_PARAM = "seller_lost"

# Closures before shipment: the ones a cancellation rate is about.
CANCELLATION_CLOSE_REASONS = frozenset({CloseReason.CANCELLED_ON_REQUEST.value,
                                        CloseReason.NOT_SHIPPED_IN_TIME.value})


@dataclass(frozen=True, slots=True)
class PeriodOrder:
    """What the metrics need to know of one order placed in the period."""

    store_id: int
    currency: str
    paid: bool
    close_reason: str = ""  # "" while open
    responsible_side: str = ""  # buyer | seller | platform | ""
    requests: int = 0  # cancellation requests made on it
    auto_approved: int = 0  # of them, approved through the seller's silence (R10)
    shipments_canceled: int = 0  # ShipmentCanceled entries (R16)
    disputes_opened: int = 0
    disputes_lost: int = 0
    refunds: int = 0  # refunds not failed (R21-R23)
    refunded: int = 0  # their sum, minor units of `currency`
    order_id: int = 0
    placed_at: datetime | None = None

    @property
    def seller_cancelled(self) -> bool:
        return (self.paid and self.close_reason in CANCELLATION_CLOSE_REASONS
                and self.responsible_side == Side.SELLER.value)

    @property
    def late_shipment(self) -> bool:
        return self.close_reason == CloseReason.NOT_SHIPPED_IN_TIME.value


@dataclass(frozen=True, slots=True)
class Rate:
    """An exact share, numerator / denominator; no share at all when the denominator is 0."""

    numerator: int
    denominator: int

    @property
    def fraction(self) -> Fraction | None:
        return Fraction(self.numerator, self.denominator) if self.denominator else None

    @property
    def percent(self) -> float | None:
        """For display: the share in percent, rounded half up to one decimal."""
        if not self.denominator:
            return None
        tenths = (2000 * self.numerator + self.denominator) // (2 * self.denominator)
        return tenths / 10


@dataclass(frozen=True, slots=True)
class StoreMetrics:
    """One store's figures for one period (R30)."""

    store_id: int
    store_name: str
    orders: int
    paid_orders: int
    seller_cancellations: int
    requests: int
    auto_approved_by_silence: int
    late_shipments: int
    shipments_canceled: int
    disputes_opened: int
    disputes_lost: int
    refunds_paid: int
    refunded: tuple[Money, ...]  # one per currency, by currency code

    @property
    def cancellation_rate(self) -> Rate:
        """R8, R12: seller-attributed cancellations out of the paid orders."""
        return Rate(self.seller_cancellations, self.paid_orders)

    @property
    def auto_approval_share(self) -> Rate:
        """R10: requests approved through the seller's silence out of all requests."""
        return Rate(self.auto_approved_by_silence, self.requests)


def store_metrics_compute(store_id: int, store_name: str,
                          orders: Iterable[PeriodOrder]) -> StoreMetrics:
    """R30: one store's figures from the facts of its orders placed in the period."""
    mine = [o for o in orders if o.store_id == store_id]
    refunded: dict[str, int] = {}
    for order in mine:
        if order.refunds:
            refunded[order.currency] = refunded.get(order.currency, 0) + order.refunded
    return StoreMetrics(
        store_id=store_id,
        store_name=store_name,
        orders=len(mine),
        paid_orders=sum(o.paid for o in mine),
        seller_cancellations=sum(o.seller_cancelled for o in mine),
        requests=sum(o.requests for o in mine),
        auto_approved_by_silence=sum(o.auto_approved for o in mine),
        late_shipments=sum(o.late_shipment for o in mine),
        shipments_canceled=sum(o.shipments_canceled for o in mine),
        disputes_opened=sum(o.disputes_opened for o in mine),
        disputes_lost=sum(o.disputes_lost for o in mine),
        refunds_paid=sum(o.refunds for o in mine),
        refunded=tuple(Money(amount, currency) for currency, amount in sorted(refunded.items())),
    )


def stores_metrics_compute(stores: Mapping[int, str],
                           orders: Iterable[PeriodOrder]) -> list[StoreMetrics]:
    """R30: the figures of every store in `stores` (id -> name), by name, even with no orders."""
    by_store: dict[int, list[PeriodOrder]] = {store_id: [] for store_id in stores}
    for order in orders:
        if order.store_id in by_store:
            by_store[order.store_id].append(order)
    rows = [store_metrics_compute(store_id, stores[store_id], mine)
            for store_id, mine in by_store.items()]
    return sorted(rows, key=lambda m: (m.store_name, m.store_id))


SORT_KEYS: dict[str, Callable[[StoreMetrics], Any]] = {
    "store": lambda m: m.store_name.casefold(),
    "orders": lambda m: m.orders,
    "paid_orders": lambda m: m.paid_orders,
    "seller_cancellations": lambda m: m.seller_cancellations,
    "cancellation_rate": lambda m: m.cancellation_rate.fraction,
    "requests": lambda m: m.requests,
    "auto_approved_by_silence": lambda m: m.auto_approved_by_silence,
    "auto_approval_share": lambda m: m.auto_approval_share.fraction,
    "late_shipments": lambda m: m.late_shipments,
    "shipments_canceled": lambda m: m.shipments_canceled,
    "disputes_opened": lambda m: m.disputes_opened,
    "disputes_lost": lambda m: m.disputes_lost,
    "refunds_paid": lambda m: m.refunds_paid,
}


def metrics_sorted(rows: Iterable[StoreMetrics], *, by: str,
                   descending: bool = False) -> list[StoreMetrics]:
    """Rows ordered by one figure, exactly (rates as fractions); ties by store name then id.
    A store with no share to show (nothing to divide by) comes last either way."""
    if by not in SORT_KEYS:
        raise DomainError("unknown_sort_field", _("Cannot sort by %(by)s."),
                                                params={"by": repr(by)},
                          kind=ErrorKind.INVALID, details={"allowed": sorted(SORT_KEYS)})
    key = SORT_KEYS[by]
    rows = sorted(rows, key=lambda m: (m.store_name.casefold(), m.store_id))
    with_value = [m for m in rows if key(m) is not None]
    without = [m for m in rows if key(m) is None]
    return sorted(with_value, key=key, reverse=descending) + without


@dataclass(frozen=True, slots=True)
class Period:
    """Whole UTC days, `first` to `last` inclusive: the instants [start, end)."""

    first: date
    last: date

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first, time.min, tzinfo=UTC)

    @property
    def end(self) -> datetime:
        if self.last == date.max:
            return datetime.max.replace(tzinfo=UTC)
        return datetime.combine(self.last + timedelta(days=1), time.min, tzinfo=UTC)


DEFAULT_PERIOD_DAYS = 30


def period_parse(first: str | None, last: str | None, *, today: date) -> Period:
    """A period from two YYYY-MM-DD dates; missing ones default to the 30 days ending today.
    Refuses malformed dates and a period that ends before it starts (422 invalid_period)."""
    last_day = _day(last, "to") if last is not None else today
    if first is not None:
        first_day = _day(first, "from")
    elif last_day.toordinal() > DEFAULT_PERIOD_DAYS:
        first_day = last_day - timedelta(days=DEFAULT_PERIOD_DAYS - 1)
    else:
        first_day = date.min
    if first_day > last_day:
        raise DomainError("invalid_period", _("The period must not end before it starts."),
                          kind=ErrorKind.INVALID,
                          details={"from": first_day.isoformat(), "to": last_day.isoformat()})
    return Period(first_day, last_day)


_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _day(text: str, field: str) -> date:
    try:
        if not _DAY.fullmatch(text):
            raise ValueError(text)
        return date.fromisoformat(text)
    except ValueError:
        raise DomainError("invalid_period", _("%(field)s must be a date as YYYY-MM-DD."),
                                            params={"field": repr(field)},
                          kind=ErrorKind.INVALID, details={"field": field}) from None
