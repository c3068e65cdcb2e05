"""The translations of every text a person reads (issue 15): English, plus Spanish, Brazilian
Portuguese, French and Arabic.

Catalogs: every `locale` folder under the package holds the .po files of the source files below
it, down to the next `locale` folder (settings.LOCALE_PATHS lists them deepest first), so each
part of the code keeps its own catalogs and two people translating different parts never edit
the same file.

- `update(root)` runs Django's `makemessages` over `root` for every shipped language (new texts
  come in untranslated, texts gone are dropped) and sets each catalog's header: its language and
  plural rule. Dates that change on every run are left out, so an unchanged catalog stays
  byte-for-byte the same.
- `compile_all(root)` writes the .mo files Django reads, with Babel (pure Python: setting up needs
  no gettext tools). The README's setup commands run it; .mo files are not kept in git.
- `problems(root)` lists what keeps a catalog from being complete: a text not translated, a fuzzy
  one, placeholders that differ from the English, a plural form missing. The test suite runs
  `update` on a copy of the package and fails on any problem, so a new text cannot land
  untranslated.

`rescind translations update|compile|check` runs these from the command line.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent

# Catalog folder name -> Plural-Forms of that language (GNU gettext's rules).
SHIPPED = {
    "es": "nplurals=2; plural=(n != 1);",
    "pt_BR": "nplurals=2; plural=(n > 1);",
    "fr": "nplurals=2; plural=(n > 1);",
    "ar": "nplurals=6; plural=(n==0 ? 0 : n==1 ? 1 : n==2 ? 2 : n%100>=3 && n%100<=10 ? 3 "
          ": n%100>=11 ? 4 : 5);",
}
# Not read by marketplace users: operators' command output and the simulation's reports, the
# schema history, static files.
IGNORED = ["migrations/*", "simulation/*", "static/*", "cli.py", "screenshots.py", "demo.py",
           "settings.py", "translations.py"]

_PLACEHOLDER = re.compile(r"%(?:\((\w+)\))?[-#0 +]?\d*(?:\.\d+)?[sdifr]|%%")


class CatalogsOutOfReach(Exception):
    """makemessages could not run, or found a marked text no catalog covers."""


def catalogs(root: Path = PACKAGE) -> list[Path]:
    """Every `locale` folder under `root`, deepest first, then by name (settings.LOCALE_PATHS:
    where two catalogs hold the same text, Django reads the first one's translation)."""
    return sorted((path for path in root.rglob("locale") if path.is_dir()),
                  key=lambda path: (-len(path.parts), str(path)))


def update(root: Path = PACKAGE) -> None:
    """Bring every catalog under `root` in line with the texts marked in its source files."""
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}
    command = [sys.executable, "-m", "django", "makemessages", "--no-obsolete",
               "--add-location=file", *[arg for lang in SHIPPED for arg in ("-l", lang)],
               *[arg for pattern in IGNORED for arg in ("-i", pattern)]]
    done = subprocess.run(command, cwd=root, env=env, capture_output=True, text=True)
    if done.returncode:  # e.g. a file with marked texts and no catalog above it
        raise CatalogsOutOfReach(done.stderr.strip().splitlines()[-1])
    for locale in catalogs(root):
        for lang, plural_forms in SHIPPED.items():
            po = locale / lang / "LC_MESSAGES" / "django.po"
            if po.exists():
                po.write_text(_header_settled(po.read_text(), lang, plural_forms))


def _header_settled(text: str, lang: str, plural_forms: str) -> str:
    """The header with this language's name and plural rule (gettext's tools guess them for a
    new catalog, differently from one version to the next), without the dates that change."""
    lines, settled, skipping = text.split("\n"), [], False
    for line in lines:
        if skipping:  # a header value continued over several lines
            skipping = not line.endswith('\\n"')
            continue
        field = line[1:].split(":", 1)[0] if line.startswith('"') else None
        if field in {"POT-Creation-Date", "PO-Revision-Date", "Language", "Plural-Forms"}:
            skipping = not line.endswith('\\n"')
            if field == "Language":
                settled.append(f'"Language: {lang}\\n"')
            elif field == "Plural-Forms":
                settled.append(f'"Plural-Forms: {plural_forms}\\n"')
            continue
        settled.append(line)
    text = "\n".join(settled)
    # makemessages marks a new catalog's header fuzzy; its header is settled here.
    return text.replace('#, fuzzy\nmsgid ""\nmsgstr ""\n', 'msgid ""\nmsgstr ""\n', 1)


def compile_all(root: Path = PACKAGE) -> int:
    """Write each catalog's .mo where its .po is newer; the number written."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    written = 0
    for po in root.rglob("locale/*/LC_MESSAGES/django.po"):
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        with po.open("rb") as source:
            catalog = read_po(source, locale=po.parent.parent.name)
        with mo.open("wb") as target:
            write_mo(target, catalog)
        written += 1
    return written


def problems(root: Path = PACKAGE) -> list[str]:
    """What keeps the catalogs under `root` from being complete, one line each."""
    from babel.messages.pofile import read_po

    found = []
    for lang in SHIPPED:
        first_seen: dict[tuple, tuple[Path, object]] = {}  # (context, id) -> (catalog, string)
        for locale in catalogs(root):
            po = locale / lang / "LC_MESSAGES" / "django.po"
            where = po.relative_to(root)
            if not po.exists():
                found.append(f"{where}: missing")
                continue
            with po.open("rb") as source:
                catalog = read_po(source, locale=lang)
            for message in catalog:
                if not message.id:
                    continue
                found += [f"{where}: {problem}: {message.id!r}"
                          for problem in _message_problems(message, catalog.num_plurals)]
                key = (message.context, message.id)
                if key not in first_seen:
                    first_seen[key] = (where, message.string)
                elif first_seen[key][1] != message.string:
                    found.append(f"{where}: translated otherwise in {first_seen[key][0]}: "
                                 f"{message.id!r}")
    return found


def _message_problems(message, num_plurals: int) -> list[str]:
    if message.fuzzy:
        return ["fuzzy"]
    if message.pluralizable:
        forms = list(message.string)
        if len(forms) != num_plurals or not all(forms):
            return [f"plural forms missing (wants {num_plurals})"]
        allowed = _placeholders(message.id[0]) | _placeholders(message.id[1])
        if any(not _placeholders(form) <= allowed for form in forms):
            return ["placeholders differ from the English"]
        return []
    if not message.string:
        return ["not translated"]
    if _placeholders(message.string) != _placeholders(message.id):
        return ["placeholders differ from the English"]
    return []


def _placeholders(text: str) -> set[str]:
    return {match.group(0) if not match.group(1) else match.group(1)
            for match in _PLACEHOLDER.finditer(text) if match.group(0) != "%%"}
