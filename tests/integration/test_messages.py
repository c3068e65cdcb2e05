"""The conversation of an order: buyer and seller write to each other with images and PDFs,
support reads along, the other side is told, and a bad upload stores nothing (R6, R11, R16,
R17, R27)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tasks_db.models import DBTaskResult

from rescind.domain.errors import DomainError
from rescind.messaging.models import MessageAttachment, OrderMessage
from rescind.messaging.services import message_send
from rescind.notifications.models import Notification
from rescind.notifications.services import notify_entries
from rescind.orders.models import TimelineEntry
from tests.conftest import HOUR, T0
from tests.sample_files import EXE_BYTES, HTML_BYTES, pdf_bytes, png_bytes, png_of_size

API = "/api/v1"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    """Attachments go to a directory of this test, so nothing is left behind."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def _upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def _stored_files(media) -> list[str]:
    return sorted(str(p.relative_to(media)) for p in media.rglob("*") if p.is_file())


def _post(client, bearer, user, order_id: int, **data):
    return client.post(f"{API}/orders/{order_id}/messages", data=data, headers=bearer(user))


def _nothing_stored(media, order) -> None:
    assert not OrderMessage.objects.exists()
    assert not MessageAttachment.objects.exists()
    assert _stored_files(media) == []
    assert not TimelineEntry.objects.filter(
        order=order, kind__in=["BuyerMessaged", "SellerMessaged"]).exists()


def _deliver_notifications() -> None:
    for task in DBTaskResult.objects.filter(task_path__endswith="notify_task",
                                            status="READY").order_by("enqueued_at"):
        notify_entries(entry_ids=task.args_kwargs["args"][0],
                       order_id=task.args_kwargs["args"][1], now=T0 + 2 * HOUR)
        task.delete()


def test_r16_buyer_sends_a_png_screenshot_stored_by_its_detected_type(market, media):
    # given a paid order
    order = market.paid(at=T0)
    screenshot = png_bytes()
    # when the buyer writes with a screenshot attached
    message = message_send(order_id=order.pk, user=market.buyer, body="  Where is it?  ",
                           attachments=[_upload("screenshot.png", screenshot)],
                           now=T0 + HOUR)
    # then the message, its attachment and the file are stored
    message.refresh_from_db()
    assert (message.order_id, message.author_id, message.author_party, message.body,
            message.sent_at) == (order.pk, market.buyer.pk, "buyer", "Where is it?", T0 + HOUR)
    attachment = message.attachments.get()
    assert (attachment.original_name, attachment.content_type, attachment.size) == (
        "screenshot.png", "image/png", 73)
    assert attachment.file.name.startswith(f"messages/{order.pk}/")
    assert attachment.file.name.endswith(".png")
    assert _stored_files(media) == [attachment.file.name]
    assert (media / attachment.file.name).read_bytes() == screenshot
    # and the timeline says who wrote, with how many files
    entry = order.timeline.get(kind="BuyerMessaged")
    assert (entry.actor, entry.actor_user_id, entry.at, entry.params) == (
        "buyer", market.buyer.pk, T0 + HOUR, {"message_id": message.pk, "attachments": 1})


def test_r17_seller_sends_a_pdf_through_the_api_and_the_buyer_downloads_it(
        market, client, bearer, media):
    # given a paid order
    order = market.paid(at=T0)
    invoice = pdf_bytes()
    # when the seller posts a message with a PDF
    response = _post(client, bearer, market.seller, order.pk, body="Your invoice",
                     files=[_upload("invoice.pdf", invoice)])
    # then it is created and answered as the buyer will read it
    assert response.status_code == 201, response.content
    sent = response.json()
    attachment = MessageAttachment.objects.get()
    assert sent["author_party"] == "seller"
    assert sent["author"] == "seller"
    assert sent["mine"] is True
    assert sent["body"] == "Your invoice"
    assert sent["attachments"] == [{
        "id": attachment.pk, "name": "invoice.pdf", "content_type": "application/pdf",
        "size": len(invoice), "is_image": False,
        "url": f"http://testserver{API}/orders/{order.pk}/messages/{sent['id']}/attachments/"
               f"{attachment.pk}"}]
    # and the buyer sees it in the conversation and downloads the very bytes
    listed = client.get(f"{API}/orders/{order.pk}/messages", headers=bearer(market.buyer))
    assert listed.status_code == 200
    assert [(m["id"], m["mine"], m["body"]) for m in listed.json()] == [
        (sent["id"], False, "Your invoice")]
    download = client.get(sent["attachments"][0]["url"], headers=bearer(market.buyer))
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"] == 'attachment; filename="invoice.pdf"'
    assert download["X-Content-Type-Options"] == "nosniff"
    assert b"".join(download.streaming_content) == invoice


