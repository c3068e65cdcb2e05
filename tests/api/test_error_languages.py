"""The API answers `message` in the language the caller asks for (Accept-Language), for every
kind of error, while `code` and `details` stay the same (issue 15). Every code's message having
a translation is proven in tests/unit/test_error_messages.py; these ask the running API for one
code of each status in each shipped language."""

from __future__ import annotations

import pytest

from rescind.refunds.models import SandboxFault

LANGUAGES = ["es", "ar", "pt-BR", "fr"]

CHEQUE = {
    "es": "'cheque' no es un método de pago.",
    "ar": "'cheque' ليس طريقة دفع.",
    "pt-BR": "'cheque' não é uma forma de pagamento.",
    "fr": "'cheque' n'est pas un moyen de paiement.",
}
INVALID_INPUT = {
    "es": "Faltan algunos campos o no son válidos.",
    "ar": "بعض الحقول ناقصة أو غير صالحة.",
    "pt-BR": "Alguns campos estão faltando ou são inválidos.",
    "fr": "Certains champs sont manquants ou invalides.",
}
NOT_AN_INTEGER = {
    "es": "El valor debe ser un número entero válido",
    "ar": "يجب أن تكون القيمة عددًا صحيحًا صالحًا",
    "pt-BR": "O valor deve ser um número inteiro válido",
    "fr": "La valeur doit être un nombre entier valide",
}
TOO_LONG = {
    "es": "El texto debe tener como máximo 64 caracteres",
    "ar": "يجب ألا يزيد النص عن 64 حرفًا",
    "pt-BR": "O texto deve ter no máximo 64 caracteres",
    "fr": "Le texte doit comporter au plus 64 caractères",
}
NOT_PAID = {
    "es": "Un pedido sin pagar se cancela al instante; no hace falta una solicitud.",
    "ar": "يُلغى الطلب غير المدفوع فورًا؛ لا حاجة إلى تقديم طلب.",
    "pt-BR": "Um pedido não pago é cancelado na hora; não é preciso fazer uma solicitação.",
    "fr": "Une commande non payée est annulée immédiatement ; aucune demande n'est nécessaire.",
}
SUPPORT_ONLY = {
    "es": "Solo el personal de soporte puede ver la cola.",
    "ar": "لا يطّلع على قائمة الانتظار إلا فريق الدعم.",
    "pt-BR": "Somente a equipe de suporte pode ver a fila.",
    "fr": "Seul le personnel du support peut voir la file.",
}
NO_ORDER = {
    "es": "No existe ese pedido.",
    "ar": "لا يوجد طلب كهذا.",
    "pt-BR": "Esse pedido não existe.",
    "fr": "Cette commande n'existe pas.",
}
PAYMENT_FAILED = {
    "es": "El pago no se realizó: ",
    "ar": "لم تنجح عملية الدفع: ",
    "pt-BR": "O pagamento não foi concluído: ",
    "fr": "Le paiement n'a pas abouti : ",
}
NOT_AUTHENTICATED = {
    "es": "Envía un token de portador válido (POST /api/v1/auth/tokens) o inicia sesión.",
    "ar": "أرسل رمز حامل صالحًا (POST /api/v1/auth/tokens) أو سجّل الدخول.",
    "pt-BR": "Envie um token de portador válido (POST /api/v1/auth/tokens) ou faça login.",
    "fr": "Envoyez un jeton porteur valide (POST /api/v1/auth/tokens) ou connectez-vous.",
}
NO_ENDPOINT = {
    "es": "No existe ese endpoint.",
    "ar": "لا توجد نقطة وصول كهذه.",
    "pt-BR": "Esse endpoint não existe.",
    "fr": "Ce point d'accès n'existe pas.",
}


def _in(language: str) -> dict[str, str]:
    return {"Accept-Language": language}


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_422_refusal_answers_in_the_callers_language(market, call, language):
    # given a checkout paid by cheque, asked in `language`
    body = {"items": [{"product_id": market.other_product.pk, "quantity": 1}],
            "payment_method": "cheque"}
    # when it is sent
    response = call("POST", "/checkouts", user=market.buyer, body=body, headers=_in(language))
    # then the message is in that language; code and details are as always
    assert response.status_code == 422
    assert response.json() == {
        "code": "unknown_payment_method", "message": CHEQUE[language],
        "details": {"allowed": ["bank_card", "e_wallet", "bank_transfer"]}}
    assert response["Content-Language"] == language.lower()


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_validation_error_answers_in_the_callers_language(market, call, language):
    # given a checkout whose quantity is `false`
    body = {"items": [{"product_id": market.product.pk, "quantity": False,
                       "options": {"colour": "red"}}], "payment_method": "bank_card"}
    # when it is sent in `language`
    response = call("POST", "/checkouts", user=market.buyer, body=body, headers=_in(language))
    # then ninja's validation error, and each field's problem, are said in that language;
    # the codes (the error's and pydantic's type) are unchanged
    assert response.status_code == 422
    assert response.json() == {
        "code": "invalid_input", "message": INVALID_INPUT[language],
        "details": {"errors": [{"type": "int_type",
                                "loc": ["body", "body", "items", 0, "quantity"],
                                "msg": NOT_AN_INTEGER[language]}]}}


