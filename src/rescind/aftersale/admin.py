from django.contrib import admin

from rescind.aftersale.models import CancellationRequest


@admin.register(CancellationRequest)
class CancellationRequestAdmin(admin.ModelAdmin):
    list_display = ("id", "order", "reason", "side", "report_supplier", "state", "respond_by")
    list_filter = ("state", "side", "report_supplier")

    def has_change_permission(self, request, obj=None):
        return False
