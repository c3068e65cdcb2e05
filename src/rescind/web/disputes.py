"""Dispute pages: the buyer's and seller's forms on the order page, and the support console
(queue and one dispute with everything support needs). Same services as the API (R18-R20,
R23, R28)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from rescind.accounts.parties import is_support
from rescind.clock.service import now as clock_now
from rescind.disputes.queue import dispute_queue, queue_filter
from rescind.disputes.reads import dispute_latest, dispute_read, support_queue
from rescind.disputes.recording import DECIDE_PERMISSION
from rescind.disputes.returns import dispute_return_confirm, dispute_return_ship
from rescind.disputes.services import (
    dispute_accept,
    dispute_decide,
    dispute_escalate,
    dispute_open,
    dispute_proposal_accept,
    dispute_propose,
    dispute_refuse,
)
from rescind.domain.actions import Party
from rescind.domain.disputes import DISPUTE_REASONS, SUPPLIER_FRAUD
from rescind.domain.errors import DomainError
from rescind.domain.messaging import MAX_ATTACHMENTS
from rescind.domain.money import Money
from rescind.domain.states import OrderState
from rescind.messaging.models import MessageAttachment
from rescind.messaging.reads import messages_for
from rescind.orders.models import Order
from rescind.orders.parcels import carrier_event_handle, carrier_events_unhandled
from rescind.orders.reads import order_detail, order_for_reader
from rescind.refunds.recovery import RETRY_PERMISSION
from rescind.web.acting import service_run
from rescind.web.timeline import describe
from rescind.web.views import amount_minor

# The queue's filters in support's words (R20).
WAITING_LABELS = [("", gettext_lazy("All open")), ("support", gettext_lazy("Waiting for support")),
                  ("seller", gettext_lazy("Waiting for the seller")),
                  ("buyer", gettext_lazy("Waiting for the buyer")),
                  ("return", gettext_lazy("Awaiting the return"))]
ASSIGNEE_LABELS = [("", gettext_lazy("Anyone's")), ("mine", gettext_lazy("Mine")),
                   ("unassigned", gettext_lazy("Unassigned"))]


def dispute_page_context(order: Order, party: Party, user) -> dict[str, Any]:
    """What the order page shows of disputes: the latest one, and what the open form needs."""
    dispute = dispute_latest(order)
    return {
        "dispute": dispute_read(dispute, party, can_decide=user.has_perm(DECIDE_PERMISSION))
        if dispute else None,
        "dispute_reasons": [(c, label) for c, label in DISPUTE_REASONS.items()
                            if c != SUPPLIER_FRAUD],
        "order_attachments": list(MessageAttachment.objects.filter(order=order)
                                  .values("pk", "original_name").order_by("pk"))
        if party is Party.BUYER else [],
        "max_attachments": MAX_ATTACHMENTS,
        "max_attachment_kib": settings.RESCIND_MAX_ATTACHMENT_BYTES // 1024,
    }


def _text(request: HttpRequest, name: str) -> str:
    return request.POST.get(name, "").strip()


def _amount(request: HttpRequest, name: str, order_id: int) -> int:
    return amount_minor(_text(request, name) or "0", order_id)


def _open(request: HttpRequest, order_id: int) -> object:
    partial = _text(request, "refund") == "partial"
    evidence = [int(v) for v in request.POST.getlist("evidence") if v.isdigit() and len(v) < 19]
    return dispute_open(order_id=order_id, user=request.user, reason=_text(request, "reason"),
                        claim=_amount(request, "amount", order_id) if partial else None,
                        return_item=_text(request, "return_item") == "yes",
                        description=_text(request, "description"), evidence=evidence,
                        uploads=request.FILES.getlist("files"), now=clock_now())


def _refund(request: HttpRequest, order_id: int) -> int:
    """The decided refund: a quick decision posts it in minor units, the other-amount form as
    the agent typed it."""
    minor = _text(request, "refund_minor")
    if minor.isdigit() and len(minor) < 12:
        return int(minor)
    return _amount(request, "refund", order_id)


def _version(request: HttpRequest) -> int | None:
    """R20: the dispute's version the page showed; a decision on an older one is refused."""
    seen = _text(request, "version")
    return int(seen) if seen.isdigit() and len(seen) < 12 else None


ACTIONS: dict[str, tuple[Callable[[HttpRequest, int], object], Promise]] = {
    "open": (_open, gettext_lazy("Your dispute is open; the seller has 15 days to answer.")),
    "accept": (lambda r, oid: dispute_accept(order_id=oid, user=r.user, now=clock_now()),
               gettext_lazy("You accepted the buyer's claim.")),
    "refuse": (lambda r, oid: dispute_refuse(order_id=oid, user=r.user, note=_text(r, "note"),
                                             now=clock_now()),
               gettext_lazy("You refused the dispute; the buyer may take it to support.")),
    "propose": (lambda r, oid: dispute_propose(
        order_id=oid, user=r.user, amount=_amount(r, "amount", oid),
        return_item=_text(r, "return_item") == "yes", note=_text(r, "note"), now=clock_now()),
        gettext_lazy("Your proposal was sent to the buyer.")),
    "accept-proposal": (lambda r, oid: dispute_proposal_accept(
        order_id=oid, user=r.user, now=clock_now()),
        gettext_lazy("You accepted the seller's proposal.")),
    "escalate": (lambda r, oid: dispute_escalate(order_id=oid, user=r.user,
                                                 note=_text(r, "note"), now=clock_now()),
                 gettext_lazy("The dispute is with platform support now.")),
    "ship-return": (lambda r, oid: dispute_return_ship(
        order_id=oid, user=r.user, carrier=_text(r, "carrier"),
        tracking_number=_text(r, "tracking_number"), now=clock_now()),
        gettext_lazy("The return is on its way; the refund pays out once the seller has it.")),
    "confirm-return": (lambda r, oid: dispute_return_confirm(
        order_id=oid, user=r.user, now=clock_now()),
        gettext_lazy("You confirmed the item is back; the buyer is being refunded.")),
    "decide": (lambda r, oid: dispute_decide(
        order_id=oid, user=r.user, refund=_refund(r, oid),
        return_item=_text(r, "return_item") == "yes", note=_text(r, "note"), now=clock_now(),
        version_seen=_version(r), take_over=_text(r, "take_over") == "yes"),
        gettext_lazy("Decision recorded.")),
}


