"""Idempotency-Key on a multipart upload larger than Django's in-memory body limit."""

from __future__ import annotations

import pytest

from rescind.accounts.models import ApiToken
from rescind.messaging.models import OrderMessage
from tests.conftest import T0
from tests.sample_files import png_of_size


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def test_r28_repeated_large_upload_with_the_same_key_sends_one_message(client, market, media):
    # given a 3 MiB screenshot (over Django's 2.5 MB in-memory body limit)
    order = market.paid(at=T0)
    token = ApiToken.issue(market.buyer)
    screenshot = png_of_size(3 * 1024 * 1024)

    def send():
        from django.core.files.uploadedfile import SimpleUploadedFile

        return client.post(
            f"/api/v1/orders/{order.pk}/messages",
            {"body": "Here is the screenshot",
             "files": SimpleUploadedFile("shot.png", screenshot, content_type="image/png")},
            headers={"Authorization": f"Bearer {token}", "Idempotency-Key": "upload-1"})

    # when it is sent twice with one Idempotency-Key
    first, second = send(), send()
    # then one message exists and the repeat replays the first answer
    assert (first.status_code, second.status_code) == (201, 201)
    assert second.headers["Idempotent-Replay"] == "true"
    assert second.content == first.content
    assert OrderMessage.objects.filter(order=order).count() == 1