@pytest.mark.parametrize("language", LANGUAGES)
def test_r4_a_409_conflict_answers_in_the_callers_language(market, call, language):
    # given an unpaid order
    order = market.place()
    # when its buyer requests its cancellation in `language`
    response = call("POST", f"/orders/{order.pk}/cancellation-request", user=market.buyer,
                    body={"reason": "no_longer_needed", "report_supplier": False},
                    headers=_in(language))
    # then it is 409 order_not_paid, said in that language
    assert response.status_code == 409
    assert response.json() == {"code": "order_not_paid", "message": NOT_PAID[language],
                               "details": {}}


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_403_and_a_404_answer_in_the_callers_language(market, call, language):
    # given a buyer
    # when they read support's queue and an order nobody has, in `language`
    queue = call("GET", "/support/dispute-queue", user=market.buyer, headers=_in(language))
    missing = call("GET", "/orders/999999", user=market.buyer, headers=_in(language))
    # then each refusal is in that language, with its usual code
    assert (queue.status_code, queue.json()["code"], queue.json()["message"]) == (
        403, "support_only", SUPPORT_ONLY[language])
    assert (missing.status_code, missing.json()) == (
        404, {"code": "order_not_found", "message": NO_ORDER[language], "details": {}})


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_503_unavailable_answers_in_the_callers_language(market, call, language):
    # given a gateway that refuses the next capture, and the same refusal asked in English
    english = _refused_capture(market, call, "en")
    problem = english.json()["message"].removeprefix("The payment did not go through: ")
    # when the buyer pays another order in `language` and the gateway refuses again
    response = _refused_capture(market, call, language)
    # then the 503 payment_failed says so in that language (the provider's own words follow)
    assert (english.status_code, response.status_code) == (503, 503)
    assert response.json() == {"code": "payment_failed",
                               "message": PAYMENT_FAILED[language] + problem, "details": {}}


def _refused_capture(market, call, language: str):
    SandboxFault.objects.update_or_create(operation="capture", defaults={"remaining": 1})
    order = market.place()
    return call("POST", f"/payments/{order.checkout.payment.pk}/capture", user=market.buyer,
                headers=_in(language))


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_apis_own_401_and_unknown_endpoint_answer_in_the_callers_language(market, call,
                                                                               language):
    # given no credentials, and a path no endpoint has
    # when each is asked in `language`
    anonymous = call("GET", "/orders", headers=_in(language))
    nowhere = call("GET", "/no-such-endpoint", user=market.buyer, headers=_in(language))
    # then both answers are in that language, with their usual codes
    assert (anonymous.status_code, anonymous.json()) == (
        401, {"code": "not_authenticated", "message": NOT_AUTHENTICATED[language],
              "details": {}})
    assert (nowhere.status_code, nowhere.json()) == (
        404, {"code": "not_found", "message": NO_ENDPOINT[language], "details": {}})


def test_without_accept_language_the_api_answers_in_english(market, call):
    # given no Accept-Language header
    # when an order nobody has is read
    response = call("GET", "/orders/999999", user=market.buyer)
    # then the message is the English one
    assert response.json()["message"] == "No such order."


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_too_long_field_is_told_in_the_callers_language_with_its_plural(market, call,
                                                                          language):
    # given a paid order and a carrier name of 65 characters
    order = market.paid()
    # when the seller ships it in `language`
    response = call("POST", f"/orders/{order.pk}/ship", user=market.seller,
                    body={"carrier": "C" * 65, "tracking_number": "TRK-1"}, headers=_in(language))
    # then the field's problem is said in that language, with the count's plural form
    assert response.status_code == 422
    assert response.json()["details"]["errors"] == [
        {"type": "string_too_long", "loc": ["body", "body", "carrier"],
         "msg": TOO_LONG[language], "ctx": {"max_length": 64}}]


def test_r8_r18_the_apis_labels_follow_the_callers_language_and_codes_do_not(market, call):
    # given a paid order
    order = market.paid()
    # when its buyer reads it, the cancellation reasons and the dispute reasons in Spanish
    es = _in("es")
    detail = call("GET", f"/orders/{order.pk}", user=market.buyer, headers=es).json()
    reasons = call("GET", "/policy/cancellation-reasons", user=market.buyer, headers=es).json()
    disputes = call("GET", "/policy/dispute-reasons", user=market.buyer, headers=es).json()
    # then the labels are Spanish, beside the same codes as ever
    assert (detail["state"], detail["state_label"]) == ("awaiting_shipment", "Pendiente de envío")
    assert reasons[0] == {"code": "ordered_wrong_item", "label": "Pedí el artículo equivocado",
                          "side": "buyer",
                          "explanation": "Elegiste el producto, color o talla equivocados."}
    assert disputes[0] == {"code": "not_received", "label": "El artículo no llegó"}
