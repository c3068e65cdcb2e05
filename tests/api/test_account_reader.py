"""GET/PATCH /api/v1/account: the caller's language and time zone (issue 15), with 422 codes
for values Rescind does not know."""

from __future__ import annotations


def test_api_account_reads_and_changes_language_and_zone(call, market):
    # given a buyer who chose nothing
    assert call("GET", "/account", user=market.buyer).json() == {"language": "",
                                                                "time_zone": ""}
    # when they choose Arabic and Riyadh, then both are answered and remembered
    answer = call("PATCH", "/account", user=market.buyer,
                  body={"language": "ar", "time_zone": "Asia/Riyadh"})
    assert answer.status_code == 200
    assert answer.json() == {"language": "ar", "time_zone": "Asia/Riyadh"}
    # when they change only the zone, then the language stays
    answer = call("PATCH", "/account", user=market.buyer, body={"time_zone": "Europe/Paris"})
    assert answer.json() == {"language": "ar", "time_zone": "Europe/Paris"}


def test_api_account_refuses_unknown_language_and_zone_with_422_codes(call, market):
    refused = call("PATCH", "/account", user=market.buyer, body={"language": "klingon"})
    assert refused.status_code == 422
    assert refused.json()["code"] == "unknown_language"
    assert refused.json()["details"] == {"allowed": ["en", "es", "pt-br", "fr", "ar"]}
    refused = call("PATCH", "/account", user=market.buyer,
                   body={"language": "es", "time_zone": "Europe/Atlantis"})
    assert refused.status_code == 422
    assert refused.json()["code"] == "unknown_time_zone"
    # and nothing changed, not even the valid language sent with the unknown zone
    assert call("GET", "/account", user=market.buyer).json() == {"language": "",
                                                                "time_zone": ""}
