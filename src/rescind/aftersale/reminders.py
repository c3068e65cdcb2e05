"""R27: a reminder deadline fired; tell the one party who can still act what the platform will
do by itself, and when. Fired like every deadline (rescind.scheduler): at most once, and voided
instead when what it announces stopped (the party acted, the order moved on)."""

from __future__ import annotations

from datetime import datetime

from rescind.accounts.parties import PLATFORM
from rescind.aftersale.models import ChangeRequest
from rescind.disputes.models import Dispute
from rescind.disputes.recording import dispute_open_of
from rescind.domain.disputes import DisputeState
from rescind.domain.reminders import decide_reminder
from rescind.orders.models import Deadline, Order
from rescind.orders.recording import REMINDER_ABOUT, REMINDER_OF, events_record
from rescind.orders.services import refuse_while_capturing

K = Deadline.Kind
MAIN_OF = {reminder: main for main, reminder in REMINDER_OF.items()}


def _running(order: Order, kind: str, subject_id: int | None) -> Deadline | None:
    rows = Deadline.objects.filter(order=order, kind=kind, fired_at__isnull=True,
                                   voided_at__isnull=True)
    if subject_id is not None:
        rows = rows.filter(subject_id=subject_id)
    return rows.order_by("due_at").first()


def _dispute_awaited(order: Order, reminder: Deadline) -> tuple[str, datetime | None]:
    """A dispute's deadlines live on its row (R19, R20): still the one reminded of, and still
    waiting for the seller?"""
    dispute: Dispute | None = dispute_open_of(order)
    if reminder.kind == K.DISPUTE_RESPONSE_REMINDER:
        about, waiting = "dispute_response", dispute is not None \
            and dispute.state == DisputeState.AWAITING_SELLER.value
        due_at = dispute.respond_by if waiting else None
    else:
        about, waiting = "return_confirmation", dispute is not None \
            and dispute.state == DisputeState.AWAITING_RETURN.value \
            and dispute.return_delivered_at is not None
        due_at = dispute.confirm_by if waiting else None
    if dispute is None or dispute.pk != reminder.subject_id:
        due_at = None
    return about, due_at


def _awaited(order: Order, reminder: Deadline) -> tuple[str, datetime | None]:
    """What the reminder is about, and when that deadline falls due if it still runs."""
    if reminder.kind in (K.DISPUTE_RESPONSE_REMINDER, K.RETURN_CONFIRMATION_REMINDER):
        return _dispute_awaited(order, reminder)
    main_kind = MAIN_OF[reminder.kind]
    main = _running(order, main_kind, reminder.subject_id)
    about = REMINDER_ABOUT[main_kind]
    if reminder.kind == K.CHANGE_REQUEST_REMINDER and main is not None:
        change = ChangeRequest.objects.filter(pk=main.subject_id).first()
        if change is not None and change.state == ChangeRequest.State.AWAITING_CHARGE:
            about = "extra_charge_confirmation"  # R13: the buyer's turn now
    return about, main.due_at if main is not None else None


def reminder_send(order: Order, deadline: Deadline, *, now: datetime) -> None:
    """R27: remind the party who can still act. The order is locked by the caller; a reminder
    of a deadline that stopped raises `nothing_to_remind`, and the scheduler voids it."""
    if deadline.kind == K.UNPAID_TIMEOUT_REMINDER:
        refuse_while_capturing(order)  # the buyer is paying: wait, as the timeout does
    about, due_at = _awaited(order, deadline)
    events_record(order, decide_reminder(about, due_at), actor=PLATFORM, now=now)
