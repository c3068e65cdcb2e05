"""The component catalogue (`/design/`, demo mode only): every component of the frame with a
note on when to use it, so pages reuse them instead of inventing (docs/design.md)."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from rescind.clock.service import now as clock_now

TONES = [  # (tone, example label, when)
    ("neutral", "Awaiting payment", "a state that asks nothing of anyone yet"),
    ("info", "Awaiting shipment", "under way: someone else acts next"),
    ("success", "Refunded", "done, and done well for the reader"),
    ("warning", "Cancellation requested", "waiting for an answer, with a deadline"),
    ("danger", "Refund failed", "something went wrong and a person must act"),
]


def design(request: HttpRequest) -> HttpResponse:
    if not settings.DEMO_MODE:
        raise Http404("The component catalogue is shown in demo mode only.")
    if request.GET.get("toast") == "success":
        messages.success(request, "Your change request was sent to the seller.")
    elif request.GET.get("toast") == "error":
        messages.error(request, "That order is already closed.")
    elif request.GET.get("confirmed"):
        messages.success(request, "You confirmed; the form was sent.")
    now = clock_now()
    return render(request, "rescind/design.html", {
        "tones": TONES,
        "steps": [{"label": "Placed", "status": "done"}, {"label": "Paid", "status": "done"},
                  {"label": "Shipped", "status": "current"},
                  {"label": "Delivered", "status": "todo"},
                  {"label": "Completed", "status": "todo"}],
        "branch_steps": [{"label": "Placed", "status": "done"},
                         {"label": "Paid", "status": "done"},
                         {"label": "Closed: refunded", "status": "branch"}],
        "amount": {"amount": 509800, "currency": "USD"},
        "at": now,
        "left": timedelta(days=2, hours=23, minutes=41),
    })
