"""The seller's action panel, bulk answers and shipment upload as pages (issue 14): the same
services as the API, texts written for the seller."""

from __future__ import annotations

import html
from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.html import strip_tags

from rescind.clock.service import now as clock_now
from rescind.orders.models import Carrier, Shipment

TWO_DAYS = timedelta(days=2)


def _text(response) -> str:
    return " ".join(html.unescape(strip_tags(response.content.decode())).split())


def test_r10_r11_seller_order_page_has_one_card_per_answer_with_the_facts_in_view(client,
                                                                                   market):
    Carrier.objects.create(name="Cainiao")
    order = market.requested(at=clock_now() - TWO_DAYS,
                             delivery={"recipient": "Ana", "line1": "1 Main St",
                                       "city": "Lisbon", "country": "Portugal"})
    client.force_login(market.seller)
    page = client.get(f"/orders/{order.pk}/")
    source, text = page.content.decode(), _text(page)
    assert "Buyer: buyer · ships to Lisbon, Portugal (full address)" in text
    assert "The order closes. $28.00 goes back to the buyer's bank card." in text
    assert (f'data-confirm="Approve the cancellation of order #{order.pk}? The order closes '
            "and $28.00 goes back to the buyer&#x27;s bank card.\"") in source
    assert '<option value="buyer_agreed_to_keep">The buyer agreed to keep the order</option>' \
        in source
    assert '<select id="ship-carrier" name="carrier" required>' in source
    assert '<button class="destructive">Refuse cancellation</button>' in source


def test_r11_refusing_on_the_page_stores_the_reason_code(client, market):
    order = market.requested(at=clock_now() - TWO_DAYS)
    client.force_login(market.seller)
    answer = client.post(f"/orders/{order.pk}/refuse-cancellation/",
                         {"reason_code": "made_to_order", "note": ""}, follow=True)
    assert "You refused the cancellation; the buyer is told your reason." in _text(answer)
    assert "You refused: the item is made to order and production has started." in \
        _text(answer)
    request = order.cancellation_requests.get()
    assert (request.state, request.refusal_reason) == ("refused", "made_to_order")


def test_r10_bulk_answer_page_reports_each_order(client, market):
    done, not_pending = market.requested(at=clock_now() - TWO_DAYS), market.paid(
        at=clock_now() - TWO_DAYS)
    client.force_login(market.seller)
    answer = client.post("/seller/requests/answer/", {
        "order": [str(done.pk), str(not_pending.pk)], "decision": "approve"})
    text = _text(answer)
    assert answer.status_code == 200
    assert "1 order done, 1 refused. The refused ones were left exactly as they were." in text
    assert (f"#{done.pk} Done You approved the cancellation of order #{done.pk}; $28.00 goes "
            "back to the buyer's bank card.") in text
    assert (f"#{not_pending.pk} Refused There is no cancellation request waiting. "
            "no_pending_request") in text


def test_bulk_answer_without_a_selection_says_so_and_changes_nothing(client, market):
    order = market.requested(at=clock_now() - TWO_DAYS)
    client.force_login(market.seller)
    for picked in ([], ["x", "9" * 30]):  # nothing, or nothing that can be an order
        answer = client.post("/seller/requests/answer/", {"order": picked, "decision": "approve"},
                             follow=True)
        assert answer.redirect_chain == [("/seller/requests/", 302)]
        assert "Select at least one order." in _text(answer)
    answer = client.post("/seller/requests/answer/",
                         {"order": [str(order.pk)], "decision": "refuse"}, follow=True)
    assert "'' is not a refusal reason." in _text(answer)
    assert order.cancellation_requests.get().state == "pending"


def test_r15_upload_page_ships_from_a_file_and_refuses_an_unreadable_one(client, market):
    Carrier.objects.create(name="Cainiao")
    order = market.paid(at=clock_now() - TWO_DAYS)
    client.force_login(market.seller)
    bad = client.post("/seller/shipments/upload/",
                      {"file": SimpleUploadedFile("s.csv", b"\xff\xfe\x00", "text/csv")})
    assert bad.status_code == 200
    assert ('<small class="error" role="alert" id="shipments-file-error">The file is not UTF-8 '
            "text.") in bad.content.decode()
    good = client.post("/seller/shipments/upload/", {"file": SimpleUploadedFile(
        "s.csv", f"order_number,carrier,tracking_number\n{order.pk},Cainiao,LP-9\n".encode(),
        "text/csv")})
    assert (f"2 #{order.pk} Done Shipped order #{order.pk} with Cainiao, tracking number "
            "LP-9.") in _text(good)
    assert list(Shipment.objects.values_list("order_id", "carrier")) == [(order.pk, "Cainiao")]


def test_r15_the_template_names_the_columns_and_the_known_carriers(client, market):
    Carrier.objects.create(name="YunExpress")
    Carrier.objects.create(name="Cainiao")
    client.force_login(market.seller)
    answer = client.get("/seller/shipments/template.csv")
    assert answer["Content-Disposition"] == 'attachment; filename="shipments-template.csv"'
    assert answer.content.decode() == ("order_number,carrier,tracking_number\r\n"
                                       "1001,Cainiao,TRACKING-0001\r\n"
                                       "1002,YunExpress,TRACKING-0002\r\n")
