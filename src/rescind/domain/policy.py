"""Policy values, each named after the rule that uses it, with DOMAIN.md's defaults.

A TOML file may override any of them (`RESCIND_POLICY_FILE`); see `docs/policy.example.toml`.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, fields, replace
from datetime import timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any

from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from rescind.domain.errors import DomainError, ErrorKind


class Side(StrEnum):
    """Who a cancellation reason is attributed to (R8)."""

    BUYER = "buyer"
    SELLER = "seller"
    PLATFORM = "platform"


@dataclass(frozen=True, slots=True)
class Reason:
    code: str
    label: str
    side: Side
    explanation: str = ""  # one line for the buyer choosing it: when it fits, what it means


DEFAULT_REASONS = (
    Reason("ordered_wrong_item", gettext_noop("I ordered the wrong item"), Side.BUYER,
           gettext_noop("You chose the wrong product, colour or size.")),
    Reason("no_longer_needed", gettext_noop("I no longer need it"), Side.BUYER,
           gettext_noop("You changed your mind; nothing is wrong with the order.")),
    Reason("found_better_price", gettext_noop("I found a better price elsewhere"), Side.BUYER,
           gettext_noop("The same item costs less somewhere else.")),
    Reason("wrong_shipping_details", gettext_noop("Wrong shipping details"), Side.BUYER,
           gettext_noop("The address or phone number on the order is wrong.")),
    Reason("paid_wrong_order", gettext_noop("I paid for the wrong order"), Side.BUYER,
           gettext_noop("You meant to pay for another order.")),
    Reason("seller_too_slow", gettext_noop("The seller is taking too long to ship"), Side.SELLER,
           gettext_noop("The seller has not shipped and you no longer want to wait.")),
    Reason("seller_asked_to_cancel", gettext_noop("The seller asked me to cancel"), Side.SELLER,
           gettext_noop("The seller told you they cannot send this order.")),
    Reason("out_of_stock", gettext_noop("The item is out of stock"), Side.SELLER,
           gettext_noop("The seller told you the item is no longer available.")),
    Reason("seller_not_replying", gettext_noop("The seller does not reply"), Side.SELLER,
           gettext_noop("You wrote to the seller and got no answer.")),
    Reason("duplicate_system_order", gettext_noop("Duplicate order from a system error"),
           Side.PLATFORM,
           gettext_noop("The site placed the same order twice by mistake.")),
)


@dataclass(frozen=True, slots=True)
class Policy:
    """Every tunable value of the rule book. Durations are timedeltas; counts are ints."""

    r5_unpaid_timeout: timedelta = timedelta(days=20)
    r7_cancel_available_after: timedelta = timedelta(hours=24)
    r8_reasons: tuple[Reason, ...] = DEFAULT_REASONS
    # R10: 72 h by default; the alternative account of the real system says 14 days.
    r10_seller_response_window: timedelta = timedelta(hours=72)
    r12_handling_working_days: int = 7
    # R13: the seller answers a change request within this window; silence refuses it.
    r13_change_response_window: timedelta = timedelta(hours=72)
    # R13: the buyer confirms the extra charge of an accepted, dearer change within this window.
    r13_extra_charge_confirm_window: timedelta = timedelta(hours=72)
    r23_refund_start_working_days: int = 1
    r23_ewallet_refund_days: int = 7
    r23_bank_card_refund_working_days: int = 15
    # Not in the rule book: a bank transfer is given the bank card's deadline.
    r23_bank_transfer_refund_working_days: int = 15
    r15_auto_complete_after_delivery: timedelta = timedelta(days=15)
    r16_seller_reply_window: timedelta = timedelta(days=7)
    # R17: every shipment promises delivery this long after shipping; a parcel not delivered by
    # then lets the buyer open a dispute for non-delivery without any carrier event.
    r17_promised_delivery_after_shipping: timedelta = timedelta(days=60)
    # R18: buyer protection lasts this long after the order completes; a completed order can
    # still be disputed within it.
    r18_protection_after_completion: timedelta = timedelta(days=15)
    # R27: the seller is reminded this long before the platform acts against them by itself
    # (a cancellation approved, a change refused, a dispute accepted, a return confirmed...).
    r27_seller_reminder_before: timedelta = timedelta(hours=24)
    # R27: the buyer is reminded this long before a deadline that is theirs to meet (an unpaid
    # order closes, an extra charge lapses, buyer protection ends).
    r27_buyer_reminder_before: timedelta = timedelta(hours=24)
    # R19: the seller answers a dispute within this window; silence accepts the buyer's claim.
    r19_dispute_response_window: timedelta = timedelta(days=15)
    # R19: a refused or counter-proposed dispute nobody moves goes to support after this.
    r19_auto_escalate_after: timedelta = timedelta(days=7)
    # R20: once the carrier shows the returned item delivered, the seller confirms receipt
    # within this window; silence confirms it and the refund pays out.
    r20_return_confirmation_window: timedelta = timedelta(days=7)
    # R30: a seller's rate above its threshold (percent) puts the store "at risk" on its metrics.
    r30_cancellation_rate_threshold: float = 2.0
    r30_auto_approval_share_threshold: float = 10.0
    r30_late_shipment_rate_threshold: float = 4.0
    r30_shipment_cancellation_rate_threshold: float = 3.0
    r30_dispute_lost_rate_threshold: float = 1.0
    calendar_country: str = "US"
    reasons_by_code: dict[str, Reason] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "reasons_by_code", {r.code: r for r in self.r8_reasons})

    def reason(self, code: str) -> Reason:
        try:
            return self.reasons_by_code[code]
        except KeyError:
            raise DomainError(
                "unknown_reason",
                _("%(code)s is not one of the cancellation reasons."),
                params={"code": repr(code)},
                kind=ErrorKind.INVALID,
                details={"allowed": sorted(self.reasons_by_code)},
            ) from None


_DURATION_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_duration(text: str) -> timedelta:
    """'72h', '14d', '90m', '1d12h' -> timedelta. Used by the policy file and the demo clock."""
    text = text.strip().lower()
    if not text:
        raise ValueError("empty duration")
    parts: dict[str, float] = {}
    number = ""
    for char in text:
        if char.isdigit() or char == ".":
            number += char
        elif char in _DURATION_UNITS and number:
            unit = _DURATION_UNITS[char]
            parts[unit] = parts.get(unit, 0) + float(number)
            number = ""
        else:
            raise ValueError(f"bad duration {text!r}: use e.g. 72h, 3d, 1d12h, 90m")
    if number:
        raise ValueError(f"bad duration {text!r}: a number needs a unit (s, m, h, d, w)")
    return timedelta(**parts)


def load_policy(path: str | Path | None) -> Policy:
    """The default policy, with the values of a TOML file (if given) laid over it."""
    if not path:
        return Policy()
    data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    return policy_from_mapping(data.get("policy", data))


def policy_from_mapping(data: dict[str, Any]) -> Policy:
    known = {f.name: f for f in fields(Policy) if f.init}
    changes: dict[str, Any] = {}
    for key, value in data.items():
        if key not in known:
            raise ValueError(f"unknown policy value {key!r}; known: {', '.join(sorted(known))}")
        default = getattr(Policy(), key)
        if isinstance(default, timedelta):
            changes[key] = parse_duration(str(value))
            if changes[key] <= timedelta(0):
                raise ValueError(f"policy value {key!r} must be a positive duration")
        elif key == "r8_reasons":
            changes[key] = tuple(Reason(r["code"], r["label"], Side(r["side"]),
                                        r.get("explanation", "")) for r in value)
        elif isinstance(default, float):
            if (isinstance(value, bool) or not isinstance(value, int | float)
                    or not 0 <= value <= 100):
                raise ValueError(f"policy value {key!r} must be a percentage from 0 to 100")
            changes[key] = float(value)
        elif isinstance(default, int):
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"policy value {key!r} must be a whole number, 0 or more")
            changes[key] = value
        else:
            changes[key] = value
    policy = replace(Policy(), **changes)
    _check_country(policy.calendar_country)
    return policy


def _check_country(country: str) -> None:
    from rescind.domain.calendar import BusinessCalendar

    try:
        BusinessCalendar(country)
    except ValueError:
        raise ValueError(f"policy value 'calendar_country': unknown country {country!r}") from None
