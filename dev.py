#!/usr/bin/env python3
"""The commands of the README.

    python3 dev.py demo         set up .venv, migrate SQLite, load the demo, serve :8000 with a
                                worker (`--port 8100`, `--reset`)
    python3 dev.py test         set up .venv (+ test tools, Chromium), run ruff and every test
                                on SQLite, then every database test again on PostgreSQL
    python3 dev.py screenshots  set up .venv (+ test tools, Chromium), start a fresh demo and
                                save every main page, desktop and phone, as PNG files in
                                docs/screenshots/ (`--out DIR`, `--only buyer-orders ...`)
    python3 dev.py bench        every benchmark of docs/benchmarks.md, one after another (about
                                40 minutes; `--quick` for a few); needs PostgreSQL, installs wrk

Needs only Python 3.11+. PostgreSQL is taken from RESCIND_TEST_POSTGRES_URL
(default postgres://postgres@127.0.0.1:5432/rescind); under CI=true it is required.
"""

from __future__ import annotations

import hashlib
import itertools
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / "python"
CHROMIUM = "/usr/bin/chromium"
DEFAULT_PG = "postgres://postgres@127.0.0.1:5432/rescind"
DB_TEST_DIRS = ["tests/integration", "tests/api", "tests/browser", "tests/faults"]


def say(text: str) -> None:
    print(f"\033[1m==> {text}\033[0m", flush=True)


def took(seconds: float) -> str:
    return f"{seconds:.1f} s" if seconds < 60 else f"{int(seconds // 60)} min {int(seconds % 60)} s"


def step(title: str, *cmd: str | Path, log: Path) -> None:
    """'==> title', the command run with its own output in `log` (shown if it fails), on a
    terminal a spinner with the time spent meanwhile, then how long it took."""
    say(title)
    started, done = time.monotonic(), threading.Event()

    def spin() -> None:
        for frame in itertools.cycle("|/-\\"):
            if done.wait(0.2):
                break
            print(f"\r    {frame} {took(time.monotonic() - started)}", end="", flush=True)
        print("\r\033[K", end="", flush=True)

    spinner = threading.Thread(target=spin, daemon=True)
    if sys.stdout.isatty():
        spinner.start()
    with log.open("ab") as out:
        status = subprocess.call([str(c) for c in cmd], cwd=ROOT, stdout=out,
                                 stderr=subprocess.STDOUT)
    done.set()
    if spinner.is_alive():
        spinner.join()
    if status:
        print(log.read_text(errors="replace")[-3000:])
        sys.exit(f"{title} failed (exit status {status}); the whole output is in {log}")
    print(f"    done in {took(time.monotonic() - started)}", flush=True)


def run(*cmd: str | Path, env: dict[str, str] | None = None) -> int:
    return subprocess.call([str(c) for c in cmd], cwd=ROOT, env={**os.environ, **(env or {})})


def ensure_venv(extras: str) -> None:
    """Create .venv and install the project; skipped when pyproject has not changed."""
    if sys.version_info < (3, 11):  # noqa: UP036 - dev.py runs on whatever python3 is
        sys.exit("Rescind needs Python 3.11 or newer.")
    log = ROOT / "var" / "install.log"
    log.parent.mkdir(exist_ok=True)
    if not PY.exists():
        step("Creating .venv", sys.executable, "-m", "venv", VENV, log=log)
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + extras.encode()).hexdigest()
    stamp = VENV / f".installed-{extras or 'base'}"
    if stamp.exists() and stamp.read_text() == digest:
        return
    target = f".[{extras}]" if extras else "."
    step("Upgrading pip in .venv", PY, "-m", "pip", "install", "-q", "--upgrade", "pip", log=log)
    step(f"Installing rescind{f'[{extras}]' if extras else ''} and its dependencies into .venv "
         f"(a few minutes the first time; pip's output: {log.relative_to(ROOT)})",
         PY, "-m", "pip", "install", "-q", "-e", target, log=log)
    stamp.write_text(digest)


def ensure_translations() -> None:
    """Compile the translation catalogs (.po -> .mo, with Babel; only those that changed)."""
    if run(BIN / "rescind", "translations", "compile"):
        sys.exit("Compiling the translations failed (see above).")


def ensure_chromium() -> None:
    """Debian's Chromium for the browser tests, and GNU gettext, whose xgettext the
    translation-completeness test runs (through Django's makemessages)."""
    missing = [package for package, present in (("chromium", Path(CHROMIUM).exists()),
                                                ("gettext", shutil.which("xgettext")))
               if not present]
    if not missing:
        return
    if shutil.which("apt-get") and os.geteuid() == 0:
        say(f"installing Debian's {' and '.join(missing)} for the tests")
        subprocess.check_call(["apt-get", "update", "-qq"])
        subprocess.check_call(["apt-get", "install", "-y", "-qq", *missing],
                              env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})
        return
    sys.exit(f"The tests need {' and '.join(missing)} (Chromium at {CHROMIUM}): install "
             f"{'them' if len(missing) > 1 else 'it'} (Debian: apt-get install "
             f"{' '.join(missing)}) and run again.")


def postgres_reachable(url: str) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or 5432), 3):
            return True
    except OSError:
        return False


def demo(args: list[str]) -> int:
    ensure_venv("")
    ensure_translations()
    return run(BIN / "rescind", "demo", *args)


def test(args: list[str]) -> int:
    ensure_venv("test")
    ensure_translations()
    ensure_chromium()
    ci = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
    say("ruff")
    lint = [p for p in ("src", "tests", "bench", "dev.py") if (ROOT / p).exists()]
    if run(BIN / "ruff", "check", *lint):
        return 1
    workers = ["-n", os.environ.get("RESCIND_TEST_WORKERS", "2")]
    say("all tests on SQLite")
    if run(PY, "-m", "pytest", *workers, *args, env={"RESCIND_DATABASE_URL": ""}):
        return 1
    pg = os.environ.get("RESCIND_TEST_POSTGRES_URL", DEFAULT_PG)
    if not postgres_reachable(pg):
        if ci:
            print(f"PostgreSQL is not reachable at {pg}; CI must run the database tests on it.")
            return 1
        say(f"PostgreSQL not reachable at {pg}: database tests ran on SQLite only")
        return 0
    say("database tests on PostgreSQL")
    return run(PY, "-m", "pytest", *workers, *DB_TEST_DIRS, *args,
               env={"RESCIND_DATABASE_URL": pg})


def screenshots(args: list[str]) -> int:
    ensure_venv("test")
    ensure_translations()
    ensure_chromium()
    return run(PY, "-m", "rescind.screenshots", *args)


def bench(args: list[str]) -> int:
    ensure_venv("test")
    ensure_translations()
    return run(PY, ROOT / "bench" / "run_all.py", *args)


def main() -> int:
    commands = {"demo": demo, "test": test, "screenshots": screenshots, "bench": bench}
    if len(sys.argv) < 2 or sys.argv[1] not in commands:
        print(__doc__)
        return 2
    return commands[sys.argv[1]](sys.argv[2:])


if __name__ == "__main__":
    sys.exit(main())
