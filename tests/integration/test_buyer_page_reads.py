"""What the buyer's pages read (issue 13): the delivery address given at checkout (and replaced
by an applied change), each refund's provider reference and expected range, and photos or PDFs
uploaded with a dispute, stored as the buyer's message or not at all (R1, R13, R18, R23)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from rescind.aftersale.changes import change_accept, change_request
from rescind.aftersale.services import cancellation_approve, order_ship
from rescind.disputes.models import Dispute
from rescind.disputes.services import dispute_open
from rescind.domain.actions import Party
from rescind.domain.errors import DomainError
from rescind.messaging.models import MessageAttachment, OrderMessage
from rescind.orders.models import Order, TimelineEntry
from rescind.orders.reads import order_detail
from rescind.refunds.models import Refund
from rescind.refunds.services import refund_submit
from tests.conftest import DAY, HOUR, T0
from tests.sample_files import pdf_bytes, png_bytes

ADDRESS = {"recipient": "Ada Byron", "line1": "12 Rue des Lilas", "city": "Paris",
           "postal_code": "75011", "country": "France"}


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def _stored_files(media) -> list[str]:
    return sorted(p.name for p in media.rglob("*") if p.is_file())


def test_r1_r13_the_address_given_at_checkout_is_the_orders_until_a_change_replaces_it(market):
    # given an order paid with a delivery address
    order = market.paid(at=T0, delivery={**ADDRESS, "line2": "  "})
    # then every reader reads it, without the empty field
    for party in (Party.BUYER, Party.SELLER, Party.SUPPORT):
        assert order_detail(order, party, now=T0)["delivery"] == ADDRESS
    # when the buyer asks for another address and the seller accepts
    moved = {**ADDRESS, "line1": "3 Quai Voltaire"}
    change_request(order_id=order.pk, user=market.buyer, changes=[], delivery=moved,
                   now=T0 + HOUR)
    change_accept(order_id=order.pk, user=market.seller, note="", now=T0 + 2 * HOUR)
    # then the order goes to the new one
    order.refresh_from_db()
    assert order_detail(order, Party.BUYER, now=T0 + 3 * HOUR)["delivery"] == moved


def test_r1_a_checkout_without_the_required_address_fields_is_refused(market):
    # when a checkout names a delivery without a city
    with pytest.raises(DomainError) as refused:
        market.place(at=T0, delivery={"recipient": "Ada", "line1": "12 Rue", "country": "FR"})
    # then it is refused, and nothing is placed
    assert (refused.value.code, refused.value.details["missing"]) == ("bad_delivery", ["city"])
    assert not Order.objects.exists()


def test_r1_r28_the_api_checkout_takes_the_address_and_refuses_an_unknown_field(
        market, client, bearer):
    item = {"product_id": market.other_product.pk, "quantity": 1}

    def checkout(delivery):
        return client.post("/api/v1/checkouts", headers=bearer(market.buyer),
                           content_type="application/json",
                           data={"items": [item], "payment_method": "e_wallet",
                                 "delivery": delivery})

    # when a checkout names its delivery address
    response = checkout(ADDRESS)
    # then the order carries it
    assert response.status_code == 201
    order_id = response.json()["orders"][0]["id"]
    detail = client.get(f"/api/v1/orders/{order_id}", headers=bearer(market.buyer)).json()
    assert detail["delivery"] == ADDRESS  # the empty optional fields are not kept
    # and a field no address has is invalid input, placing nothing more
    response = checkout({**ADDRESS, "floor": "3"})
    assert response.status_code == 422
    assert Order.objects.count() == 1


def test_r23_a_refund_reads_its_provider_reference_and_expected_range(market):
    # given a refund decided two days after payment, then accepted by the provider
    order = market.requested(at=T0)
    cancellation_approve(order_id=order.pk, user=market.seller, note="", now=T0 + 2 * DAY)
    refund = Refund.objects.get(order=order)
    read = order_detail(order, Party.BUYER, now=T0 + 2 * DAY)["refunds"][0]
    # then before it is sent, it has no reference and is expected from a day after its start
    assert (read["gateway_reference"], read["expected_from"], read["arrive_by"]) == (
        None, refund.start_by + DAY, refund.arrive_by)
    # when the provider accepts it
    assert refund_submit(refund_id=refund.pk, now=T0 + 2 * DAY + HOUR) == "started"
    refund.refresh_from_db()
    read = order_detail(order, Party.SELLER, now=T0 + 2 * DAY + HOUR)["refunds"][0]
    # then every reader reads the provider's reference, and the range runs from the sending
    assert read["gateway_reference"] == refund.gateway_reference != ""
    assert read["expected_from"] == refund.started_at + DAY


def _shipped(market):
    order = market.paid(at=T0)
    order_ship(order_id=order.pk, user=market.seller, carrier="Cainiao", tracking_number="LP1",
               now=T0 + DAY)
    return order


def _files(*names_and_bytes):
    return [SimpleUploadedFile(name, content) for name, content in names_and_bytes]


def test_r18_photos_and_pdfs_uploaded_with_a_dispute_are_the_buyers_message_and_evidence(
        market, media):
    # given a shipped order
    order = _shipped(market)
    # when the buyer opens a dispute with a photo and a PDF
    dispute = dispute_open(order_id=order.pk, user=market.buyer, reason="damaged", claim=None,
                           return_item=False, description="Torn", evidence=[],
                           uploads=_files(("torn.png", png_bytes()),
                                          ("receipt.pdf", pdf_bytes())),
                           now=T0 + 2 * DAY)
    # then both files are one message of the buyer's, and the dispute's evidence
    message = OrderMessage.objects.get(order=order)
    assert (message.author_party, message.body) == ("buyer", "")
    files = list(message.attachments.order_by("pk").values_list("pk", "original_name",
                                                                "content_type"))
    assert [(name, kind) for _pk, name, kind in files] == [
        ("torn.png", "image/png"), ("receipt.pdf", "application/pdf")]
    assert dispute.evidence == [pk for pk, _name, _kind in files]
    assert len(_stored_files(media)) == 2
    # and the history tells the message, then the dispute
    kinds = list(TimelineEntry.objects.filter(order=order).order_by("pk")
                 .values_list("kind", flat=True))
    assert kinds[-2:] == ["BuyerMessaged", "DisputeOpened"]


@pytest.mark.parametrize("case", ["not_a_picture", "not_disputable", "strangers_order"])
def test_r18_a_refused_dispute_with_uploads_stores_no_message_and_no_file(market, media, case):
    # given an order, shipped unless the case says it is not disputable yet
    order = market.paid(at=T0) if case == "not_disputable" else _shipped(market)
    user = market.other_buyer if case == "strangers_order" else market.buyer
    uploads = _files(("notes.txt", b"plain words") if case == "not_a_picture"
                     else ("torn.png", png_bytes()))
    # when a dispute is opened with the upload
    with pytest.raises(DomainError) as refused:
        dispute_open(order_id=order.pk, user=user, reason="damaged", claim=None,
                     return_item=False, description="", evidence=[], uploads=uploads,
                     now=T0 + 2 * DAY)
    # then it is refused with the reason, and nothing is left: no dispute, message or file
    assert refused.value.code == {"not_a_picture": "attachment_type_not_allowed",
                                  "not_disputable": "dispute_not_available",
                                  "strangers_order": "order_not_found"}[case]
    assert not Dispute.objects.exists()
    assert not OrderMessage.objects.exists() and not MessageAttachment.objects.exists()
    assert _stored_files(media) == []
