"""Notification side effects, run by the worker after commit."""

from django_tasks import task

from rescind.clock.service import now as clock_now
from rescind.notifications import services, webhooks


@task()
def notify_task(entry_ids: list[int], order_id: int | None = None) -> dict:
    # The entries' order id keeps the read on one shard on Citus; None in a task queued
    # before it was carried.
    return services.notify_entries(entry_ids=entry_ids, order_id=order_id, now=clock_now())


@task()
def email_send_task(email_id: int) -> bool:
    return services.email_send(email_id=email_id, now=clock_now())


@task()
def webhook_deliver_task(delivery_id: int) -> bool:
    return webhooks.webhook_deliver(delivery_id=delivery_id, now=clock_now())
