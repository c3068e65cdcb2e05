"""The seller's bulk pages (issue 14): answer the selected cancellation requests, ship orders
from a CSV file, and the per-order report of either. The same services as the API's bulk
endpoints (aftersale/bulk.py), hence as the single actions (R28)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from rescind.aftersale.bulk import (
    known_carriers,
    requests_answer,
    results_count,
    shipments_from_csv,
)
from rescind.clock.service import now as clock_now
from rescind.domain.errors import DomainError
from rescind.domain.shipment_csv import COLUMNS, MAX_BYTES, MAX_ROWS


def _report(request: HttpRequest, *, title: str, results: list[dict], again_url: str,
            again_label: str) -> HttpResponse:
    return render(request, "rescind/bulk_report.html", {
        "title": title, "results": results, "counts": results_count(results),
        "again_url": again_url, "again_label": again_label})


@login_required
@require_POST
def seller_requests_answer(request: HttpRequest) -> HttpResponse:
    """R10, R11: approve or refuse the selected requests (POST `order`, `decision`,
    `reason_code`, `note`); the report says what happened to each."""
    try:
        # An id beyond any row (more than 18 digits) would overflow the database's integer.
        order_ids = [int(v) for v in request.POST.getlist("order")
                     if v.isdigit() and len(v) <= 18]
        decision = request.POST.get("decision", "")
        results = requests_answer(user=request.user, order_ids=order_ids, decision=decision,
                                  reason_code=request.POST.get("reason_code", "").strip(),
                                  note=request.POST.get("note", "").strip()[:1000],
                                  now=clock_now())
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("seller-requests")
    title = _("Approving the selected requests") if decision == "approve" \
        else _("Refusing the selected requests")
    return _report(request, title=title, results=results, again_url=reverse("seller-requests"),
                   again_label=_("Back to the requests waiting for you"))


@login_required
def seller_shipments_upload(request: HttpRequest) -> HttpResponse:
    """R15: ship many orders from a CSV file of order numbers, carriers and tracking numbers;
    a file that cannot be read is refused next to the field, and ships nothing."""
    error = None
    if request.method == "POST":
        upload = request.FILES.get("file")
        try:
            data = upload.read(MAX_BYTES + 1) if upload is not None else b""
            results = shipments_from_csv(user=request.user, data=data, now=clock_now())
        except DomainError as exc:
            error = exc.message
        else:
            return _report(request, title=_("Shipping from your file"), results=results,
                           again_url=reverse("seller-shipments-upload"),
                           again_label=_("Upload another file"))
    return render(request, "rescind/seller_shipments_upload.html", {
        "error": error, "carriers": list(known_carriers().values()), "columns": COLUMNS,
        "max_rows": MAX_ROWS})  # 200 even with an error: htmx swaps only 2xx answers in


@login_required
def seller_shipments_template(request: HttpRequest) -> HttpResponse:
    """The shipment file's template: its header and one example row per known carrier."""
    carriers = list(known_carriers().values()) or ["Cainiao"]
    rows = [",".join(COLUMNS)] + [f"{1001 + i},{name},TRACKING-{i + 1:04d}"
                                  for i, name in enumerate(carriers[:3])]
    response = HttpResponse("\r\n".join(rows) + "\r\n", content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="shipments-template.csv"'
    return response
