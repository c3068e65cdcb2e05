"""A page that shows a refusal's message inline shows it in the page's language (issue 15): the
message is translated when the page reads it, not when the service raised it."""

from __future__ import annotations

import html

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.html import strip_tags

from rescind.clock.service import now as clock_now
from tests.conftest import DAY

NOT_UTF8 = {
    "es": "El archivo no es texto UTF-8. Guárdalo como «CSV UTF-8» y vuelve a subirlo.",
    "ar": "الملف ليس نصًا بترميز UTF-8. احفظه بصيغة «CSV UTF-8» ثم ارفعه من جديد.",
}
NOT_PENDING = {
    "es": "No hay ninguna solicitud de cancelación pendiente.",
    "ar": "لا يوجد طلب إلغاء قيد الانتظار.",
}


def _text(response) -> str:
    return " ".join(html.unescape(strip_tags(response.content.decode())).split())


@pytest.mark.parametrize("language", ["es", "ar"])
def test_r15_the_upload_form_shows_the_files_refusal_in_the_pages_language(client, market,
                                                                            language):
    # given a seller whose browser asks for `language`
    client.force_login(market.seller)
    # when they upload a file that is not UTF-8 text
    page = client.post("/seller/shipments/upload/",
                       {"file": SimpleUploadedFile("s.csv", b"\xff\xfe\x00", "text/csv")},
                       headers={"Accept-Language": language})
    # then the form shows the refusal under the field, in that language
    assert page.status_code == 200
    assert ('<small class="error" role="alert" id="shipments-file-error">'
            + html.escape(NOT_UTF8[language], quote=False)) in page.content.decode()


@pytest.mark.parametrize("language", ["es", "ar"])
def test_r10_the_bulk_answer_page_shows_each_refusal_in_the_pages_language(client, market,
                                                                            language):
    # given a paid order with no cancellation request, picked for a bulk approval
    order = market.paid(at=clock_now() - 2 * DAY)
    client.force_login(market.seller)
    # when the seller answers in `language`
    page = client.post("/seller/requests/answer/", {"order": [str(order.pk)],
                                                    "decision": "approve"},
                       headers={"Accept-Language": language})
    # then the refused order's line says why in that language, and keeps its code
    assert page.status_code == 200
    assert f"{NOT_PENDING[language]} no_pending_request" in _text(page)
