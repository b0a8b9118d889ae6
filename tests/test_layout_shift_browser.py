"""Nothing moves as a page's scripts run or search results arrive (cumulative layout shift).

The scripts are held back until the page has painted, as on a slow phone, so that
what they show or hide happens in view; every layout shift the browser reports is summed.
"""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import MIRAGE, TIMEOUT

pytestmark = pytest.mark.browser

OBSERVE_SHIFTS = """
window.shifts = [];
new PerformanceObserver(list => {
  // every shift: the test gives no input (the mobile emulation marks some as input)
  for (const entry of list.getEntries()) window.shifts.push(entry.value);
}).observe({type: "layout-shift", buffered: true});
"""


def layout_shift(browser: Any, url: str, width: int, dark: bool, done: str) -> float:
    """The layout shift of ``url`` at ``width`` px, once ``done`` (a JS expression) holds."""
    context = browser.new_context(
        viewport={"width": width, "height": 800},
        is_mobile=True,
        color_scheme="dark" if dark else "light",
    )
    context.set_default_timeout(TIMEOUT)
    page = context.new_page()
    page.add_init_script(OBSERVE_SHIFTS)
    held: list[Any] = []  # the scripts, until the page has painted without them
    painted: list[bool] = []

    def hold(route: Any) -> None:
        if painted:
            route.continue_()
        else:
            held.append(route)

    page.route("**/*.js", hold)
    try:
        page.goto(url, wait_until="commit")
        page.wait_for_function("performance.getEntriesByType('paint').length > 0")
        painted.append(True)
        for route in held:
            route.continue_()
        page.wait_for_function(done)
        page.wait_for_timeout(300)  # shifts are reported after the frame that made them
        return float(page.evaluate("window.shifts.reduce((a, b) => a + b, 0)"))
    finally:
        context.close()


THEME_SHOWN = "!document.getElementById('theme-toggle').hidden"
RESULTS_SHOWN = (
    "document.querySelectorAll('#search-results li').length > 0"
    " && !document.getElementById('search-results').hasAttribute('aria-busy')"
)


@pytest.mark.parametrize("width", [320, 412, 1280])
@pytest.mark.parametrize("dark", [False, True])
def test_search_results_arrive_without_moving_the_page(
    browser: Any, searchable_site_url: str, width: int, dark: bool
) -> None:
    url = f"{searchable_site_url}search/?q=diffusion"
    assert layout_shift(browser, url, width, dark, RESULTS_SHOWN) < 0.01


@pytest.mark.parametrize("path", ["", f"papers/{MIRAGE}/", "topics/", "search/"])
def test_pages_do_not_move_when_their_script_runs(
    browser: Any, searchable_site_url: str, path: str
) -> None:
    for width in (320, 1280):
        assert layout_shift(browser, searchable_site_url + path, width, False, THEME_SHOWN) < 0.01
