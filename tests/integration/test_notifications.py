"""Every step tells the parties it concerns, through a real SMTP server on 127.0.0.1, the in-app
inbox, and signed webhooks to a real HTTP receiver on 127.0.0.1 (R24, R27)."""

from __future__ import annotations

import socket
from datetime import timedelta
from email import message_from_bytes
from email.policy import default as email_policy

import pytest
from aiosmtpd.controller import Controller
from django.db import transaction
from django_tasks_db.models import DBTaskResult

from rescind.aftersale.services import cancellation_approve, cancellation_request
from rescind.notifications.models import (
    EmailMessage,
    Notification,
    WebhookDelivery,
    WebhookSubscriber,
)
from rescind.notifications.services import email_send, notify_entries
from rescind.notifications.webhooks import webhook_deliver
from rescind.orders.models import TimelineEntry
from rescind.refunds.models import Refund, SandboxOperation
from rescind.refunds.services import refund_check, refund_submit
from rescind.scheduler import deadlines_fire_due
from tests.conftest import DAY, HOUR, T0
from tests.webhook_servers import LOCAL_NETWORKS, Receiver, webhook_tasks_run


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Mailbox:
    def __init__(self, port: int) -> None:
        self.messages: list = []
        self.port = port

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        self.messages.append(message_from_bytes(envelope.content, policy=email_policy))
        return "250 OK"

    def subjects_to(self, address: str) -> list[str]:
        return [str(m["Subject"]) for m in self.messages if m["To"] == address]


