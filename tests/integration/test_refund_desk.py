"""Support's refund desk: overdue, late and failed refunds with what to do next, filters, the
retry from the desk, and the streamed CSV (R21-R23, R28)."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission

from rescind.aftersale.services import cancellation_approve
from rescind.orders.models import Payment
from rescind.refunds.models import Refund
from rescind.refunds.recovery import refund_destination_update
from rescind.refunds.services import refund_submit
from rescind.scheduler import deadlines_fire_due
from tests.conftest import DAY, HOUR, T0


def _refund(market, *, instrument="", method="bank_card", product=None, at=T0):
    order = market.requested(at=at, instrument=instrument, method=method,
                             product=product or market.product)
    seller = market.seller if order.store_id == market.store.pk else market.other_seller
    cancellation_approve(order_id=order.pk, user=seller, now=at + 2 * DAY)
    return Refund.objects.get(order=order)


def desk_make(market) -> dict[str, Refund]:
    """A failed refund whose buyer renewed the card, one failed not renewed (e-wallet, store B),
    one that never started in time, one overdue on its way, and one that arrived fine."""
    renewed = _refund(market, instrument="expired_card")
    refund_submit(refund_id=renewed.pk, now=T0 + 2 * DAY + HOUR)
    refund_destination_update(order_id=renewed.order_id, user=market.buyer, method="bank_card",
                              instrument="renewed_card", now=T0 + 3 * DAY)
    closed = _refund(market, instrument="closed_account", method="e_wallet",
                     product=market.other_product)
    refund_submit(refund_id=closed.pk, now=T0 + 2 * DAY + HOUR)
    late = _refund(market)  # never sent: its start deadline fires below
    overdue = _refund(market, at=T0 + DAY)
    refund_submit(refund_id=overdue.pk, now=T0 + 3 * DAY)
    fine = _refund(market)
    refund_submit(refund_id=fine.pk, now=T0 + 2 * DAY + HOUR)
    deadlines_fire_due(now=T0 + 6 * DAY)
    # the provider holds `overdue` past its deadline: as the daily check flags it
    Refund.objects.filter(pk=overdue.pk).update(overdue_flagged_at=T0 + 30 * DAY)
    Refund.objects.filter(pk=fine.pk).update(state="succeeded", arrived_at=T0 + 4 * DAY)
    return {k: Refund.objects.get(pk=v.pk) for k, v in (
        ("renewed", renewed), ("closed", closed), ("late", late), ("overdue", overdue),
        ("fine", fine))}


@pytest.fixture
def desk(market):
    return desk_make(market)


@pytest.fixture
def retrier(market):
    market.support.user_permissions.add(Permission.objects.get(codename="retry_refund"))
    return get_user_model().objects.get(pk=market.support.pk)


def _page(client, user, query: str = "", status: int = 200) -> str:
    client.force_login(user)
    response = client.get(f"/support/refunds/{query}")
    assert response.status_code == status
    return response.content.decode()


def _rows(html: str) -> list[tuple[int, str]]:
    return [(int(i), p) for i, p in re.findall(
        r'<tr data-refund-id="(\d+)" data-problem="([a-z_]+)">', html)]


def test_r23_the_desk_lists_what_needs_support_oldest_first_with_the_next_step(
        client, market, desk, retrier):
    html = _page(client, retrier)
    assert desk["renewed"].state == desk["closed"].state == "failed"
    assert desk["late"].start_overdue_flagged_at is not None
    # then the four refunds needing a person are listed, the oldest decision first
    assert _rows(html) == [(desk["renewed"].pk, "failed"), (desk["closed"].pk, "failed"),
                           (desk["late"].pk, "late_start"), (desk["overdue"].pk, "overdue")]
    assert "4 refunds need you." in html
    assert re.search(r'data-problem="overdue">Overdue: <strong>1</strong>', html)
    assert re.search(r'data-problem="late_start">Not started in time: <strong>1</strong>', html)
    assert re.search(r'data-problem="failed">Failed: <strong>2</strong>', html)
    # and each says what to do next, in words
    row = html.split(f'data-refund-id="{desk["renewed"].pk}"')[1].split("</tr>")[0]
    assert "The buyer renewed their payment details: send it again." in row
    assert "The card has expired, so the bank cannot take the refund." in row
    assert f'action="/support/refunds/{desk["renewed"].pk}/retry/"' in row
    number = desk["renewed"].pk
    assert f"Send refund #{number} of $28.00 again to the buyer's bank card?" in row
    row = html.split(f'data-refund-id="{desk["closed"].pk}"')[1].split("</tr>")[0]
    assert "Ask the buyer for renewed payment details, then send it again." in row
    assert f'href="/orders/{desk["closed"].order_id}/#messages"' in row
    row = html.split(f'data-refund-id="{desk["overdue"].pk}"')[1].split("</tr>")[0]
    assert "Ask the payment provider where it is, and tell the buyer." in row
    assert "/retry/" not in row


def test_r23_the_desk_filters_by_problem_method_store_and_age(client, market, desk, retrier):
    ids = {k: r.pk for k, r in desk.items()}
    assert [i for i, _p in _rows(_page(client, retrier, "?problem=failed"))] == [
        ids["renewed"], ids["closed"]]
    assert [i for i, _p in _rows(_page(client, retrier, "?method=e_wallet"))] == [ids["closed"]]
    assert [i for i, _p in _rows(_page(client, retrier, f"?store={market.store.pk}"
                                                         "&problem=failed"))] == [ids["renewed"]]
    # every refund here was decided in March 2026, so all are over 30 days old
    assert len(_rows(_page(client, retrier, "?age=30"))) == 4
    html = _page(client, retrier, "?problem=lost&age=9")
    assert "Unknown problem, age: showing every value instead." in html
    assert len(_rows(html)) == 4


def test_r23_support_retries_from_the_desk_and_comes_back_to_it(client, market, desk, retrier):
    client.force_login(retrier)
    failed = desk["renewed"]
    response = client.post(f"/support/refunds/{failed.pk}/retry/",
                           {"next": "/support/refunds/?problem=failed"})
    assert (response.status_code, response["Location"]) == (302,
                                                            "/support/refunds/?problem=failed")
    retry = Refund.objects.get(retry_of=failed)
    assert (retry.amount, retry.instrument) == (2800, "renewed_card")
    html = _page(client, retrier, "?problem=failed")
    assert [i for i, _p in _rows(html)] == [desk["closed"].pk]
    assert "The refund is being sent again, as a new refund on the ledger." in html


def test_r23_the_desk_csv_streams_every_matching_row(client, market, desk, retrier,
                                                     django_assert_max_num_queries):
    client.force_login(retrier)
    response = client.get("/support/refunds/export.csv?problem=failed")
    assert response.streaming and response["Content-Type"] == "text/csv; charset=utf-8"
    with django_assert_max_num_queries(3):
        body = b"".join(response.streaming_content).decode()
    rows = list(csv.DictReader(io.StringIO(body)))
    assert [(int(r["refund_id"]), r["store"], r["amount_minor"], r["currency"], r["method"],
             r["problem"], r["next_step"], r["failure_code"], r["buyer_renewed"])
            for r in rows] == [
        (desk["renewed"].pk, "Store A", "2800", "USD", "bank_card", "failed", "retry",
         "expired_card", "True"),
        (desk["closed"].pk, "Store B", "1450", "USD", "e_wallet", "failed", "contact_buyer",
         "account_closed", "False")]
    assert Payment.objects.count() == 5


def test_r23_the_desk_is_for_support_only(client, market, desk):
    _page(client, market.seller, status=404)
    _page(client, market.buyer, status=404)
    client.force_login(market.seller)
    assert client.get("/support/refunds/export.csv").status_code == 404
    html = _page(client, market.support)  # support without the retry permission
    assert "/retry/" not in html and "Message the buyer" in html
