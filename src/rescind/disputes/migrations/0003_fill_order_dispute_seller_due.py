"""Order.dispute_seller_due for the disputes open before it existed (as Dispute.seller_due)."""

from datetime import UTC, datetime

from django.db import migrations

SELLER_NOTHING_DUE = datetime(3000, 1, 1, tzinfo=UTC)


def fill(apps, schema_editor):
    Dispute = apps.get_model("rescind_disputes", "Dispute")
    Order = apps.get_model("rescind_orders", "Order")
    for dispute in Dispute.objects.exclude(state="resolved").order_by("pk").iterator():
        due = {"awaiting_seller": dispute.respond_by,
               "awaiting_return": dispute.confirm_by}.get(dispute.state)
        Order.objects.filter(pk=dispute.order_id).update(
            dispute_seller_due=due or SELLER_NOTHING_DUE)


class Migration(migrations.Migration):

    dependencies = [
        ("rescind_disputes", "0002_dispute_assignee_and_version"),
        ("rescind_orders", "0012_order_dispute_seller_due"),
    ]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
