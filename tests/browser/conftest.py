"""Browser-test fixtures: Chromium at session scope, logging in, demo mode, and the real
`rescind` CLI pointed at the test database the live server uses."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page, expect

ROOT = Path(__file__).resolve().parents[2]
RESCIND = ROOT / ".venv" / "bin" / "rescind"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]


@pytest.fixture(scope="session")
def browser_type_launch_args(pytestconfig) -> dict:
    """Debian's Chromium (TESTING-NOTES.md). Session-scoped like pytest-playwright's own: the
    function-scoped override in tests/conftest.py cannot feed the session-scoped `browser`."""
    launch = {"executable_path": "/usr/bin/chromium", "args": CHROMIUM_ARGS}
    if pytestconfig.getoption("--headed"):
        launch["headless"] = False
    return launch


@pytest.fixture
def log_in(page: Page, live_server) -> Callable[[str], None]:
    """Log in through the login page (password "pw") and wait until the landing page shows."""

    def _log_in(username: str) -> None:
        page.goto(f"{live_server.url}/login/")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill("pw")
        page.get_by_role("button", name="Log in").click()
        expect(page.locator("nav .who")).to_have_text(username)

    return _log_in


@pytest.fixture
def log_out(page: Page) -> Callable[[], None]:
    def _log_out() -> None:
        page.get_by_role("button", name="Log out").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Log in")

    return _log_out


@pytest.fixture
def demo_mode(settings) -> None:
    """Demo mode in the live server too: it is a thread of this process, sharing `settings`."""
    settings.DEMO_MODE = True


def _test_database_url() -> str:
    from django.conf import settings

    db = settings.DATABASES["default"]
    if db["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{db['NAME']}"
    if db["ENGINE"] == "django.db.backends.postgresql":
        password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
        host = db.get("HOST") or "127.0.0.1"
        port = db.get("PORT") or 5432
        return f"postgres://{db['USER']}{password}@{host}:{port}/{db['NAME']}"
    raise AssertionError(f"no URL form for {db['ENGINE']}")


@pytest.fixture
def reload_live(page: Page, demo_mode) -> Callable[[], None]:
    """Reload an order page in demo mode, where the page may be reloading itself at that moment:
    countdown.js reloads a page whose deadlines changed or ran out. Its load aborts this one
    (net::ERR_ABORTED) and, begun after the change, shows the same; wait for it instead."""

    def _reload() -> None:
        try:
            page.reload()
        except PlaywrightError:
            page.wait_for_load_state()

    return _reload


@pytest.fixture
def rescind_cli(live_server, demo_mode) -> Callable[..., str]:
    """Run the real `rescind` command in demo mode against the live server's test database."""
    env = {**os.environ, "RESCIND_DEMO_MODE": "1", "RESCIND_DATABASE_URL": _test_database_url()}

    def _run(*args: str) -> str:
        done = subprocess.run([str(RESCIND), *args], cwd=ROOT, env=env, capture_output=True,
                              text=True, timeout=60, check=False)
        assert done.returncode == 0, f"rescind {' '.join(args)}: {done.stdout}{done.stderr}"
        return done.stdout

    return _run
