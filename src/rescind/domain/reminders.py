"""R27: a reminder before each deadline at which the platform acts against a party by itself,
addressed to exactly the party who can still act, once. Pure: which party each reminder is for,
when it is due, and what it says."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils.translation import gettext_lazy as _

from rescind.domain.actions import Party
from rescind.domain.errors import DomainError
from rescind.domain.events import BuyerReminded, Event, SellerReminded
from rescind.domain.policy import Policy

# What a reminder is about (the deadline it announces) -> the one party who can still act.
REMINDED: dict[str, Party] = {
    "seller_response": Party.SELLER,  # R10: silence approves the cancellation
    "handling_time": Party.SELLER,  # R12: not shipped, the order closes with a refund
    "change_request_response": Party.SELLER,  # R13: silence refuses the change
    "extra_charge_confirmation": Party.BUYER,  # R13: the accepted dearer change lapses
    "shipment_canceled_reply": Party.SELLER,  # R16: the buyer may open a dispute
    "dispute_response": Party.SELLER,  # R19: silence accepts the buyer's claim
    "return_confirmation": Party.SELLER,  # R20: silence counts the return as received
    "unpaid_timeout": Party.BUYER,  # R5: the unpaid order closes
    "buyer_protection": Party.BUYER,  # R18: no dispute can be opened after it
}


def reminder_lead(about: str, policy: Policy) -> timedelta:
    """How long before the deadline its party is reminded (R27)."""
    return policy.r27_buyer_reminder_before if REMINDED[about] is Party.BUYER \
        else policy.r27_seller_reminder_before


def reminder_due(about: str, due_at: datetime, policy: Policy) -> datetime:
    """When the reminder of a deadline falling due at `due_at` goes out."""
    return due_at - reminder_lead(about, policy)


def decide_reminder(about: str, due_at: datetime | None) -> list[Event]:
    """R27: remind the party who can still act of the deadline `about`, running until `due_at`.
    A deadline that stopped (None: the party acted, the order moved on) has nothing left to
    remind of. One found late, while its deadline is due but not yet acted on, still goes out
    first: the party can act until the platform does (a worker fires an order's deadlines
    earliest first)."""
    if due_at is None:
        raise DomainError("nothing_to_remind", _("The deadline is no longer running."))
    if REMINDED[about] is Party.BUYER:
        return [BuyerReminded(about=about, due_at=due_at)]
    return [SellerReminded(about=about, due_at=due_at)]
