"""The refund ledger, read-only (R21-R23): refunds are created, retried and settled by the
services and the worker. The sandbox gateway's faults stay editable for demos."""

from django.contrib import admin

from rescind.orders.admin import ReadOnlyAdmin, money
from rescind.refunds.models import Refund, SandboxFault


@admin.register(Refund)
class RefundAdmin(ReadOnlyAdmin):
    list_display = ("id", "order", "amount_money", "method", "state", "start_by", "arrive_by",
                    "overdue_flagged_at", "start_overdue_flagged_at", "attempts",
                    "failure_code", "retry_of")
    list_filter = ("state", "method")
    exclude = ("amount",)
    readonly_fields = ("amount_money",)
    amount_money = money("amount", "amount")


admin.site.register(SandboxFault)