def test_r16_an_attachment_at_the_size_limit_is_accepted(market, settings, media):
    # given a limit of 1024 bytes
    settings.RESCIND_MAX_ATTACHMENT_BYTES = 1024
    order = market.paid(at=T0)
    # when the buyer attaches a PNG of exactly 1024 bytes
    message_send(order_id=order.pk, user=market.buyer, body="",
                 attachments=[_upload("photo.png", png_of_size(1024))], now=T0 + HOUR)
    # then it is stored
    assert MessageAttachment.objects.get().size == 1024
    assert len(_stored_files(media)) == 1


def test_r16_a_too_large_attachment_is_refused_and_nothing_is_stored(
        market, settings, client, bearer, media):
    # given a limit of 1024 bytes
    settings.RESCIND_MAX_ATTACHMENT_BYTES = 1024
    order = market.paid(at=T0)
    # when the buyer posts a valid PNG one byte over it, beside an acceptable one
    response = _post(client, bearer, market.buyer, order.pk, body="Look",
                     files=[_upload("ok.png", png_bytes()),
                            _upload("big.png", png_of_size(1025))])
    # then it is refused with a clear error
    assert response.status_code == 422
    assert response.json() == {
        "code": "attachment_too_large",
        "message": "big.png is larger than the 1 KiB allowed.",
        "details": {"name": "big.png", "size": 1025, "max_bytes": 1024}}
    # and no message, no attachment, no file and no timeline entry exist
    _nothing_stored(media, order)


@pytest.mark.parametrize(("name", "content"), [
    ("setup.exe", EXE_BYTES), ("page.html", HTML_BYTES), ("notes.txt", b"just text"),
    ("empty.png", b""),
])
def test_r16_a_file_that_is_no_image_or_pdf_is_refused_and_nothing_is_stored(
        market, client, bearer, media, name, content):
    # given a paid order
    order = market.paid(at=T0)
    # when the buyer posts a file that is neither an image nor a PDF
    response = _post(client, bearer, market.buyer, order.pk, body="See attached",
                     files=[_upload(name, content)])
    # then it is refused by its content
    assert response.status_code == 422
    assert response.json()["code"] == "attachment_type_not_allowed"
    assert response.json()["details"] == {
        "name": name,
        "allowed": ["application/pdf", "image/gif", "image/jpeg", "image/png", "image/webp"]}
    _nothing_stored(media, order)


def test_r16_pdf_bytes_named_png_are_refused_as_a_forged_extension(
        market, client, bearer, media):
    # given a paid order
    order = market.paid(at=T0)
    # when the buyer posts a PDF named as a PNG
    response = _post(client, bearer, market.buyer, order.pk, body="",
                     files=[_upload("screenshot.png", pdf_bytes())])
    # then it is refused, naming what the file really is
    assert response.status_code == 422
    assert response.json() == {
        "code": "attachment_extension_mismatch",
        "message": "screenshot.png is really a PDF; its name must end in .pdf.",
        "details": {"name": "screenshot.png", "detected": "application/pdf",
                    "extensions": [".pdf"]}}
    _nothing_stored(media, order)


def test_r16_html_named_png_is_refused_by_its_content(market, client, bearer, media):
    # given a paid order
    order = market.paid(at=T0)
    # when the buyer posts an HTML page named as a PNG
    response = _post(client, bearer, market.buyer, order.pk, body="",
                     files=[_upload("cat.png", HTML_BYTES)])
    # then it is refused as not an image or PDF
    assert response.status_code == 422
    assert response.json()["code"] == "attachment_type_not_allowed"
    _nothing_stored(media, order)


def test_r16_six_attachments_are_too_many_and_nothing_is_stored(market, media):
    # given a paid order
    order = market.paid(at=T0)
    # when the buyer attaches six valid PNGs
    with pytest.raises(DomainError) as refused:
        message_send(order_id=order.pk, user=market.buyer, body="",
                     attachments=[_upload(f"{i}.png", png_bytes()) for i in range(6)],
                     now=T0 + HOUR)
    # then it is refused
    assert (refused.value.code, refused.value.details) == (
        "too_many_attachments", {"count": 6, "max": 5})
    _nothing_stored(media, order)


