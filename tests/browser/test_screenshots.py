"""`python3 dev.py screenshots` against a live `rescind demo` (issue 13): it plans every main
page from the demo's API, writes PNG files of the viewport's exact size; and the demo, started
on a new database, names each step of its first run and sends e-mails whose links follow its
--port.

One real `rescind demo` serves this module, in its own process group, on a new database of the
backend the tests run on; both are gone when the module is done."""

from __future__ import annotations

import os
import re
import struct
from email import message_from_bytes
from email.policy import default as email_policy
from pathlib import Path

import pytest
from django.db.migrations.loader import MigrationLoader

from rescind.screenshots import VIEWPORTS, Shot, demo_start, demo_stop, shots_planned, shots_take
from tests.empty_database import empty_database
from tests.process_watch import free_port, wait_until

pytestmark = [pytest.mark.browser, pytest.mark.processes]

MAIL_SEPARATOR = b"\n" + b"-" * 79 + b"\n"


@pytest.fixture
def demo(tmp_path):
    """`rescind demo --port <free port>` on a new database, for the test."""
    var_dir, port = tmp_path / "demo", free_port()
    var_dir.mkdir()
    with empty_database(var_dir, "demo") as (url, where):
        env = {k: v for k, v in os.environ.items() if not k.startswith("RESCIND_")}
        process = demo_start(var_dir, port=port, env={**env, "RESCIND_DATABASE_URL": url})
        try:
            yield Demo(var_dir, port, where)
        finally:
            demo_stop(process)


class Demo:
    def __init__(self, var_dir: Path, port: int, where: str) -> None:
        self.var_dir, self.port, self.where = var_dir, port, where
        self.base = f"http://127.0.0.1:{port}"


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", path
    return struct.unpack(">II", data[16:24])


def _mails(var_dir: Path) -> list:
    """Every e-mail the demo's worker has written completely to its mail folder."""
    found = []
    for path in sorted((var_dir / "mail").glob("*.log")):
        for chunk in path.read_bytes().split(MAIL_SEPARATOR)[:-1]:
            found.append(message_from_bytes(chunk, policy=email_policy))
    return found


# One test, so one demo: starting one takes most of the time.
def test_a_fresh_demo_names_its_steps_links_its_port_and_is_screenshot(demo, browser,
                                                                       tmp_path):
    # given a demo started with --port on a new database
    # then its output names each step of its first run in order, each followed by what it did,
    # and never calls the new database up to date
    output = (demo.var_dir / "demo.log").read_text()
    migrations = len(MigrationLoader(None, ignore_no_migrations=True).graph.nodes)
    assert re.match(
        re.escape(f"==> Creating the database ({demo.where}): {migrations} migrations\n")
        + r"    created in \d+\.\d s\n"
        + re.escape("==> Loading the demo marketplace\n")
        + r"    loaded 5 stores and \d+ orders in \d+\.\d s\n", output), output[:2000]
    assert f"==> Starting the worker and the web server on port {demo.port}\n" in output
    assert "up to date" not in output

    # when the screenshot code plans its pages from the demo's API
    shots = shots_planned(demo.base)
    # then every main page of each role is in the plan, the buyer's order in five states
    assert [shot.name for shot in shots] == [
        "login", "buyer-orders", "buyer-order-awaiting-payment",
        "buyer-order-cancellation-requested", "buyer-order-refunded",
        "buyer-order-shipment-canceled", "buyer-order-in-dispute", "buyer-inbox", "buyer-shop",
        "buyer-cart", "buyer-coupons", "buyer-profile", "seller-orders",
        "seller-orders-awaiting-answer",
        "seller-requests", "seller-order-awaiting-answer", "seller-order-to-ship",
        "seller-shipments-upload", "seller-order-in-dispute", "seller-metrics",
        "seller-metric-orders", "support-disputes", "support-dispute", "support-order",
        "support-metrics", "support-dashboard", "support-refunds", "support-coupon-issue"]
    # and when two of them are taken, the login page and the order in dispute
    chosen = [s for s in shots if s.name in {"login", "buyer-order-in-dispute"}]
    saved = shots_take(browser, demo.base, chosen, tmp_path / "shots")
    # then each is a PNG of its viewport's exact size, one per page and device
    assert sorted(p.name for p in saved) == [
        "buyer-order-in-dispute-desktop.png", "buyer-order-in-dispute-phone.png",
        "login-desktop.png", "login-phone.png"]
    for path in saved:
        device = path.stem.rsplit("-", 1)[1]
        assert _png_size(path) == VIEWPORTS[device], path.name
    # and a page that answers an error stops the run, saving nothing: it would mislead
    with pytest.raises(RuntimeError, match="^/orders/999999/ as alice: 404$"):
        shots_take(browser, demo.base, [Shot("x", "alice", "/orders/999999/")],
                   tmp_path / "errors", devices={"desktop": VIEWPORTS["desktop"]})
    assert list((tmp_path / "errors").glob("*.png")) == []

    # and when its worker has sent the e-mails of the seeded orders, each has a text and an
    # HTML part, and every link in them is to an order on the demo's port
    wait_until(lambda: len(_mails(demo.var_dir)) >= 5, "the demo's worker sends e-mails")
    for mail in _mails(demo.var_dir):
        text = mail.get_body(("plain",)).get_content()
        html = mail.get_body(("html",)).get_content()
        links = re.findall(r"https?://[^\s\"<]+", text) + re.findall(r'href="([^"]+)"', html)
        assert len(links) == 3, links
        assert all(re.fullmatch(rf"http://127\.0\.0\.1:{demo.port}/orders/\d+/", link)
                   for link in links), links
