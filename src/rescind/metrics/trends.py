"""A store's five rates week by week, the platform's median beside them, and the orders behind
each count (R30). The figures and the lists come from the same facts, so a count and the list
it opens can never disagree. Pages, CSV and API share these reads (R28)."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import gettext as _

from rescind.accounts.parties import is_support, store_ids_of
from rescind.config import policy
from rescind.domain.errors import DomainError, ErrorKind
from rescind.domain.metric_trends import (
    Measure,
    Trend,
    measure_counts,
    period_before,
    store_trends,
)
from rescind.domain.metrics import Period, PeriodOrder
from rescind.metrics.reads import period_orders
from rescind.orders.models import Order, Store


def readable_store(user, store_id: int | None) -> Store:
    """The store whose metrics `user` reads: `store_id` if they may (support: any; a seller:
    theirs), else the seller's first store. 404 store_not_found for a store they may not read,
    422 store_required when support names none, 403 sellers_and_support_only for anyone
    else."""
    support = is_support(user)
    own = [] if support else store_ids_of(user)
    if not support and not own:
        raise DomainError("sellers_and_support_only",
                          _("Store metrics are for the stores' sellers and for support."),
                          kind=ErrorKind.FORBIDDEN)
    if store_id is None and own:
        store_id = min(own)
    if store_id is None:
        raise DomainError("store_required", _("Name the store whose metrics you want to read."),
                          kind=ErrorKind.INVALID)
    store = Store.objects.filter(pk=store_id).first()
    if store is None or not (support or store.pk in own):
        raise DomainError("store_not_found", _("No such store among those you may read."),
                          kind=ErrorKind.NOT_FOUND)
    return store


def stores_readable(user) -> list[Store]:
    """The stores a seller may switch between on their metrics page, by name."""
    return list(Store.objects.filter(pk__in=store_ids_of(user)).order_by("name", "pk"))


def platform_facts(period: Period) -> list[PeriodOrder]:
    """The facts of every order placed in the period, every store (five statements)."""
    return period_orders(Order.objects.filter(placed_at__gte=period.start,
                                              placed_at__lt=period.end))


def trends_read(store_id: int, period: Period) -> list[Trend]:
    """R30: the store's five measures over the period and its weeks, with the platform's
    median over the same period and the store's rates over the period just before."""
    before = period_before(period)
    return store_trends(store_id, platform_facts(period), period=period, policy=policy(),
                        before=None if before is None else store_facts(store_id, before))


def store_facts(store_id: int, period: Period) -> list[PeriodOrder]:
    return period_orders(Order.objects.filter(store_id=store_id, placed_at__gte=period.start,
                                              placed_at__lt=period.end))


def orders_behind(store_id: int, measure: Measure, period: Period) -> list[int]:
    """The ids of the store's orders counted by `measure` over `period`, newest first."""
    return measure_counts(measure, store_facts(store_id, period))


def orders_listed(ids: Iterable[int]) -> list[Order]:
    """Those orders with their store, in the given order."""
    ids = list(ids)
    found = Order.objects.filter(pk__in=ids).select_related("store").in_bulk()
    return [found[pk] for pk in ids if pk in found]
