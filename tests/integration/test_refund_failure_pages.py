"""The buyer's order page and support's console show a refund that failed for good, its
reason, what to do, and the actions; the actions run the same services as the API (R21-R23,
R28)."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth.models import Permission

from rescind.aftersale.services import cancellation_approve
from rescind.clock.service import now as clock_now
from rescind.orders.models import Payment
from rescind.refunds.models import Refund, SandboxFault
from rescind.refunds.services import refund_submit
from rescind.scheduler import deadlines_fire_due

EXPIRED = "The card has expired, so the bank cannot take the refund."


def _approved(market, instrument="expired_card"):
    order = market.requested(at=clock_now() - timedelta(days=3), instrument=instrument)
    cancellation_approve(order_id=order.pk, user=market.seller, now=clock_now())
    return Refund.objects.get(order=order)


def _failed(market):
    refund = _approved(market)
    refund_submit(refund_id=refund.pk, now=clock_now())
    return refund


def test_r23_the_buyer_page_shows_the_failure_and_renews_the_card(client, market):
    # given a refund refused for good
    refund = _failed(market)
    order_id = refund.order_id
    client.force_login(market.buyer)
    # when the buyer opens the order page
    html = client.get(f"/orders/{order_id}/").content.decode()
    # then it says the refund failed, why, what to do, and offers the form
    assert '<span class="badge badge-warning">Failed</span>' in html
    assert f'<span class="failure-reason">{EXPIRED}</span>' in html
    assert "Refunds can only go to the bank card you paid with" in html
    assert "Use it for refunds" in html
    assert f"Refund of $28.00 failed: {EXPIRED}" in html  # the history
    # when the buyer gives the renewed card through the form
    response = client.post(f"/orders/{order_id}/refund-destination/",
                           {"method": "bank_card", "instrument": "renewed_card"})
    # then refunds go there, and the page says support will send it again
    assert response.status_code == 302
    assert Payment.objects.get(checkout__orders=order_id).instrument == "renewed_card"
    html = client.get(f"/orders/{order_id}/").content.decode()
    assert "Thank you: refunds go there now." in html
    assert "You gave renewed details on" in html
    assert "The buyer gave renewed bank card details for refunds." in html


def test_r23_the_buyer_page_refuses_another_method_next_to_nothing_changed(client, market):
    refund = _failed(market)
    client.force_login(market.buyer)
    client.post(f"/orders/{refund.order_id}/refund-destination/",
                {"method": "e_wallet", "instrument": "my_wallet"})
    html = client.get(f"/orders/{refund.order_id}/").content.decode()
    assert "Refunds go back to the bank card you paid with; give a renewed bank card." in html
    assert Payment.objects.get(checkout__orders=refund.order_id).instrument == "expired_card"


def test_r23_the_console_lists_the_failure_and_support_retries_it(client, market):
    # given a refund refused for good, and support allowed to retry
    refund = _failed(market)
    market.support.user_permissions.add(Permission.objects.get(codename="retry_refund"))
    client.force_login(market.support)
    # when support opens the queue
    html = client.get("/support/disputes/").content.decode()
    # then the failed refund is listed with its reason and the retry action
    assert f'<li class="failed-refund" data-refund-id="{refund.pk}">' in html
    assert f'<span class="failure-reason">{EXPIRED}</span> (code expired_card)' in html
    assert "The buyer has not renewed the method yet." in html
    assert f'action="/support/refunds/{refund.pk}/retry/"' in html
    # and the order page offers the retry too
    assert "Retry the refund" in client.get(f"/orders/{refund.order_id}/").content.decode()
    # when support retries from the console
    response = client.post(f"/support/refunds/{refund.pk}/retry/")
    # then a new refund is on the ledger and the queue no longer lists the failure
    assert (response.status_code, response["Location"]) == (302, "/support/disputes/")
    assert list(Refund.objects.filter(order_id=refund.order_id).values_list(
        "state", "retry_of")) == [("failed", None), ("pending", refund.pk)]
    html = client.get("/support/disputes/").content.decode()
    assert "The refund is being sent again, as a new refund on the ledger." in html
    assert "No failed refunds." in html
    page = client.get(f"/orders/{refund.order_id}/").content.decode()
    assert f"(sent again after refund #{refund.pk} failed)" in page
    # and retrying again is refused on the page, in words
    client.post(f"/support/refunds/{refund.pk}/retry/")
    html = client.get("/support/disputes/").content.decode()
    assert "This refund was retried already" in html


def test_r23_the_console_needs_the_permission_and_is_support_only(client, market):
    refund = _failed(market)
    client.force_login(market.support)
    html = client.get("/support/disputes/").content.decode()
    assert 'Retrying needs the "retry refunds" permission.' in html
    client.post(f"/support/refunds/{refund.pk}/retry/")
    assert Refund.objects.filter(order_id=refund.order_id).count() == 1
    client.force_login(market.buyer)
    assert client.post(f"/support/refunds/{refund.pk}/retry/").status_code == 404
    assert "Retry the refund" not in client.get(f"/orders/{refund.order_id}/").content.decode()


def test_r23_the_console_flags_a_refund_not_started_in_time(client, market):
    # given a refund decided 6 days ago that the provider has kept refusing for now
    SandboxFault.objects.create(operation="refund", remaining=100)
    decided = clock_now() - timedelta(days=6)
    order = market.requested(at=decided - timedelta(days=3), instrument="")
    cancellation_approve(order_id=order.pk, user=market.seller, now=decided)
    refund = Refund.objects.get(order=order)
    assert refund_submit(refund_id=refund.pk, now=decided) == "retry"
    # when the worker fires what is due now, past its start_by
    deadlines_fire_due(now=clock_now())
    # then the console lists it as not sent in time, and the buyer's page says support knows
    client.force_login(market.support)
    html = client.get("/support/disputes/").content.decode()
    assert f'<li class="overdue-refund" data-refund-id="{refund.pk}">' in html
    assert "not sent to the payment provider by" in html
    client.force_login(market.buyer)
    page = client.get(f"/orders/{refund.order_id}/").content.decode()
    assert "Not sent to the payment provider in time: support has been told." in page
