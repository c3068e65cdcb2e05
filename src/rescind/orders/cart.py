"""The buyer's cart, one set of rows that the pages and the API share (R1, R5, R28)."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from rescind.domain.errors import DomainError, ErrorKind
from rescind.domain.ordering import options_checked
from rescind.orders.models import CartLine, Product

MAX_QUANTITY = 999


def cart_lines_of(buyer) -> list[CartLine]:
    """The buyer's cart lines in the order they were added, with product and store."""
    return list(CartLine.objects.filter(buyer=buyer).select_related("product__store")
                .order_by("pk"))


def cart_read(buyer) -> dict:
    """The cart as pages and API show it: lines with unit price and line total, and the
    items' total per currency (shipping and coupons are worked out at checkout)."""
    lines = cart_lines_of(buyer)
    totals: dict[str, int] = {}
    rows = []
    for line in lines:
        product = line.product
        total = product.unit_price * line.quantity
        totals[product.currency] = totals.get(product.currency, 0) + total
        rows.append({
            "id": line.pk, "quantity": line.quantity, "options": line.options,
            "product": {"id": product.pk, "name": product.name,
                        "store": {"id": product.store_id, "name": product.store.name}},
            "unit_price": {"amount": product.unit_price, "currency": product.currency},
            "total": {"amount": total, "currency": product.currency}})
    return {"lines": rows,
            "items_total": [{"amount": amount, "currency": currency}
                            for currency, amount in sorted(totals.items())]}


def _quantity_checked(quantity: int) -> int:
    if not 1 <= quantity <= MAX_QUANTITY:
        raise DomainError("bad_quantity", _("A quantity is from 1 to %(max_quantity)s."),
                                          params={"max_quantity": MAX_QUANTITY},
                          kind=ErrorKind.INVALID, details={"min": 1, "max": MAX_QUANTITY})
    return quantity


def cart_line_add(*, buyer, product_id: int, quantity: int,
                  options: dict[str, str]) -> CartLine:
    """Put a product with its chosen options in the buyer's cart. Errors: 422 unknown_product,
    bad_quantity, and the options' own (unknown_option, option_required...)."""
    product = Product.objects.filter(pk=product_id).first()
    if product is None:
        raise DomainError("unknown_product", _("Some products do not exist."),
                          kind=ErrorKind.INVALID, details={"product_ids": [product_id]})
    options_checked(product.name, product.option_choices, options, product_id=product.pk)
    return CartLine.objects.create(buyer=buyer, product=product, options=options,
                                   quantity=_quantity_checked(quantity))


def _line_of(buyer, line_id: int) -> CartLine:
    line = CartLine.objects.select_for_update().filter(pk=line_id, buyer=buyer).first()
    if line is None:  # another buyer's line is not found either
        raise DomainError("cart_line_not_found", _("There is no such line in your cart."),
                          kind=ErrorKind.NOT_FOUND)
    return line


def cart_line_update(*, buyer, line_id: int, quantity: int) -> CartLine:
    """Change the quantity of one of the buyer's cart lines. Errors: 404 cart_line_not_found,
    422 bad_quantity."""
    quantity = _quantity_checked(quantity)
    with transaction.atomic():
        line = _line_of(buyer, line_id)
        line.quantity = quantity
        line.save(update_fields=["quantity"])
    return line


def cart_line_remove(*, buyer, line_id: int) -> None:
    """Take a line out of the buyer's cart. Errors: 404 cart_line_not_found."""
    with transaction.atomic():
        _line_of(buyer, line_id).delete()
