"""Fixtures of the API tests: bearer tokens per user and one call shape for every request."""

from __future__ import annotations

import json

import pytest

API = "/api/v1"


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Django's default hasher takes ~0.3 s a password; these tests check access, not hashing."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def bearer(market):
    """`bearer(user)` -> the Authorization header of a token issued to that user (one per user)."""
    from rescind.accounts.models import ApiToken

    issued: dict[int, dict[str, str]] = {}

    def header(user) -> dict[str, str]:
        if user.pk not in issued:
            issued[user.pk] = {"Authorization": f"Bearer {ApiToken.issue(user)}"}
        return issued[user.pk]

    return header


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
