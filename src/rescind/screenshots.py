"""`python3 dev.py screenshots`: every main page of a fresh demo, as each role sees it, on a
desktop (1280 x 900) and a phone (390 x 844), saved as PNG files for a person to look at.

It starts `rescind demo` on a free port in a temporary var folder (its own SQLite database,
unless RESCIND_DATABASE_URL names another), picks the orders to show by asking the demo's JSON
API (an order in each state the buyer's page explains), logs in as each role (the demo's
logins, password `demo`), saves `<role>-<page>-<device>.png` and stops the demo's whole
process group. Needs the test extra (Playwright) and Chromium at /usr/bin/chromium.
`--lang es` (or pt-br, fr, ar) takes the pages as a reader of that language sees them (the
browser's Accept-Language; the demo's users have not picked a language), saved as
`<role>-<page>-<lang>-<device>.png`; `--timezone Europe/Madrid` sets the browser's zone.

    python -m rescind.screenshots [--out docs/screenshots] [--only buyer-orders ...]
                                  [--full-page] [--lang ar] [--timezone Asia/Riyadh]
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlsplit

if TYPE_CHECKING:
    from playwright.sync_api import Browser

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
VIEWPORTS = {"desktop": (1280, 900), "phone": (390, 844)}
# The demo's logins (rescind/demo.py).
PASSWORD = "demo"
BUYERS = ("alice", "bob", "carol")
SELLERS = ("sam", "tina", "uma", "bia", "ken")
SUPPORT = "support"
START_SECONDS = 300  # migrating and seeding on a slow machine


@dataclass(frozen=True)
class Shot:
    name: str  # the file name without device and extension, e.g. "buyer-order-refunded"
    user: str | None  # who is logged in; None: nobody
    path: str


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def demo_start(var_dir: Path, *, port: int, env: dict[str, str] | None = None
               ) -> subprocess.Popen:
    """`rescind demo --port <port>` with its var folder in `var_dir`, in a session (and process
    group) of its own, once it answers. Its output goes to `var_dir`/demo.log."""
    env = {**(os.environ if env is None else env), "RESCIND_VAR_DIR": str(var_dir)}
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # a test's setting, not the demo's
    log = var_dir / "demo.log"
    with log.open("ab") as out:
        demo = subprocess.Popen([sys.executable, "-m", "rescind.cli", "demo", "--port", str(port)],
                                env=env, stdin=subprocess.DEVNULL, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline and demo.poll() is None:
        with contextlib.suppress(OSError):
            if _http(f"http://127.0.0.1:{port}", "GET", "/healthz")[0] == 200:
                return demo
        time.sleep(0.2)
    demo_stop(demo)
    raise RuntimeError(f"the demo did not start; its output:\n{log.read_text()[-4000:]}")


def demo_stop(demo: subprocess.Popen) -> None:
    """Stop the demo (it stops its worker and web server), then anything left of its process
    group."""
    with contextlib.suppress(ProcessLookupError):
        demo.send_signal(signal.SIGTERM)
    with contextlib.suppress(subprocess.TimeoutExpired):
        demo.wait(timeout=60)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(demo.pid, signal.SIGKILL)
    demo.wait(timeout=30)


def _http(base: str, method: str, path: str, body: bytes | None = None,
          headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    """One request to the demo on this machine (`base` is http://127.0.0.1:<port>)."""
    connection = http.client.HTTPConnection(urlsplit(base).netloc, timeout=30)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        answer = connection.getresponse()
        return answer.status, answer.read()
    finally:
        connection.close()


def _api(base: str, path: str, token: str | None = None, body: dict | None = None) -> Any:
    status, content = _http(base, "GET" if body is None else "POST", "/api/v1" + path,
                            None if body is None else json.dumps(body).encode(),
                            {"Content-Type": "application/json",
                             **({"Authorization": f"Bearer {token}"} if token else {})})
    if status >= 400:
        raise RuntimeError(f"{path}: {status} {content[:300]!r}")
    return json.loads(content)


def _token(base: str, username: str) -> str:
    return _api(base, "/auth/tokens", body={"username": username, "password": PASSWORD})["token"]


def shots_planned(base: str) -> list[Shot]:
    """The pages to take, with the orders to show picked by asking the demo's API. Where the
    demo lacks a state, it is made the way a buyer would: a dispute opened on a completed
    order, the items of a lapsed unpaid order put back in the cart."""
    tokens = {user: _token(base, user) for user in (*BUYERS, *SELLERS, SUPPORT)}
    me = {user: _api(base, "/me", token) for user, token in tokens.items()}
    buyer_of = {me[user]["id"]: user for user in BUYERS}
    seller_of = {store: user for user in SELLERS for store in me[user]["store_ids"]}
    orders = [_api(base, f"/orders/{o['id']}", tokens[SUPPORT])
              for o in _api(base, "/orders?limit=200", tokens[SUPPORT])]

    def first(test, *, fallback: dict | None = None) -> dict:
        found = next((o for o in orders if test(o)), fallback)
        if found is None:
            raise RuntimeError("the demo has no order to show here")
        return found

    if not any(o["state"] == "in_dispute" for o in orders):
        target = first(lambda o: o["state"] == "completed" and o["buyer_id"] in buyer_of)
        _api(base, f"/orders/{target['id']}/dispute", tokens[buyer_of[target["buyer_id"]]],
             {"dispute_reason": "damaged", "description": "The item arrived broken."})
        target["state"] = "in_dispute"
    lapsed = next((o for o in orders if o["state"] == "closed"
                   and o["close_reason"] == "unpaid_timeout"), None)
    if lapsed:
        _api(base, f"/orders/{lapsed['id']}/add-to-cart-again",
             tokens[buyer_of[lapsed["buyer_id"]]], {})
    pending = first(lambda o: (o["cancellation_request"] or {}).get("state") == "pending")
    refunded = first(lambda o: o["state"] == "closed" and o["refunds"]
                     and all(r["state"] == "succeeded" for r in o["refunds"]),
                     fallback=first(lambda o: o["state"] == "closed" and o["refunds"]))
    buyer_pages = {
        "awaiting-payment": first(lambda o: o["state"] == "awaiting_payment"),
        "cancellation-requested": pending,
        "refunded": refunded,
        "shipment-canceled": first(lambda o: o["state"] == "shipment_canceled"),
        "in-dispute": first(lambda o: o["state"] == "in_dispute"),
    }
    disputed = buyer_pages["in-dispute"]["id"]
    # Support's page of a dispute waiting for support shows the quick decisions.
    escalated = _api(base, "/support/dispute-queue?waiting_for=support&limit=1",
                     tokens[SUPPORT])["disputes"]
    decided_by_support = escalated[0]["order_id"] if escalated else disputed
    on_its_way = first(lambda o: o["state"] == "awaiting_delivery",
                       fallback=buyer_pages["shipment-canceled"])
    seller = seller_of[pending["store"]["id"]]
    trends = _api(base, "/metrics/trends", tokens[seller])
    counted = max(trends["metrics"], key=lambda m: m["rate"]["numerator"])
    to_ship = first(lambda o: o["state"] == "awaiting_shipment"
                    and (o["cancellation_request"] or {}).get("state") != "pending",
                    fallback=pending)
    shopper = buyer_of[lapsed["buyer_id"]] if lapsed else BUYERS[0]
    return [
        Shot("login", None, "/login/"),
        Shot("buyer-orders", BUYERS[0], "/orders/"),
        *[Shot(f"buyer-order-{state}", buyer_of[o["buyer_id"]], f"/orders/{o['id']}/")
          for state, o in buyer_pages.items()],
        Shot("buyer-inbox", BUYERS[0], "/inbox/"),
        Shot("buyer-shop", shopper, "/shop/"),
        Shot("buyer-cart", shopper, "/cart/"),
        Shot("buyer-coupons", BUYERS[0], "/coupons/"),
        Shot("buyer-profile", BUYERS[0], "/account/profile/"),
        Shot("seller-orders", seller, "/seller/orders/"),
        Shot("seller-orders-awaiting-answer", seller, "/seller/orders/?tab=awaiting_answer"),
        Shot("seller-requests", seller, "/seller/requests/"),
        Shot("seller-order-awaiting-answer", seller, f"/orders/{pending['id']}/"),
        Shot("seller-order-to-ship", seller_of[to_ship["store"]["id"]],
             f"/orders/{to_ship['id']}/"),
        Shot("seller-shipments-upload", seller, "/seller/shipments/upload/"),
        Shot("seller-order-in-dispute", seller_of[buyer_pages["in-dispute"]["store"]["id"]],
             f"/orders/{disputed}/"),
        Shot("seller-metrics", seller, "/seller/metrics/"),
        Shot("seller-metric-orders", seller,
             f"/seller/metrics/orders/?metric={counted['metric']}"),
        Shot("support-disputes", SUPPORT, "/support/disputes/"),
        Shot("support-dispute", SUPPORT, f"/support/disputes/{decided_by_support}/"),
        Shot("support-order", SUPPORT, f"/support/orders/{on_its_way['id']}/"),
        Shot("support-metrics", SUPPORT, "/support/metrics/"),
        Shot("support-dashboard", SUPPORT, "/support/dashboard/"),
        Shot("support-refunds", SUPPORT, "/support/refunds/"),
        Shot("support-coupon-issue", SUPPORT, "/support/coupons/new/"),
    ]


def _log_in(context, base: str, username: str) -> None:
    """Log in through the login form's POST (its CSRF cookie first): the session cookie then
    belongs to the browser context."""
    assert context.request.get(f"{base}/login/").ok
    csrf = next(c["value"] for c in context.cookies() if c["name"] == "csrftoken")
    answer = context.request.post(f"{base}/login/", form={
        "username": username, "password": PASSWORD, "csrfmiddlewaretoken": csrf,
        "next": "/"}, headers={"Referer": f"{base}/login/"})
    if not any(c["name"] == "sessionid" for c in context.cookies()):
        raise RuntimeError(f"could not log in as {username}: {answer.status} {answer.url}")


def shots_take(browser: Browser, base: str, shots: list[Shot], out: Path, *,
               devices: dict[str, tuple[int, int]] = VIEWPORTS,
               full_page: bool = False, lang: str = "",
               timezone: str = "") -> list[Path]:
    """Each shot on each device, as `out`/<name>[-<lang>]-<device>.png; one browser context per
    user and device, asking for `lang` (Accept-Language) in `timezone` when given. A page that
    answers an error stops the run: a screenshot of it would mislead."""
    out.mkdir(parents=True, exist_ok=True)
    saved = []
    users = list(dict.fromkeys(shot.user for shot in shots))
    for device, (width, height) in devices.items():
        for user in users:
            reader = {"locale": lang, "extra_http_headers": {"Accept-Language": lang}} \
                if lang else {}
            context = browser.new_context(viewport={"width": width, "height": height},
                                          device_scale_factor=1, is_mobile=device == "phone",
                                          has_touch=device == "phone", **reader,
                                          **({"timezone_id": timezone} if timezone else {}))
            if timezone:  # as countdown.js leaves it on the login page, before the first shot
                context.add_cookies([{"name": "rescind_tz", "value": quote(timezone, safe=""),
                                      "url": base}])
            try:
                if user:
                    _log_in(context, base, user)
                page = context.new_page()
                for shot in (s for s in shots if s.user == user):
                    answer = page.goto(base + shot.path, wait_until="load")
                    if answer is None or not answer.ok:
                        raise RuntimeError(f"{shot.path} as {user}: "
                                           f"{answer.status if answer else 'no answer'}")
                    path = out / f"{shot.name}{f'-{lang}' if lang else ''}-{device}.png"
                    page.screenshot(path=str(path), full_page=full_page)
                    saved.append(path)
            finally:
                context.close()
    return saved


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=Path("docs/screenshots"),
                        help="folder for the PNG files (default: docs/screenshots)")
    parser.add_argument("--only", nargs="*", default=[],
                        help="take only these pages, e.g. buyer-orders support-dispute")
    parser.add_argument("--full-page", action="store_true",
                        help="the whole page, not the first screen")
    parser.add_argument("--lang", default="", choices=["", "en", "es", "pt-br", "fr", "ar"],
                        help="the reader's language (Accept-Language), e.g. ar; default: en")
    parser.add_argument("--timezone", default="",
                        help="the browser's time zone, e.g. Europe/Madrid; default: the machine's")
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="rescind-screenshots-") as var_dir:
        port = free_port()
        print(f"==> Starting the demo on port {port} (var folder {var_dir})", flush=True)
        demo = demo_start(Path(var_dir), port=port)
        try:
            base = f"http://127.0.0.1:{port}"
            shots = [s for s in shots_planned(base) if not args.only or s.name in args.only]
            print(f"==> Taking {len(shots)} pages on {len(VIEWPORTS)} devices", flush=True)
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM,
                                                     args=CHROMIUM_ARGS)
                saved = shots_take(browser, base, shots, args.out, full_page=args.full_page,
                                   lang=args.lang, timezone=args.timezone)
                browser.close()
        finally:
            demo_stop(demo)
    print(f"==> Saved {len(saved)} PNG files in {args.out}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
