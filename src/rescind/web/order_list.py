"""The buyer's order list (issue 13): tabs, search by order number or item, each order's lines
and its next step in words. A page costs the same statements whatever its length: the orders,
the counts of every tab, the lines and the refunds of every order listed, and order_summaries'
batched reads."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rescind.aftersale.models import CancellationRequest
from rescind.disputes.models import Dispute
from rescind.orders.models import Order, OrderLine
from rescind.refunds.models import Refund
from rescind.web.order_status import refund_progress

# tab -> (its name, what an empty tab says, what it lists)
TABS: dict[str, tuple[Promise, Promise, Promise]] = {
    "all": (gettext_lazy("All"), gettext_lazy("No orders yet"),
            gettext_lazy("When you buy something, it shows up here.")),
    "to_pay": (gettext_lazy("To pay"), gettext_lazy("Nothing to pay"),
               gettext_lazy("Orders waiting for your payment show up here.")),
    "to_ship": (gettext_lazy("To ship"), gettext_lazy("Nothing waiting to be shipped"),
                gettext_lazy("Paid orders the seller has not shipped yet show up here.")),
    "shipped": (gettext_lazy("Shipped"), gettext_lazy("Nothing shipped yet"),
                gettext_lazy("Orders on their way to you, and delivered ones, show up here.")),
    "refunds": (gettext_lazy("Refunds and disputes"), gettext_lazy("No refunds or disputes"),
                gettext_lazy("Cancellation requests, refunds and disputes show up here.")),
    "closed": (gettext_lazy("Closed"), gettext_lazy("No closed orders"),
               gettext_lazy("Cancelled orders show up here.")),
}


def _tab_filters() -> dict[str, Q]:
    of_order = {"order": OuterRef("pk")}
    return {
        "to_pay": Q(state="awaiting_payment"),
        "to_ship": Q(state="awaiting_shipment"),
        "shipped": Q(state__in=["awaiting_delivery", "shipment_canceled", "completed"]),
        "refunds": (Q(state__in=["in_dispute", "shipment_canceled"])
                    | Q(Exists(Refund.objects.filter(**of_order)))
                    | Q(Exists(Dispute.objects.filter(**of_order)))
                    | Q(Exists(CancellationRequest.objects.filter(
                        **of_order, state=CancellationRequest.State.PENDING)))),
        "closed": Q(state="closed"),
    }


def tab_of(value: str | None) -> str:
    return value if value in TABS else "all"


def search_filter(text: str) -> Q:
    """Orders whose number is `text` (with or without "#"), or with an item named like it."""
    by_item = Q(Exists(OrderLine.objects.filter(order=OuterRef("pk"),
                                                product_name__icontains=text)))
    number = text.removeprefix("#").strip()
    if number.isdigit() and len(number) < 19:
        return Q(pk=int(number)) | by_item
    return by_item


def buyer_orders_read(user, *, tab: str, search: str,
                      limit: int = 100) -> tuple[list[Order], dict[str, int]]:
    """The buyer's orders in `tab` matching `search`, newest first, and how many each tab has
    (for the same search): two statements."""
    mine: QuerySet[Order] = Order.objects.filter(buyer=user)
    if search:
        mine = mine.filter(search_filter(search))
    filters = _tab_filters()
    counts = mine.aggregate(all=Count("pk"), **{name: Count("pk", filter=q)
                                                for name, q in filters.items()})
    listed = mine.filter(filters[tab]) if tab in filters else mine
    orders = list(listed.select_related("store").order_by("-placed_at", "-pk")[:limit])
    return orders, counts


def lines_of(orders: list[Order]) -> dict[int, list[OrderLine]]:
    """The lines of every order listed, in one statement."""
    lines: dict[int, list[OrderLine]] = {order.pk: [] for order in orders}
    for line in OrderLine.objects.filter(order_id__in=list(lines)).order_by("pk"):
        lines[line.order_id].append(line)
    return lines


def refunds_of(orders: list[Order]) -> dict[int, list[dict[str, Any]]]:
    """The refunds of every order listed, as order_status.refund_progress reads them, in one
    statement."""
    rows = list(Refund.objects.filter(order_id__in=[o.pk for o in orders]).order_by("pk")
                .values("pk", "order_id", "state", "retry_of_id"))
    retried = {r["retry_of_id"]: r["pk"] for r in rows if r["retry_of_id"]}
    refunds: dict[int, list[dict[str, Any]]] = {order.pk: [] for order in orders}
    for r in rows:
        refunds[r["order_id"]].append({"state": r["state"], "retried_by": retried.get(r["pk"])})
    return refunds


_REFUND_STEPS = {
    "failed": gettext_lazy("Next: your refund failed; give renewed payment details on the order "
                           "page"),
    "on_its_way": gettext_lazy("Your refund is on its way"),
    "arrived": gettext_lazy("Refunded; nothing more to do"),
}


def next_step(summary: dict[str, Any], refunds: list[dict[str, Any]] = ()) -> str:
    """What happens next on the order, and who does it, for its buyer."""
    state = summary["state"]
    progress = refund_progress(list(refunds))
    if state in ("closed", "completed") and progress is not None:
        return str(_REFUND_STEPS[progress])
    actions = {a["action"] for a in summary["actions"]}
    kinds = {d["kind"] for d in summary["deadlines"]}
    if state == "awaiting_payment":
        return _("Next: pay for the order")
    if state == "awaiting_shipment":
        if "withdraw_cancellation" in actions:
            return _("Next: the seller answers your cancellation request")
        if "confirm_extra_charge" in actions:
            return _("Next: confirm or decline the extra charge")
        if "withdraw_change" in actions:
            return _("Next: the seller answers your change request")
        return _("Next: the seller ships it")
    if state == "awaiting_delivery":
        if "delivery_confirmation" in kinds:
            return _("Next: confirm you received it")
        return _("Next: the parcel arrives, then you confirm receipt")
    if state == "shipment_canceled":
        if "open_dispute" in actions:
            return _("Next: the seller did not help, so you can open a dispute")
        return _("Next: the seller ships it again or refunds you")
    if state == "in_dispute":
        return _("Next: follow the dispute on the order page")
    if "add_to_cart_again" in actions:
        return _("Nothing more to do; you can add the items to your cart again")
    if "open_dispute" in actions:
        return _("Nothing more to do; something wrong? You can still open a dispute")
    return _("Nothing more to do")
