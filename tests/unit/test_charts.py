"""The server-side SVG bar chart: exact geometry for given series, the threshold line, the
deadline marker, links and escaping."""

from __future__ import annotations

import re

import pytest

from rescind.web.charts import Bar, Chart, chart_svg, nice_ceiling


@pytest.mark.parametrize(("value", "expected"), [
    (0, (1.0, 0.25)), (0.3, (0.3, 0.1)), (1, (1.0, 0.25)), (2, (2.0, 0.5)), (3.5, (4, 1)),
    (7, (8, 2)), (12, (15, 5)), (100, (100.0, 25.0)),
])
def test_the_y_axis_ends_at_the_next_round_step(value, expected):
    assert nice_ceiling(value) == expected


def _rects(svg: str) -> list[tuple[str, str, str, str, str]]:
    return re.findall(r'<rect class="([^"]+)" x="([^"]+)" y="([^"]+)" width="([^"]+)" '
                      r'height="([^"]+)">', svg)


def test_two_weekly_rates_with_a_threshold_are_drawn_to_scale():
    # given a week at 1 % and one at 3.5 % (above the 2 % threshold, so alerting)
    chart = Chart(bars=(Bar("2 Mar", 1.0, "Week of 2 Mar: 1 %", "/orders?a=1&b=2"),
                        Bar("9 Mar", 3.5, alert=True)),
                  unit="%", threshold=2.0, threshold_label="Threshold 2 %")
    svg = chart_svg(chart)
    # then the plot is 304 x 136 units from (48, 14); the y axis runs 0 to 4 % in steps of 1
    assert re.findall(r'<text class="tick" x="42" y="([^"]+)"[^>]*>([^<]+)</text>', svg) == [
        ("150", "0 %"), ("116", "1 %"), ("82", "2 %"), ("48", "3 %"), ("14", "4 %")]
    # and each bar is 40 wide, centred in its 152-unit slot, 34 units high per 1 %
    assert _rects(svg) == [("bar", "104", "116", "40", "34"),
                           ("bar alert", "256", "31", "40", "119")]
    # and the threshold is a line across at 2 %, labelled
    assert '<line class="threshold" x1="48" y1="82" x2="352" y2="82"/>' in svg
    assert '>Threshold 2 %</text>' in svg
    # and the first bar links (escaped, out of the tab order) with its figure as a title
    assert ('<a href="/orders?a=1&amp;b=2" tabindex="-1"><rect class="bar" x="104"' in svg)
    assert "<title>Week of 2 Mar: 1 %</title>" in svg
    # and the labels stand under the middle of each slot
    assert re.findall(r'<text class="label" x="([^"]+)" y="166"[^>]*>([^<]+)<', svg) == [
        ("124", "2 Mar"), ("276", "9 Mar")]
    assert svg.startswith('<svg class="chart" viewBox="0 0 360 180"')
    assert 'aria-hidden="true"' in svg


def test_a_histogram_marks_its_deadline_between_two_bars():
    chart = Chart(bars=(Bar("1", 2), Bar("2", 5), Bar("3", 1)), marker_after=2,
                  marker_label="Deadline")
    svg = chart_svg(chart)
    # the axis reaches 6 in steps of 2; the slots are 101.3 wide, each bar 40 in its middle
    assert _rects(svg) == [("bar", "78.7", "104.7", "40", "45.3"),
                           ("bar", "180", "36.7", "40", "113.3"),
                           ("bar", "281.3", "127.3", "40", "22.7")]
    assert '<line class="marker" x1="250.7" y1="14" x2="250.7" y2="150"/>' in svg
    assert ">Deadline</text>" in svg
    assert '<line class="threshold"' not in svg


def test_nothing_to_show_still_draws_axes_and_flat_bars():
    svg = chart_svg(Chart(bars=(Bar("a", 0), Bar("b", 0)), unit="%"))
    assert [r[4] for r in _rects(svg)] == ["0", "0"]
    assert ">1 %</text>" in svg and ">0 %</text>" in svg


def test_a_value_above_the_axis_is_clipped_and_labels_can_thin_out():
    svg = chart_svg(Chart(bars=tuple(Bar(str(n), n) for n in range(1, 5)), threshold=2),
                    label_every=2)
    assert re.findall(r'<text class="label"[^>]*>([^<]+)<', svg) == ["1", "3"]
    assert _rects(svg)[-1][2] == "14"  # the tallest bar reaches the top of the plot


def test_text_is_escaped():
    svg = chart_svg(Chart(bars=(Bar("<b>", 1, title='"x" & y'),), threshold_label="<i>",
                          threshold=1))
    assert "<b>" not in svg and "&lt;b&gt;" in svg
    assert "<title>&quot;x&quot; &amp; y</title>" in svg and "&lt;i&gt;" in svg


def test_counts_are_ticked_at_whole_numbers_only():
    svg = chart_svg(Chart(bars=(Bar("a", 1), Bar("b", 0)), whole=True))
    assert re.findall(r'<text class="tick"[^>]*>([^<]+)</text>', svg) == ["0", "1"]
    svg = chart_svg(Chart(bars=(Bar("a", 3),), whole=True))
    assert re.findall(r'<text class="tick"[^>]*>([^<]+)</text>', svg) == ["0", "1", "2", "3"]
    svg = chart_svg(Chart(bars=(Bar("a", 7),), whole=True))
    assert re.findall(r'<text class="tick"[^>]*>([^<]+)</text>', svg) == ["0", "2", "4", "6", "8"]
