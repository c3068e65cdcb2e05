"""Benchmark of issue 15 (zones): what it costs to say an instant in the reader's language and
time zone, against what the pages did before.

    nice -n 10 .venv/bin/python bench/date_words.py --calls 20000 --repeat 5

The floor is Django's `dateformat.format(value, "D j M Y, H:i")` in UTC, the whole of the old
`when` filter's work. Against it, alternating within each repetition: the `when` filter as it
is now (the instant in the reader's zone, named, localized by Babel's CLDR data, plus the UTC
instant for the hover title: two formattings) for an English reader in UTC, a Spanish reader in
Madrid and an Arabic reader in Riyadh; `duration` in Arabic; and `countdown_words()`, rendered
once per page for countdown.js. Times are CPU seconds of this process (time.process_time), which
a loaded machine disturbs far less than wall time; the ratios are taken within each repetition
and the figures are medians.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rescind.settings")
os.environ.setdefault("RESCIND_DATABASE_URL", "")


def _per_call(work, calls: int) -> float:
    """CPU microseconds per call of `work` over `calls` calls."""
    started = time.process_time()
    for _ in range(calls):
        work()
    return (time.process_time() - started) / calls * 1e6


def main() -> int:
    import django

    django.setup()
    from zoneinfo import ZoneInfo

    from django.utils import dateformat, timezone, translation

    from rescind.moments.durations import countdown_words
    from rescind.web.templatetags.rescind import duration, when

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=20000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    at = datetime(2026, 12, 5, 13, 30, tzinfo=UTC)
    readers = {"when, en, UTC": ("en", "UTC"), "when, es, Europe/Madrid": ("es", "Europe/Madrid"),
               "when, ar, Asia/Riyadh": ("ar", "Asia/Riyadh")}

    def as_reader(language: str, zone: str, work):
        def run():
            with translation.override(language):
                timezone.activate(ZoneInfo(zone))
                try:
                    return work()
                finally:
                    timezone.deactivate()
        return run

    cases = {name: as_reader(lang, zone, lambda: when(at)) for name, (lang, zone)
             in readers.items()}
    cases["duration, ar"] = as_reader("ar", "UTC", lambda: duration(timedelta(days=2, hours=23)))
    cases["countdown_words(), ar"] = as_reader("ar", "UTC", countdown_words)
    for work in cases.values():  # warm the caches (catalogs, CLDR patterns) before timing
        work()
    floors, times = [], {name: [] for name in cases}
    for _ in range(args.repeat):
        floors.append(_per_call(lambda: dateformat.format(at, "D j M Y, H:i"), args.calls))
        for name, work in cases.items():
            # each case's time includes activating its language and zone (translation.override,
            # timezone.activate), which a page pays once, not per date: an upper bound
            times[name].append(_per_call(work, args.calls))
    floor = statistics.median(floors)
    print(f"floor: dateformat.format in UTC (the old `when`): {floor:.1f} µs per call")
    print("| case | µs per call (median) | ratio to the floor (median of per-repetition) |")
    print("| --- | --- | --- |")
    for name, runs in times.items():
        ratios = [run / base for run, base in zip(runs, floors, strict=True)]
        print(f"| {name} | {statistics.median(runs):.1f} | {statistics.median(ratios):.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