@login_required
@require_POST
def dispute_action(request: HttpRequest, order_id: int, action: str) -> HttpResponse:
    handler = ACTIONS.get(action)
    if handler is None:
        raise Http404("No such action.")
    run, done = handler
    service_run(request, lambda: run(request, order_id), done=done)
    if action == "decide":
        return redirect("support-dispute", order_id=order_id)
    return redirect("order", order_id=order_id)


def _support_only(request: HttpRequest) -> None:
    if not is_support(request.user):
        raise Http404("No such page.")


@login_required
def support_disputes(request: HttpRequest) -> HttpResponse:
    """R20, R23: the queue (filtered by whom a dispute waits for and who holds it, searched,
    the longest waiting first, a page at a time); refunds failed for good (with the retry
    action), and refunds flagged overdue or not started in time."""
    _support_only(request)
    now = clock_now()
    params = {k: request.GET.get(k, "") for k in ("waiting", "assignee", "q", "cursor")}
    try:
        filters = queue_filter(waiting_for=params["waiting"], assignee=params["assignee"],
                               search=params["q"], cursor=params["cursor"])
        queue, error = dispute_queue(user=request.user, now=now, filters=filters), ""
    except DomainError as exc:
        filters, error = queue_filter(), exc.message
        queue = {"disputes": [], "next_cursor": None}
    number = filters.search.lstrip("#").strip()
    return render(request, "rescind/support_disputes.html", {
        **support_queue(now=now, can_retry=request.user.has_perm(RETRY_PERMISSION),
                        with_disputes=False),
        **queue, "filters": filters, "filter_error": error,
        "waiting_choices": WAITING_LABELS, "assignee_choices": ASSIGNEE_LABELS,
        "order_number": int(number) if number.isdigit() and len(number) < 19 else None,
        "carrier_events": carrier_events_unhandled()})


@login_required
@require_POST
def support_carrier_event_handle(request: HttpRequest, event_id: int) -> HttpResponse:
    """R15: support marks a carrier event no parcel took as handled, with a note."""
    _support_only(request)
    service_run(request, lambda: carrier_event_handle(
        event_id=event_id, user=request.user, note=_text(request, "note"), now=clock_now()),
        done=gettext_lazy("Carrier event marked as handled."))
    return redirect("support-disputes")


@login_required
def support_dispute(request: HttpRequest, order_id: int) -> HttpResponse:
    """R20, R29: one dispute with the whole timeline, both sides' messages and evidence, the
    refund ledger, who works on it, the quick decisions and support's actions."""
    return _support_page(request, order_id, dispute_required=True)


@login_required
def support_order(request: HttpRequest, order_id: int) -> HttpResponse:
    """R16, R22, R27: support's page of any order, with or without a dispute: messages to
    both sides, canceling the shipment on the seller's behalf, a goodwill refund."""
    return _support_page(request, order_id, dispute_required=False)


def _support_page(request: HttpRequest, order_id: int, *,
                  dispute_required: bool) -> HttpResponse:
    _support_only(request)
    try:
        order, _party = order_for_reader(request.user, order_id)
    except DomainError:
        raise Http404("No such order.") from None
    dispute = dispute_latest(order)
    if dispute is None and dispute_required:
        raise Http404("No dispute on this order.")
    detail = order_detail(order, Party.SUPPORT, now=clock_now(),
                          can_retry=request.user.has_perm(RETRY_PERMISSION))
    for entry in detail["timeline"]:
        entry["text"] = describe(entry["kind"], entry["params"])
    can_decide = request.user.has_perm(DECIDE_PERMISSION)
    refundable = order.total - order.refunded
    read = dispute_read(dispute, Party.SUPPORT, can_decide=can_decide) if dispute else None
    return render(request, "rescind/support_dispute.html", {
        "order": detail, "dispute": read, "conversation": messages_for(order, Party.SUPPORT),
        "can_decide": can_decide,
        "earlier": order.disputes.exclude(pk=dispute.pk).order_by("-pk") if dispute else [],
        "refundable": Money(refundable, order.currency),
        "grant": Money(min(dispute.claim, refundable), order.currency) if dispute else None,
        "held_by_other": bool(read and read["assignee"]
                              and dispute.assignee_id != request.user.pk),
        "can_cancel_shipment": can_decide and order.state == OrderState.AWAITING_DELIVERY,
        "can_goodwill": can_decide and order.paid_at is not None and refundable > 0,
    })
