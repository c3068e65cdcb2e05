"""The buyer's "My coupons" page and support's form to issue a platform coupon (R25, R26, R28:
the same services as GET /api/v1/coupons and POST /api/v1/support/coupons)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rescind.clock.service import now as clock_now
from rescind.coupons.holdings import coupon_issue_check, coupons_of_buyer, platform_coupon_issue
from rescind.domain.coupons import PLATFORM_COUPON_MAX_AMOUNT
from rescind.domain.errors import DomainError
from rescind.domain.money import SUPPORTED_CURRENCIES
from rescind.orders.models import Store
from rescind.web.money_format import amount_parse

# A coupon's state as its buyer reads it, with its badge tone.
STANDING = {
    "available": (gettext_lazy("Available"), "success"),
    "returned": (gettext_lazy("Returned to you"), "info"),
    "used": (gettext_lazy("Used"), "neutral"),
    "expired": (gettext_lazy("Expired"), "danger"),
}
KIND_LABELS = {
    "platform": gettext_lazy("Platform coupon: any store"),
    "seller": gettext_lazy("Store coupon"),
    "promo": gettext_lazy("Promo code"),
}
# Which form field each refusal of the issue form stands next to.
FIELD_OF_ERROR = {
    "coupon_buyer_unknown": "buyer", "bad_amount": "amount", "coupon_amount_invalid": "amount",
    "coupon_value_missing": "amount", "coupon_percent_invalid": "percent_off",
    "coupon_currency_unsupported": "currency", "unsupported_currency": "currency",
    "amount_decimals": "amount", "coupon_expiry_past": "expires_on",
    "bad_date": "expires_on", "coupon_code_invalid": "code", "coupon_code_taken": "code",
}


@login_required
def buyer_coupons(request: HttpRequest) -> HttpResponse:
    """The buyer's coupons: what each is worth, where it stands, until when, and the orders
    it paid for."""
    coupons = coupons_of_buyer(request.user, now=clock_now())
    for coupon in coupons:
        coupon["state_label"], coupon["tone"] = STANDING[coupon["state"]]
        coupon["kind_label"] = KIND_LABELS[coupon["kind"]]
        coupon["cap"] = coupon["value"] if coupon["percent_off"] and \
            coupon["value"]["amount"] < PLATFORM_COUPON_MAX_AMOUNT else None
    return render(request, "rescind/coupons.html", {"coupons": coupons})


def _expiry(text: str) -> datetime:
    """A day from the form -> the end of that day, UTC (the pages show dates in UTC)."""
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        raise DomainError("bad_date", _("Enter a date like 2027-01-31.")) from None
    return datetime.combine(day, time(23, 59, 59), tzinfo=UTC)


def _percent(text: str) -> int | None:
    if not text:
        return None
    try:
        return int(text.strip().rstrip("%").strip())
    except ValueError:
        raise DomainError("coupon_percent_invalid", _("A percentage is a whole number from 1 "
                                                      "to 100.")) from None


@login_required
def support_coupon_issue(request: HttpRequest) -> HttpResponse:
    """Support gives a buyer a platform coupon; refusals stand next to their field."""
    try:
        coupon_issue_check(request.user)
    except DomainError as exc:
        raise PermissionDenied(exc.message) from None
    now = clock_now()
    form = {"buyer": "", "amount": "", "percent_off": "", "currency": "USD", "code": "",
            "note": "",
            "expires_on": (now + timedelta(days=30)).date().isoformat()}
    errors: dict[str, str] = {}
    if request.method == "POST":
        form = {name: request.POST.get(name, "").strip() for name in form}
        try:
            coupon = platform_coupon_issue(
                user=request.user, buyer_username=form["buyer"],
                amount=amount_parse(form["amount"], form["currency"].upper())
                if form["amount"] else None,
                percent_off=_percent(form["percent_off"]), currency=form["currency"],
                expires_at=_expiry(form["expires_on"]), note=form["note"][:300],
                code=form["code"], now=now)
        except DomainError as exc:
            errors[FIELD_OF_ERROR.get(exc.code, "buyer")] = exc.message
        else:
            messages.success(request, _("Coupon %(code)s is issued to %(buyer)s.") % {
                "code": coupon.code, "buyer": coupon.owner.username})
            return redirect("support-coupon-issue")
    return render(request, "rescind/support_coupon_issue.html", {
        "form": form, "errors": errors,
        "currencies": _currencies(form["currency"])})


def _currencies(chosen: str) -> list[str]:
    """The currencies the coupon form offers: those the stores sell in (any ISO 4217 code is
    valid, but a coupon only pays for orders in its own currency, R3), and the one posted."""
    sold = set(Store.objects.values_list("currency", flat=True).distinct())
    return sorted(sold | {"USD"} | ({chosen} if chosen in SUPPORTED_CURRENCIES else set()))
