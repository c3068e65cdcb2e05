"""Seller metrics per store and period, read from the database in a fixed handful of grouped
queries and computed by the pure `rescind.domain.metrics` (R30). Pages and API share it (R28)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.db.models import Count, Q, Sum
from django.utils.translation import gettext as _

from rescind.accounts.parties import is_support, store_ids_of
from rescind.aftersale.models import CancellationRequest
from rescind.domain.errors import DomainError, ErrorKind
from rescind.domain.metrics import (
    DISPUTE_DECIDED_KIND,
    DISPUTE_OPENED_KIND,
    DISPUTE_SELLER_LOST_PARAM,
    SHIPMENT_CANCELED_KIND,
    PeriodOrder,
    StoreMetrics,
    stores_metrics_compute,
)
from rescind.domain.refunds import RefundState
from rescind.orders.models import Order, Store, TimelineEntry
from rescind.refunds.models import Refund


def metrics_store_ids(user) -> list[int] | None:
    """The stores whose metrics `user` may read: None meaning all for support, their own for a
    seller; anyone else is refused (403 sellers_and_support_only)."""
    if is_support(user):
        return None
    own = store_ids_of(user)
    if not own:
        raise DomainError("sellers_and_support_only",
                          _("Store metrics are for the stores' sellers and for support."),
                          kind=ErrorKind.FORBIDDEN)
    return own


def store_metrics(*, store_ids: Iterable[int] | None, period_start: datetime,
                  period_end: datetime) -> list[StoreMetrics]:
    """R30: the figures of the given stores (all when None) over the orders placed in
    [period_start, period_end), by store name."""
    stores = Store.objects.all()
    orders = Order.objects.filter(placed_at__gte=period_start, placed_at__lt=period_end)
    if store_ids is not None:
        store_ids = list(store_ids)
        stores = stores.filter(pk__in=store_ids)
        orders = orders.filter(store_id__in=store_ids)
    names = dict(stores.values_list("pk", "name"))
    return stores_metrics_compute(names, period_orders(orders))


def period_orders(orders) -> list[PeriodOrder]:
    """One PeriodOrder per order: its own columns, then three grouped counts keyed by order."""
    ids = orders.values("pk")
    requests = {row["order_id"]: row for row in (
        CancellationRequest.objects.filter(order__in=ids).order_by().values("order_id")
        .annotate(total=Count("pk"),
                  auto=Count("pk", filter=Q(state=CancellationRequest.State.AUTO_APPROVED))))}
    refunds = {row["order_id"]: row for row in (
        Refund.objects.filter(order__in=ids).exclude(state=RefundState.FAILED.value).order_by()
        .values("order_id").annotate(count=Count("pk"), amount=Sum("amount")))}
    lost = Q(kind=DISPUTE_DECIDED_KIND, **{f"params__{DISPUTE_SELLER_LOST_PARAM}": True})
    timeline = {row["order_id"]: row for row in (
        TimelineEntry.objects.filter(order__in=ids, kind__in=[
            SHIPMENT_CANCELED_KIND, DISPUTE_OPENED_KIND, DISPUTE_DECIDED_KIND])
        .order_by().values("order_id")
        .annotate(canceled=Count("pk", filter=Q(kind=SHIPMENT_CANCELED_KIND)),
                  opened=Count("pk", filter=Q(kind=DISPUTE_OPENED_KIND)),
                  lost=Count("pk", filter=lost)))}
    empty: dict = {}
    facts = []
    for pk, store_id, currency, paid_at, close_reason, side, placed_at in (
            orders.order_by().values_list("pk", "store_id", "currency", "paid_at",
                                          "close_reason", "responsible_side", "placed_at")):
        asked, refunded, entries = (requests.get(pk, empty), refunds.get(pk, empty),
                                    timeline.get(pk, empty))
        facts.append(PeriodOrder(
            store_id=store_id, currency=currency, paid=paid_at is not None,
            close_reason=close_reason, responsible_side=side,
            requests=asked.get("total", 0), auto_approved=asked.get("auto", 0),
            shipments_canceled=entries.get("canceled", 0),
            disputes_opened=entries.get("opened", 0), disputes_lost=entries.get("lost", 0),
            refunds=refunded.get("count", 0), refunded=refunded.get("amount") or 0,
            order_id=pk, placed_at=placed_at))
    return facts
