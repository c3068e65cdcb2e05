"""Machine checks every page test can call (issue 13, docs/design.md):

- `assert_accessible(page)` runs axe-core 4.10.3 (pinned: tests/browser/fixtures/, MPL-2.0, its
  licences beside it) on the page as it is and fails on any serious or critical violation,
  listing each with the elements it found it on.
- `assert_no_sideways_scroll(page)` fails when the page is wider than the window, naming the
  elements that stick out.

axe is injected through `page.evaluate`, which the page's Content-Security-Policy does not block
(a <script> tag would be).
"""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page

AXE_SOURCE = Path(__file__).parent / "fixtures" / "axe-core-4.10.3.min.js"
FAILING_IMPACTS = ("serious", "critical")

_RUN = """async (impacts) => {
  const results = await window.axe.run(document, {resultTypes: ["violations"]});
  return results.violations.filter((v) => impacts.includes(v.impact)).map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map((n) => n.target.join(" ") + " — " + (n.failureSummary || "")
                                .replace(/\\s+/g, " ").trim()),
  }));
}"""

_WIDER = """() => {
  const width = document.documentElement.clientWidth;
  return [...document.querySelectorAll("body *")]
    .filter((el) => el.getClientRects().length && el.getBoundingClientRect().right > width + 0.5)
    .slice(0, 10)
    .map((el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
         + (el.className && typeof el.className === "string" ? "." + el.className.trim()
              .split(/\\s+/).join(".") : "")
         + " right=" + Math.round(el.getBoundingClientRect().right));
}"""


def _settled(page: Page) -> None:
    page.wait_for_load_state()
    page.wait_for_function(
        "() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')")


def assert_accessible(page: Page) -> None:
    """axe-core finds no serious or critical violation on the page as it is now."""
    _settled(page)
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE_SOURCE.read_text(encoding="utf-8"))
    violations = page.evaluate(_RUN, list(FAILING_IMPACTS))
    listed = "\n".join(
        f"- {v['impact']} {v['id']}: {v['help']}\n" + "\n".join(f"    {n}" for n in v["nodes"])
        for v in violations)
    assert not violations, f"axe-core on {page.url}:\n{listed}"


def assert_no_sideways_scroll(page: Page) -> None:
    """The page is no wider than the window: nothing makes it scroll sideways."""
    _settled(page)
    scroll_width, viewport = page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    wider = page.evaluate(_WIDER) if scroll_width > viewport else []
    assert scroll_width <= viewport, (
        f"{page.url} is {scroll_width}px wide in a {viewport}px window; sticking out: {wider}")
