"""Support's refund desk through the API (R23, R28: what /support/refunds/ shows)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from django.utils.translation import gettext_lazy as _
from ninja import Query, Router, Schema
from pydantic import Field

from rescind.accounts.parties import is_support
from rescind.api.choices import PaymentMethodChoice, RefundStateChoice
from rescind.api.common import ERRORS
from rescind.api.schemas import MoneyOut, StoreRef
from rescind.clock.service import now as clock_now
from rescind.domain.errors import DomainError, ErrorKind
from rescind.refunds.desk import PROBLEMS, DeskFilter, desk_refunds, desk_row

router = Router(tags=["refunds"])

Problem = Literal[PROBLEMS]  # type: ignore[valid-type]


class RefundDeskQuery(Schema):
    problem: Problem | None = Field(default=None, description=(
        "overdue (on its way past its method's deadline), late_start (the provider had not "
        "accepted it a working day after the decision), failed (refused for good, not retried)"))
    method: PaymentMethodChoice | None = None
    store: int | None = Field(default=None, ge=1, le=2**31 - 1)
    older_than_days: int | None = Field(default=None, ge=0, le=3650,
                                        description="decided at least this many days ago")
    limit: int = Field(default=50, ge=1, le=200)
    offset: int = Field(default=0, ge=0, le=1_000_000)


class RefundDeskRowOut(Schema):
    id: int
    order_id: int
    store: StoreRef
    buyer_id: int
    amount: MoneyOut
    method: PaymentMethodChoice
    state: RefundStateChoice
    problem: Problem
    next_step: Literal["retry", "contact_buyer", "chase_provider"] = Field(description=(
        "retry: the buyer renewed the method (POST /refunds/{id}/retry); contact_buyer: it "
        "failed and they have not (message them on the order); chase_provider: the payment "
        "provider holds it past a deadline"))
    created_at: datetime
    due_at: datetime = Field(description="start_by for late_start, else arrive_by")
    attempts: int
    failure_code: str
    failure_message: str
    last_error: str
    buyer_renewed: bool


class RefundDeskOut(Schema):
    count: int = Field(description="every refund matching the filters")
    refunds: list[RefundDeskRowOut] = Field(description="a page of them, oldest decision first")


@router.get("/refunds", response={200: RefundDeskOut, **ERRORS})
def refunds_desk(request, query: Query[RefundDeskQuery]):
    """R23: support's refund desk: refunds that need a person, the oldest decision first,
    with what to do next. Errors: 403 support_only."""
    if not is_support(request.user):
        raise DomainError("support_only", _("Only support staff may see the refund desk."),
                          kind=ErrorKind.FORBIDDEN)
    now = clock_now()
    rows = desk_refunds(DeskFilter(problem=query.problem, method=query.method,
                                   store_id=query.store, older_than_days=query.older_than_days),
                        now=now)
    page = [desk_row(r, now=now) for r in rows[query.offset:query.offset + query.limit]]
    return {"count": rows.count(), "refunds": [{
        **{k: row[k] for k in ("id", "order_id", "method", "state", "problem", "next_step",
                               "created_at", "due_at", "attempts", "failure_code",
                               "failure_message", "last_error", "buyer_renewed")},
        "store": {"id": row["store"].pk, "name": row["store"].name},
        "buyer_id": row["buyer"].pk, "amount": row["money"].as_dict()} for row in page]}
