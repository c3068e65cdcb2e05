"""The order page's status in words (issue 13): the stepper's steps, one headline addressed to
its reader ("the seller has 2 days 23 hours to answer", "you asked..."), and the tone of both;
and a tracker per refund (decided, sent to the payment provider, arrived or failed).

Pure: built from the order detail (orders.reads.order_detail), the reader, the order's latest
dispute (disputes.reads.dispute_read) and `now`. Dates, durations and money go through the one
formatting layer (templatetags/rescind.py), so a headline is safe HTML."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rescind.domain.actions import Party
from rescind.web.labels import payment_method_label

MILESTONES = (gettext_lazy("Placed"), gettext_lazy("Paid"), gettext_lazy("Shipped"),
              gettext_lazy("Delivered"), gettext_lazy("Completed"))
BRANCH_LABELS = {"closed": gettext_lazy("Closed"), "in_dispute": gettext_lazy("In dispute"),
                 "shipment_canceled": gettext_lazy("Shipment canceled")}
# Not alarms: a closed order is neutral (or success once refunded), trouble is a warning.
STATE_TONES = {"awaiting_payment": "warning", "awaiting_shipment": "info",
               "awaiting_delivery": "info", "completed": "success",
               "shipment_canceled": "warning", "in_dispute": "warning", "closed": "neutral"}


def _format(name: str) -> Callable[[Any], str]:
    """A filter of the one formatting layer (`when`, `day`, `duration`, `money`), by its name
    in the components contract."""
    from rescind.web.templatetags.rescind import register

    return register.filters[name]


def _when(at: datetime) -> str:
    return _format("when")(at)


def _day(at: datetime) -> str:
    return _format("day")(at)


def _left(until: datetime, now: datetime) -> str:
    return _format("duration")(max(until - now, timedelta(0)))


def _money(value: dict[str, Any]) -> str:
    return _format("money")(value)


def _due(detail: dict[str, Any], kind: str) -> datetime | None:
    return next((d["due_at"] for d in detail["deadlines"] if d["kind"] == kind), None)


def order_status(detail: dict[str, Any], party: Party | str, *, now: datetime,
                 dispute: dict[str, Any] | None = None) -> dict[str, Any]:
    """{steps, headline, tone, label}: where the order is on placed -> paid -> shipped ->
    delivered -> completed (or its closed, dispute or shipment-canceled branch), in words for
    `party`."""
    party = Party(party)
    state = detail["state"]
    headline, tone = _HEADLINES[state](detail, party, now, dispute)
    return {"steps": _steps(detail), "headline": headline, "tone": tone,
            "label": detail["state_label"]}


def _reached(detail: dict[str, Any]) -> int:
    """How many milestones the order has passed."""
    if detail["completed_at"]:
        return 5
    if detail["delivered_at"]:
        return 4
    if detail.get("shipments"):
        return 3
    return 2 if detail["paid_at"] else 1


def _steps(detail: dict[str, Any]) -> list[dict[str, str]]:
    state = detail["state"]
    reached = _reached(detail)
    if state == "shipment_canceled":
        return ([{"label": m, "status": "done"} for m in MILESTONES[:3]]
                + [{"label": BRANCH_LABELS[state], "status": "branch"}]
                + [{"label": m, "status": "todo"} for m in MILESTONES[3:]])
    if state in BRANCH_LABELS:
        # A closed order ends there, calmly: its last step is where it is, not an alarm.
        return ([{"label": m, "status": "done"} for m in MILESTONES[:reached]]
                + [{"label": BRANCH_LABELS[state],
                    "status": "current" if state == "closed" else "branch"}])
    return [{"label": m, "status": "done" if i < reached - 1 else
             "current" if i == reached - 1 else "todo"} for i, m in enumerate(MILESTONES)]


def _by(party: Party, buyer: str, seller: str, support: str | None = None) -> str:
    """The words for the reader; support reads the buyer's words unless given its own."""
    if party is Party.SELLER:
        return seller
    if party is Party.BUYER:
        return buyer
    return support if support is not None else buyer


def _fill(text: str, **values: Any) -> SafeString:
    """A translated sentence with its %(name)s placeholders filled, as format_html does: the
    sentence (ours, from the catalogs) is kept, the values are escaped unless already safe HTML
    (the formatting layer's <time> and money markup)."""
    return mark_safe(text % {name: conditional_escape(value)  # noqa: S308
                             for name, value in values.items()})


def _awaiting_payment(detail, party, now, dispute):
    pay_by = _due(detail, "unpaid_timeout")
    if pay_by is None:
        return _("Awaiting payment"), "warning"
    return _fill(_by(party, _("Awaiting payment: pay by %(at)s, or the order closes by itself"),
                     _("Awaiting payment: the buyer has until %(at)s to pay")),
                 at=_when(pay_by)), "warning"


