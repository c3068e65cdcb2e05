"""Bar charts drawn on the server as inline SVG: axes, tick labels, bars that link to what they
count, a horizontal threshold line (a rate's limit) or a vertical marker between two bars (a
histogram's deadline).

No Django and no JavaScript: the same series always gives the same markup, byte for byte, so
tests can assert its geometry. The picture is for sighted readers; it is `aria-hidden` and its
links are out of the tab order, because every chart stands beside a table of the same figures
(the text alternative) whose counts are links too.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from html import escape

# Narrow on purpose: on a phone the chart scales down little, so its text stays readable.
WIDTH, HEIGHT = 360, 180
LEFT, RIGHT, TOP, BOTTOM = 48, 8, 14, 30
MAX_BAR = 40


@dataclass(frozen=True, slots=True)
class Bar:
    label: str  # under the bar, on the x axis ("" for none)
    value: float  # its height, in the chart's unit
    title: str = ""  # shown on hover: the figure in words
    href: str = ""  # where a click goes (the orders behind it)
    alert: bool = False  # drawn in the alert tone (above its threshold)


@dataclass(frozen=True, slots=True)
class Chart:
    bars: tuple[Bar, ...]
    unit: str = ""  # after each y tick label, e.g. "%"
    threshold: float | None = None  # a horizontal line at this value
    threshold_label: str = ""
    marker_after: int | None = None  # a vertical line after this many bars
    marker_label: str = ""
    whole: bool = False  # the values are counts: ticks at whole numbers only


def nice_ceiling(value: float) -> tuple[float, float]:
    """The top of the y axis and its tick step: the smallest 1, 2 or 5 x 10^k step with at most
    four steps reaching `value` (and at least 1 when everything is 0)."""
    value = max(value, 0)
    if value == 0:
        return 1.0, 0.25
    exponent = math.floor(math.log10(value / 4))
    for power in (exponent, exponent + 1):
        for factor in (1, 2, 2.5, 5):
            step = factor * 10 ** power
            if step * 4 >= value - 1e-9:
                steps = math.ceil(value / step - 1e-9)
                return round(step * steps, 10), round(step, 10)
    raise AssertionError(value)  # unreachable: 10^(exponent+1) * 4 >= value


def _n(x: float) -> str:
    """A coordinate with at most one decimal, no trailing zero."""
    text = f"{x:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _tick(value: float, unit: str) -> str:
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return f"{text}{unit}" if unit != "%" else f"{text} %"


def chart_svg(chart: Chart, *, label_every: int = 1) -> str:
    """The chart as an `<svg>` element, WIDTH x HEIGHT user units, scaling to its box."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    top_value = max([b.value for b in chart.bars] + [chart.threshold or 0])
    y_max, step = nice_ceiling(top_value)
    if chart.whole and step < 1:
        y_max, step = float(max(math.ceil(top_value), 1)), 1.0
    bottom = TOP + plot_h

    def y_of(value: float) -> float:
        return bottom - plot_h * min(value, y_max) / y_max

    parts = [f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" '
             f'xmlns="http://www.w3.org/2000/svg" aria-hidden="true" focusable="false">']
    ticks = round(y_max / step)
    for i in range(ticks + 1):
        value = step * i
        y = _n(y_of(value))
        parts.append(f'<line class="grid" x1="{LEFT}" y1="{y}" x2="{WIDTH - RIGHT}" y2="{y}"/>')
        parts.append(f'<text class="tick" x="{LEFT - 6}" y="{y}" text-anchor="end" '
                     f'dominant-baseline="middle">{escape(_tick(value, chart.unit))}</text>')
    slot = plot_w / max(len(chart.bars), 1)
    bar_w = min(slot * 0.7, MAX_BAR)
    for i, bar in enumerate(chart.bars):
        x, y = LEFT + slot * i + (slot - bar_w) / 2, y_of(bar.value)
        shape = (f'<rect class="bar{" alert" if bar.alert else ""}" x="{_n(x)}" y="{_n(y)}" '
                 f'width="{_n(bar_w)}" height="{_n(bottom - y)}">'
                 + (f'<title>{escape(bar.title)}</title>' if bar.title else "") + '</rect>')
        if bar.href:
            shape = f'<a href="{escape(bar.href)}" tabindex="-1">{shape}</a>'
        parts.append(shape)
        if bar.label and i % label_every == 0:
            parts.append(f'<text class="label" x="{_n(LEFT + slot * (i + 0.5))}" '
                         f'y="{bottom + 16}" text-anchor="middle">{escape(bar.label)}</text>')
    parts.append(f'<line class="axis" x1="{LEFT}" y1="{bottom}" x2="{WIDTH - RIGHT}" '
                 f'y2="{bottom}"/>')
    if chart.threshold is not None:
        y = _n(y_of(chart.threshold))
        parts.append(f'<line class="threshold" x1="{LEFT}" y1="{y}" x2="{WIDTH - RIGHT}" '
                     f'y2="{y}"/>')
        if chart.threshold_label:
            parts.append(f'<text class="threshold-label" x="{WIDTH - RIGHT}" y="{y}" dy="-4" '
                         f'text-anchor="end">{escape(chart.threshold_label)}</text>')
    if chart.marker_after is not None:
        x = _n(LEFT + slot * chart.marker_after)
        parts.append(f'<line class="marker" x1="{x}" y1="{TOP}" x2="{x}" y2="{bottom}"/>')
        if chart.marker_label:
            parts.append(f'<text class="marker-label" x="{x}" y="{TOP}" dx="4" dy="8">'
                         f'{escape(chart.marker_label)}</text>')
    parts.append("</svg>")
    return "".join(parts)
