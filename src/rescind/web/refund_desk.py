"""Support's refund desk (R23): overdue, late and failed refunds with what to do next (retry,
contact the buyer, chase the provider), filterable by problem, method, store and age, and the
same rows as a streamed CSV. Same reads as GET /api/v1/refunds (R28)."""

from __future__ import annotations

import csv
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rescind.clock.service import now as clock_now
from rescind.domain.refunds import PaymentMethod
from rescind.orders.models import Store
from rescind.refunds.desk import (
    AGES,
    PROBLEMS,
    DeskFilter,
    desk_refunds,
    desk_row,
    desk_rows_streamed,
)
from rescind.refunds.recovery import RETRY_PERMISSION
from rescind.web.disputes import _support_only
from rescind.web.labels import PAYMENT_METHODS

LISTED_AT_MOST = 200

PROBLEM_WORDS = {
    "overdue": gettext_lazy("Overdue"),
    "late_start": gettext_lazy("Not started in time"),
    "failed": gettext_lazy("Failed"),
}
PROBLEM_TONES = {"overdue": "danger", "late_start": "warning", "failed": "danger"}
STEP_WORDS = {
    "retry": gettext_lazy("The buyer renewed their payment details: send it again."),
    "contact_buyer": gettext_lazy("Ask the buyer for renewed payment details, then send it "
                                  "again."),
    "chase_provider": gettext_lazy("Ask the payment provider where it is, and tell the buyer."),
}


def desk_filter_from(request: HttpRequest, *, announce: bool = True) -> DeskFilter:
    """The filters in the query string; an unknown value is dropped, and said so."""
    got = request.GET
    problem = got.get("problem") or None
    method = got.get("method") or None
    store, age = got.get("store", ""), got.get("age", "")
    wrong = []
    if problem is not None and problem not in PROBLEMS:
        wrong.append(_("problem"))
        problem = None
    if method is not None and method not in PaymentMethod.__members__.values():
        wrong.append(_("payment method"))
        method = None
    store_id = int(store) if store.isdigit() and len(store) < 10 else None
    if store and store_id is None:
        wrong.append(_("store"))
    older = int(age) if age.isdigit() and int(age) in AGES else None
    if age and older is None:
        wrong.append(_("age"))
    if wrong and announce:
        messages.error(request, _("Unknown %(filters)s: showing every value instead.")
                       % {"filters": ", ".join(wrong)})
    return DeskFilter(problem=problem, method=method, store_id=store_id, older_than_days=older)


def _query(desk: DeskFilter) -> str:
    return urlencode({k: v for k, v in (
        ("problem", desk.problem), ("method", desk.method), ("store", desk.store_id),
        ("age", desk.older_than_days)) if v is not None})


@login_required
def support_refunds(request: HttpRequest) -> HttpResponse:
    """R23: the refund desk."""
    _support_only(request)
    desk = desk_filter_from(request)
    now = clock_now()
    everything = desk_refunds(DeskFilter(method=desk.method, store_id=desk.store_id,
                                         older_than_days=desk.older_than_days), now=now)
    counts = everything.aggregate(
        total=Count("pk"), failed=Count("pk", filter=Q(state="failed")),
        late_start=Count("pk", filter=Q(state="pending", start_overdue_flagged_at__isnull=False)))
    counts["overdue"] = counts["total"] - counts["failed"] - counts["late_start"]
    listed = desk_refunds(desk, now=now)
    rows = [desk_row(r, now=now) for r in listed[:LISTED_AT_MOST]]
    count = counts[desk.problem] if desk.problem else counts["total"]
    for row in rows:
        row.update(problem_label=PROBLEM_WORDS[row["problem"]],
                   problem_tone=PROBLEM_TONES[row["problem"]],
                   step=STEP_WORDS[row["next_step"]],
                   method_label=PAYMENT_METHODS.get(row["method"], row["method"]))
    query = _query(desk)
    return render(request, "rescind/support_refunds.html", {
        "rows": rows, "count": count, "shown": len(rows), "desk": desk, "counts": counts,
        "problems": [(p, PROBLEM_WORDS[p]) for p in PROBLEMS],
        "methods": [(m.value, PAYMENT_METHODS[m.value]) for m in PaymentMethod],
        "stores": Store.objects.order_by("name", "pk"), "ages": AGES,
        "can_retry": request.user.has_perm(RETRY_PERMISSION),
        "csv_url": "export.csv" + (f"?{query}" if query else ""),
        "here": request.get_full_path()})


class _Echo:
    def write(self, value: str) -> str:
        return value


CSV_HEADER = ["refund_id", "order_id", "store", "buyer", "amount_minor", "currency", "method",
              "state", "problem", "next_step", "created_at", "due_at", "attempts",
              "failure_code", "failure_message", "last_error", "buyer_renewed"]


@login_required
def support_refunds_csv(request: HttpRequest) -> StreamingHttpResponse:
    """R23: every refund the desk's filters match (not only the first page), streamed: rows are
    read in chunks and written as they come, so memory stays flat however many there are."""
    _support_only(request)
    desk = desk_filter_from(request, announce=False)
    writer = csv.writer(_Echo())

    def lines():
        yield writer.writerow(CSV_HEADER)
        for row in desk_rows_streamed(desk, now=clock_now()):
            money = row["money"]
            yield writer.writerow([
                row["id"], row["order_id"], row["store"].name, row["buyer"].username,
                money.amount, money.currency, row["method"], row["state"],
                row["problem"], row["next_step"], row["created_at"].isoformat(),
                row["due_at"].isoformat(), row["attempts"], row["failure_code"],
                row["failure_message"], row["last_error"], row["buyer_renewed"]])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="refund-desk.csv"'
    return response
