"""The buyer's cancellation form: each reason of the policy with its one-line explanation, and
where another action serves the buyer better, that action with its link (R8, R13)."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import Any

from django.utils.translation import gettext_lazy

from rescind.domain.policy import Reason
from rescind.web.labels import cancellation_reason_label

# reason -> (the better action in words, the action it needs, where it is on the order page)
ALTERNATIVES = {
    "wrong_shipping_details": (gettext_lazy("Wrong shipping details? Change the delivery "
                                            "address instead"), "request_change",
                               "#change-form"),
    "ordered_wrong_item": (gettext_lazy("Wrong colour, size or quantity? Change the order instead"),
                           "request_change", "#change-form"),
    "seller_not_replying": (gettext_lazy("Not heard back yet? Send the seller a message "
                                         "first"), None, "#message-body"),
}


def cancel_reasons(reasons: Iterable[Reason],
                   action_names: Collection[str]) -> list[dict[str, Any]]:
    """The reasons as the form lists them; an alternative only where its action is open now."""
    rows = []
    for reason in reasons:
        alternative = ALTERNATIVES.get(reason.code)
        if alternative and alternative[1] is not None and alternative[1] not in action_names:
            alternative = None
        rows.append({"code": reason.code, "label": cancellation_reason_label(reason.code),
                     "explanation": cancellation_reason_label(reason.code, explanation=True),
                     "alternative": {"text": str(alternative[0]), "href": alternative[2]}
                     if alternative else None})
    return rows
