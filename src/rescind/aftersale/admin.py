from django.contrib import admin

from rescind.aftersale.models import CancellationRequest, ChangeRequest


@admin.register(CancellationRequest)
class CancellationRequestAdmin(admin.ModelAdmin):
    list_display = ("id", "order", "reason", "side", "report_supplier", "state", "respond_by")
    list_filter = ("state", "side", "report_supplier")

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ChangeRequest)
class ChangeRequestAdmin(admin.ModelAdmin):
    list_display = ("id", "order", "state", "price_before", "price_after", "currency",
                    "respond_by", "confirm_by", "applied_at")
    list_filter = ("state",)

    def has_change_permission(self, request, obj=None):
        return False
