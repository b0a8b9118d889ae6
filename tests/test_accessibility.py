"""WCAG 2.1 A/AA by axe-core on each kind of page, light and dark, and keyboard use.

The pages are the searchable sample site served over HTTP under ``/reading-list/``,
driven in the system's headless Chromium; axe-core is the copy that the
``axe-playwright-python`` package ships (nothing is fetched at run time).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from .conftest import MIRAGE, TIMEOUT

pytestmark = pytest.mark.browser


WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
PAGES = {
    "home": "",
    "paper": f"papers/{MIRAGE}/",
    "topic": "topics/video-generation/",
    "list": "lists/rlhf-start-here/",
    "search": "search/?q=diffusion",
    "404": "404.html",
}


@pytest.fixture(scope="module")
def axe_script() -> Path:
    axe = pytest.importorskip("axe_playwright_python", reason="axe-playwright-python is missing")
    script = Path(axe.__file__).parent / "axe.min.js"
    assert script.is_file(), f"{script} is missing: axe-playwright-python no longer ships axe-core"
    return script


PHONE = {"width": 375, "height": 740}


def open_page(browser: Any, url: str, scheme: str, viewport: dict[str, int] | None = None) -> Any:
    """A new tab showing ``url`` with the system colour scheme ``scheme``."""
    sized = {"viewport": viewport} if viewport else {}
    context = browser.new_context(color_scheme=scheme, **sized)
    context.set_default_timeout(TIMEOUT)
    tab = context.new_page()
    tab.goto(url)
    if "search/?q=" in url:
        tab.wait_for_function(
            "() => /found/.test(document.getElementById('search-status').textContent)"
        )
        tab.wait_for_selector(".search-result")
    return tab


def axe_violations(tab: Any, script: Path) -> list[str]:
    """One line per element that breaks a WCAG 2.1 A/AA rule."""
    tab.add_script_tag(path=str(script))
    results = tab.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags},"
        " resultTypes: ['violations']})",
        WCAG_TAGS,
    )
    return [
        f"{rule['id']} ({rule['impact']}): {rule['help']}\n"
        f"    at {' '.join(node['target'])}: {node['failureSummary']!r}\n"
        f"    {node['html'][:200]}"
        for rule in results["violations"]
        for node in rule["nodes"]
    ]


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("kind", list(PAGES))
def test_no_wcag_violations(
    browser: Any, searchable_site_url: str, axe_script: Path, kind: str, scheme: str
) -> None:
    tab = open_page(browser, searchable_site_url + PAGES[kind], scheme)
    try:
        expected = "#121417" if scheme == "dark" else "#ffffff"
        assert tab.evaluate("() => getComputedStyle(document.body).backgroundColor") == _rgb(
            expected
        )
        violations = axe_violations(tab, axe_script)
    finally:
        tab.context.close()
    assert violations == [], "\n".join(violations)


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("kind", ["home", "paper", "search"])
def test_no_wcag_violations_on_a_phone(
    browser: Any, searchable_site_url: str, axe_script: Path, kind: str, scheme: str
) -> None:
    tab = open_page(browser, searchable_site_url + PAGES[kind], scheme, PHONE)
    try:
        wider = tab.evaluate("document.documentElement.scrollWidth > window.innerWidth")
        violations = axe_violations(tab, axe_script)
    finally:
        tab.context.close()
    assert violations == [], "\n".join(violations)
    assert not wider, "the page scrolls sideways on a phone"


@pytest.mark.parametrize("system, chosen", [("light", "dark"), ("dark", "light")])
def test_the_theme_toggle_gives_an_accessible_palette(
    browser: Any, searchable_site_url: str, axe_script: Path, system: str, chosen: str
) -> None:
    tab = open_page(browser, searchable_site_url + PAGES["paper"], system)
    try:
        tab.click("#theme-toggle")
        assert tab.get_attribute("html", "data-theme") == chosen
        assert tab.get_attribute("#theme-toggle", "aria-pressed") == str(chosen == "dark").lower()
        violations = axe_violations(tab, axe_script)
    finally:
        tab.context.close()
    assert violations == [], "\n".join(violations)


def _rgb(hex_colour: str) -> str:
    red, green, blue = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgb({red}, {green}, {blue})"


FOCUS_STATE = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const style = getComputedStyle(el);
  const outlined = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0;
  return {
    id: el.id, tag: el.tagName, text: (el.textContent || '').trim().slice(0, 60),
    href: el.getAttribute('href'),
    visible: outlined || style.boxShadow !== 'none',
    key: el.tagName + '|' + (el.id || '') + '|' + (el.getAttribute('href') || '')
      + '|' + Array.prototype.indexOf.call(document.querySelectorAll('*'), el),
  };
}"""

