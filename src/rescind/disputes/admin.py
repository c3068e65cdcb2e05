"""Disputes, read-only: they are decided on the support console (/support/disputes/) and by
the services (R18-R20), never by editing a row here."""

from django.contrib import admin

from rescind.disputes.models import Dispute
from rescind.orders.admin import ReadOnlyAdmin, money


@admin.register(Dispute)
class DisputeAdmin(ReadOnlyAdmin):
    list_display = ("id", "order", "reason", "state", "claim_money", "refund_money",
                    "opened_at", "respond_by", "escalate_by", "confirm_by")
    list_filter = ("state", "reason", "beside_cancellation")
    exclude = ("claim", "proposal", "refund")
    readonly_fields = ("claim_money", "proposal_money", "refund_money")
    claim_money = money("claim", "claim")
    proposal_money = money("proposal", "seller's proposal")
    refund_money = money("refund", "refund decided")