def test_r16_a_message_without_text_or_file_is_refused(market, client, bearer, media):
    # given a paid order
    order = market.paid(at=T0)
    # when the buyer posts only blanks
    response = _post(client, bearer, market.buyer, order.pk, body="   \n ")
    # then it is refused
    assert response.status_code == 422
    assert response.json()["code"] == "message_empty"
    _nothing_stored(media, order)


def test_r16_files_sent_as_text_are_refused_not_dropped(market, client, bearer, media):
    # given a paid order
    order = market.paid(at=T0)
    # when the buyer's app sends its `files` part as text, not as a file (a fuzzed request of
    # the schema test found it accepted, and the message sent without it)
    response = _post(client, bearer, market.buyer, order.pk, body="See attached", files="null")
    # then it is refused as invalid input, naming the field, and nothing is sent
    assert response.status_code == 422
    body = response.json()
    assert (body["code"], [e["loc"] for e in body["details"]["errors"]]) == (
        "invalid_input", [["form", "files"]])
    _nothing_stored(media, order)


def test_r6_seller_message_lowers_the_unpaid_price(market, client, bearer, media):
    # given an unpaid order of $28.00
    order = market.place(at=T0)
    # when the seller writes with a new total of $20.00
    response = _post(client, bearer, market.seller, order.pk,
                     body="20.00 if you pay today", new_total="2000")
    # then the message is sent and the order and its payment cost 20.00
    assert response.status_code == 201, response.content
    order.refresh_from_db()
    assert (order.total, order.discount_total) == (2000, 800)
    assert order.checkout.payment.amount == 2000
    # and the timeline shows the price change, then the message
    kinds = list(order.timeline.values_list("kind", flat=True))
    assert kinds[-2:] == ["PriceLowered", "SellerMessaged"]
    lowered = order.timeline.get(kind="PriceLowered").params
    assert (lowered["new_total"], lowered["note"]) == (
        {"amount": 2000, "currency": "USD"}, "20.00 if you pay today")


def test_r6_a_price_in_a_message_needs_an_unpaid_order_and_stores_nothing(
        market, client, bearer, media):
    # given a paid order of $28.00
    order = market.paid(at=T0)
    # when the seller writes with a new total and a photo
    response = _post(client, bearer, market.seller, order.pk, body="Cheaper?",
                     new_total="2000", files=[_upload("photo.png", png_bytes())])
    # then it is refused, and the photo stored before the order was locked is gone again
    assert response.status_code == 409
    assert response.json()["code"] == "price_change_not_allowed"
    order.refresh_from_db()
    assert order.total == 2800
    _nothing_stored(media, order)


def test_r6_the_buyer_cannot_set_a_price_and_their_file_is_not_kept(
        market, client, bearer, media):
    # given an unpaid order
    order = market.place(at=T0)
    # when the buyer sends a message with a new total and a photo
    response = _post(client, bearer, market.buyer, order.pk, body="Cheaper?",
                     new_total="100", files=[_upload("photo.png", png_bytes())])
    # then only the seller may lower the price
    assert response.status_code == 403
    assert response.json()["code"] == "not_your_action"
    order.refresh_from_db()
    assert order.total == 2800
    _nothing_stored(media, order)


def test_r11_other_buyers_and_sellers_get_404_support_may_not_write(
        market, client, bearer, media):
    # given a paid order with one message carrying a photo
    order = market.paid(at=T0)
    message = message_send(order_id=order.pk, user=market.buyer, body="Hello",
                           attachments=[_upload("p.png", png_bytes())], now=T0 + HOUR)
    attachment = message.attachments.get()
    base = f"{API}/orders/{order.pk}/messages"
    file_url = f"{base}/{message.pk}/attachments/{attachment.pk}"
    # when strangers read, write or download, then it is as if the order did not exist
    for stranger in (market.other_buyer, market.other_seller):
        for response in (client.get(base, headers=bearer(stranger)),
                         _post(client, bearer, stranger, order.pk, body="Hi"),
                         client.get(file_url, headers=bearer(stranger))):
            assert response.status_code == 404
            assert response.json()["code"] == "order_not_found"
    # and support may read but not write
    refused = _post(client, bearer, market.support, order.pk, body="Support here")
    assert refused.status_code == 403
    assert refused.json()["code"] == "not_your_action"
    # and nobody without credentials gets anything
    assert client.get(file_url).status_code == 401
    assert OrderMessage.objects.count() == 1


