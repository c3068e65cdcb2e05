"""Why a seller refuses a cancellation request (R11): one code from a fixed list, as eBay's
seller tools require, plus an optional note. The words a person reads are in web/labels.py and
notifications/messages.py; here are only the codes."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from rescind.domain.errors import one_of

# The fixed list, in the order the seller's form offers it.
REFUSAL_REASONS: tuple[str, ...] = (
    "already_shipped",  # the parcel left before the request arrived
    "buyer_agreed_to_keep",  # the buyer agreed (in messages) to keep the order
    "out_of_date_request",  # the request came too late to stop the order (e.g. packed)
    "made_to_order",  # a custom or made-to-order item already in production
    "other",  # none of these: the note says why, so it is required
)
# A refusal whose reason needs a note to make sense to the buyer.
NOTE_REQUIRED_FOR = frozenset({"other"})
# What a refusal without a code (the API before reason codes) is recorded as.
LEGACY_REFUSAL_REASON = "other"


def refusal_reason_parse(code: object) -> str:
    """R11: a code of the list, or 422 `unknown_refusal_reason` with the allowed list."""
    return one_of(list(REFUSAL_REASONS), code, code="unknown_refusal_reason",
                  what=_("%(value)s is not a refusal reason."))
