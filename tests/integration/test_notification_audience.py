"""Every kind of event that concerns a party reaches exactly that party's inbox, and e-mail
when they have an address (R24, R27). New event kinds join this test by joining AUDIENCE."""

from __future__ import annotations

import pytest

from rescind.domain.actions import Party
from rescind.domain.audience import AUDIENCE
from rescind.notifications.messages import notification_text
from rescind.notifications.models import EmailMessage, Notification
from rescind.notifications.services import notify_entries
from rescind.orders.models import TimelineEntry
from tests.conftest import T0

MONEY = {"amount": 1250, "currency": "USD"}
# One value for every parameter any notification text reads; a new one fails loudly here.
PARAMS = {
    "amount": MONEY, "new_total": MONEY, "claim": MONEY, "refund": MONEY, "extra_charge": MONEY,
    "arrive_by": "2026-03-09T10:00:00+00:00", "respond_by": "2026-03-05T10:00:00+00:00",
    "due_at": "2026-03-05T10:00:00+00:00", "confirm_by": "2026-03-12T10:00:00+00:00",
    "carrier": "Cainiao", "tracking_number": "LP1", "note": "Sorry", "code": "PLAT",
    "return_item": False, "about": "unpaid_timeout", "deliver_by": "2026-05-01T10:00:00+00:00",
    "start_by": "2026-03-03T10:00:00+00:00", "method": "bank_card",
    "failure_message": "The card has expired, so the bank cannot take the refund.",
}


@pytest.mark.parametrize("kind", sorted(AUDIENCE))
def test_r24_r27_each_event_kind_reaches_exactly_its_audience(market, settings, kind):
    # given a staff user with an address, and an order event of this kind
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    market.support.email = "support@example.com"
    market.support.save()
    order = market.place(at=T0)
    Notification.objects.all().delete()
    EmailMessage.objects.all().delete()
    entry = TimelineEntry.objects.create(order=order, at=T0, kind=kind, actor="platform",
                                         params=PARAMS)
    # when it is delivered
    notify_entries(entry_ids=[entry.pk], now=T0)
    # then exactly its audience has it in the inbox, titled, and by e-mail
    users = {Party.BUYER: market.buyer, Party.SELLER: market.seller,
             Party.SUPPORT: market.support}
    expected = {users[party].username for party in AUDIENCE[kind]}
    inbox = Notification.objects.filter(kind=kind)
    assert {n.user.username for n in inbox} == expected
    if not expected:  # a step told through another event (e.g. DisputeDecided)
        assert not EmailMessage.objects.exists()
        return
    # each recipient in their own words
    titles = {n.user.username: n.title for n in inbox}
    assert titles == {users[party].username: notification_text(kind, order.pk, PARAMS, party)[0]
                      for party in AUDIENCE[kind]}
    assert all(f"#{order.pk}" in title for title in titles.values())
    assert set(EmailMessage.objects.values_list("to", flat=True)) == {
        users[party].email for party in AUDIENCE[kind] if users[party].email}


@pytest.mark.parametrize("kind", sorted(AUDIENCE))
def test_r27_each_reader_is_addressed_as_you_never_in_the_third_person(kind):
    # given an event of this kind, when each party it concerns reads its notification
    for party in AUDIENCE[kind] & {Party.BUYER, Party.SELLER}:
        title, body = notification_text(kind, 7, PARAMS, party)
        # then it never speaks of the reader as "the buyer" or "the seller"
        assert f"the {party.value}" not in f"{title} {body}".lower(), (party, title, body)
