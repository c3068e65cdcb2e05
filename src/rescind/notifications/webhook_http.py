"""One webhook POST (R27), safe to point at any URL a subscriber gave.

- The host is resolved once; every address it resolves to is checked (domain/webhook_targets)
  and the connection goes to that checked address, with the Host header and TLS SNI and
  certificate check set to the name. A name that resolves to a public address when registered
  and to a private one later (DNS rebinding) is refused here, before anything is sent.
- Redirects are never followed: a 3xx is a failed attempt. The signature never travels on.
- One deadline covers the whole attempt, from resolution to the answer's head: every read waits
  at most for what is left of it, and a watchdog shuts the socket when it passes, so a receiver
  that trickles its answer a byte at a time cannot hold a worker.
"""

from __future__ import annotations

import contextlib
import socket
import ssl
import threading
import time
from dataclasses import dataclass

from django.conf import settings

from rescind.domain.errors import DomainError
from rescind.domain.webhook_targets import (
    WebhookTarget,
    address_refusal,
    allowed_networks_parse,
    host_literal_address,
    webhook_target_parse,
)

MAX_HEAD_BYTES = 16 * 1024
WATCHDOG_GRACE_SECONDS = 0.2


@dataclass(frozen=True, slots=True)
class PostResult:
    status: int | None  # the answer's HTTP status, None when there was no answer
    error: str  # empty when delivered
    permanent: bool = False  # retrying cannot help: a malformed URL or a refused address

    @property
    def delivered(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


class _NoAnswer(Exception):
    """The receiver's answer is missing or is not HTTP."""


def allowed_networks():
    return allowed_networks_parse(settings.RESCIND_WEBHOOK_ALLOWED_NETWORKS)


def _left(ends: float) -> float:
    left = ends - time.monotonic()
    if left <= 0:
        raise TimeoutError
    return left


def addresses_resolve(host: str, port: int, ends: float) -> list[tuple[int, tuple]]:
    """(family, socket address) of each address `host` resolves to, resolved once, within the
    deadline: getaddrinfo has no timeout of its own, so it runs in a thread we stop waiting for."""
    literal = host_literal_address(host)
    if literal is not None:
        if literal.version == 4:
            return [(socket.AF_INET, (str(literal), port))]
        return [(socket.AF_INET6, (str(literal), port, 0, 0))]
    outcome: dict = {}

    def resolve() -> None:
        try:
            outcome["infos"] = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except OSError as exc:
            outcome["error"] = exc

    resolver = threading.Thread(target=resolve, daemon=True, name=f"resolve {host}")
    resolver.start()
    resolver.join(_left(ends))
    if resolver.is_alive():
        raise TimeoutError
    if "error" in outcome:
        raise outcome["error"]
    seen, found = set(), []
    for family, _, _, _, sockaddr in outcome["infos"]:
        if sockaddr[0] not in seen:
            seen.add(sockaddr[0])
            found.append((family, sockaddr))
    return found


def refused_address(addresses: list[tuple[int, tuple]]) -> tuple[str, str] | None:
    """(address, why) of the first address a webhook may not go to, or None if all may."""
    allowed = allowed_networks()
    for _, sockaddr in addresses:
        why = address_refusal(sockaddr[0], allowed)
        if why is not None:
            return sockaddr[0], why
    return None


def _request(target: WebhookTarget, body: bytes, headers: dict[str, str]) -> bytes:
    lines = [f"POST {target.path} HTTP/1.1", f"Host: {target.host_header}",
             *(f"{name}: {value}" for name, value in headers.items()),
             f"Content-Length: {len(body)}", "Connection: close", "", ""]
    return "\r\n".join(lines).encode("latin-1") + body


def _answer_status(sock, ends: float) -> int:
    """The status of the answer, read up to the end of its head and no further."""
    head = b""
    while b"\r\n\r\n" not in head:
        if len(head) > MAX_HEAD_BYTES:
            raise _NoAnswer("the answer's head is too long")
        sock.settimeout(_left(ends))
        chunk = sock.recv(4096)
        if not chunk:
            if head:
                break
            raise _NoAnswer("the connection closed without an answer")
        head += chunk
    status_line = head.split(b"\r\n", 1)[0].decode("latin-1")
    parts = status_line.split(" ", 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/1.") or not (
            len(parts[1]) == 3 and parts[1].isdigit()):
        raise _NoAnswer(f"not an HTTP answer: {status_line[:80]!r}")
    return int(parts[1])


def _exchange(target: WebhookTarget, family: int, sockaddr: tuple, request: bytes,
              ends: float) -> int:
    holder = [socket.socket(family, socket.SOCK_STREAM)]

    def cut() -> None:  # the deadline passed: unblock whatever read or write is waiting
        with contextlib.suppress(OSError):
            holder[0].shutdown(socket.SHUT_RDWR)

    # A backstop just after the deadline: reads and writes time out by themselves at it, but
    # a TLS handshake or a blocked send could straddle it.
    watchdog = threading.Timer(_left(ends) + WATCHDOG_GRACE_SECONDS, cut)
    watchdog.daemon = True
    watchdog.start()
    try:
        holder[0].settimeout(_left(ends))
        holder[0].connect(sockaddr)
        if target.scheme == "https":
            context = ssl.create_default_context()
            holder[0] = context.wrap_socket(holder[0], server_hostname=target.host)
        holder[0].settimeout(_left(ends))
        holder[0].sendall(request)
        return _answer_status(holder[0], ends)
    except TimeoutError:
        raise
    except (OSError, _NoAnswer):
        if time.monotonic() >= ends:  # cut by the watchdog: the deadline passed
            raise TimeoutError from None
        raise
    finally:
        watchdog.cancel()
        holder[0].close()


def webhook_post(url: str, body: bytes, headers: dict[str, str], *,
                 deadline_seconds: float) -> PostResult:
    """POST `body` to `url` once, to a checked address, within `deadline_seconds`."""
    try:
        target = webhook_target_parse(url)
    except DomainError as exc:
        return PostResult(None, exc.message, permanent=True)
    ends = time.monotonic() + deadline_seconds
    timeout = f"timeout: no answer within the {deadline_seconds:g} s deadline"
    try:
        addresses = addresses_resolve(target.host, target.port, ends)
    except TimeoutError:
        return PostResult(None, timeout)
    except OSError as exc:
        return PostResult(None, f"cannot resolve {target.host}: {exc}"[:300])
    refused = refused_address(addresses)
    if refused is not None:
        return PostResult(None, f"refused: {target.host} is at {refused[0]}, a {refused[1]} "
                                "address, and webhooks go only to public addresses"[:300],
                          permanent=True)
    request = _request(target, body, headers)
    error = f"{target.host} resolves to no address"
    for family, sockaddr in addresses:
        try:
            status = _exchange(target, family, sockaddr, request, ends)
        except TimeoutError:
            return PostResult(None, timeout)
        except (OSError, _NoAnswer) as exc:  # refused, reset, TLS: try the next address
            error = f"{sockaddr[0]}: {exc}"[:300]
            continue
        if 300 <= status < 400:
            return PostResult(status, f"HTTP {status}: redirects are not followed")
        return PostResult(status, "" if 200 <= status < 300 else f"HTTP {status}")
    return PostResult(None, error)
