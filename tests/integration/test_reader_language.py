"""Texts in the reader's language (issue 15): labels, timeline entries and notifications are
stored as codes and parameters and put in words when shown, in the language of whoever reads
them; an e-mail is written in its recipient's language, not in the language of the person who
acted. E-mails go through a real SMTP server on 127.0.0.1."""

from __future__ import annotations

from django.utils import translation

from rescind.accounts.reading import reading_update
from rescind.aftersale.services import cancellation_approve
from rescind.notifications.inbox import inbox_of
from rescind.notifications.models import Notification
from rescind.web.labels import (
    cancellation_reason_label,
    dispute_reason_label,
    payment_method_label,
    refusal_reason_label,
    state_label,
)
from tests.conftest import DAY, T0
from tests.integration.test_notifications import _deliver_queued, smtp  # noqa: F401


def _in(language: str, read):
    with translation.override(language):
        return read()


def test_labels_read_in_spanish_and_arabic_for_each_reader():
    # given a pending cancellation request, read by its buyer and by its seller
    def labels():
        return [state_label("request", "pending", "buyer"),
                state_label("request", "pending", "seller"),
                state_label("dispute", "seller_proposed", "seller"),
                payment_method_label("bank_card"),
                cancellation_reason_label("no_longer_needed"),
                refusal_reason_label("already_shipped", in_sentence=True),
                dispute_reason_label("damaged")]
    # when they are read in Spanish and in Arabic, then each is in that language
    assert _in("es", labels) == [
        "Esperando la respuesta del vendedor", "Esperando tu respuesta", "Hiciste una oferta",
        "tarjeta bancaria", "Ya no lo necesito", "el pedido ya se ha enviado",
        "El artículo llegó dañado"]
    assert _in("ar", labels) == [
        "بانتظار رد البائع", "بانتظار ردك", "قدّمت عرضًا", "بطاقة مصرفية",
        "لم أعد بحاجة إليها", "شُحن الطلب بالفعل", "وصل المنتج تالفًا"]
    # and in English they are as the code says
    assert _in("en", labels)[:2] == ["Waiting for the seller's answer", "Waiting for your answer"]


def test_r29_timeline_entries_show_in_the_language_of_the_page(client, market):
    # given a cancellation requested (no longer needed) and approved by the seller in English
    order = market.requested(at=T0)
    with translation.override("en"):
        cancellation_approve(order_id=order.pk, user=market.seller, now=T0 + 2 * DAY)
    client.force_login(market.buyer)

    def timeline(language: str) -> list[str]:
        response = client.get(f"/orders/{order.pk}/", HTTP_ACCEPT_LANGUAGE=language)
        assert response.status_code == 200
        return [entry["text"] for entry in response.context["order"]["timeline"]
                if entry["kind"] in ("CancellationRequested", "CancellationApproved")]

    # when the buyer reads the order page in Spanish, then in Arabic
    # then the stored entries are put in words in the page's language
    assert timeline("es") == ["Cancelación solicitada: Ya no lo necesito.",
                              "El vendedor aprobó la cancelación."]
    assert timeline("ar") == ["طُلب الإلغاء: لم أعد بحاجة إليها.", "وافق البائع على الإلغاء."]
    assert timeline("en") == ["Cancellation requested: I no longer need it.",
                              "The seller approved the cancellation."]


def test_r24_inbox_shows_a_stored_notification_in_its_readers_language(market):
    # given the buyer told that the seller approved the cancellation
    order = market.requested(at=T0)
    cancellation_approve(order_id=order.pk, user=market.seller, now=T0 + 2 * DAY)
    with translation.override("en"):
        _deliver_queued(T0 + 2 * DAY)
    # when the buyer's inbox is read in Arabic, then in Spanish
    titles = {language: _in(language, lambda: [n.title for n in inbox_of(market.buyer)
                                               if n.kind == "CancellationApproved"])
              for language in ("ar", "es")}
    # then it is in each language, and the row keeps the English it was stored with
    assert titles == {
        "ar": [f"أُلغي الطلب #{order.pk}: المبلغ المسترد في طريقه إليك"],
        "es": [f"El pedido #{order.pk} está cancelado: tu reembolso está en camino"]}
    stored = Notification.objects.get(user=market.buyer, kind="CancellationApproved")
    assert (stored.title, stored.party) == (
        f"Order #{order.pk} is cancelled: your refund is on its way", "buyer")


def test_r24_email_arrives_in_the_recipients_language_not_the_actors(market,
                                                                      smtp):  # noqa: F811
    # given a buyer who reads Spanish (their profile says so) and a seller who chose nothing
    reading_update(user=market.buyer, language="es")
    order = market.requested(at=T0)
    # when the English-speaking seller approves the cancellation and the e-mails go out
    with translation.override("en"):
        cancellation_approve(order_id=order.pk, user=market.seller, now=T0 + 2 * DAY)
        _deliver_queued(T0 + 2 * DAY)
    # then the buyer's e-mail is in Spanish (a non-ASCII subject is folded as encoded words,
    # which the parser reads back after a space), the seller's in English
    assert [s.strip() for s in smtp.subjects_to("buyer@example.com")] == [
        f"El pedido #{order.pk} está cancelado: tu reembolso está en camino"]
    assert smtp.subjects_to("seller@example.com") == [
        f"Order #{order.pk} is paid: please ship it",
        f"Cancellation requested for order #{order.pk}: answer by Fri 6 Mar 2026, 11:00 UTC"]
    email = next(m for m in smtp.messages if m["To"] == "buyer@example.com")
    text = email.get_body(("plain",)).get_content().replace("\r\n", "\n")
    html = email.get_body(("html",)).get_content()
    assert text.startswith(f"Hola, buyer:\n\nEl pedido #{order.pk} está cancelado: tu "
                           "reembolso está en camino\n")
    assert f"Pedido: #{order.pk} · " in text
    assert text.rstrip().endswith(f"Recibes este correo porque compraste el pedido #{order.pk} "
                                  f"en {order.store.name}.")
    assert '<html lang="es" dir="ltr">' in html
