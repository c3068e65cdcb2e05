"""Tracking numbers and the parcels that carry them (R15, R16, R20): a (carrier, tracking
number) pair belongs to at most one live parcel, shipments and return parcels alike. A unique
partial index on `Parcel` enforces it, so two concurrent claims cannot both win; a carrier's
event goes to the one live parcel it names, and anything else waits for support."""

from __future__ import annotations

from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from rescind.domain.errors import DomainError, ErrorKind
from rescind.orders.models import Order, Parcel, Shipment, UnmatchedCarrierEvent


def parcel_keys(carrier: str, tracking_number: str) -> tuple[str, str]:
    """How a pair is compared: carriers by name ignoring case, numbers ignoring case and
    spaces (carriers print them in groups)."""
    return carrier.strip().lower(), "".join(tracking_number.split()).upper()


def parcel_claim(order: Order, *, kind: str, carrier: str, tracking_number: str,
                 now: datetime, shipment: Shipment | None = None) -> Parcel:
    """R15: give `tracking_number` of `carrier` to a new parcel of the locked order, or refuse
    with `tracking_number_in_use` when a live parcel (of any order) already carries it."""
    carrier_key, tracking_key = parcel_keys(carrier, tracking_number)
    parcel = Parcel(order=order, kind=kind, shipment=shipment, carrier_key=carrier_key,
                    tracking_key=tracking_key, claimed_at=now)
    in_use = DomainError(
        "tracking_number_in_use",
        _("%(carrier)s tracking number %(tracking_number)s already belongs to another parcel "
          "that is on its way. Check the number on the label."),
        params={"carrier": carrier.strip(), "tracking_number": tracking_number.strip()},
        details={"carrier": carrier.strip()[:64], "tracking_number": tracking_number.strip()[:64]})
    if Parcel.objects.filter(carrier_key=carrier_key, tracking_key=tracking_key,
                             released_at__isnull=True).exists():
        raise in_use
    try:
        with transaction.atomic():  # a concurrent claim of the same pair loses here
            parcel.save()
    except IntegrityError:
        raise in_use from None
    return parcel


def parcels_release(order: Order, *, cause: str, now: datetime,
                    kind: str | None = None) -> None:
    """Free the order's live parcels (of `kind`, if given): their numbers may be used again."""
    live = Parcel.objects.filter(order=order, released_at__isnull=True)
    if kind is not None:
        live = live.filter(kind=kind)
    live.update(released_at=now, release_cause=cause)


def parcels_matching(carrier_names: list[str], tracking_number: str) -> list[Parcel]:
    """The live parcels of these carriers with this tracking number (one, if the account
    reports for one carrier)."""
    tracking_key = parcel_keys("", tracking_number)[1]
    return list(Parcel.objects.filter(
        tracking_key=tracking_key, released_at__isnull=True,
        carrier_key__in=[parcel_keys(name, "")[0] for name in carrier_names]).order_by("pk"))


def parcel_is_live(parcel: Parcel) -> bool:
    """Read again under the order's lock: the parcel may have been released meanwhile."""
    return Parcel.objects.filter(pk=parcel.pk, released_at__isnull=True).exists()


def carrier_event_queue(*, user, carrier_names: list[str], tracking_number: str, event: str,
                        location: str, live_matches: int, now: datetime) -> UnmatchedCarrierEvent:
    """R15: an event that names no live parcel of its carrier, or several, waits for support,
    with the order that last carried the number as a hint."""
    tracking_key = parcel_keys("", tracking_number)[1]
    last = (Parcel.objects.filter(tracking_key=tracking_key,
                                  carrier_key__in=[parcel_keys(n, "")[0] for n in carrier_names])
            .order_by("-pk").values_list("order_id", flat=True).first())
    return UnmatchedCarrierEvent.objects.create(
        received_at=now, account=user, carriers=", ".join(carrier_names)[:300],
        tracking_number=tracking_number.strip()[:64], event=event[:30],
        location=location[:120], live_matches=live_matches, last_order_id=last)


def carrier_event_handle(*, event_id: int, user, note: str, now: datetime) -> UnmatchedCarrierEvent:
    """Support marks an unmatched carrier event as looked at, saying what they did."""
    from rescind.accounts.parties import is_support

    if not is_support(user):
        raise DomainError("support_only", _("Only support staff may handle carrier events."),
                          kind=ErrorKind.FORBIDDEN)
    if not note.strip():
        raise DomainError("note_required", _("Say what you did about this event."),
                          kind=ErrorKind.INVALID)
    with transaction.atomic():
        queued = UnmatchedCarrierEvent.objects.select_for_update().filter(pk=event_id).first()
        if queued is None:
            raise DomainError("carrier_event_not_found", _("No such carrier event."),
                              kind=ErrorKind.NOT_FOUND)
        if queued.handled_at is not None:
            raise DomainError("carrier_event_already_handled",
                              _("Someone has already handled this carrier event."))
        queued.handled_at, queued.handled_by, queued.handling_note = now, user, note.strip()[:2000]
        queued.save(update_fields=["handled_at", "handled_by", "handling_note"])
    return queued


def carrier_events_unhandled(*, limit: int = 200) -> list[UnmatchedCarrierEvent]:
    """Support's queue of carrier events no parcel took, newest first."""
    return list(UnmatchedCarrierEvent.objects.filter(handled_at__isnull=True)
                .select_related("account").order_by("-pk")[:limit])
