"""Policy what-if: one generated history under two policies, compared in a single HTML file
with its charts drawn inline (SVG), so that it opens offline (issue 17).

Both runs use the decisions-only engine on the very same steps (same seed, same orders): only
the policy differs, so every difference in the report is the policy's doing.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from statistics import median

from rescind.domain.policy import Policy, load_policy
from rescind.simulation.history import STORES
from rescind.simulation.memory import memory_run
from rescind.simulation.tally import Tally

AT_RISK = 0.05  # a seller-side cancellation rate above this marks a seller at risk
COLOURS = ("#3b6ea5", "#d9822b")


@dataclass
class Side:
    name: str
    policy: Policy
    tally: Tally
    violations: int


def percentile(values: list[int], share: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return float(ordered[min(len(ordered) - 1, int(share * len(ordered)))])


def compare_run(paths: tuple[str, str], *, seed: int, orders: int, processes: int,
                progress=None) -> tuple[Side, Side]:
    sides = []
    for path in paths:
        policy = load_policy(path)
        result = memory_run(seed=seed, orders=orders, policy=policy, processes=processes,
                            progress=progress)
        sides.append(Side(Path(path).stem, policy, result.tally, len(result.violations)))
    return sides[0], sides[1]


def _bars(rows: list[tuple[str, float, float]], names: tuple[str, str], unit: str = "") -> str:
    """A grouped horizontal bar chart: one pair of bars per row."""
    width, label_w, bar_h = 640, 220, 14
    top = max([max(a, b) for _, a, b in rows] + [1])
    height = len(rows) * (2 * bar_h + 14) + 30
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'role="img" viewBox="0 0 {width} {height}">']
    y = 6
    for label, *values in rows:
        parts.append(f'<text x="0" y="{y + bar_h + 4}" font-size="12">{html.escape(label)}'
                     f'</text>')
        for k, value in enumerate(values):
            w = (width - label_w - 90) * value / top
            parts.append(f'<rect x="{label_w}" y="{y + k * bar_h}" width="{w:.1f}" '
                         f'height="{bar_h - 2}" fill="{COLOURS[k]}"/>'
                         f'<text x="{label_w + w + 4:.1f}" y="{y + k * bar_h + 11}" '
                         f'font-size="11">{_fmt(value)}{unit}</text>')
        y += 2 * bar_h + 14
    for k, name in enumerate(names):
        parts.append(f'<rect x="{label_w + k * 160}" y="{y}" width="12" height="12" '
                     f'fill="{COLOURS[k]}"/><text x="{label_w + k * 160 + 16}" y="{y + 11}" '
                     f'font-size="12">{html.escape(name)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _table(head: list[str], rows: list[list[object]]) -> str:
    cells = "".join(f"<th>{html.escape(h)}</th>" for h in head)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(_fmt(c))}</td>" for c in row) + "</tr>"
                   for row in rows)
    return f"<table><thead><tr>{cells}</tr></thead><tbody>{body}</tbody></table>"


def _fmt(value: object) -> str:
    if isinstance(value, float) and value.is_integer() and abs(value) >= 100:
        return f"{value:,.0f}"
    if isinstance(value, float):
        return f"{value:,.1f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _section(title: str, chart: str, table: str, note: str = "") -> str:
    return (f"<section><h2>{html.escape(title)}</h2>"
            f"{f'<p>{html.escape(note)}</p>' if note else ''}"
            f'<div class="pair"><div>{chart}</div><div>{table}</div></div></section>')


def _closed_by_platform(a: Side, b: Side) -> str:
    rows = [("by the seller's silence (R10)", a.tally.auto_approved, b.tally.auto_approved),
            ("by the handling time (R12)", a.tally.closed["not_shipped_in_time"],
             b.tally.closed["not_shipped_in_time"]),
            ("by the unpaid timeout (R5)", a.tally.closed["unpaid_timeout"],
             b.tally.closed["unpaid_timeout"])]
    table = _table(["orders closed", a.name, b.name, "difference"],
                   [[label, int(x), int(y), int(y - x)] for label, x, y in rows])
    return _section("Orders closed by the platform", _bars(rows, (a.name, b.name)), table)


def _money_back(a: Side, b: Side) -> str:
    rows, chart_rows = [], []
    for method in sorted(set(a.tally.money_back_hours) | set(b.tally.money_back_hours)):
        for side in (a, b):
            days = [h / 24 for h in side.tally.money_back_hours[method]]
            deadline = [h / 24 for h in side.tally.refund_deadline_hours[method]]
            rows.append([method, side.name, len(days), median(days) if days else 0.0,
                         percentile(days, 0.95), median(deadline) if deadline else 0.0])
        med = [median([h / 24 for h in s.tally.money_back_hours[method]] or [0])
               for s in (a, b)]
        p95 = [percentile([h / 24 for h in s.tally.money_back_hours[method]], 0.95)
               for s in (a, b)]
        chart_rows += [(f"{method} median", *med), (f"{method} p95", *p95)]
    table = _table(["method", "policy", "refunds", "median days", "p95 days",
                    "deadline (median days)"], rows)
    return _section("From the cancellation request (or the decision) to the money back",
                    _bars(chart_rows, (a.name, b.name), " d"), table,
                    "Days from the buyer's first cancellation request (or, without one, the "
                    "refund's decision) to the day the provider settles, per payment method, "
                    "beside the method's deadline (R23).")


def _seller_rates(side: Side) -> list[float]:
    t = side.tally
    return [t.store_seller_cancelled[s] / t.store_paid[s] for s in range(STORES)
            if t.store_paid[s]]


def _sellers(a: Side, b: Side) -> str:
    buckets = [(0.0, 0.02), (0.02, 0.05), (0.05, 0.1), (0.1, 0.2), (0.2, 1.01)]
    rates = {s.name: _seller_rates(s) for s in (a, b)}
    rows = [(f"{low:.0%} to {high if high <= 1 else 1:.0%}",
             *[sum(low <= r < high for r in rates[s.name]) for s in (a, b)])
            for low, high in buckets]
    table = _table(["sellers by seller-side cancellation rate", a.name, b.name],
                   [list(r) for r in rows]
                   + [[f"at risk (above {AT_RISK:.0%})",
                       *[sum(r > AT_RISK for r in rates[s.name]) for s in (a, b)]],
                      ["median rate %", *[100 * median(rates[s.name] or [0]) for s in (a, b)]]])
    return _section("Seller-side cancellation rates across sellers (R8, R30)",
                    _bars(rows, (a.name, b.name)), table)


def _disputes(a: Side, b: Side) -> str:
    keys = sorted(set(a.tally.disputes) | set(b.tally.disputes))
    rows = [(k, a.tally.disputes[k], b.tally.disputes[k]) for k in keys]
    return _section("Disputes opened and how they ended (R18-R20)",
                    _bars(rows, (a.name, b.name)),
                    _table(["disputes", a.name, b.name], [list(r) for r in rows]))


def _money(a: Side, b: Side) -> str:
    rows = [("refunded", a.tally.refunded / 100, b.tally.refunded / 100),
            ("platform coupons returned", a.tally.coupons_returned / 100,
             b.tally.coupons_returned / 100)]
    return _section("Money given back (USD)", _bars(rows, (a.name, b.name)),
                    _table(["USD", a.name, b.name, "difference"],
                           [[r[0], r[1], r[2], r[2] - r[1]] for r in rows]))


def _policy_diff(a: Side, b: Side) -> str:
    from dataclasses import fields

    rows = [[f.name, str(getattr(a.policy, f.name)), str(getattr(b.policy, f.name))]
            for f in fields(Policy) if f.init and f.name != "r8_reasons"
            and getattr(a.policy, f.name) != getattr(b.policy, f.name)]
    return "<section><h2>What differs</h2>" + _table(["policy value", a.name, b.name],
                                                     rows or [["(nothing)", "", ""]]) \
        + "</section>"


STYLE = """body{font-family:system-ui,sans-serif;margin:1.5rem;max-width:1300px;color:#222}
table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #ccc;padding:3px 8px;
text-align:right}td:first-child,th:first-child{text-align:left}
.pair{display:flex;flex-wrap:wrap;gap:1.5rem;align-items:flex-start}
svg{max-width:100%;height:auto}section{margin-bottom:2rem}"""


def report_html(a: Side, b: Side, *, seed: int, orders: int) -> str:
    made = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    head = (f"<h1>Policy what-if: {html.escape(a.name)} against {html.escape(b.name)}</h1>"
            f"<p>The same {orders:,} generated orders (seed {seed}) decided under each policy "
            f"by the domain's own decision functions; made {made}. Invariant violations: "
            f"{a.violations} and {b.violations}.</p>")
    body = "".join([_policy_diff(a, b), _closed_by_platform(a, b), _money_back(a, b),
                    _sellers(a, b), _disputes(a, b), _money(a, b)])
    return (f"<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Policy "
            f"what-if</title><style>{STYLE}</style></head><body>{head}{body}</body></html>")