INTERACTIVE = """() => Array.from(document.querySelectorAll(
    'a[href], button, input, select, textarea, summary, [tabindex]:not([tabindex="-1"])'))
  .filter(el => !el.disabled && el.getClientRects().length > 0
    && getComputedStyle(el).visibility !== 'hidden')
  .map(el => el.tagName + '|' + (el.id || '') + '|' + (el.getAttribute('href') || '')
    + '|' + Array.prototype.indexOf.call(document.querySelectorAll('*'), el))"""


def test_the_skip_link_comes_first_and_moves_focus_to_main(
    browser: Any, searchable_site_url: str
) -> None:
    tab = open_page(browser, searchable_site_url + PAGES["paper"], "light")
    try:
        tab.keyboard.press("Tab")
        first = tab.evaluate(FOCUS_STATE)
        assert first["href"] == "#main" and first["text"] == "Skip to content", first
        assert first["visible"], "the skip link shows no focus indicator"
        box = tab.locator(".skip-link").bounding_box()
        assert box is not None and box["y"] >= 0, "the focused skip link stays off screen"
        tab.keyboard.press("Enter")
        assert tab.evaluate("document.activeElement.id") == "main"
        tab.keyboard.press("Tab")  # the next Tab continues inside main, not at the header
        inside = tab.evaluate("document.getElementById('main').contains(document.activeElement)")
        assert inside
    finally:
        tab.context.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_tab_reaches_every_control_of_a_paper_page_with_a_visible_focus(
    browser: Any, searchable_site_url: str, scheme: str
) -> None:
    tab = open_page(browser, searchable_site_url + PAGES["paper"], scheme)
    try:
        interactive = set(tab.evaluate(INTERACTIVE))
        assert len(interactive) > 20
        reached: set[str] = set()
        invisible: list[str] = []
        for _ in range(len(interactive) * 2 + 10):
            tab.keyboard.press("Tab")
            state = tab.evaluate(FOCUS_STATE)
            if state is None or state["key"] in reached:
                break  # back at the top of the document
            reached.add(state["key"])
            if not state["visible"]:
                invisible.append(f"{state['tag']} {state['id'] or state['href'] or state['text']}")
    finally:
        tab.context.close()
    assert sorted(interactive - reached) == []
    assert invisible == []


NARROW_PAGES = {
    **{kind: url for kind, url in PAGES.items() if kind != "search"},
    "topics": "topics/",
    "tags": "tags/",
    "tag": "tags/rlhf/",
    "lists": "lists/",
}
WIDER_THAN_VIEWPORT = """() => [...document.querySelectorAll('body *')]
  .filter(el => el.getBoundingClientRect().right > window.innerWidth + 0.5
    && !el.closest('.table-wrap, pre'))
  .slice(0, 5).map(el => el.tagName + '.' + el.className)"""


@pytest.mark.parametrize("width", [320, 360, 375])
def test_no_page_scrolls_sideways_on_a_narrow_phone(
    browser: Any, searchable_site_url: str, width: int
) -> None:
    """Noto Sans (Debian's fonts-noto-core, many phones' UI font) is wider than the
    fonts the header was first drawn with: search box, button and toggle share a line."""
    context = browser.new_context(viewport={"width": width, "height": 740})
    context.set_default_timeout(TIMEOUT)
    tab = context.new_page()
    try:
        for kind, url in NARROW_PAGES.items():
            tab.goto(searchable_site_url + url)
            width_used = tab.evaluate("document.documentElement.scrollWidth")
            assert width_used <= width, f"{kind} page is {width_used} px wide: " + ", ".join(
                tab.evaluate(WIDER_THAN_VIEWPORT)
            )
            tools = tab.locator(".header-tools").bounding_box()
            search = tab.locator(".site-search input").bounding_box()
            button = tab.locator(".site-search button").bounding_box()
            toggle = tab.locator("#theme-toggle").bounding_box()
            assert tools is not None and search is not None and button is not None
            assert toggle is not None, "the theme toggle is not shown"
            assert abs(search["y"] - button["y"]) < 4, "the Search button wrapped"
            assert abs(search["y"] - toggle["y"]) < 4, "the theme toggle wrapped"
    finally:
        context.close()


RESEARCHER_PAGES = {
    "authors": "authors/",
    "author": "authors/ashish-vaswani/",
    "years": "years/",
    "paper": "papers/attention-is-all-you-need/",
}


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("kind", list(RESEARCHER_PAGES))
def test_author_year_and_cited_paper_pages_have_no_wcag_violations(
    browser: Any, researcher_site_url: str, axe_script: Path, kind: str, scheme: str
) -> None:
    tab = open_page(browser, researcher_site_url + RESEARCHER_PAGES[kind], scheme)
    try:
        violations = axe_violations(tab, axe_script)
        tab.set_viewport_size({"width": 320, "height": 740})
        width_used = tab.evaluate("document.documentElement.scrollWidth")
    finally:
        tab.context.close()
    assert violations == [], "\n".join(violations)
    assert width_used <= 320, f"{kind} page scrolls sideways at 320 px"
