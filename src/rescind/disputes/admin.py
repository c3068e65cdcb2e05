from django.contrib import admin

from rescind.disputes.models import Dispute


@admin.register(Dispute)
class DisputeAdmin(admin.ModelAdmin):
    """Raw data only: decisions are made on the support console (/support/disputes/)."""

    list_display = ("id", "order", "reason", "state", "claim", "refund", "opened_at",
                    "respond_by", "escalate_by", "confirm_by")
    list_filter = ("state", "reason", "beside_cancellation")

    def has_change_permission(self, request, obj=None):
        return False
