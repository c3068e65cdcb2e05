"""Support's refund desk: refunds that need a person (R23), with what to do next, filtered by
problem, method, store and age; the page, its CSV and GET /api/v1/refunds share these reads.

A refund needs a person when it is overdue (on its way and flagged past its method's deadline),
started late (the provider had not accepted it one working day after the decision), or failed
for good and not yet retried. Each problem reads one partial index (refund_overdue_open,
refund_not_started) or the failed rows.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from rescind.domain.errors import DomainError, ErrorKind
from rescind.domain.refunds import RefundState
from rescind.refunds.models import Refund

PROBLEMS = ("overdue", "late_start", "failed")
AGES = (1, 3, 7, 14, 30)  # "older than" choices, in days


def _problem_filters() -> dict[str, Q]:
    return {
        # A refund both late to start and overdue shows as late to start: the problems are
        # disjoint, so their counts add up.
        "overdue": (Q(overdue_flagged_at__isnull=False)
                    & (Q(state=RefundState.PROCESSING.value)
                       | Q(state=RefundState.PENDING.value,
                           start_overdue_flagged_at__isnull=True))),
        "late_start": Q(start_overdue_flagged_at__isnull=False, state=RefundState.PENDING.value),
        "failed": Q(state=RefundState.FAILED.value, retry__isnull=True),
    }


@dataclass(frozen=True, slots=True)
class DeskFilter:
    """What support narrowed the desk to; None means any."""

    problem: str | None = None
    method: str | None = None
    store_id: int | None = None
    older_than_days: int | None = None

    def __post_init__(self) -> None:
        if self.problem is not None and self.problem not in PROBLEMS:
            raise DomainError("unknown_refund_problem",
                              _("%(problem)s is not one of the refund problems."),
                              params={"problem": repr(self.problem[:40])},
                              kind=ErrorKind.INVALID, details={"allowed": list(PROBLEMS)})


def desk_refunds(desk: DeskFilter, *, now: datetime) -> QuerySet[Refund]:
    """R23: the refunds needing a person that match `desk`, the oldest decision first, with
    their order, store, buyer and payment (one statement for any number of rows)."""
    filters = _problem_filters()
    if desk.problem:
        needing = filters[desk.problem]
    else:
        needing = filters["overdue"] | filters["late_start"] | filters["failed"]
    rows = Refund.objects.filter(needing)
    if desk.method:
        rows = rows.filter(method=desk.method)
    if desk.store_id is not None:
        rows = rows.filter(order__store_id=desk.store_id)
    if desk.older_than_days is not None:
        rows = rows.filter(created_at__lte=now - timedelta(days=desk.older_than_days))
    return (rows.select_related("order__store", "order__buyer", "payment")
            .order_by("created_at", "pk"))


def problem_of(refund: Refund) -> str:
    """Which problem puts the refund on the desk (failed first, then a late start)."""
    if refund.state == RefundState.FAILED.value:
        return "failed"
    if refund.state == RefundState.PENDING.value and refund.start_overdue_flagged_at:
        return "late_start"
    return "overdue"


def buyer_renewed(refund: Refund) -> bool:
    """R21, R23: the buyer gave renewed details of the method after the refund failed."""
    updated = refund.payment.instrument_updated_at
    return bool(refund.failed_at and updated and updated >= refund.failed_at)


def next_step(refund: Refund) -> str:
    """What support does next: retry (the buyer renewed the method), contact_buyer (it failed
    and they have not), chase_provider (the provider holds it past a deadline)."""
    problem = problem_of(refund)
    if problem == "failed":
        return "retry" if buyer_renewed(refund) else "contact_buyer"
    return "chase_provider"


def desk_row(refund: Refund, *, now: datetime) -> dict[str, Any]:
    """One refund as the desk, its CSV and the API show it."""
    due = refund.start_by if problem_of(refund) == "late_start" else refund.arrive_by
    return {
        "id": refund.pk, "order_id": refund.order_id, "store": refund.order.store,
        "buyer": refund.order.buyer, "money": refund.money, "method": refund.method,
        "state": refund.state, "problem": problem_of(refund), "next_step": next_step(refund),
        "created_at": refund.created_at, "age": now - refund.created_at, "due_at": due,
        "late_by": now - due if now > due and refund.state != RefundState.FAILED.value
        else None,
        "attempts": refund.attempts, "failed_at": refund.failed_at,
        "failure_code": refund.failure_code, "failure_message": gettext(refund.failure_message)
        if refund.failure_message else "",
        "last_error": refund.last_error, "buyer_renewed": buyer_renewed(refund),
    }


def desk_rows_streamed(desk: DeskFilter, *, now: datetime,
                       chunk: int = 1000) -> Iterator[dict[str, Any]]:
    """Every matching row, read in chunks so an export's memory stays flat."""
    for refund in desk_refunds(desk, now=now).iterator(chunk_size=chunk):
        yield desk_row(refund, now=now)
