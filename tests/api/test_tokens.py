"""API tokens (issue 12): they expire, their owner lists and revokes them, and a password change
revokes them all."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone

from rescind.accounts.models import ApiToken


def _bearer(raw: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {raw}"}


def test_a_new_token_says_when_it_expires_after_the_configured_time(market, call, settings):
    # given tokens that live 30 days
    settings.RESCIND_API_TOKEN_TTL = timedelta(days=30)
    # when the buyer gets one
    response = call("POST", "/auth/tokens", body={"username": "buyer", "password": "pw"})
    # then the answer says when it expires: 30 days after it was issued
    assert response.status_code == 201
    row = ApiToken.objects.get(pk=response.json()["id"])
    expected = row.created_at + timedelta(days=30)
    answered = datetime.fromisoformat(response.json()["expires_at"])
    assert answered == expected.replace(microsecond=expected.microsecond // 1000 * 1000)


def test_an_expired_token_answers_401_token_expired(market, call, settings):
    # given a token issued 31 days ago, with tokens living 30 days
    settings.RESCIND_API_TOKEN_TTL = timedelta(days=30)
    raw = ApiToken.issue(market.buyer)
    ApiToken.objects.update(created_at=timezone.now() - timedelta(days=31))
    # when the buyer reads their orders with it
    response = call("GET", "/orders", headers=_bearer(raw))
    # then it is refused as expired, not as unknown
    assert response.status_code == 401
    assert response.json()["code"] == "token_expired"


def test_a_token_just_within_its_life_still_works(market, call, settings):
    settings.RESCIND_API_TOKEN_TTL = timedelta(days=30)
    raw = ApiToken.issue(market.buyer)
    ApiToken.objects.update(created_at=timezone.now() - timedelta(days=29, hours=23))
    assert call("GET", "/orders", headers=_bearer(raw)).status_code == 200


def test_a_use_is_written_once_the_last_one_is_five_minutes_old(market, call):
    # given two tokens of the buyer, one last used 6 minutes ago, one 4 minutes ago
    stale_raw, recent_raw = ApiToken.issue(market.buyer), ApiToken.issue(market.buyer)
    began = timezone.now()
    stale, recent = ApiToken.objects.order_by("pk")
    ApiToken.objects.filter(pk=stale.pk).update(last_used_at=began - timedelta(minutes=6))
    ApiToken.objects.filter(pk=recent.pk).update(last_used_at=began - timedelta(minutes=4))
    # when the buyer reads their orders with each
    answers = [call("GET", "/orders", headers=_bearer(raw)).status_code
               for raw in (stale_raw, recent_raw)]
    # then both work; the stale one records this use, the recent one is not written again
    stale.refresh_from_db()
    recent.refresh_from_db()
    assert answers == [200, 200]
    assert began <= stale.last_used_at <= timezone.now()
    assert recent.last_used_at == began - timedelta(minutes=4)


def test_the_owner_lists_their_live_tokens_without_their_secrets(market, call):
    # given the buyer's phone token, an expired one, the one they call with, another user's
    phone = ApiToken.issue_row(market.buyer, "phone")[1]
    old = ApiToken.issue_row(market.buyer, "old")[1]
    ApiToken.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=365))
    ApiToken.issue(market.seller)
    current = ApiToken.issue_row(market.buyer, "laptop")
    # when they list their tokens
    response = call("GET", "/auth/tokens", headers=_bearer(current[0]))
    # then they see their two live ones, newest first, the current one marked, no secret
    assert response.status_code == 200
    listed = response.json()
    assert [(t["id"], t["name"], t["current"]) for t in listed] == [
        (current[1].pk, "laptop", True), (phone.pk, "phone", False)]
    assert set(listed[0]) == {"id", "name", "created_at", "last_used_at", "expires_at",
                              "current"}
    assert current[0] not in response.content.decode()


def test_revoking_the_current_token_logs_the_app_out(market, call):
    # given a token the app calls with
    raw = ApiToken.issue(market.buyer)
    # when it revokes its current token
    response = call("DELETE", "/auth/tokens/current", headers=_bearer(raw))
    # then 204, and the token no longer works
    assert response.status_code == 204
    again = call("GET", "/orders", headers=_bearer(raw))
    assert (again.status_code, again.json()["code"]) == (401, "not_authenticated")
    assert ApiToken.objects.filter(user=market.buyer).count() == 0


def test_revoking_one_token_by_id_leaves_the_others(market, call):
    # given the buyer's phone token and the laptop token they call with
    phone_raw, phone = ApiToken.issue_row(market.buyer, "phone")
    laptop_raw = ApiToken.issue(market.buyer, "laptop")
    # when they revoke the phone's
    response = call("DELETE", f"/auth/tokens/{phone.pk}", headers=_bearer(laptop_raw))
    # then the phone's stops working and the laptop's goes on
    assert response.status_code == 204
    assert call("GET", "/orders", headers=_bearer(phone_raw)).status_code == 401
    assert call("GET", "/orders", headers=_bearer(laptop_raw)).status_code == 200


def test_revoking_another_users_token_is_not_found_and_changes_nothing(market, call):
    theirs = ApiToken.issue_row(market.seller)[1]
    response = call("DELETE", f"/auth/tokens/{theirs.pk}", user=market.buyer)
    assert (response.status_code, response.json()["code"]) == (404, "token_not_found")
    assert ApiToken.objects.filter(pk=theirs.pk).exists()


def test_revoking_the_current_token_of_a_session_is_refused(market, client):
    # given the buyer logged in on the web (a session, no token)
    client.force_login(market.buyer)
    # when the session asks to revoke "the current token"
    response = client.delete("/api/v1/auth/tokens/current")
    # then there is none to revoke
    assert (response.status_code, response.json()["code"]) == (422, "no_current_token")


def test_a_password_change_revokes_all_the_users_tokens(market, call):
    # given two tokens of the buyer and one of the seller
    phone, laptop = ApiToken.issue(market.buyer), ApiToken.issue(market.buyer)
    seller = ApiToken.issue(market.seller)
    # when the buyer's password changes
    market.buyer.set_password("a new and long passphrase")
    market.buyer.save()
    # then neither of the buyer's tokens works; the seller's does
    for raw in (phone, laptop):
        response = call("GET", "/orders", headers=_bearer(raw))
        assert (response.status_code, response.json()["code"]) == (401, "not_authenticated")
    assert call("GET", "/orders", headers=_bearer(seller)).status_code == 200


def test_an_unchanged_password_saved_again_keeps_the_tokens(market, call):
    raw = ApiToken.issue(market.buyer)
    market.buyer.first_name = "Ann"
    market.buyer.save()
    assert call("GET", "/orders", headers=_bearer(raw)).status_code == 200


def test_api_answers_with_personal_data_are_not_stored_by_caches(market, call, client):
    # given the buyer's orders and inbox
    market.paid()
    # when they are read through the API
    for path in ("/orders", "/notifications", "/me", "/auth/tokens"):
        response = call("GET", path, user=market.buyer)
        # then no cache may keep them
        assert (path, response.status_code, response["Cache-Control"]) == (path, 200, "no-store")
    # and an error answer neither
    assert call("GET", "/orders/999999", user=market.buyer)["Cache-Control"] == "no-store"
    # while the schema, which is nobody's data, may be cached
    assert "Cache-Control" not in client.get("/api/v1/openapi.json")


def test_a_hash_upgraded_at_login_keeps_the_tokens(market, call, settings):
    # given a token, and a stronger hasher preferred than the one the password is stored with
    raw = ApiToken.issue(market.buyer)
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher",
                                 "django.contrib.auth.hashers.MD5PasswordHasher"]
    # when the buyer gets another token with the same password (Django rehashes it)
    assert call("POST", "/auth/tokens", body={"username": "buyer", "password": "pw"}
                ).status_code == 201
    market.buyer.refresh_from_db()
    assert market.buyer.password.startswith("pbkdf2_sha256$")
    # then the first token still works: the password did not change
    assert call("GET", "/orders", headers=_bearer(raw)).status_code == 200