@pytest.fixture
def smtp(settings):
    """A real SMTP server on 127.0.0.1, and Django's SMTP backend pointed at it."""
    mailbox = Mailbox(_free_port())
    controller = Controller(mailbox, hostname="127.0.0.1", port=mailbox.port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", mailbox.port
    yield mailbox
    controller.stop()


@pytest.fixture
def receiver(db, settings):
    """A real receiver on 127.0.0.1, which the allow-list lets webhooks reach (not production)."""
    settings.RESCIND_WEBHOOK_ALLOWED_NETWORKS = LOCAL_NETWORKS
    subscriber = WebhookSubscriber.objects.create(name="ERP", url="http://placeholder")
    hooks = Receiver(subscriber.secret)
    subscriber.url = hooks.url
    subscriber.save()
    yield hooks
    hooks.stop()


def _deliver_queued(now):
    """Run the queued notification tasks, then the webhook deliveries they queued, as the
    worker would after commit."""
    results = []
    for task in DBTaskResult.objects.filter(task_path__endswith="notify_task",
                                            status="READY").order_by("enqueued_at"):
        entry_ids, order_id = task.args_kwargs["args"]
        results.append(notify_entries(entry_ids=entry_ids, order_id=order_id, now=now))
        task.delete()
    webhook_tasks_run(now)
    return results


def test_r27_new_request_tells_the_seller_in_the_inbox_by_email_and_by_webhook(market, smtp,
                                                                               receiver):
    # given a paid order whose buyer requests cancellation
    order = market.requested(at=T0)
    # when the queued notifications are delivered
    _deliver_queued(T0 + 25 * HOUR)
    # then the seller has it in the inbox and by e-mail, with the deadline
    title = f"Cancellation requested for order #{order.pk}: answer by Fri 6 Mar 2026, 11:00 UTC"
    inbox = Notification.objects.get(user=market.seller, kind="CancellationRequested")
    assert (inbox.title, inbox.read_at) == (title, None)
    assert smtp.subjects_to("seller@example.com") == [f"Order #{order.pk} is paid: please ship it",
                                                      title]
    # and the buyer was told nothing of their own request
    assert not Notification.objects.filter(user=market.buyer).exists()
    # and the marketplace's systems received every event, signed
    assert receiver.kinds() == ["OrderPlaced", "OrderPaid", "CancellationRequested"]
    assert receiver.events[-1]["params"]["reason"] == "no_longer_needed"


def test_r24_buyer_is_told_when_the_refund_starts_and_when_it_arrives(market, smtp):
    # given an approved cancellation whose refund is then sent and settled
    order = market.requested(at=T0)
    cancellation_approve(order_id=order.pk, user=market.seller, now=T0 + 2 * DAY)
    refund = Refund.objects.get()
    refund_submit(refund_id=refund.pk, now=T0 + 2 * DAY)
    refund_check(refund_id=refund.pk, now=SandboxOperation.objects.get(kind="refund").settles_at)
    # when the notifications are delivered
    _deliver_queued(T0 + 20 * DAY)
    # then the buyer heard of the decision, the start and the arrival, by e-mail and inbox
    expected = [f"Order #{order.pk} is cancelled: your refund is on its way",
                f"Your refund of $28.00 for order #{order.pk} has started",
                f"Your refund of $28.00 for order #{order.pk} has arrived"]
    assert smtp.subjects_to("buyer@example.com") == expected
    assert list(Notification.objects.filter(user=market.buyer).order_by("pk")
                .values_list("title", flat=True)) == expected


def test_r27_seller_is_reminded_24_hours_before_the_automatic_approval(market, smtp):
    order = market.requested(at=T0)
    _deliver_queued(T0)
    # when the clock reaches 24 hours before the seller's deadline
    assert deadlines_fire_due(now=T0 + 73 * HOUR) == 1
    _deliver_queued(T0 + 73 * HOUR)
    # then the seller is reminded of it
    assert smtp.subjects_to("seller@example.com")[-1] == \
        f"Reminder: act on order #{order.pk} by Fri 6 Mar 2026, 11:00 UTC"
    # and when the deadline passes in silence, both sides hear of the automatic approval, each
    # in their own words
    deadlines_fire_due(now=T0 + 97 * HOUR)
    _deliver_queued(T0 + 97 * HOUR)
    assert smtp.subjects_to("buyer@example.com") == [
        f"Order #{order.pk} was cancelled automatically: the seller did not answer in time"]
    assert smtp.subjects_to("seller@example.com")[-1] == (
        f"Order #{order.pk} was cancelled automatically: you did not answer the request in time")


def test_r27_no_reminder_once_the_seller_has_answered(market):
    order = market.requested(at=T0)
    cancellation_approve(order_id=order.pk, user=market.seller, now=T0 + 30 * HOUR)
    deadlines_fire_due(now=T0 + 97 * HOUR)
    assert not TimelineEntry.objects.filter(order=order, kind="SellerReminded").exists()


def test_r23_r27_overdue_refund_is_flagged_to_support(market, smtp):
    order = market.requested(at=T0, method="e_wallet")
    cancellation_approve(order_id=order.pk, user=market.seller, now=T0 + 2 * DAY)
    refund = Refund.objects.get()
    refund_submit(refund_id=refund.pk, now=T0 + 2 * DAY)
    SandboxOperation.objects.update(settles_at=T0 + 90 * DAY)  # the provider is stuck
    refund_check(refund_id=refund.pk, now=T0 + 10 * DAY)
    market.support.email = "support@example.com"
    market.support.save()
    _deliver_queued(T0 + 10 * DAY)
    assert smtp.subjects_to("support@example.com") == [
        f"Overdue refund on order #{order.pk}: it was due by Wed 11 Mar 2026, 10:00 UTC"]


def test_r27_each_event_is_sent_at_most_once_per_channel(market, smtp, receiver):
    # given the notification task of a request, delivered twice (a retry, a duplicate)
    order = market.requested(at=T0)
    entry_ids = list(TimelineEntry.objects.filter(order=order).values_list("pk", flat=True))
    notify_entries(entry_ids=entry_ids, now=T0)
    notify_entries(entry_ids=entry_ids, now=T0)
    # and the webhook deliveries they queued run (one task each, queued once)
    assert webhook_tasks_run(T0) == [True, True, True]
    # then each went out once per channel
    assert len(smtp.messages) == 2  # "paid" and "cancellation requested", to the seller
    assert Notification.objects.count() == 2
    assert receiver.kinds() == ["OrderPlaced", "OrderPaid", "CancellationRequested"]
    assert WebhookDelivery.objects.count() == 3


def test_r27_a_failing_mail_server_blocks_nothing_and_is_retried(market, settings, smtp):
    # given a mail server that is down
    settings.EMAIL_PORT = _free_port()
    order = market.requested(at=T0)
    _deliver_queued(T0)
    # then the state change stood, the inbox has it, and the e-mail waits for a retry
    order.refresh_from_db()
    assert order.state == "awaiting_shipment"
    assert Notification.objects.filter(user=market.seller).count() == 2
    email = EmailMessage.objects.get(subject__startswith="Cancellation requested")
    assert (email.sent_at, email.attempts) == (None, 1)
    retry = DBTaskResult.objects.get(task_path__endswith="email_send_task",
                                     args_kwargs__args=[email.pk])
    assert timedelta(seconds=25) < retry.run_after - retry.enqueued_at < timedelta(seconds=35)
    # when the server is back and the retry runs, it is sent once
    settings.EMAIL_PORT = smtp.port
    assert email_send(email_id=email.pk, now=T0 + HOUR) is True
    assert email_send(email_id=email.pk, now=T0 + HOUR) is False
    assert smtp.subjects_to("seller@example.com").count(email.subject) == 1


def test_r27_a_failing_webhook_receiver_is_retried_until_it_answers(market, receiver):
    # given a receiver that fails twice, then answers
    receiver.statuses = [500, 503]
    order = market.place(at=T0)
    _deliver_queued(T0)
    delivery = WebhookDelivery.objects.get()
    assert (delivery.attempts, delivery.last_status, delivery.delivered_at) == (1, 500, None)
    # when the retries run
    assert webhook_deliver(delivery_id=delivery.pk, now=T0 + HOUR) is False
    assert webhook_deliver(delivery_id=delivery.pk, now=T0 + 2 * HOUR) is True
    # then it was delivered once, on the third attempt
    delivery.refresh_from_db()
    assert (delivery.attempts, delivery.last_status, delivery.delivered_at) == (
        3, 200, T0 + 2 * HOUR)
    assert receiver.kinds() == ["OrderPlaced"]
    assert receiver.events[0]["order_id"] == order.pk


def test_r27_a_rolled_back_decision_sends_nothing(market):
    # given a request whose transaction fails after the decision
    order = market.paid(at=T0)
    DBTaskResult.objects.all().delete()
    with pytest.raises(RuntimeError), transaction.atomic():
        cancellation_request(order_id=order.pk, user=market.buyer, reason="no_longer_needed",
                             report_supplier=False, now=T0 + 2 * DAY)
        raise RuntimeError("crash before commit")
    # then no notification was queued for it
    assert not DBTaskResult.objects.exists()
    assert not TimelineEntry.objects.filter(kind="CancellationRequested").exists()


def test_r11_r27_a_refusal_tells_the_buyer_its_reason_and_webhooks_carry_the_code(market,
                                                                                 receiver):
    from rescind.aftersale.services import cancellation_refuse

    # given a pending request the seller refuses because the order already shipped
    order = market.requested(at=T0)
    cancellation_refuse(order_id=order.pk, user=market.seller, reason_code="already_shipped",
                        note="It left this morning", now=T0 + 2 * DAY)
    # when the queued notifications are delivered
    _deliver_queued(T0 + 2 * DAY)
    # then the buyer reads the reason in words, with the note
    notice = Notification.objects.get(user=market.buyer, kind="CancellationRefused")
    assert notice.title == (f"The seller refused to cancel order #{order.pk}: the order has "
                            "already shipped. “It left this morning”")
    # and the marketplace's systems receive the code
    refused = next(e for e in receiver.events if e["kind"] == "CancellationRefused")
    assert refused["params"] == {"note": "It left this morning", "reason_code": "already_shipped"}
