"""Browser search in a real headless Chromium, on the sample site served under /reading-list/."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .conftest import BASE, MIRAGE, TIMEOUT

pytestmark = pytest.mark.browser


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context()
    context.set_default_timeout(TIMEOUT)
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    try:
        yield tab
    finally:
        context.close()
    assert errors == []


def status_of(page: Any) -> str:
    return str(page.inner_text("#search-status"))


def wait_for_status(page: Any, pattern: str) -> str:
    """The status once the search running is done (its results shown) and says ``pattern``:
    while one runs, the last search's status is still there."""
    page.wait_for_function(
        "pattern => !document.getElementById('search-results').hasAttribute('aria-busy')"
        " && new RegExp(pattern).test(document.getElementById('search-status').textContent)",
        arg=pattern,
    )
    return status_of(page)


def result_links(page: Any) -> list[str]:
    return list(
        page.eval_on_selector_all("a.search-result-link", "els => els.map(e => e.pathname)")
    )


def open_search(page: Any, url: str) -> None:
    page.goto(url)
    wait_for_status(page, "Type words|found")


def found_count(status: str) -> int:
    match = re.match(r"(\d+) papers? found|No papers found", status)
    assert match, status
    return int(match.group(1) or 0)


def test_typing_a_query_finds_mirage_first(page: Any, searchable_site_url: str) -> None:
    open_search(page, searchable_site_url + "search/")
    page.fill("#search-q", "audio-to-video")
    status = wait_for_status(page, "found for “audio-to-video”")
    assert found_count(status) >= 1
    assert result_links(page)[0] == f"{BASE}papers/{MIRAGE}/"
    first = page.locator(".search-result").first
    assert first.locator("mark").count() >= 1  # the snippet highlights the words
    assert first.locator(".chips a").first.inner_text() == "Video generation"
    assert first.locator(".badge").inner_text().endswith("Skimmed")


def test_a_topic_filter_matches_the_catalogue_and_survives_a_reload(
    page: Any, searchable_site_url: str, searchable_site: Path
) -> None:
    papers = json.loads((searchable_site / "papers.json").read_text())["papers"]
    in_topic = sum("video-generation" in p["topics"] for p in papers)

    open_search(page, searchable_site_url + "search/")
    checkbox = page.locator('#search-facets input[name="topic"][value="video-generation"]')
    label = checkbox.locator("xpath=..")
    assert label.locator(".facet-name").inner_text() == "Video generation"
    assert label.locator(".count").inner_text() == f"({in_topic})"

    checkbox.check()
    status = wait_for_status(page, r"\d+ papers found with the chosen filters")
    assert found_count(status) == in_topic
    assert "topic=video-generation" in page.url

    page.fill("#search-q", "diffusion")
    status = wait_for_status(page, "found for “diffusion” with the chosen filters")
    narrowed = found_count(status)
    assert 0 < narrowed < in_topic
    links = result_links(page)
    assert len(links) == narrowed
    assert re.search(r"\?q=diffusion&topic=video-generation$", page.url)

    page.reload()
    assert wait_for_status(page, "found for") == status
    assert page.input_value("#search-q") == "diffusion"
    assert page.locator('#search-facets input[value="video-generation"]').is_checked()
    assert result_links(page) == links

    # Sorting keeps every paper, rated or not: Pagefind would drop pages without a sort value.
    page.select_option("#search-sort", "rating")
    wait_for_status(page, "found for")
    assert "sort=rating" in page.url
    assert sorted(result_links(page)) == sorted(links)
    ratings = {f"{BASE}papers/{p['key']}/": p["rating"] or 0 for p in papers}
    order = [ratings[link] for link in result_links(page)]
    assert order == sorted(order, reverse=True)


def test_keyboard_moves_through_results_and_enter_opens_one(
    page: Any, searchable_site_url: str
) -> None:
    open_search(page, searchable_site_url + "search/?q=video")
    links = result_links(page)
    assert len(links) >= 3
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "search-q"
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    assert page.evaluate("document.activeElement.pathname") == links[1]
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowUp")
    assert page.evaluate("document.activeElement.id") == "search-q"

    page.keyboard.press("Escape")
    wait_for_status(page, "Type words")
    assert page.input_value("#search-q") == ""
    assert result_links(page) == []
    assert page.url.endswith(f"{BASE}search/")

    page.keyboard.type("audio-to-video")
    wait_for_status(page, "found for “audio-to-video”")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**{BASE}papers/{MIRAGE}/")
    assert "Mirage" in page.inner_text("h1")


def test_the_header_box_on_any_page_searches(page: Any, searchable_site_url: str) -> None:
    page.goto(searchable_site_url + "topics/")
    page.fill("#site-search-q", "audio-to-video")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**{BASE}search/?q=audio-to-video")
    wait_for_status(page, "found for “audio-to-video”")
    assert result_links(page)[0] == f"{BASE}papers/{MIRAGE}/"


def test_without_javascript_the_page_points_to_the_topic_index(
    browser: Any, searchable_site_url: str
) -> None:
    context = browser.new_context(java_script_enabled=False)
    try:
        tab = context.new_page()
        tab.goto(searchable_site_url + "search/?q=video")
        assert "Search needs JavaScript" in tab.locator("noscript").inner_text()
        link = tab.get_by_role("link", name="topic index")
        assert link.get_attribute("href") == f"{BASE}topics/"
        assert link.is_visible()
        assert not tab.locator(".search-layout").is_visible()
    finally:
        context.close()
