"""Managing webhooks through the API and the admin (R27): only public addresses, a dedicated
permission, the secret shown once, filters checked, the delivery log and its replay."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission

from rescind.notifications.models import WebhookDelivery, WebhookSubscriber
from rescind.notifications.services import notify_entries
from rescind.orders.models import TimelineEntry
from tests.conftest import T0
from tests.webhook_servers import LOCAL_NETWORKS, Receiver, webhook_tasks_run


@pytest.fixture
def manager(market):
    """The support user, holding the manage_webhooks permission."""
    market.support.user_permissions.add(Permission.objects.get(codename="manage_webhooks"))
    return market.support


@pytest.fixture
def production(settings):
    """No network allowed beyond the public ones, as in production."""
    settings.RESCIND_WEBHOOK_ALLOWED_NETWORKS = []


@pytest.fixture
def receiver(settings):
    settings.RESCIND_WEBHOOK_ALLOWED_NETWORKS = LOCAL_NETWORKS
    hooks = Receiver(secret="unknown yet")
    yield hooks
    hooks.stop()


NON_PUBLIC = [
    ("http://127.0.0.1/hooks", "127.0.0.1", "loopback"),
    ("http://10.1.2.3/hooks", "10.1.2.3", "private"),
    ("http://172.16.0.1/hooks", "172.16.0.1", "private"),
    ("http://172.31.255.254/hooks", "172.31.255.254", "private"),
    ("http://192.168.1.10/hooks", "192.168.1.10", "private"),
    ("http://169.254.169.254/latest/meta-data/", "169.254.169.254", "link-local"),
    ("http://[::1]/hooks", "::1", "loopback"),
    ("http://[fc00::1]/hooks", "fc00::1", "private"),
    ("http://[fd12:3456::1]/hooks", "fd12:3456::1", "private"),
    ("http://[fe80::1]/hooks", "fe80::1", "link-local"),
    ("http://[::ffff:127.0.0.1]/hooks", "::ffff:7f00:1", "loopback"),
    ("http://[::ffff:169.254.169.254]/hooks", "::ffff:a9fe:a9fe", "link-local"),
    ("http://2130706433/", "127.0.0.1", "loopback"),
    ("http://0x7f000001/", "127.0.0.1", "loopback"),
    ("http://0177.0.0.1/", "127.0.0.1", "loopback"),
    ("https://localhost:8443/hooks", "127.0.0.1", "loopback"),
]


@pytest.mark.parametrize(("url", "address", "reason"), NON_PUBLIC)
def test_r27_registration_refuses_non_public_addresses(call, manager, production, url, address,
                                                       reason):
    # when support registers a URL whose host is, or resolves to, a non-public address
    response = call("POST", "/webhooks", user=manager, body={"name": "Probe", "url": url})
    # then it is refused with the address and the reason, and nothing is registered
    assert response.status_code == 422
    body = response.json()
    assert (body["code"], body["details"]["address"], body["details"]["reason"]) == (
        "webhook_url_not_public", address, reason)
    assert not WebhookSubscriber.objects.exists()


@pytest.mark.parametrize(("url", "code"), [
    ("http://[::1/", "webhook_url_malformed"),
    ("http://", "webhook_url_malformed"),
    ("http://8.8.8.8:port/", "webhook_url_malformed"),
    ("http://8.8.8.8/a b", "webhook_url_malformed"),
    ("ftp://8.8.8.8/", "webhook_url_scheme_unsupported"),
    ("file:///etc/passwd", "webhook_url_scheme_unsupported"),
    ("http://user:pw@8.8.8.8/", "webhook_url_has_credentials"),
    ("http://no-such-host.invalid/hooks", "webhook_url_unresolvable"),
])
def test_r27_registration_refuses_malformed_urls(call, manager, production, url, code):
    response = call("POST", "/webhooks", user=manager, body={"name": "Probe", "url": url})
    assert (response.status_code, response.json()["code"]) == (422, code)
    assert not WebhookSubscriber.objects.exists()


def test_r27_registration_refuses_unknown_event_kinds_and_stores(call, manager, production):
    url = "https://93.184.215.14/hooks"
    kinds = call("POST", "/webhooks", user=manager,
                 body={"name": "ERP", "url": url, "event_kinds": ["OrderPaid", "OrderPayed"]})
    stores = call("POST", "/webhooks", user=manager,
                  body={"name": "ERP", "url": url, "store_ids": [987654]})
    assert (kinds.status_code, kinds.json()["code"], kinds.json()["details"]) == (
        422, "webhook_event_kind_unknown", {"unknown": ["OrderPayed"]})
    assert (stores.status_code, stores.json()["code"], stores.json()["details"]) == (
        422, "webhook_store_unknown", {"unknown": [987654]})
    assert not WebhookSubscriber.objects.exists()


def test_r27_a_public_address_registers_with_its_filters(call, manager, market, production):
    response = call("POST", "/webhooks", user=manager, body={
        "name": "ERP", "url": "https://93.184.215.14/hooks", "event_kinds": ["OrderPaid"],
        "store_ids": [market.store.pk]})
    assert response.status_code == 201
    subscriber = WebhookSubscriber.objects.get()
    assert response.json() == {"id": subscriber.pk, "name": "ERP",
                               "url": "https://93.184.215.14/hooks", "active": True,
                               "event_kinds": ["OrderPaid"], "store_ids": [market.store.pk],
                               "secret": subscriber.secret}


def test_r27_the_allow_list_lets_a_local_receiver_register(call, manager, receiver):
    response = call("POST", "/webhooks", user=manager, body={"name": "Dev", "url": receiver.url})
    assert (response.status_code, response.json()["url"]) == (201, receiver.url)


def test_r27_the_secret_is_shown_once_and_rotated(call, manager, market, receiver):
    # given a subscriber just created: the answer carries its secret
    created = call("POST", "/webhooks", user=manager, body={"name": "ERP", "url": receiver.url})
    webhook_id, secret = created.json()["id"], created.json()["secret"]
    assert secret.startswith("whsec_")
    # then neither the list nor the detail shows it again
    listed = call("GET", "/webhooks", user=manager).json()
    detail = call("GET", f"/webhooks/{webhook_id}", user=manager).json()
    assert [sorted(row) for row in listed] == [
        ["active", "event_kinds", "id", "name", "store_ids", "url"]]
    assert "secret" not in detail and secret not in str(listed) + str(detail)
    # when the secret is rotated, the answer shows the new one, once
    rotated = call("POST", f"/webhooks/{webhook_id}/rotate-secret", user=manager)
    new_secret = rotated.json()["secret"]
    assert rotated.status_code == 200 and new_secret not in (secret, "")
    assert new_secret not in str(call("GET", f"/webhooks/{webhook_id}", user=manager).json())
    # and deliveries are signed with the new secret
    receiver.secret = new_secret
    market.place(at=T0)
    notify_entries(entry_ids=list(TimelineEntry.objects.values_list("pk", flat=True)), now=T0)
    assert webhook_tasks_run(T0) == [True]
    assert receiver.kinds() == ["OrderPlaced"]


def test_r27_updating_deactivates_and_refilters(call, manager, market, production):
    subscriber = WebhookSubscriber.objects.create(name="ERP", url="https://93.184.215.14/")
    response = call("PATCH", f"/webhooks/{subscriber.pk}", user=manager,
                    body={"active": False, "event_kinds": ["RefundStarted", "OrderPaid"]})
    assert response.status_code == 200
    assert response.json() == {"id": subscriber.pk, "name": "ERP",
                               "url": "https://93.184.215.14/", "active": False,
                               "event_kinds": ["OrderPaid", "RefundStarted"], "store_ids": []}
    unknown = call("PATCH", f"/webhooks/{subscriber.pk}", user=manager,
                   body={"store_ids": [987654]})
    assert (unknown.status_code, unknown.json()["code"]) == (422, "webhook_store_unknown")
    missing = call("PATCH", f"/webhooks/{subscriber.pk + 1}", user=manager, body={"name": "X"})
    assert (missing.status_code, missing.json()["code"]) == (404, "webhook_not_found")


def test_r27_the_delivery_log_is_paged_and_a_replay_resends_with_the_same_key(call, manager,
                                                                             market, receiver):
    # given a subscriber that received the three events of a cancellation request
    created = call("POST", "/webhooks", user=manager, body={"name": "ERP", "url": receiver.url})
    webhook_id = created.json()["id"]
    receiver.secret = created.json()["secret"]
    market.requested(at=T0)
    notify_entries(entry_ids=list(TimelineEntry.objects.values_list("pk", flat=True)), now=T0)
    assert webhook_tasks_run(T0) == [True, True, True]
    # when support reads the log two at a time, newest first
    first = call("GET", f"/webhooks/{webhook_id}/deliveries?limit=2", user=manager).json()
    second = call("GET", f"/webhooks/{webhook_id}/deliveries?limit=2&offset=2",
                  user=manager).json()
    assert (first["count"], first["limit"], first["offset"]) == (3, 2, 0)
    assert [d["event_kind"] for d in first["deliveries"] + second["deliveries"]] == [
        "CancellationRequested", "OrderPaid", "OrderPlaced"]
    paid = first["deliveries"][1]
    assert (paid["status"], paid["attempts"], paid["last_status"], paid["replay_of"]) == (
        "delivered", 1, 200, None)
    # and replays the OrderPaid delivery
    replay = call("POST", f"/webhooks/deliveries/{paid['id']}/replay", user=manager)
    assert replay.status_code == 202
    assert (replay.json()["status"], replay.json()["replay_of"],
            replay.json()["delivery_key"]) == ("pending", paid["id"], paid["delivery_key"])
    # while it is queued, it cannot be replayed again
    again = call("POST", f"/webhooks/deliveries/{replay.json()['id']}/replay", user=manager)
    assert (again.status_code, again.json()["code"]) == (409, "webhook_delivery_pending")
    assert webhook_tasks_run(T0) == [True]
    # then the receiver got the same payload again, under the same delivery key
    assert receiver.kinds() == ["OrderPlaced", "OrderPaid", "CancellationRequested", "OrderPaid"]
    assert receiver.events[1] == receiver.events[3]
    keys = [r["X-Rescind-Delivery"] for r in receiver.requests]
    assert keys[1] == keys[3] == paid["delivery_key"]
    assert WebhookDelivery.objects.get(pk=replay.json()["id"]).status == "delivered"
    missing = call("POST", "/webhooks/deliveries/987654/replay", user=manager)
    assert (missing.status_code, missing.json()["code"]) == (404, "webhook_delivery_not_found")


ENDPOINTS = [("GET", "/webhooks"), ("POST", "/webhooks"), ("GET", "/webhooks/{id}"),
             ("PATCH", "/webhooks/{id}"), ("POST", "/webhooks/{id}/rotate-secret"),
             ("GET", "/webhooks/{id}/deliveries"),
             ("POST", "/webhooks/deliveries/{delivery}/replay")]


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
def test_r27_staff_without_the_manage_webhooks_permission_get_403(call, market, production,
                                                                 method, path):
    # given a subscriber with a delivery, and support staff without the permission
    subscriber = WebhookSubscriber.objects.create(name="ERP", url="https://93.184.215.14/")
    delivery = WebhookDelivery.objects.create(subscriber=subscriber, event_kind="OrderPaid",
                                              payload={}, created_at=T0, status="failed",
                                              dedup_key="1:webhook:1")
    url = path.format(id=subscriber.pk, delivery=delivery.pk)
    body = {"name": "X", "url": "https://93.184.215.15/"} if path == "/webhooks" else {}
    # when staff, and a seller, call the endpoint
    for user in (market.support, market.seller):
        response = call(method, url, user=user, body=body)
        # then they are refused with the stable code, and nothing changed
        assert (response.status_code, response.json()["code"]) == (
            403, "webhooks_permission_required")
    assert WebhookSubscriber.objects.count() == WebhookDelivery.objects.count() == 1
    assert WebhookSubscriber.objects.get().secret == subscriber.secret


def test_r27_the_admin_needs_the_manage_webhooks_permission(client, market):
    # given support staff without the permission
    client.force_login(market.support)
    url = "/admin/rescind_notifications/webhooksubscriber/"
    # then the webhook pages are forbidden to them
    assert client.get(url).status_code == 403
    assert client.get(url + "add/").status_code == 403
    assert client.get("/admin/rescind_notifications/webhookdelivery/").status_code == 403
    # and open once they hold it
    market.support.user_permissions.add(Permission.objects.get(codename="manage_webhooks"))
    assert client.get(url).status_code == 200


def test_r27_the_admin_refuses_a_private_url_and_shows_the_secret_once(client, manager,
                                                                        production):
    client.force_login(manager)
    url = "/admin/rescind_notifications/webhooksubscriber/add/"
    form = {"name": "ERP", "active": "on", "event_kinds": "[]", "store_ids": "[]"}
    refused = client.post(url, {**form, "url": "http://169.254.169.254/latest/"})
    assert refused.status_code == 200  # the form again, with the error next to the field
    assert "a link-local address; webhooks go only to public addresses" in refused.text
    assert not WebhookSubscriber.objects.exists()
    created = client.post(url, {**form, "url": "https://93.184.215.14/hooks"}, follow=True)
    subscriber = WebhookSubscriber.objects.get()
    assert subscriber.secret in created.text
    listing = client.get("/admin/rescind_notifications/webhooksubscriber/")
    detail = client.get(f"/admin/rescind_notifications/webhooksubscriber/{subscriber.pk}/change/")
    assert subscriber.secret not in listing.text + detail.text
    # and a change (deactivation) keeps the URL and the secret
    changed = client.post(f"/admin/rescind_notifications/webhooksubscriber/{subscriber.pk}/"
                          "change/", {"name": "ERP", "event_kinds": "[]", "store_ids": "[]"})
    assert changed.status_code == 302
    assert WebhookSubscriber.objects.values_list("active", "url", "secret").get() == (
        False, "https://93.184.215.14/hooks", subscriber.secret)
