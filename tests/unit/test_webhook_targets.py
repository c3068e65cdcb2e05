"""Where a webhook may go (R27): URL parsing and the address rule, without a network."""

from __future__ import annotations

import pytest

from rescind.domain.errors import DomainError
from rescind.domain.event_kinds import known_event_kinds
from rescind.domain.webhook_targets import (
    WebhookTarget,
    address_refusal,
    allowed_networks_parse,
    host_literal_address,
    webhook_target_parse,
)


@pytest.mark.parametrize(("host", "reason"), [
    ("127.0.0.1", "loopback"), ("127.1", "loopback"), ("2130706433", "loopback"),
    ("0x7f000001", "loopback"), ("0177.0.0.1", "loopback"), ("10.0.0.1", "private"),
    ("172.16.0.1", "private"), ("192.168.0.1", "private"), ("169.254.169.254", "link-local"),
    ("0.0.0.0", "unspecified"), ("100.64.0.1", "not public"), ("224.0.0.1", "multicast"),
    ("::1", "loopback"), ("fc00::1", "private"), ("fe80::1", "link-local"),
    ("::ffff:127.0.0.1", "loopback"), ("::ffff:10.0.0.1", "private"),
    ("2002:7f00:1::", "loopback"), ("64:ff9b::a9fe:a9fe", "link-local"), ("::", "unspecified"),
])
def test_r27_non_public_addresses_are_refused_in_every_spelling(host, reason):
    assert address_refusal(host_literal_address(host)) == reason


@pytest.mark.parametrize("host", ["8.8.8.8", "93.184.215.14", "2606:4700::1111"])
def test_r27_public_addresses_are_accepted(host):
    assert address_refusal(host_literal_address(host)) is None


def test_r27_listed_networks_are_let_through_and_nothing_else():
    allowed = allowed_networks_parse(["127.0.0.1/32", " ::1/128 ", ""])
    assert [address_refusal(a, allowed) for a in ("127.0.0.1", "::1", "::ffff:127.0.0.1",
                                                  "127.0.0.2", "10.0.0.1")] == [
        None, None, None, "loopback", "private"]


def test_r27_a_name_is_not_an_address():
    assert host_literal_address("hooks.example.com") is None


def test_r27_a_url_parses_to_the_request_it_makes():
    target = webhook_target_parse("https://Hooks.Example.com:8443/in/é?x=1#frag")
    assert target == WebhookTarget(scheme="https", host="hooks.example.com", port=8443,
                                   path="/in/%C3%A9?x=1")
    assert target.host_header == "hooks.example.com:8443"
    assert webhook_target_parse("http://[::1]/").host_header == "[::1]"
    assert webhook_target_parse("http://h.example").path == "/"


@pytest.mark.parametrize(("url", "code"), [
    ("http://[::1/", "webhook_url_malformed"), ("http://h.example:99999/", "webhook_url_malformed"),
    ("http://h.example/\r\nX-Injected: 1", "webhook_url_malformed"),
    ("gopher://h.example/", "webhook_url_scheme_unsupported"),
    ("http://a:b@h.example/", "webhook_url_has_credentials"),
])
def test_r27_bad_urls_are_refused_with_a_code(url, code):
    with pytest.raises(DomainError) as refused:
        webhook_target_parse(url)
    assert refused.value.code == code


def test_r27_event_kinds_are_the_domain_events():
    kinds = known_event_kinds()
    assert {"OrderPlaced", "OrderPaid", "RefundStarted", "DisputeOpened"} <= kinds
    assert "Event" not in kinds
