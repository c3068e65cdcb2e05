#!/usr/bin/env python3
"""The two commands of the README.

    python3 dev.py demo   set up .venv, migrate SQLite, load the demo, serve :8000 with a worker
    python3 dev.py test   set up .venv (+ test tools, Chromium), run ruff and every test on
                          SQLite, then every database test again on PostgreSQL
    python3 dev.py bench  every benchmark of docs/benchmarks.md, one after another (about 35
                          minutes; `--quick` for a few); needs PostgreSQL, installs wrk

Needs only Python 3.11+. PostgreSQL is taken from RESCIND_TEST_POSTGRES_URL
(default postgres://postgres@127.0.0.1:5432/rescind); under CI=true it is required.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import socket
import subprocess
import sys
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


def run(*cmd: str | Path, env: dict[str, str] | None = None) -> int:
    return subprocess.call([str(c) for c in cmd], cwd=ROOT, env={**os.environ, **(env or {})})


def ensure_venv(extras: str) -> None:
    """Create .venv and install the project; skipped when pyproject has not changed."""
    if sys.version_info < (3, 11):  # noqa: UP036 - dev.py runs on whatever python3 is
        sys.exit("Rescind needs Python 3.11 or newer.")
    if not PY.exists():
        say("creating .venv")
        subprocess.check_call([sys.executable, "-m", "venv", str(VENV)])
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + extras.encode()).hexdigest()
    stamp = VENV / f".installed-{extras or 'base'}"
    if stamp.exists() and stamp.read_text() == digest:
        return
    say(f"installing rescind{f'[{extras}]' if extras else ''} into .venv")
    target = f".[{extras}]" if extras else "."
    subprocess.check_call([str(PY), "-m", "pip", "install", "-q", "--upgrade", "pip"], cwd=ROOT)
    subprocess.check_call([str(PY), "-m", "pip", "install", "-q", "-e", target], cwd=ROOT)
    stamp.write_text(digest)


def ensure_chromium() -> None:
    if Path(CHROMIUM).exists():
        return
    if shutil.which("apt-get") and os.geteuid() == 0:
        say("installing Debian's chromium for the browser tests")
        subprocess.check_call(["apt-get", "update", "-qq"])
        subprocess.check_call(["apt-get", "install", "-y", "-qq", "chromium"],
                              env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})
        return
    sys.exit(f"The browser tests need Chromium at {CHROMIUM}: install it "
             "(Debian: apt-get install chromium) and run again.")


def postgres_reachable(url: str) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or 5432), 3):
            return True
    except OSError:
        return False


def demo(args: list[str]) -> int:
    ensure_venv("")
    return run(BIN / "rescind", "demo", *args)


def test(args: list[str]) -> int:
    ensure_venv("test")
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


def bench(args: list[str]) -> int:
    ensure_venv("test")
    return run(PY, ROOT / "bench" / "run_all.py", *args)


def main() -> int:
    commands = {"demo": demo, "test": test, "bench": bench}
    if len(sys.argv) < 2 or sys.argv[1] not in commands:
        print(__doc__)
        return 2
    return commands[sys.argv[1]](sys.argv[2:])


if __name__ == "__main__":
    sys.exit(main())
