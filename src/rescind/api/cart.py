"""The buyer's cart: read, add, change, remove and check out (R1, R5, R28). The pages use the
same rows and the same services, so "add to cart again" on either shows up on both."""

from __future__ import annotations

from ninja import Router, Schema, Status
from pydantic import Field

from rescind.api.checkouts import checkout_read
from rescind.api.choices import PaymentMethodChoice
from rescind.api.common import ERRORS
from rescind.api.schemas import (
    CheckoutItemIn,
    CheckoutOut,
    CouponCode,
    DeliveryIn,
    MoneyOut,
    StoreRef,
    StrictIn,
)
from rescind.clock.service import now as clock_now
from rescind.orders.cart import (
    MAX_QUANTITY,
    cart_line_add,
    cart_line_remove,
    cart_line_update,
    cart_read,
)
from rescind.orders.services import checkout_from_cart

router = Router(tags=["cart"])


class CartProductOut(Schema):
    id: int
    name: str
    store: StoreRef


class CartLineOut(Schema):
    id: int
    product: CartProductOut
    options: dict[str, str]
    quantity: int
    unit_price: MoneyOut
    total: MoneyOut


class CartOut(Schema):
    lines: list[CartLineOut]
    items_total: list[MoneyOut] = Field(
        description="the items' total per currency; shipping and coupons come at checkout")


class CartQuantityIn(StrictIn):
    quantity: int = Field(ge=1, le=MAX_QUANTITY)


class CartCheckoutIn(StrictIn):
    payment_method: PaymentMethodChoice
    coupon_codes: list[CouponCode] = Field(default_factory=list, max_length=10)
    payment_instrument: str = Field(
        default="", max_length=40, pattern=r"^([a-z0-9][a-z0-9_-]*)?$",
        description="as in POST /checkouts (sandbox test instruments included)")
    delivery: DeliveryIn | None = None


@router.get("/cart", response={200: CartOut, **ERRORS})
def cart_get(request):
    """The caller's cart, lines in the order they were added."""
    return cart_read(request.user)


@router.post("/cart/lines", response={201: CartOut, **ERRORS})
def cart_lines_add(request, body: CheckoutItemIn):
    """Put a product in the cart. Errors: 422 unknown_product, 422 bad_options."""
    cart_line_add(buyer=request.user, product_id=body.product_id, quantity=body.quantity,
                  options=body.options)
    return Status(201, cart_read(request.user))


@router.patch("/cart/lines/{line_id}", response={200: CartOut, **ERRORS})
def cart_lines_update(request, line_id: int, body: CartQuantityIn):
    """Change a line's quantity. Errors: 404 cart_line_not_found (also for another buyer's
    line), 422 bad_quantity."""
    cart_line_update(buyer=request.user, line_id=line_id, quantity=body.quantity)
    return cart_read(request.user)


@router.delete("/cart/lines/{line_id}", response={200: CartOut, **ERRORS})
def cart_lines_remove(request, line_id: int):
    """Take a line out of the cart. Errors: 404 cart_line_not_found."""
    cart_line_remove(buyer=request.user, line_id=line_id)
    return cart_read(request.user)


@router.post("/cart/checkout", response={201: CheckoutOut, **ERRORS})
def cart_checkout(request, body: CartCheckoutIn):
    """R1: check out the whole cart, as the cart page does (the same service): one order per
    store, one payment, the cart emptied. Send an Idempotency-Key: a repeat answers the first
    checkout and buys nothing more. Errors: 409 cart_empty, 422 unknown_coupon,
    422 coupon_already_used, 422 coupon_expired, 422 bad_options, 422 bad_delivery,
    422 instrument_not_for_method."""
    checkout = checkout_from_cart(
        buyer=request.user, payment_method=body.payment_method, now=clock_now(),
        coupon_codes=body.coupon_codes, payment_instrument=body.payment_instrument,
        delivery=body.delivery.model_dump() if body.delivery else None)
    return Status(201, checkout_read(checkout))
