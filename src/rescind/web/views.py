"""Pages for buyers and sellers. Every action calls the same service as the API (R28)."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.functional import Promise
from django.utils.translation import gettext, gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from rescind.accounts.parties import store_ids_of
from rescind.aftersale.bulk import approval_done_text
from rescind.aftersale.models import CancellationRequest
from rescind.aftersale.quote import cancellation_quote, pending_request_quote, quote_read
from rescind.aftersale.services import (
    cancellation_approve,
    cancellation_refuse,
    cancellation_request,
    cancellation_withdraw,
    order_ship,
)
from rescind.clock.service import clock_advance
from rescind.clock.service import now as clock_now
from rescind.config import policy
from rescind.domain.actions import Party
from rescind.domain.changes import DELIVERY_REQUIRED
from rescind.domain.errors import DomainError, ErrorKind
from rescind.domain.policy import parse_duration
from rescind.domain.refusals import LEGACY_REFUSAL_REASON
from rescind.messaging.reads import messages_for
from rescind.notifications.inbox import inbox_of, notification_mark_read
from rescind.orders.cart import (
    MAX_QUANTITY,
    cart_line_add,
    cart_line_remove,
    cart_line_update,
    cart_read,
)
from rescind.orders.models import Order, Product
from rescind.orders.reads import order_detail_for_reader, order_summaries
from rescind.orders.services import (
    checkout_from_cart,
    order_add_to_cart_again,
    order_cancel_unpaid,
    order_lower_price,
    payment_capture,
)
from rescind.orders.shipping import (
    dispute_request,
    order_confirm_receipt,
    shipment_canceled_decline,
    shipment_canceled_refund,
    shipment_reassign,
    shipment_void,
)
from rescind.refunds.recovery import refund_destination_update
from rescind.web.acting import service_run
from rescind.web.cancel_form import cancel_reasons
from rescind.web.changes import (
    CHANGE_ACTIONS,
    CHANGE_DONE,
    DELIVERY_LABELS,
    change_page,
    delivery_from_form,
)
from rescind.web.labels import cancellation_reason_label, refusal_reasons
from rescind.web.money_format import amount_parse
from rescind.web.order_actions import cancel_question, list_actions, pay_offers
from rescind.web.order_list import (
    TABS,
    buyer_orders_read,
    lines_of,
    next_step,
    refunds_of,
    tab_of,
)
from rescind.web.order_money import order_money
from rescind.web.order_status import STATE_TONES, order_status, refund_tracker
from rescind.web.redirects import redirect_next
from rescind.web.seller_panel import seller_panel
from rescind.web.timeline import describe


@login_required
def home(request: HttpRequest) -> HttpResponse:
    if store_ids_of(request.user):
        return redirect("seller-orders")
    return redirect("buyer-orders")


@login_required
def buyer_orders(request: HttpRequest) -> HttpResponse:
    """The buyer's orders, newest first, by tab and search (GET `tab`, `q`), each with its
    lines and next step."""
    now = clock_now()
    tab = tab_of(request.GET.get("tab"))
    search = request.GET.get("q", "").strip()[:100]
    orders, counts = buyer_orders_read(request.user, tab=tab, search=search)
    rows = order_summaries(orders, lambda _order: Party.BUYER, now=now)
    lines, refunds = lines_of(orders), refunds_of(orders)
    offers = pay_offers(r["checkout_id"] for r in rows if r["state"] == "awaiting_payment")
    for row in rows:
        row["lines"] = lines[row["id"]]
        row["next_step"] = next_step(row, refunds[row["id"]])
        row["tone"] = STATE_TONES[row["state"]]
        row["list_actions"] = list_actions(row, offers)
    _name, empty_title, empty_text = TABS[tab]
    return render(request, "rescind/buyer_orders.html", {
        "orders": rows, "tab": tab, "search": search,
        "tabs": [{"key": key, "name": label, "count": counts[key]}
                 for key, (label, _title, _text) in TABS.items()],
        "empty": {"title": gettext("No orders match “%(search)s”") % {"search": search}
                  if search else empty_title,
                  "text": gettext("Search by order number or item name.") if search
                  else empty_text},
    })


@login_required
def order_page(request: HttpRequest, order_id: int) -> HttpResponse:
    from rescind.web.disputes import dispute_page_context  # it uses amount_minor from here

    now = clock_now()
    try:
        order, party, detail = order_detail_for_reader(request.user, order_id, now=now)
    except DomainError:
        raise Http404("No such order.") from None
    for entry in detail["timeline"]:
        entry["text"] = describe(entry["kind"], entry["params"])
    for refund in detail["refunds"]:
        refund["tracker"] = refund_tracker(refund, party)
    quote = _quote_or_none(request.user, order.pk, None) if party is Party.BUYER and \
        order.state == "awaiting_payment" else None
    request_pending = (detail["cancellation_request"] or {}).get("state") == "pending"
    disputes = dispute_page_context(order, party, request.user)
    dispute = disputes["dispute"]
    action_names = {a["action"] for a in detail["actions"]}
    pending_quote = pending_request_quote(order, now=now) \
        if request_pending and party in (Party.BUYER, Party.SELLER) else None
    pay = pay_offers([order.checkout_id]).get(order.checkout_id) if "pay" in action_names \
        else None
    return render(request, "rescind/order.html", {
        "quote": quote,
        "order": detail, "party": party.value,
        "status": order_status(detail, party, now=now, dispute=dispute),
        # No cancel form beside an open dispute: the dispute settles the order.
        "cancel_form": "request_cancellation" in action_names and not (
            dispute and dispute["state"] != "resolved"),
        "dispute_open": bool(dispute and dispute["state"] != "resolved"),
        "reasons": cancel_reasons(policy().r8_reasons, action_names),
        "pending_quote": pending_quote,
        "action_names": action_names, "pay": pay, "money": order_money(order, detail),
        "cancel_question": cancel_question(order.pk),
        "upcoming_names": {u["action"] for u in detail["upcoming_actions"]},
        "conversation": messages_for(order, party),
        "change": change_page(order, detail),
        "seller_panel": seller_panel(order, detail, pending_quote)
        if party is Party.SELLER else None,
        **disputes,
    })


def _quote_or_none(user, order_id: int, reason: str | None) -> dict | None:
    try:
        return quote_read(cancellation_quote(order_id=order_id, user=user, reason=reason,
                                             now=clock_now()))
    except DomainError:
        return None


@login_required
def cancellation_quote_fragment(request: HttpRequest, order_id: int) -> HttpResponse:
    """The quote for the reason chosen in the cancel form (htmx swaps it in)."""
    reason = request.GET.get("reason") or None
    try:
        quote = quote_read(cancellation_quote(order_id=order_id, user=request.user,
                                              reason=reason, now=clock_now()))
    except DomainError as exc:
        if exc.kind is ErrorKind.NOT_FOUND:
            raise Http404(exc.message) from None
        return render(request, "rescind/_quote.html", {"error": exc.message})
    return render(request, "rescind/_quote.html", {"quote": quote})


def _form_text(request: HttpRequest, name: str) -> str:
    return request.POST.get(name, "").strip()


def amount_minor(text: str, order_id: int) -> int:
    """An amount typed on a page about order `order_id` -> minor units of the order's currency,
    read in the reader's locale ("5,00" in Spanish; rescind.web.money_format.amount_parse).
    An order that does not exist reads as USD: its service then answers not found."""
    currency = Order.objects.filter(pk=order_id).values_list("currency", flat=True).first()
    return amount_parse(text, currency or "USD")


ORDER_ACTIONS: dict[str, Callable[[HttpRequest, int], object]] = {
    "cancel": lambda r, oid: order_cancel_unpaid(order_id=oid, user=r.user, now=clock_now()),
    "add-to-cart-again": lambda r, oid: order_add_to_cart_again(
        order_id=oid, user=r.user, now=clock_now()),
    "request-cancellation": lambda r, oid: cancellation_request(
        order_id=oid, user=r.user, reason=_form_text(r, "reason"),
        report_supplier=_form_text(r, "report_supplier") == "yes", now=clock_now()),
    "withdraw-cancellation": lambda r, oid: cancellation_withdraw(
        order_id=oid, user=r.user, now=clock_now()),
    "approve-cancellation": lambda r, oid: cancellation_approve(
        order_id=oid, user=r.user, note=_form_text(r, "note"), now=clock_now()),
    "refuse-cancellation": lambda r, oid: cancellation_refuse(
        order_id=oid, user=r.user, note=_form_text(r, "note"),
        reason_code=_form_text(r, "reason_code") or LEGACY_REFUSAL_REASON, now=clock_now()),
    "ship": lambda r, oid: order_ship(
        order_id=oid, user=r.user, carrier=_form_text(r, "carrier"),
        tracking_number=_form_text(r, "tracking_number"), now=clock_now()),
    "lower-price": lambda r, oid: order_lower_price(
        order_id=oid, user=r.user, new_total=amount_minor(_form_text(r, "new_total"), oid),
        note=_form_text(r, "note"), now=clock_now()),
    "confirm-receipt": lambda r, oid: order_confirm_receipt(
        order_id=oid, user=r.user, now=clock_now()),
    "request-dispute": lambda r, oid: dispute_request(
        order_id=oid, user=r.user, reason=_form_text(r, "reason"), now=clock_now()),
    "void-shipment": lambda r, oid: shipment_void(order_id=oid, user=r.user, now=clock_now()),
    "reship": lambda r, oid: shipment_reassign(
        order_id=oid, user=r.user, carrier=_form_text(r, "carrier"),
        tracking_number=_form_text(r, "tracking_number"), now=clock_now()),
    "refund-shipment": lambda r, oid: shipment_canceled_refund(
        order_id=oid, user=r.user, now=clock_now()),
    "decline-shipment": lambda r, oid: shipment_canceled_decline(
        order_id=oid, user=r.user, note=_form_text(r, "note"), now=clock_now()),
    "refund-destination": lambda r, oid: refund_destination_update(
        order_id=oid, user=r.user, method=_form_text(r, "method"),
        instrument=_form_text(r, "instrument"), now=clock_now()),
}
ACTION_DONE: dict[str, Promise | Callable[[int], str]] = {
    "cancel": gettext_lazy("The order is cancelled."),
    "add-to-cart-again": gettext_lazy("The items are back in your cart."),
    "request-cancellation": gettext_lazy("Your cancellation request was sent to the seller."),
    "withdraw-cancellation": gettext_lazy("Your cancellation request was withdrawn."),
    "approve-cancellation": approval_done_text,  # R21: says how much goes back, and where
    "refuse-cancellation": gettext_lazy("You refused the cancellation; the buyer is told your "
                                        "reason."),
    "ship": gettext_lazy("The order is shipped."),
    "lower-price": gettext_lazy("The price is lowered."),
    "confirm-receipt": gettext_lazy("Thank you: the order is completed."),
    "request-dispute": gettext_lazy("Your dispute request is recorded; the seller and support are "
                                    "told."),
    "void-shipment": gettext_lazy("The shipment is voided: ship again or refund the buyer."),
    "reship": gettext_lazy("Shipped again with the new tracking number."),
    "refund-shipment": gettext_lazy("The buyer is being refunded in full."),
    "decline-shipment": gettext_lazy("Declined; the buyer may now open a dispute."),
    "refund-destination": gettext_lazy("Thank you: refunds go there now. Support will send the "
                                       "failed refund again."),
}
ORDER_ACTIONS.update(CHANGE_ACTIONS)  # R13
ACTION_DONE.update(CHANGE_DONE)


@login_required
@require_POST
def order_action(request: HttpRequest, order_id: int, action: str) -> HttpResponse:
    handler = ORDER_ACTIONS.get(action)
    if handler is None:
        raise Http404("No such action.")
    done = ACTION_DONE[action]
    service_run(request, lambda: handler(request, order_id),
                done=lambda: done(order_id) if callable(done) else str(done))
    if action == "add-to-cart-again":
        return redirect("cart")
    if request.POST.get("next"):  # a form on a list: back to that list
        return redirect_next(request, "home")
    return redirect("order", order_id=order_id)


@login_required
def seller_requests(request: HttpRequest) -> HttpResponse:
    pending = (CancellationRequest.objects
               .filter(order__store_id__in=store_ids_of(request.user),
                       state=CancellationRequest.State.PENDING)
               .select_related("order", "order__store").order_by("respond_by"))
    reasons = policy().reasons_by_code
    rows = [{"request": r, "reason": {"label": cancellation_reason_label(r.reason)}
             if r.reason in reasons else None} for r in pending]
    return render(request, "rescind/seller_requests.html", {
        "requests": rows, "refusal_reasons": refusal_reasons()})


@login_required
def shop(request: HttpRequest) -> HttpResponse:
    products = Product.objects.select_related("store").order_by("store__name", "name")
    return render(request, "rescind/shop.html", {"products": products})


@login_required
@require_POST
def cart_add(request: HttpRequest, product_id: int) -> HttpResponse:
    product = Product.objects.filter(pk=product_id).first()
    if product is None:
        raise Http404("No such product.")
    options = {name: request.POST.get(f"option_{name}", "") for name in product.option_choices}
    try:
        quantity = max(1, min(MAX_QUANTITY, int(request.POST.get("quantity", "1"))))
    except ValueError:
        quantity = 1
    service_run(request, lambda: cart_line_add(buyer=request.user, product_id=product.pk,
                                               quantity=quantity, options=options),
                done=gettext("%(product)s is in your cart.") % {"product": product.name})
    return redirect("cart")


@login_required
@require_POST
def cart_line_change(request: HttpRequest, line_id: int) -> HttpResponse:
    """A new quantity for one cart line, or (`remove`) take it out: the same services as
    PATCH and DELETE /api/v1/cart/lines/{id}."""
    if request.POST.get("remove"):
        service_run(request, lambda: cart_line_remove(buyer=request.user, line_id=line_id),
                    done=gettext("The item is out of your cart."))
        return redirect("cart")
    try:
        quantity = int(request.POST.get("quantity", ""))
    except ValueError:
        quantity = 0  # refused below as bad_quantity, with its message
    service_run(request, lambda: cart_line_update(buyer=request.user, line_id=line_id,
                                                  quantity=quantity),
                done=gettext("The quantity is changed."))
    return redirect("cart")


@login_required
def cart(request: HttpRequest) -> HttpResponse:
    cart_now = cart_read(request.user)
    # The address of the buyer's latest order, to send this one to the same place.
    last = (Order.objects.filter(buyer=request.user, delivery__isnull=False).order_by("-pk")
            .values_list("delivery", flat=True).first()) or {}
    return render(request, "rescind/cart.html", {
        "lines": cart_now["lines"], "items_total": cart_now["items_total"],
        "delivery_fields": [(name, label, last.get(name, ""), name in DELIVERY_REQUIRED)
                            for name, label in DELIVERY_LABELS]})


@login_required
@require_POST
def cart_checkout(request: HttpRequest) -> HttpResponse:
    try:
        codes = _form_text(request, "coupon_codes").replace(",", " ").split()
        checkout = checkout_from_cart(buyer=request.user,
                                      payment_method=_form_text(request, "payment_method"),
                                      now=clock_now(), coupon_codes=codes,
                                      payment_instrument=_form_text(request, "instrument"),
                                      delivery=delivery_from_form(request))
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("cart")
    count = checkout.orders.count()
    messages.success(request, ngettext("%(count)s order placed. Pay to confirm.",
                                       "%(count)s orders placed. Pay to confirm.", count)
                     % {"count": count})
    return redirect("buyer-orders")


@login_required
@require_POST
def payment_pay(request: HttpRequest, payment_id: int) -> HttpResponse:
    service_run(request, lambda: payment_capture(payment_id=payment_id, buyer=request.user,
                                                 now=clock_now()),
                done=gettext("Paid. The seller now has to ship."))
    return redirect_next(request, "buyer-orders")


@login_required
@require_POST
def demo_clock_advance(request: HttpRequest) -> HttpResponse:
    if not settings.DEMO_MODE:
        raise Http404("Not in demo mode.")
    try:
        clock_advance(by=parse_duration(_form_text(request, "by")))
    except (ValueError, DomainError) as exc:
        messages.error(request, getattr(exc, "message", str(exc)))
    else:
        messages.success(request, gettext("The clock moved forward; due deadlines fire within "
                                          "a second."))
    return redirect_next(request, "home")


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    """The in-app inbox (R24, R27), grouped by order, the group with the newest notification
    first. Reading it changes nothing: marking read is a POST."""
    groups: dict[int | None, dict] = {}
    for n in inbox_of(request.user):  # newest first
        group = groups.setdefault(n.order_id, {
            "order_id": n.order_id, "store": n.order.store.name if n.order_id else "",
            "notifications": [], "unread": 0})
        group["notifications"].append(n)
        group["unread"] += n.read_at is None
    return render(request, "rescind/inbox.html", {"groups": list(groups.values())})


@login_required
@require_POST
def inbox_mark_read(request: HttpRequest, notification_id: int | None = None) -> HttpResponse:
    """Mark one notification, or (without an id) all of them, read; back to the inbox."""
    try:
        notification_mark_read(user=request.user, notification_id=notification_id,
                               now=clock_now())
    except DomainError as exc:
        raise Http404(exc.message) from None
    return redirect("inbox")
