"""Cancellation and change requests, read-only: sellers and the platform decide them through
the services (R10-R14), never by editing a row here."""

from django.contrib import admin

from rescind.aftersale.models import CancellationRequest, ChangeRequest
from rescind.orders.admin import ReadOnlyAdmin, money


@admin.register(CancellationRequest)
class CancellationRequestAdmin(ReadOnlyAdmin):
    list_display = ("id", "order", "reason", "side", "report_supplier", "state", "respond_by")
    list_filter = ("state", "side", "report_supplier")


@admin.register(ChangeRequest)
class ChangeRequestAdmin(ReadOnlyAdmin):
    list_display = ("id", "order", "state", "price_before_money", "price_after_money",
                    "respond_by", "confirm_by", "applied_at")
    list_filter = ("state",)
    exclude = ("price_before", "price_after")
    readonly_fields = ("price_before_money", "price_after_money")
    price_before_money = money("price_before", "price before")
    price_after_money = money("price_after", "price after")