def test_r11_an_attachment_is_only_found_under_its_own_order_and_message(
        market, client, bearer, media):
    # given two orders of the buyer, one message with a photo on the first
    order = market.paid(at=T0)
    other = market.paid(at=T0)
    message = message_send(order_id=order.pk, user=market.buyer, body="",
                           attachments=[_upload("p.png", png_bytes())], now=T0 + HOUR)
    attachment = message.attachments.get()
    # when the buyer asks for it under the other order, then it is not found
    response = client.get(f"{API}/orders/{other.pk}/messages/{message.pk}/attachments/"
                          f"{attachment.pk}", headers=bearer(market.buyer))
    assert response.status_code == 404
    assert response.json()["code"] == "attachment_not_found"


def test_r27_a_message_notifies_the_other_side_only(market):
    # given a paid order, its notifications so far delivered
    order = market.paid(at=T0)
    _deliver_notifications()
    Notification.objects.all().delete()
    # when the buyer writes, and the notify tasks run
    message_send(order_id=order.pk, user=market.buyer, body="Is it packed?", attachments=[],
                 now=T0 + HOUR)
    _deliver_notifications()
    # then the seller has one inbox notification, and the buyer none
    assert list(Notification.objects.values_list("user__username", "kind", "title")) == [
        ("seller", "BuyerMessaged", f"The buyer of order #{order.pk} sent you a message")]
    # when the seller answers
    message_send(order_id=order.pk, user=market.seller, body="Yes", attachments=[],
                 now=T0 + 2 * HOUR)
    _deliver_notifications()
    # then the buyer is told
    assert list(Notification.objects.filter(user=market.buyer)
                .values_list("kind", "title")) == [
        ("SellerMessaged", f"The seller of order #{order.pk} sent you a message")]


def test_r11_support_reads_the_whole_conversation_and_its_files(
        market, client, bearer, media):
    # given a refused cancellation and a conversation about it
    order = market.requested(at=T0)
    photo = png_bytes()
    message_send(order_id=order.pk, user=market.buyer, body="Please cancel",
                 attachments=[_upload("proof.png", photo)], now=T0 + 26 * HOUR)
    message_send(order_id=order.pk, user=market.seller, body="It has left", attachments=[],
                 now=T0 + 27 * HOUR)
    # when support reads it
    response = client.get(f"{API}/orders/{order.pk}/messages", headers=bearer(market.support))
    # then they see both messages, none as their own
    assert response.status_code == 200
    assert [(m["author_party"], m["body"], m["mine"], len(m["attachments"]))
            for m in response.json()] == [("buyer", "Please cancel", False, 1),
                                          ("seller", "It has left", False, 0)]
    # and may open the photo, shown inline
    download = client.get(response.json()[0]["attachments"][0]["url"],
                          headers=bearer(market.support))
    assert download.status_code == 200
    assert download["Content-Type"] == "image/png"
    assert download["Content-Disposition"] == 'inline; filename="proof.png"'
    assert b"".join(download.streaming_content) == photo


def test_r16_order_page_shows_the_conversation_and_a_bad_upload_flashes_an_error(
        market, client, media):
    # given a paid order with the buyer's photo message
    order = market.paid(at=T0)
    message = message_send(order_id=order.pk, user=market.buyer, body="Dented box",
                           attachments=[_upload("box.png", png_bytes())], now=T0 + HOUR)
    attachment = message.attachments.get()
    file_url = f"/orders/{order.pk}/messages/{message.pk}/attachments/{attachment.pk}/"
    # when the seller opens the order page
    client.force_login(market.seller)
    page = client.get(f"/orders/{order.pk}/").content.decode()
    # then the message and its thumbnail through the checked view are on it
    assert "Dented box" in page
    assert f'<img src="{file_url}" alt="box.png" class="thumb">' in page
    assert client.get(file_url).status_code == 200
    # when the seller posts a forged file through the page
    response = client.post(f"/orders/{order.pk}/messages/", follow=True,
                           data={"body": "See", "files": [_upload("label.png", pdf_bytes())]})
    # then the page says why, and nothing more is stored
    assert "label.png is really a PDF; its name must end in .pdf." in (
        response.content.decode())
    assert OrderMessage.objects.count() == 1
    assert _stored_files(media) == [attachment.file.name]
    # and another seller cannot open the file
    client.force_login(market.other_seller)
    assert client.get(file_url).status_code == 404
