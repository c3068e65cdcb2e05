"""Webhook deliveries over real HTTP on 127.0.0.1 (R27): one task per delivery, only to checked
addresses, no redirects, one deadline per attempt, filters, inactive subscribers dropped."""

from __future__ import annotations

import pytest
from django_tasks_db.models import DBTaskResult

from rescind.notifications.models import WebhookDelivery, WebhookSubscriber
from rescind.notifications.services import notify_entries
from rescind.notifications.webhooks import webhook_deliver, webhook_update
from rescind.orders.models import TimelineEntry
from tests.conftest import HOUR, T0
from tests.webhook_servers import (
    LOCAL_NETWORKS,
    Receiver,
    Redirector,
    Trickler,
    webhook_retries_queued,
    webhook_tasks_run,
)


def _notify_queued(now) -> None:
    """Run the queued notification fan-outs, as the worker would after commit."""
    for task in DBTaskResult.objects.filter(task_path__endswith="notify_task", status="READY"):
        notify_entries(entry_ids=task.args_kwargs["args"][0],
                       order_id=task.args_kwargs["args"][1], now=now)
        task.delete()


@pytest.fixture
def local_receivers(db, settings):
    """Receivers on 127.0.0.1, reachable because the test lists loopback as allowed."""
    settings.RESCIND_WEBHOOK_ALLOWED_NETWORKS = LOCAL_NETWORKS
    started = []

    def start(name: str, **filters) -> tuple[WebhookSubscriber, Receiver]:
        subscriber = WebhookSubscriber.objects.create(name=name, url="http://placeholder",
                                                      **filters)
        receiver = Receiver(subscriber.secret)
        subscriber.url = receiver.url
        subscriber.save()
        started.append(receiver)
        return subscriber, receiver

    yield start
    for receiver in started:
        receiver.stop()


def test_r27_each_delivery_is_its_own_task(market, local_receivers):
    # given two subscribers
    first, _ = local_receivers("ERP")
    second, _ = local_receivers("CRM")
    # when an order is placed and its notifications fan out
    market.place(at=T0)
    _notify_queued(T0)
    # then each (event, subscriber) has its own delivery row and its own queued task
    deliveries = list(WebhookDelivery.objects.order_by("pk"))
    assert [(d.subscriber_id, d.event_kind, d.status) for d in deliveries] == [
        (first.pk, "OrderPlaced", "pending"), (second.pk, "OrderPlaced", "pending")]
    assert [webhook_retries_queued(d.pk) for d in deliveries] == [1, 1]


def test_r27_a_malformed_legacy_url_fails_only_its_own_delivery(market, local_receivers):
    # given a subscriber stored before URLs were checked, with a malformed URL, registered
    # before a working one
    broken = WebhookSubscriber.objects.create(name="Legacy", url="http://[::1/")
    _, receiver = local_receivers("ERP")
    # when an order is placed and the notifications run
    order = market.place(at=T0)
    _notify_queued(T0)
    assert webhook_tasks_run(T0) == [False, True]
    # then the working subscriber got the event
    assert [(e["kind"], e["order_id"]) for e in receiver.events] == [("OrderPlaced", order.pk)]
    # and the broken one failed for good, with the reason, and is not retried
    failed = WebhookDelivery.objects.get(subscriber=broken)
    assert (failed.status, failed.attempts, failed.last_status) == ("failed", 1, None)
    assert failed.last_error == "The webhook URL is malformed: Invalid IPv6 URL."
    assert webhook_retries_queued(failed.pk) == 0


def test_r27_a_name_resolving_to_a_private_address_is_refused_at_connect_time(market, settings,
                                                                             local_receivers):
    # given a subscriber whose host name resolves to loopback (as after a DNS rebinding)
    subscriber, receiver = local_receivers("ERP")
    subscriber.url = f"http://localhost:{receiver.port}/hooks"
    subscriber.save()
    # and no network allowed beyond the public ones (production)
    settings.RESCIND_WEBHOOK_ALLOWED_NETWORKS = []
    # when an event is delivered
    market.place(at=T0)
    _notify_queued(T0)
    assert webhook_tasks_run(T0) == [False]
    # then nothing reached the receiver, and the delivery failed for good with the reason
    assert receiver.requests == []
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.last_status) == ("failed", None)
    assert delivery.last_error == ("refused: localhost is at 127.0.0.1, a loopback address, and "
                                   "webhooks go only to public addresses")
    assert webhook_retries_queued(delivery.pk) == 0


