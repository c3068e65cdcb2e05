"""Where a webhook may be sent (R27): an http(s) URL whose host is a public address.

A subscriber's URL is parsed once here, at registration and again before every attempt, and
every address its host resolves to is judged here before anything connects to it. Loopback,
private, link-local (cloud metadata at 169.254.169.254), shared, reserved and multicast
addresses are refused, in every spelling: IPv4 in decimal, hex or octal (`2130706433`,
`0x7f000001`, `0177.0.0.1`), IPv4 mapped into IPv6, and IPv4 embedded in 6to4 and NAT64
addresses. Only networks an operator lists (RESCIND_WEBHOOK_ALLOWED_NETWORKS, for local
development and tests) are let through.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from django.utils.translation import gettext_lazy as _

from rescind.domain.errors import DomainError, ErrorKind

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
DEFAULT_PORTS = {"http": 80, "https": 443}
NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
# Every printable ASCII character stays as it is; only other characters are percent-encoded.
_PRINTABLE = "".join(chr(c) for c in range(0x21, 0x7F))


@dataclass(frozen=True, slots=True)
class WebhookTarget:
    """A parsed webhook URL: what to connect to and what to put on the request line."""

    scheme: str
    host: str  # ASCII (IDNA) form, without brackets
    port: int
    path: str  # path and query, as sent on the request line

    @property
    def host_header(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if self.port == DEFAULT_PORTS[self.scheme] else f"{host}:{self.port}"


def _malformed(url: str, why: str) -> DomainError:
    return DomainError("webhook_url_malformed", _("The webhook URL is malformed: %(why)s."),
                       params={"why": why},
                       kind=ErrorKind.INVALID, details={"url": url[:500]})


def webhook_target_parse(url: str) -> WebhookTarget:
    """The target of `url`, or a DomainError (422) saying what is wrong with it."""
    if any(ord(c) <= 0x20 or ord(c) == 0x7F for c in url):
        raise _malformed(url, "it contains spaces or control characters")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise _malformed(url, str(exc)) from None
    if parts.scheme not in DEFAULT_PORTS:
        raise DomainError("webhook_url_scheme_unsupported",
                          _("A webhook URL must be http or https."),
                          kind=ErrorKind.INVALID, details={"url": url[:500]})
    if not parts.hostname:
        raise _malformed(url, "it names no host")
    if parts.username is not None or parts.password is not None:
        raise DomainError("webhook_url_has_credentials",
                          _("A webhook URL may not carry a user name or password; the signature "
                            "authenticates each delivery."), kind=ErrorKind.INVALID)
    if port == 0:
        raise _malformed(url, "port 0")
    try:
        host = parts.hostname.encode("idna").decode("ascii")
    except UnicodeError:
        raise _malformed(url, "the host name is not a valid domain name") from None
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return WebhookTarget(scheme=parts.scheme, host=host, port=port or DEFAULT_PORTS[parts.scheme],
                         path=quote(path, safe=_PRINTABLE))


def host_literal_address(host: str) -> IPAddress | None:
    """The address a host names by itself (IPv6, dotted IPv4, or IPv4 in the legacy decimal,
    hex and octal forms resolvers still accept), or None for a name that needs resolving."""
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    try:
        return ipaddress.IPv4Address(socket.inet_aton(host))
    except OSError:
        return None


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address in NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def address_refusal(address: str | IPAddress, allowed: tuple[IPNetwork, ...] = ()) -> str | None:
    """Why a webhook may not go to `address` ("loopback", "private"...), or None if it may:
    it is public, or inside one of the `allowed` networks."""
    ip = ipaddress.ip_address(str(address).split("%", 1)[0])  # an IPv6 zone names no network
    candidates = [ip]
    if isinstance(ip, ipaddress.IPv6Address) and (inner := _embedded_ipv4(ip)) is not None:
        candidates.append(inner)
    if any(c.version == net.version and c in net for c in candidates for net in allowed):
        return None
    for candidate in reversed(candidates):  # the embedded IPv4 address says more
        for name in ("loopback", "unspecified", "link_local", "private", "multicast", "reserved"):
            if getattr(candidate, f"is_{name}"):
                return name.replace("_", "-")
        if not candidate.is_global:
            return "not public"
    return None


def allowed_networks_parse(entries: list[str] | tuple[str, ...]) -> tuple[IPNetwork, ...]:
    """The networks of RESCIND_WEBHOOK_ALLOWED_NETWORKS ("127.0.0.1/32,::1/128")."""
    return tuple(ipaddress.ip_network(entry.strip(), strict=False)
                 for entry in entries if entry.strip())
