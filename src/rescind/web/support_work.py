"""Support's work on an order from the console: claim and release its dispute, write to both
sides, cancel the shipment on the seller's behalf, grant a goodwill refund (R16, R20, R22, R27;
R28: the same services as the API)."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from rescind.accounts.parties import is_support
from rescind.clock.service import now as clock_now
from rescind.disputes.assignment import dispute_claim, dispute_release
from rescind.messaging.services import message_send_support
from rescind.orders.shipping import shipment_cancel_by_platform
from rescind.refunds.goodwill import refund_goodwill
from rescind.web.acting import service_run
from rescind.web.redirects import redirect_next
from rescind.web.views import amount_minor


def _text(request: HttpRequest, name: str) -> str:
    return request.POST.get(name, "").strip()


ACTIONS: dict[str, tuple[Callable[[HttpRequest, int], object], Callable[[], str]]] = {
    "claim": (lambda r, oid: dispute_claim(order_id=oid, user=r.user,
                                           take_over=_text(r, "take_over") == "yes",
                                           now=clock_now()),
              lambda: _("You are working on this dispute now.")),
    "release": (lambda r, oid: dispute_release(order_id=oid, user=r.user, now=clock_now()),
                lambda: _("The dispute is back in the queue.")),
    "message": (lambda r, oid: message_send_support(order_id=oid, user=r.user,
                                                    body=_text(r, "body"), now=clock_now()),
                lambda: _("Your message was sent to the buyer and the seller.")),
    "cancel-shipment": (lambda r, oid: shipment_cancel_by_platform(
        order_id=oid, user=r.user, note=_text(r, "note"), now=clock_now()),
        lambda: _("Shipment canceled. The seller must ship again or refund the buyer in "
                  "full; both were told.")),
    "goodwill-refund": (lambda r, oid: refund_goodwill(
        order_id=oid, user=r.user, amount=amount_minor(_text(r, "amount") or "0", oid),
        reason=_text(r, "reason"), now=clock_now()),
        lambda: _("Goodwill refund recorded; it goes back to the buyer's payment method.")),
}


@login_required
@require_POST
def support_order_action(request: HttpRequest, order_id: int, action: str) -> HttpResponse:
    """One of support's actions on an order; back to the page it was made from."""
    if not is_support(request.user) or action not in ACTIONS:
        raise Http404("No such page.")
    run, done = ACTIONS[action]
    service_run(request, lambda: run(request, order_id), done=done())
    return redirect_next(request, reverse("support-order", args=[order_id]))
