"""Checkout and payment (R1)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from ninja import Router, Status

from rescind.api.common import ERRORS
from rescind.api.schemas import CheckoutIn, CheckoutOut
from rescind.clock.service import now as clock_now
from rescind.domain.actions import Party
from rescind.domain.errors import DomainError, ErrorKind
from rescind.orders.models import Checkout, Payment
from rescind.orders.reads import order_summaries
from rescind.orders.services import CheckoutItem, checkout_create, payment_capture

router = Router(tags=["checkout"])


def checkout_read(checkout: Checkout) -> dict:
    now = clock_now()
    payment = checkout.payment
    return {
        "id": checkout.pk,
        "payment": {"id": payment.pk, "method": payment.method,
                    "instrument": payment.instrument, "state": payment.state,
                    "amount": {"amount": payment.amount, "currency": payment.currency},
                    "captured_at": payment.captured_at},
        "orders": order_summaries(list(checkout.orders.select_related("store").order_by("pk")),
                                  lambda _order: Party.BUYER, now=now),
    }


@router.post("/checkouts", response={201: CheckoutOut, **ERRORS})
def checkouts_create(request, body: CheckoutIn):
    """R1: buy from one or more stores: one order per store, one payment. Errors: 422
    unknown_payment_method, 422 unknown_product, 422 instrument_not_for_method (a sandbox test
    instrument of another method), 422 bad_delivery."""
    checkout = checkout_create(
        buyer=request.user,
        items=[CheckoutItem(i.product_id, i.quantity, i.options) for i in body.items],
        payment_method=body.payment_method, now=clock_now(), coupon_codes=body.coupon_codes,
        payment_instrument=body.payment_instrument,
        delivery=body.delivery.model_dump() if body.delivery else None)
    return Status(201, checkout_read(checkout))


@router.get("/checkouts/{checkout_id}", response={200: CheckoutOut, **ERRORS})
def checkouts_read(request, checkout_id: int):
    checkout = Checkout.objects.filter(pk=checkout_id, buyer=request.user).first()
    if checkout is None:
        raise DomainError("checkout_not_found", _("No such checkout."), kind=ErrorKind.NOT_FOUND)
    return checkout_read(checkout)


@router.post("/payments/{payment_id}/capture", response={200: CheckoutOut, **ERRORS})
def payments_capture(request, payment_id: int):
    """Pay every unpaid order of the checkout through the payment gateway."""
    payment: Payment = payment_capture(payment_id=payment_id, buyer=request.user,
                                       now=clock_now())
    return checkout_read(payment.checkout)
