"""The admin shows the ledgers; it never changes them. Orders, payments, requests, disputes,
refunds, deadlines and the timeline (R29) change only through the services, which enforce the
rules: here they can be listed and read, not added, edited or deleted. Amounts show as money
("13.98 USD"), never as bare minor units."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import admin

from rescind.domain.money import Money
from rescind.orders.models import (
    Carrier,
    Deadline,
    Order,
    OrderLine,
    Parcel,
    Payment,
    Product,
    Store,
    TimelineEntry,
    UnmatchedCarrierEvent,
)


def money(field: str, label: str, *, currency: Callable[[object], str] | None = None):
    """An admin column or read-only field showing `field` (minor units) as money, in the row's
    `currency` (or the one `currency(row)` names)."""

    @admin.display(description=label, ordering=field)
    def show(model_admin, row) -> str:
        amount = getattr(row, field)
        if amount is None:
            return "-"
        return Money(amount, currency(row) if currency else row.currency).format()

    show.__name__ = f"{field}_money"
    return show


class _NoChanges:
    """No way to add, change or delete a row."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(_NoChanges, admin.ModelAdmin):
    """Lists and shows rows; offers no way to add, change or delete one."""


class ReadOnlyInline(_NoChanges, admin.TabularInline):
    extra = 0
    can_delete = False


def _order_currency(row) -> str:
    return row.order.currency


class LineInline(ReadOnlyInline):
    model = OrderLine
    fields = ("product", "product_name", "options", "quantity", "unit_price_money",
              "discount_money")
    readonly_fields = fields
    unit_price_money = money("unit_price", "unit price", currency=_order_currency)
    discount_money = money("discount", "discount", currency=_order_currency)


class TimelineInline(ReadOnlyInline):
    model = TimelineEntry
    fields = ("at", "kind", "actor", "actor_user", "params")


class DeadlineInline(ReadOnlyInline):
    model = Deadline


@admin.register(Order)
class OrderAdmin(ReadOnlyAdmin):
    list_display = ("id", "store", "buyer", "state", "close_reason", "responsible_side",
                    "total_money", "refunded_money", "placed_at")
    list_filter = ("state", "close_reason", "responsible_side", "store")
    search_fields = ("id", "buyer__username")
    exclude = ("items_total", "shipping_fee", "discount_total", "total", "refunded")
    readonly_fields = ("items_total_money", "shipping_fee_money", "discount_total_money",
                       "total_money", "refunded_money")
    inlines = [LineInline, DeadlineInline, TimelineInline]
    items_total_money = money("items_total", "items total")
    shipping_fee_money = money("shipping_fee", "shipping fee")
    discount_total_money = money("discount_total", "discounts")
    total_money = money("total", "total charged")
    refunded_money = money("refunded", "refunded")


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = ("id", "checkout", "method", "amount_money", "state", "captured_at")
    list_filter = ("state", "method")
    exclude = ("amount",)
    readonly_fields = ("amount_money",)
    amount_money = money("amount", "amount")


@admin.register(Store)
class StoreAdmin(admin.ModelAdmin):
    list_display = ("id", "name", "currency", "shipping_fee_money")
    shipping_fee_money = money("shipping_fee", "shipping fee")


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ("id", "name", "store", "unit_price_money")
    list_filter = ("store",)
    unit_price_money = money("unit_price", "unit price")


@admin.register(Parcel)
class ParcelAdmin(ReadOnlyAdmin):
    """R15: which parcel carries which tracking number; claimed and released by the services."""

    list_display = ("id", "order", "kind", "carrier_key", "tracking_key", "claimed_at",
                    "released_at", "release_cause")
    list_filter = ("kind", "release_cause")
    search_fields = ("tracking_key", "order__id")


@admin.register(UnmatchedCarrierEvent)
class UnmatchedCarrierEventAdmin(ReadOnlyAdmin):
    """R15: carrier events no live parcel took; support handles them in the console."""

    list_display = ("id", "received_at", "carriers", "tracking_number", "event",
                    "live_matches", "last_order", "handled_at")
    list_filter = ("event", "live_matches")
    search_fields = ("tracking_number",)


@admin.register(Carrier)
class CarrierAdmin(admin.ModelAdmin):
    """R15: a carrier and the accounts that post its tracking events (setup, not a ledger)."""

    list_display = ("name",)
    filter_horizontal = ("accounts",)