def test_r27_the_checked_address_is_connected_to_with_the_name_as_host(market, local_receivers):
    # given a subscriber named by host name, resolved to an allowed address
    subscriber, receiver = local_receivers("ERP")
    subscriber.url = f"http://localhost:{receiver.port}/hooks?source=rescind"
    subscriber.save()
    # when an event is delivered
    market.place(at=T0)
    _notify_queued(T0)
    assert webhook_tasks_run(T0) == [True]
    # then the request carried the name in its Host header, and the delivery key
    delivery = WebhookDelivery.objects.get()
    assert [(r["Host"], r["X-Rescind-Delivery"], r["X-Rescind-Event"])
            for r in receiver.requests] == [(f"localhost:{receiver.port}", delivery.dedup_key,
                                             "OrderPlaced")]


def test_r27_a_redirect_is_a_failed_delivery_and_is_not_followed(market, local_receivers):
    # given a subscriber whose URL answers 302 towards another receiver
    subscriber, target = local_receivers("ERP")
    redirector = Redirector(location=target.url)
    subscriber.url = redirector.url
    subscriber.save()
    try:
        # when an event is delivered
        market.place(at=T0)
        _notify_queued(T0)
        assert webhook_tasks_run(T0) == [False]
    finally:
        redirector.stop()
    # then the redirect was not followed: the signed body never reached the other server
    assert (redirector.posts, target.requests) == (1, [])
    # and the attempt failed with the status, to be retried
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_status, delivery.delivered_at) == (
        "pending", 1, 302, None)
    assert delivery.last_error == "HTTP 302: redirects are not followed"
    assert webhook_retries_queued(delivery.pk) == 1


def test_r27_a_receiver_trickling_its_answer_fails_at_the_deadline(market, settings,
                                                                  local_receivers):
    # given a 1 s deadline per attempt, and a receiver that answers 200 one byte every 0.2 s
    # (about 10 s in all: each read gets a byte long before a per-read timeout would fire)
    settings.RESCIND_WEBHOOK_DEADLINE_SECONDS = 1
    subscriber, _ = local_receivers("ERP")
    trickler = Trickler(pause=0.2)
    subscriber.url = trickler.url
    subscriber.save()
    try:
        # when an event is delivered
        market.place(at=T0)
        _notify_queued(T0)
        assert webhook_tasks_run(T0) == [False]
    finally:
        trickler.stop()
    # then the attempt ended at the deadline as a timeout, not as the 200 it would have become
    delivery = WebhookDelivery.objects.get()
    assert (trickler.posts, delivery.status, delivery.attempts, delivery.last_status) == (
        1, "pending", 1, None)
    assert delivery.last_error == "timeout: no answer within the 1 s deadline"
    assert webhook_retries_queued(delivery.pk) == 1


def test_r27_a_deactivated_subscriber_gets_none_of_its_queued_retries(market, local_receivers):
    # given a delivery that failed once and waits for its retry
    subscriber, receiver = local_receivers("ERP")
    receiver.statuses = [500]
    market.place(at=T0)
    _notify_queued(T0)
    assert webhook_tasks_run(T0) == [False]
    delivery = WebhookDelivery.objects.get()
    assert webhook_retries_queued(delivery.pk) == 1
    # when support deactivates the subscriber, and the retry comes up
    webhook_update(subscriber_id=subscriber.pk, active=False)
    assert webhook_deliver(delivery_id=delivery.pk, now=T0 + HOUR) is False
    # then nothing more was sent, and the delivery is logged as dropped, not retried again
    assert len(receiver.requests) == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_error) == (
        "dropped", 1, "dropped: the subscriber was deactivated")
    assert webhook_retries_queued(delivery.pk) == 1  # only the one that just ran


def test_r27_subscribers_get_only_the_event_kinds_and_stores_they_filter_for(market,
                                                                            local_receivers):
    # given a subscriber for payments only, one for the other store only, and one for all
    _, payments = local_receivers("Payments", event_kinds=["OrderPaid"])
    _, other_store = local_receivers("Store B", store_ids=[market.other_store.pk])
    _, everything = local_receivers("ERP")
    # when an order of each store is placed and paid
    first = market.paid(at=T0)
    second = market.paid(at=T0, product=market.other_product)
    _notify_queued(T0)
    webhook_tasks_run(T0)
    # then each got exactly what it filtered for
    seen = [(e["kind"], e["order_id"]) for e in payments.events]
    assert seen == [("OrderPaid", first.pk), ("OrderPaid", second.pk)]
    assert [(e["kind"], e["order_id"]) for e in other_store.events] == [
        ("OrderPlaced", second.pk), ("OrderPaid", second.pk)]
    assert len(everything.events) == TimelineEntry.objects.count() == 4
