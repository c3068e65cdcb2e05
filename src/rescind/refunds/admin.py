from django.contrib import admin

from rescind.refunds.models import Refund, SandboxFault


@admin.register(Refund)
class RefundAdmin(admin.ModelAdmin):
    list_display = ("id", "order", "amount", "currency", "method", "state", "start_by",
                    "arrive_by", "overdue_flagged_at", "start_overdue_flagged_at", "attempts",
                    "failure_code", "retry_of")
    list_filter = ("state", "method")

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


admin.site.register(SandboxFault)