def _awaiting_shipment(detail, party, now, dispute):
    request = detail.get("cancellation_request")
    if request and request["state"] == "pending":
        if request["respond_by"] <= now:
            return _by(party, _("Cancellation requested: the seller did not answer in time, so "
                                "it is being approved"),
                       _("Cancellation requested: you did not answer in time, so it is being "
                         "approved")), "warning"
        return _fill(_by(party, _("Cancellation requested: the seller has %(left)s to answer"),
                         _("Cancellation requested: you have %(left)s to answer, or it is "
                           "approved by itself")),
                     left=_left(request["respond_by"], now)), "warning"
    change = detail.get("change_request")
    if change and change["state"] == "pending":
        return _fill(_by(party, _("Change requested: the seller has %(left)s to answer"),
                         _("Change requested: you have %(left)s to answer")),
                     left=_left(change["respond_by"], now)), "info"
    if change and change["state"] == "awaiting_charge":
        return _fill(_by(party, _("Change accepted: confirm the extra charge of %(amount)s by "
                                  "%(at)s"),
                         _("Change accepted: the buyer confirms the extra charge of %(amount)s "
                           "by %(at)s")),
                     amount=_money(change["difference"]), at=_when(change["confirm_by"])), \
            "warning"
    ship_by = _due(detail, "handling_time")
    if ship_by is None:
        return _("Paid: waiting for the seller to ship"), "info"
    if dispute and dispute["state"] != "resolved":  # R9: the supplier report, with support
        return _fill(_by(party, _("Supplier reported: platform support is deciding, and the "
                                  "seller must still ship by %(at)s"),
                         _("Supplier reported: platform support is deciding; ship by %(at)s "
                           "meanwhile"),
                         _("Supplier reported: waiting for support's decision; the seller must "
                           "still ship by %(at)s")), at=_when(ship_by)), "warning"
    refused = request and request["state"] == "refused"
    if refused:
        return _fill(_by(party, _("Paid: the seller refused to cancel and must ship by %(at)s"),
                         _("Paid: you refused the cancellation; ship by %(at)s")),
                     at=_when(ship_by)), "info"
    return _fill(_by(party, _("Paid: the seller must ship by %(at)s"),
                     _("Paid: ship by %(at)s, or the order closes and the buyer is refunded")),
                 at=_when(ship_by)), "info"


def _awaiting_delivery(detail, party, now, dispute):
    if detail["delivered_at"]:
        completes = _due(detail, "delivery_confirmation")
        if completes is None:
            return _("Delivered"), "info"
        return _fill(_by(party, _("Delivered: confirm receipt, or the order completes by itself "
                                  "on %(at)s"),
                         _("Delivered: the order completes by itself on %(at)s, unless the "
                           "buyer opens a dispute")), at=_when(completes)), "info"
    promised = _due(detail, "promised_delivery")
    if promised is None:
        return _("Shipped: on its way"), "info"
    return _fill(_("Shipped: delivery promised by %(day)s"), day=_day(promised)), "info"


def _shipment_canceled(detail, party, now, dispute):
    reply_by = _due(detail, "shipment_canceled_reply")
    if reply_by is not None:
        return _fill(_by(party, _("Shipment canceled: the seller must ship again or refund by "
                                  "%(at)s"),
                         _("Shipment canceled: ship again or refund the buyer by %(at)s")),
                     at=_when(reply_by)), "warning"
    return _by(party, _("Shipment canceled: the seller did not ship again or refund you; you can "
                        "open a dispute"),
               _("Shipment canceled: the buyer may open a dispute"),
               _("Shipment canceled: the seller did not ship again or refund; the buyer may "
                 "open a dispute")), "warning"


def _in_dispute(detail, party, now, dispute):
    state = dispute["state"] if dispute else None
    if state == "awaiting_seller" and dispute["respond_by"]:
        return _fill(_by(party, _("In dispute: the seller has %(left)s to answer"),
                         _("In dispute: you have %(left)s to answer, or the buyer's claim is "
                           "accepted")), left=_left(dispute["respond_by"], now)), "warning"
    if state == "seller_refused":
        return _fill(_by(party, _("In dispute: the seller refused; take it to support, or it "
                                  "goes there by itself on %(at)s"),
                         _("In dispute: you refused; it goes to support on %(at)s, unless the "
                           "buyer takes it there sooner"),
                         _("In dispute: the seller refused; it comes to support on %(at)s")),
                     at=_when(dispute["escalate_by"])), "warning"
    if state == "seller_proposed":
        return _fill(_by(party, _("In dispute: the seller offers %(amount)s; accept it or take it "
                                  "to support"),
                         _("In dispute: you offered %(amount)s; waiting for the buyer"),
                         _("In dispute: the seller offered %(amount)s; waiting for the buyer")),
                     amount=_money(dispute["proposal"])), "warning"
    if state == "escalated":
        return _by(party, _("In dispute: platform support is deciding"),
                   _("In dispute: platform support is deciding"),
                   _("In dispute: waiting for support's decision")), "warning"
    if state == "awaiting_return":
        if not dispute["return_tracking"]:
            return _by(party, _("In dispute: send the item back; the refund pays out once the "
                                "seller has it"),
                       _("In dispute: the buyer is sending the item back"),
                       _("In dispute: the buyer is to send the item back")), "warning"
        return _by(party, _("In dispute: the item is on its way back to the seller"),
                   _("In dispute: the item is on its way back to you; confirm when you have it"),
                   _("In dispute: the item is on its way back to the seller")), "warning"
    return _("In dispute"), "warning"


