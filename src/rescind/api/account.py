"""The caller, the catalogue, the reason list and the demo clock."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from ninja import Router, Schema
from pydantic import Field

from rescind.accounts.parties import is_support, store_ids_of
from rescind.accounts.reading import reading_of, reading_update
from rescind.api.choices import RefusalReasonChoice
from rescind.api.common import ERRORS
from rescind.api.schemas import (
    ClockAdvanceIn,
    ClockOut,
    MeOut,
    ProductOut,
    ReasonOut,
    StrictIn,
)
from rescind.clock.service import clock_advance, clock_offset
from rescind.clock.service import now as clock_now
from rescind.config import policy
from rescind.domain.errors import DomainError, ErrorKind
from rescind.domain.policy import parse_duration
from rescind.domain.refusals import NOTE_REQUIRED_FOR
from rescind.orders.models import Product
from rescind.web.labels import refusal_reasons

router = Router(tags=["account"])


@router.get("/me", response={200: MeOut, **ERRORS})
def me(request):
    user = request.user
    stores = store_ids_of(user)
    roles = ["buyer"] + (["seller"] if stores else []) + (["support"] if is_support(user) else [])
    return {"id": user.pk, "username": user.username, "roles": roles, "store_ids": stores}


class AccountOut(Schema):
    language: str = Field(description="one of the shipped languages (en, es, pt-br, fr, ar); "
                                      "empty: not chosen, Accept-Language decides")
    time_zone: str = Field(description="an IANA time zone name (Europe/Madrid); empty: not "
                                       "chosen, dates are shown in UTC")


class AccountIn(StrictIn):
    language: str | None = Field(None, max_length=10,
                                 description="a shipped language, or empty to let "
                                                   "Accept-Language decide; 422 "
                                                   "unknown_language otherwise")
    time_zone: str | None = Field(None, max_length=64,
                                  description="an IANA time zone name, or empty; 422 "
                                                     "unknown_time_zone otherwise")


@router.get("/account", response={200: AccountOut, **ERRORS})
def account_read(request):
    """The caller's language and time zone: e-mails and pages use them (issue 15)."""
    reading = reading_of(request.user)
    return {"language": reading.language, "time_zone": reading.time_zone}


@router.patch("/account", response={200: AccountOut, **ERRORS})
def account_update(request, body: AccountIn):
    """Change the caller's language and/or time zone; an unknown one changes nothing."""
    reading = reading_update(user=request.user, language=body.language,
                             time_zone=body.time_zone)
    return {"language": reading.language, "time_zone": reading.time_zone}


@router.get("/products", response={200: list[ProductOut], **ERRORS})
def products_list(request):
    return [
        {"id": p.pk, "store": {"id": p.store_id, "name": p.store.name}, "name": p.name,
         "unit_price": {"amount": p.unit_price, "currency": p.currency},
         "option_choices": p.option_choices}
        for p in Product.objects.select_related("store").order_by("pk")[:500]
    ]


@router.get("/policy/cancellation-reasons", response={200: list[ReasonOut], **ERRORS})
def reasons_list(request):
    """R8: the fixed reason list, each with the side it counts against."""
    return [{"code": r.code, "label": gettext(r.label), "side": r.side.value,
             "explanation": gettext(r.explanation) if r.explanation else ""}
            for r in policy().r8_reasons]


class RefusalReasonOut(Schema):
    code: RefusalReasonChoice
    label: str = Field(description="as the seller's form offers it")
    note_required: bool = Field(description="a refusal with this reason needs a note")


@router.get("/policy/refusal-reasons", response={200: list[RefusalReasonOut], **ERRORS})
def refusal_reasons_list(request):
    """R11: the fixed list a seller refuses a cancellation request with (`reason_code`)."""
    return [{**r, "note_required": r["code"] in NOTE_REQUIRED_FOR} for r in refusal_reasons()]


def _clock_read() -> dict:
    return {"now": clock_now(), "offset_seconds": int(clock_offset().total_seconds()),
            "demo_mode": settings.DEMO_MODE}


@router.get("/clock", response={200: ClockOut, **ERRORS})
def clock_read(request):
    return _clock_read()


@router.post("/clock/advance", response={200: ClockOut, **ERRORS})
def clock_move(request, body: ClockAdvanceIn):
    """Demo mode only: move the shared clock forward; due deadlines then fire."""
    try:
        by = parse_duration(body.by)
    except ValueError as exc:
        raise DomainError("bad_duration", _("Give a duration as a number with a unit (s, m, h, "
                                            "d, w), e.g. 72h, 3d, 1d12h or 90m."),
                          kind=ErrorKind.INVALID, details={"problem": str(exc)}) from None
    except OverflowError:  # e.g. "9999999999d": beyond any date; clock_advance caps it lower
        raise DomainError("bad_duration", _("That duration is too long."),
                          kind=ErrorKind.INVALID) from None
    clock_advance(by=by)
    return _clock_read()
