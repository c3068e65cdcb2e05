"""The service floor, the HTTP ratio and the deadline storm on plain PostgreSQL and on Citus,
one after the other in one run, side by side (issue 18; docs/benchmarks.md, "Citus"):

    RESCIND_BENCH_CITUS_URL=postgres://postgres@127.0.0.1:9700/rescind \\
        .venv/bin/python bench/citus_compare.py [--quick] [--only floor http storm]

RESCIND_BENCH_CITUS_URL names a database on the Citus coordinator whose workers were added
(docs/deployment.md); the benchmark databases (rescind_cmp_floor, rescind_cmp_http,
rescind_cmp_storm) are dropped and made anew there, distributed with Citus's default 32 shards
a table, and on the plain PostgreSQL of RESCIND_BENCH_POSTGRES_URL. Each script runs as it does
alone (its own ratio against its own floor, in the same run); this one puts the two engines'
figures together and divides Citus's by PostgreSQL's. Both servers share this machine's cores,
so the absolute figures are those of one machine doing the work of three nodes.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "var" / "bench"
PG = os.environ.get("RESCIND_BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432")
CITUS = os.environ.get("RESCIND_BENCH_CITUS_URL", "")


def scripts(quick: bool) -> dict[str, list[str]]:
    """Each benchmark's script and arguments, the same on both engines."""
    if quick:
        return {"floor": ["service_floor.py", "--processes", "1", "--count", "30",
                          "--repeat", "1"],
                "http": ["http_ratio.py", "--workers", "1", "--duration", "3", "--warmup", "1",
                         "--repeat", "1", "--read-orders", "300", "--port", "8797"],
                "storm": ["deadline_storm.py", "--orders", "300", "--repeat", "1"]}
    return {"floor": ["service_floor.py", "--processes", "1", "2", "--count", "200",
                      "--repeat", "3"],
            "http": ["http_ratio.py", "--workers", "1", "2", "--duration", "10",
                     "--repeat", "3", "--port", "8797"],
            "storm": ["deadline_storm.py", "--orders", "3000", "--repeat", "2"]}


def run(name: str, engine: str, arguments: list[str], say) -> dict | None:
    """One benchmark on one engine; its figures (its --json), or None if it failed."""
    server = PG if engine == "postgresql" else CITUS.rsplit("/", 1)[0]
    url = f"{server}/rescind_cmp_{name}"
    out = OUT / f"citus-compare-{name}-{engine}.json"
    script, *rest = arguments
    command = [sys.executable, str(ROOT / "bench" / script), *rest, "--json", str(out)]
    if engine == "citus":
        command.append("--citus")
    say(f"\n## {name} on {engine}: RESCIND_DATABASE_URL={url} {' '.join(command[1:])}")
    began = time.monotonic()
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True,
                               env={**os.environ, "RESCIND_DATABASE_URL": url})
    assert process.stdout is not None
    for line in process.stdout:
        say(line.rstrip("\n"))
    code = process.wait()
    say(f"-- {name} on {engine}: exit {code} after {time.monotonic() - began:.0f} s")
    return json.loads(out.read_text()) if code == 0 and out.exists() else None


def rows(name: str, pg: dict, citus: dict) -> list[tuple[str, float, float]]:
    """(figure, PostgreSQL, Citus) of one benchmark."""
    if name == "floor":
        found = []
        for p, c in zip(pg["runs"], citus["runs"], strict=True):
            n = p["processes"]
            raw_p, raw_c = (sorted(p["raw_per_second"])[len(p["raw_per_second"]) // 2],
                            sorted(c["raw_per_second"])[len(c["raw_per_second"]) // 2])
            svc_p, svc_c = (sorted(p["service_per_second"])[len(p["service_per_second"]) // 2],
                            sorted(c["service_per_second"])[len(c["service_per_second"]) // 2])
            found += [(f"floor x{n}: raw tx/s", raw_p, raw_c),
                      (f"floor x{n}: service tx/s", svc_p, svc_c),
                      (f"floor x{n}: service / raw", p["ratio_of_medians"],
                       c["ratio_of_medians"])]
        return found
    if name == "http":
        found = []
        for p, c in zip(pg["results"], citus["results"], strict=True):
            mp, mc, w = p["median"], c["median"], p["workers"]
            found.append((f"http x{w}: state/s", mp["trivial_rps"], mc["trivial_rps"]))
            for answer in mp["variants"]:  # full, and minimal (Prefer: return=minimal)
                vp, vc = mp["variants"][answer], mc["variants"][answer]
                found += [(f"http x{w} {answer}: cancel/s", vp["cancel_rps"], vc["cancel_rps"]),
                          (f"http x{w} {answer}: cancel p99 ms", vp["cancel_p99_ms"],
                           vc["cancel_p99_ms"]),
                          (f"http x{w} {answer}: cancel / state", vp["ratio"], vc["ratio"])]
        return found
    return [("storm: raw orders/s", pg["raw_per_second"], citus["raw_per_second"]),
            ("storm: service orders/s", pg["service_per_second"], citus["service_per_second"]),
            ("storm: service / raw", pg["ratio"], citus["ratio"]),
            ("storm: service CPU µs/order", pg["service_cpu_us_per_order"],
             citus["service_cpu_us_per_order"])]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="small runs: check the harness")
    parser.add_argument("--only", nargs="+", choices=["floor", "http", "storm"])
    parser.add_argument("--json", type=Path, default=OUT / "citus-compare.json")
    parser.add_argument("--report", action="store_true",
                        help="run nothing: the table from the figures the last runs wrote")
    args = parser.parse_args()
    if not CITUS:
        sys.exit("RESCIND_BENCH_CITUS_URL must name the Citus coordinator's database "
                 "(docs/deployment.md, Citus)")
    OUT.mkdir(parents=True, exist_ok=True)
    with open(OUT / ("citus-compare-report.txt" if args.report else "citus-compare.txt"),
              "w") as report:
        def say(text: str) -> None:
            print(text, flush=True)
            report.write(text + "\n")
            report.flush()

        say(f"# bench/citus_compare.py {'--quick ' if args.quick else ''}"
            f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {os.cpu_count()} CPUs, "
            f"load {os.getloadavg()[0]:.1f}")
        table, failed = [], []
        for name, arguments in scripts(args.quick).items():
            if args.only and name not in args.only:
                continue
            if args.report:
                pg, citus = (json.loads((OUT / f"citus-compare-{name}-{e}.json").read_text())
                             for e in ("postgresql", "citus"))
            else:
                pg = run(name, "postgresql", arguments, say)
                citus = run(name, "citus", arguments, say)
            if pg is None or citus is None:
                failed.append(name)
                continue
            table += rows(name, pg, citus)
        say(f"\n{'figure':<32} {'PostgreSQL':>11} {'Citus':>9} {'Citus/PG':>9}")
        for figure, pg_value, citus_value in table:
            say(f"{figure:<32} {pg_value:>11.2f} {citus_value:>9.2f} "
                f"{citus_value / pg_value if pg_value else float('nan'):>9.2f}")
        args.json.write_text(json.dumps(
            {"benchmark": "citus_compare", "quick": args.quick, "failed": failed,
             "figures": [{"figure": f, "postgresql": p, "citus": c} for f, p, c in table]},
            indent=2))
    if failed:
        print(f"FAILED: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