def _completed(detail, party, now, dispute):
    progress = refund_progress(detail["refunds"])
    if progress is not None:
        return _with_refund(_("Completed"), progress, party)
    until = detail["dispute_until"]
    if until and until > now:
        return _fill(_by(party, _("Completed: you can open a dispute until %(at)s"),
                         _("Completed: buyer protection lasts until %(at)s")),
                     at=_when(until)), "success"
    return _("Completed"), "success"


_CLOSED = {  # close reason -> (buyer's words, seller's words, support's words)
    "cancelled_by_buyer": (gettext_lazy("Closed: you cancelled it before paying"),
                           gettext_lazy("Closed: the buyer cancelled it before paying"),
                           gettext_lazy("Closed: the buyer cancelled it before paying")),
    "unpaid_timeout": (gettext_lazy("Closed: not paid in time"),) * 3,
    "cancelled_on_request": (gettext_lazy("Closed: cancelled at your request"),
                             gettext_lazy("Closed: cancelled at the buyer's request"),
                             gettext_lazy("Closed: cancelled at the buyer's request")),
    "not_shipped_in_time": (gettext_lazy("Closed: the seller did not ship in time"),
                            gettext_lazy("Closed: you did not ship in time"),
                            gettext_lazy("Closed: the seller did not ship in time")),
    "refunded_shipment_canceled": (gettext_lazy("Closed: the shipment was canceled"),) * 3,
    "refunded_after_dispute": (gettext_lazy("Closed: the dispute ended with a refund"),) * 3,
}


def _closed(detail, party, now, dispute):
    words = _CLOSED.get(detail["close_reason"] or "", (gettext_lazy("Closed"),) * 3)
    said = str(_by(party, *words))
    progress = refund_progress(detail["refunds"])
    if progress is None:
        return said, "neutral"
    return _with_refund(said, progress, party)


def refund_progress(refunds: list[dict[str, Any]]) -> str | None:
    """Where the order's refunds stand together: None (none), "on_its_way", "arrived", or
    "failed" (one failed and was not sent again yet)."""
    live = [r for r in refunds if not (r["state"] == "failed" and r["retried_by"])]
    if not live:
        return None
    if any(r["state"] == "failed" for r in live):
        return "failed"
    if all(r["state"] == "succeeded" for r in live):
        return "arrived"
    return "on_its_way"


def _with_refund(said: str, progress: str, party: Party) -> tuple[str, str]:
    values = {"state": said}
    if progress == "arrived":
        return _("%(state)s, refunded") % values, "success"
    if progress == "failed":
        return _by(party, _("%(state)s, but the refund failed: see below what to do"),
                   _("%(state)s, but the refund failed")) % values, "warning"
    return _by(party, _("%(state)s, your refund is on its way"),
               _("%(state)s, the refund is on its way")) % values, "neutral"


_HEADLINES = {"awaiting_payment": _awaiting_payment, "awaiting_shipment": _awaiting_shipment,
              "awaiting_delivery": _awaiting_delivery, "shipment_canceled": _shipment_canceled,
              "in_dispute": _in_dispute, "completed": _completed, "closed": _closed}

REFUND_STEPS = (gettext_lazy("Decided"), gettext_lazy("Sent to the payment provider"),
                gettext_lazy("Arrived"))


def refund_tracker(refund: dict[str, Any], party: Party | str) -> dict[str, Any]:
    """One refund as its tracker shows it: steps, the state in words, where it goes, and when it
    is expected (R21-R23)."""
    party = Party(party)
    state = refund["state"]
    if state == "failed":
        steps = [{"label": REFUND_STEPS[0], "status": "done"},
                 {"label": REFUND_STEPS[1], "status": "done"},
                 {"label": _("Failed"), "status": "branch"}]
    else:
        reached = {"pending": 1, "processing": 2, "succeeded": 3}[state]
        steps = [{"label": label, "status": "done" if i < reached - 1 else
                  "current" if i == reached - 1 else "todo"}
                 for i, label in enumerate(REFUND_STEPS)]
    method = payment_method_label(refund["method"])
    return {
        "steps": steps,
        "state_label": {"pending": _("Decided"), "processing": _("On its way"),
                        "succeeded": _("Arrived"), "failed": _("Failed")}[state],
        "tone": {"pending": "info", "processing": "info", "succeeded": "success",
                 "failed": "warning"}[state],
        "destination": _by(party, _("your %(method)s"), _("the buyer's %(method)s"))
        % {"method": method},
        "method_label": method,
    }
