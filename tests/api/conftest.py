"""Fixtures of the API tests: bearer tokens per user and one call shape for every request."""

from __future__ import annotations

import json

import pytest

API = "/api/v1"


@pytest.fixture
def call(client, bearer):
    """`call(method, path, user=..., body=..., headers=...)`: one JSON request to the API
    (`form=` instead of `body=` sends multipart fields).

    `path` is relative to /api/v1 unless it starts with it. `user=None` sends no credentials.
    """

    def request(method: str, path: str, *, user=None, body=None, form=None, headers=None):
        url = path if path.startswith(API) else API + path
        sent = {**(bearer(user) if user is not None else {}), **(headers or {})}
        if method.upper() == "GET":
            return client.get(url, headers=sent)
        if form is not None:  # multipart/form-data
            return client.post(url, data=form, headers=sent)
        data = "" if body is None else json.dumps(body)
        return client.generic(method.upper(), url, data=data, content_type="application/json",
                              headers=sent)

    return request
