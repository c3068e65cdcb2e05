"""What keeps an open page true while time passes (issue 13; DESIGN.md, htmx conventions).

Countdowns count from the server's time, not the browser's: a full page carries it in
`<body data-now>`, and every htmx response in the `X-Rescind-Now` header, because hx-boost
swaps the body's content but keeps the first page's body attributes (countdown.js reads both).

A page whose deadline passes while it is open must show what the platform did then. The page
asks `live_deadlines` which of its orders' deadlines still run (one statement); once one it
shows has been acted on (fired, or voided by an action) or a new one runs, it reloads.
countdown.js asks only while it shows a deadline that is due (or due within its next ask),
and in demo mode always on an order's own page, whose countdowns a clock moved elsewhere (the
CLI, another tab) may have overtaken: the answer carries the server's time too.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db.models import Q
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from rescind.accounts.parties import is_support
from rescind.clock.service import now as clock_now
from rescind.orders.models import Deadline, Store
from rescind.orders.reads import DEADLINE_LABELS

NOW_HEADER = "X-Rescind-Now"
MAX_ORDERS = 200  # a list page shows at most 200 orders


class ServerNowMiddleware:
    """Put the server's time on every htmx response, for the countdowns it swaps in."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.headers.get("HX-Request") == "true":
            response[NOW_HEADER] = clock_now().isoformat()
        return response


def _error(status: int, code: str, message: str) -> JsonResponse:
    return JsonResponse({"code": code, "message": message, "details": {}}, status=status)


@require_GET
def live_deadlines(request: HttpRequest) -> JsonResponse:
    """`?order=1&order=2`: the server's time and, for each of those orders the reader may see,
    its running deadlines as [kind, due_at] (as the order's pages show them, R2)."""
    if not request.user.is_authenticated:
        return _error(401, "not_logged_in", _("Log in to see your orders."))
    texts = request.GET.getlist("order")
    if not texts or len(texts) > MAX_ORDERS or not all(t.isdigit() for t in texts):
        return _error(400, "bad_orders", _("Give 1 to %(most)s order numbers as "
                                           "?order=1&order=2.") % {"most": MAX_ORDERS})
    ids = {int(t) for t in texts}
    rows = Deadline.objects.filter(order_id__in=ids, fired_at__isnull=True,
                                   voided_at__isnull=True, kind__in=list(DEADLINE_LABELS))
    if not is_support(request.user):
        stores = Store.sellers.through.objects.filter(user_id=request.user.pk).values("store_id")
        rows = rows.filter(Q(order__buyer_id=request.user.pk) | Q(order__store_id__in=stores))
    deadlines: dict[str, list[list[str]]] = {str(i): [] for i in sorted(ids)}
    for order_id, kind, due_at in rows.order_by("due_at", "pk").values_list(
            "order_id", "kind", "due_at"):
        deadlines[str(order_id)].append([kind, due_at.isoformat()])
    response = JsonResponse({"now": clock_now().isoformat(), "deadlines": deadlines})
    response["Cache-Control"] = "no-store"
    return response
