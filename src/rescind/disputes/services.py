"""Disputes, one service per use case: open, the seller's answer, the buyer's answer, support's
decision, and the supplier report beside a cancellation request (R9, R18-R20, R22)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from rescind.accounts.parties import PLATFORM, require_party
from rescind.config import calendar, policy
from rescind.disputes.models import Dispute
from rescind.disputes.recording import (
    dispute_act,
    dispute_apply,
    dispute_guard_of,
    dispute_open_of,
    party_actor,
    support_decider,
)
from rescind.domain.actions import Party
from rescind.domain.disputes import (
    decide_accept_proposal,
    decide_escalate,
    decide_open_dispute,
    decide_seller_accept,
    decide_seller_propose,
    decide_seller_refuse,
    decide_supplier_dispute,
    decide_support,
)
from rescind.domain.errors import DomainError, ErrorKind
from rescind.domain.money import Money
from rescind.domain.support_work import decide_guard
from rescind.messaging.models import MessageAttachment
from rescind.messaging.services import attachments_stage, message_record
from rescind.orders.models import Order
from rescind.orders.recording import order_facts, order_lock


def dispute_open(*, order_id: int, user, reason: str, claim: int | None, return_item: bool,
                 description: str, evidence: list[int], now: datetime,
                 uploads: Sequence[UploadedFile] = ()) -> Dispute:
    """R16-R18: the buyer opens a dispute on a shipped order, asking for a full or partial
    refund (`claim` in minor units; None asks for all that is left), with or without returning
    the item, a reason from the list and evidence: files of the order's messages, and
    `uploads` (photos, PDFs), which arrive as a message of the buyer's with those files, under
    the same checks as any message. The seller has the response window to answer (R19).
    A refused dispute leaves no message and no file."""
    staged = None
    if uploads:
        order = Order.objects.filter(pk=order_id).first()
        if order is None:
            raise DomainError("order_not_found", _("No such order."), kind=ErrorKind.NOT_FOUND)
        require_party(user, order, Party.BUYER)
        staged = attachments_stage(order_id, uploads)
    try:
        with transaction.atomic():
            order = order_lock(order_id)
            actor = require_party(user, order, Party.BUYER)
            dispute = dispute_open_of(order)
            facts = order_facts(order)
            if staged is not None:
                # Decided first, so that a refusal (not disputable now) stores nothing.
                decide_open_dispute(
                    facts, dispute.facts() if dispute else None, reason=reason,
                    claim=None if claim is None else Money(claim, order.currency),
                    return_item=return_item, description=description, evidence=(),
                    order_attachments=frozenset(), now=now, policy=policy())
                message = message_record(order, actor, body="", staged=staged, now=now)
                evidence = [*evidence, *message.attachments.values_list("pk", flat=True)]
            attachments = frozenset(MessageAttachment.objects.filter(order_id=order.pk)
                                    .values_list("pk", flat=True))
            events = decide_open_dispute(
                facts, dispute.facts() if dispute else None, reason=reason,
                claim=None if claim is None else Money(claim, order.currency),
                return_item=return_item, description=description, evidence=tuple(evidence),
                order_attachments=attachments, now=now, policy=policy())
            opened = dispute_apply(order, None, events, actor=actor, now=now)
    except BaseException:
        if staged is not None:
            staged.delete()
        raise
    assert opened is not None
    return opened


def dispute_open_on_supplier_report(order: Order, *, now: datetime) -> Dispute | None:
    """R9: the buyer reported the supplier with a cancellation request: a dispute for all they
    paid goes straight to support, and the order's state stays as it is. The order is locked
    by the caller."""
    dispute = dispute_open_of(order)
    events = decide_supplier_dispute(order_facts(order), dispute.facts() if dispute else None)
    if not events:
        return None
    return dispute_apply(order, None, events, actor=PLATFORM, now=now)


def dispute_accept(*, order_id: int, user, now: datetime) -> Dispute | None:
    """R19: the seller accepts the buyer's claim."""
    return dispute_act(order_id=order_id, actor_of=party_actor(user, Party.SELLER), now=now,
                       decide=lambda order, d: decide_seller_accept(
                           order, d, now=now, policy=policy(), calendar=calendar()))


def dispute_refuse(*, order_id: int, user, note: str, now: datetime) -> Dispute | None:
    """R19: the seller refuses; the buyer may escalate, or it escalates without movement."""
    return dispute_act(order_id=order_id, actor_of=party_actor(user, Party.SELLER), now=now,
                       decide=lambda order, d: decide_seller_refuse(d, note=note, now=now,
                                                                    policy=policy()))


def dispute_propose(*, order_id: int, user, amount: int, return_item: bool, note: str,
                    now: datetime) -> Dispute | None:
    """R19: the seller proposes another amount (minor units), with or without the return."""
    return dispute_act(order_id=order_id, actor_of=party_actor(user, Party.SELLER), now=now,
                       decide=lambda order, d: decide_seller_propose(
                           d, amount=Money(amount, order.total.currency),
                           return_item=return_item, note=note, now=now, policy=policy()))


def dispute_proposal_accept(*, order_id: int, user, now: datetime) -> Dispute | None:
    """R19: the buyer accepts the seller's proposal."""
    return dispute_act(order_id=order_id, actor_of=party_actor(user, Party.BUYER), now=now,
                       decide=lambda order, d: decide_accept_proposal(
                           order, d, now=now, policy=policy(), calendar=calendar()))


def dispute_escalate(*, order_id: int, user, note: str, now: datetime) -> Dispute | None:
    """R19: the buyer takes a refusal or a proposal to support."""
    return dispute_act(order_id=order_id, actor_of=party_actor(user, Party.BUYER), now=now,
                       decide=lambda order, d: decide_escalate(d, note=note))


def dispute_decide(*, order_id: int, user, refund: int, return_item: bool, note: str,
                   now: datetime, version_seen: int | None = None,
                   take_over: bool = False) -> Dispute | None:
    """R20, R22: support decides a full, partial or no refund (minor units), with or without
    the return. Needs staff with the rescind_disputes.decide_dispute permission. Two agents
    never decide unknowingly: a dispute another agent claimed is refused (dispute_claimed)
    unless `take_over`, and one that changed since the agent's page showed `version_seen` is
    refused (dispute_changed); the decider holds the dispute from then on."""
    with transaction.atomic():
        order = order_lock(order_id)
        actor = support_decider(user, order)
        dispute = dispute_open_of(order)
        latest = dispute or order.disputes.order_by("-pk").first()
        events = [] if latest is None else decide_guard(
            dispute_guard_of(latest, user, version_seen=version_seen),
            agent=user.get_username(), take_over=take_over)
        events += decide_support(order_facts(order), dispute.facts() if dispute else None,
                                 refund=Money(refund, order.currency),
                                 return_item=return_item, note=note, now=now,
                                 policy=policy(), calendar=calendar())
        return dispute_apply(order, dispute, events, actor=actor, now=now)
