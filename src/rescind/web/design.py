"""The component catalogue (`/design/`, demo mode only): every component of the frame with a
note on when to use it, so pages reuse them instead of inventing (docs/design.md)."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rescind.clock.service import now as clock_now

TONES = [  # (tone, example label, when)
    ("neutral", gettext_lazy("Awaiting payment"),
     gettext_lazy("a state that asks nothing of anyone yet")),
    ("info", gettext_lazy("Awaiting shipment"), gettext_lazy("under way: someone else acts next")),
    ("success", gettext_lazy("Refunded"), gettext_lazy("done, and done well for the reader")),
    ("warning", gettext_lazy("Cancellation requested"),
     gettext_lazy("waiting for an answer, with a deadline")),
    ("danger", gettext_lazy("Refund failed"),
     gettext_lazy("something went wrong and a person must act")),
]


def design(request: HttpRequest) -> HttpResponse:
    if not settings.DEMO_MODE:
        raise Http404("The component catalogue is shown in demo mode only.")
    if request.GET.get("toast") == "success":
        messages.success(request, _("Your change request was sent to the seller."))
    elif request.GET.get("toast") == "error":
        messages.error(request, _("That order is already closed."))
    elif request.GET.get("confirmed"):
        messages.success(request, _("You confirmed; the form was sent."))
    now = clock_now()
    return render(request, "rescind/design.html", {
        "tones": TONES,
        "steps": [{"label": _("Placed"), "status": "done"}, {"label": _("Paid"), "status": "done"},
                  {"label": _("Shipped"), "status": "current"},
                  {"label": _("Delivered"), "status": "todo"},
                  {"label": _("Completed"), "status": "todo"}],
        "branch_steps": [{"label": _("Placed"), "status": "done"},
                         {"label": _("Paid"), "status": "done"},
                         {"label": _("Closed: refunded"), "status": "branch"}],
        "amount": {"amount": 509800, "currency": "USD"},
        "at": now,
        "left": timedelta(days=2, hours=23, minutes=41),
    })
