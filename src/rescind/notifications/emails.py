"""A notification's e-mail: a text part and an HTML alternative, addressed to its reader, saying
what happened, with the amount, where the money goes, the dates, and a link to the order at
RESCIND_PUBLIC_URL, the address the server runs on (R24, R27)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from rescind.domain.actions import Party
from rescind.notifications.messages import payment_method_label, when_text
from rescind.orders.models import TimelineEntry
from rescind.refunds.models import Refund
from rescind.web.templatetags.rescind import money_text

# The amount an event is about, by its parameter, with its label (first match wins).
AMOUNT_PARAMS = [
    ("amount", gettext_noop("Amount")),
    ("refund", gettext_noop("Refund")),
    ("claim", gettext_noop("Amount claimed")),
    ("extra_charge", gettext_noop("Extra charge")),
    ("new_total", gettext_noop("New total")),
]
# The dates an event carries, by its parameter.
DATE_PARAMS = [
    ("respond_by", gettext_noop("Answer due by")),
    ("reply_by", gettext_noop("Answer due by")),
    ("due_at", gettext_noop("Due by")),
    ("confirm_by", gettext_noop("Confirm by")),
    ("ship_by", gettext_noop("Ship by")),
    ("deliver_by", gettext_noop("Delivery promised by")),
    ("dispute_until", gettext_noop("Buyer protection until")),
    ("start_by", gettext_noop("Refund due to start by")),
    ("arrive_by", gettext_noop("Refund arrives by, at the latest")),
]
REFUND_KINDS = frozenset({"RefundStarted", "RefundArrived", "RefundFailed", "RefundRetried",
                          "RefundFlaggedOverdue", "RefundFlaggedNotStarted"})


@dataclass(frozen=True)
class Email:
    subject: str
    text: str
    html: str


def order_link(order_id: int) -> str:
    """The order's page at the address the server runs on (settings.RESCIND_PUBLIC_URL)."""
    return settings.RESCIND_PUBLIC_URL.rstrip("/") + reverse("order", args=[order_id])


def _refund_known(entry: TimelineEntry, params: dict) -> bool:
    """Add to `params` what is known of the refund this event is about (its amount and latest
    arrival); whether the event is about money going back to the buyer at all."""
    if entry.kind == "RefundStarted" and "arrive_by" not in params:
        arrive_by = (Refund.objects.filter(order_id=entry.order_id,
                                           gateway_reference=params["gateway_reference"])
                     .values_list("arrive_by", flat=True).first())
        if arrive_by:
            params["arrive_by"] = arrive_by.isoformat()
    if entry.kind in REFUND_KINDS:
        return True
    # A decision that refunds (a cancellation approved, a dispute accepted) records its
    # RefundCreated on the same order at the same instant.
    decided = (TimelineEntry.objects.filter(order_id=entry.order_id, at=entry.at,
                                            kind="RefundCreated")
               .order_by("-pk").values_list("params", flat=True).first())
    if decided:
        params.setdefault("refund", decided["amount"])
        params.setdefault("arrive_by", decided["arrive_by"])
    return "refund" in params


@dataclass(frozen=True)
class EntryFacts:
    """What an event's e-mail says alike to every recipient, read once for them all: the
    order's items, the event's parameters with what is known of the refund it is about, and
    whether it is about money going back to the buyer."""

    items: str
    params: dict
    money_back: bool


def entry_facts(entry: TimelineEntry, lines) -> EntryFacts:
    """The `EntryFacts` of `entry`, whose order has `lines`."""
    params = dict(entry.params)
    money_back = _refund_known(entry, params)
    items = ", ".join(f"{line.product_name} × {line.quantity}" for line in lines)
    return EntryFacts(items=items, params=params, money_back=money_back)


def _facts(entry: TimelineEntry, shared: EntryFacts) -> list[tuple[str, str]]:
    """(label, value) rows: the order, what it is about in money, where that money goes, and
    every date the event carries."""
    order, params, money_back = entry.order, shared.params, shared.money_back
    rows = [(_("Order"), f"#{order.pk} · {order.store.name}"), (_("Items"), shared.items)]
    for key, label in AMOUNT_PARAMS:
        if isinstance(params.get(key), dict):
            rows.append((_("Refund") if money_back else _(label), money_text(params[key])))
            break
    else:
        rows.append((_("Order total"), money_text(order.total_money)))
    method = payment_method_label(params.get("method") or order.payment_method)
    rows.append((_("Refund to") if money_back else _("Paid with"), method))
    if params.get("gateway_reference"):
        rows.append((_("Payment provider's reference"), params["gateway_reference"]))
    rows.append((_("Date"), when_text(entry.at)))
    # The deadlines still ahead; one already passed is what made this happen (the title says so).
    rows += [(_(label), when_text(params[key])) for key, label in DATE_PARAMS
             if isinstance(params.get(key), str)
             and datetime.fromisoformat(params[key]) > entry.at]
    return rows


def _why(party: Party, order) -> str:
    if party is Party.BUYER:
        return _("You receive this e-mail because you bought order #%(order)s from "
                 "%(store)s.") % {"order": order.pk, "store": order.store.name}
    if party is Party.SELLER:
        return _("You receive this e-mail because you sell for %(store)s, the store of order "
                 "#%(order)s.") % {"order": order.pk, "store": order.store.name}
    return _("You receive this e-mail because you are on the platform's support team.")


def email_compose(*, entry: TimelineEntry, user, party: Party, title: str, body: str,
                  shared: EntryFacts) -> Email:
    """The e-mail telling `user`, as `party` of the order, of `entry`; `shared` is the entry's
    `entry_facts`."""
    context = {
        "name": user.get_full_name() or user.username, "title": title, "body": body,
        "facts": _facts(entry, shared), "link": order_link(entry.order_id),
        "order_id": entry.order_id,
        "why": _why(party, entry.order),
    }
    return Email(subject=title[:200],
                 text=render_to_string("rescind/email/notification.txt", context),
                 html=render_to_string("rescind/email/notification.html", context))
