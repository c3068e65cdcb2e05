"""Message attachments carry their order's id, so that on Citus they live on the order's shard
(docs/deployment.md, "Citus"); filled from each attachment's message."""

import django.db.models.deletion
from django.db import migrations, models


def orders_fill(apps, schema_editor):
    attachment = apps.get_model("rescind_messaging", "MessageAttachment")
    message = apps.get_model("rescind_messaging", "OrderMessage")
    attachment.objects.update(order_id=models.Subquery(
        message.objects.filter(pk=models.OuterRef("message_id")).values("order_id")[:1]))


class Migration(migrations.Migration):
    dependencies = [
        ("rescind_messaging", "0001_initial"),
        ("rescind_orders", "0010_order_delivery"),
    ]

    operations = [
        migrations.AddField(
            model_name="messageattachment",
            name="order",
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT,
                                    related_name="+", to="rescind_orders.order"),
        ),
        migrations.RunPython(orders_fill, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="messageattachment",
            name="order",
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT,
                                    related_name="+", to="rescind_orders.order"),
        ),
    ]
