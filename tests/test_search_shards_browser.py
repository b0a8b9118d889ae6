"""A browser index split into shards finds, counts and orders as one index does."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import sitegen.search.pagefind
from sitegen.build import build_site
from sitegen.settings import load_settings

from .conftest import TIMEOUT, copy_sample_project, serve_folder

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def sharded_site_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The sample site with its 169 papers split into four shards, under /reading-list/."""
    tmp = tmp_path_factory.mktemp("sharded")
    settings, _ = load_settings(copy_sample_project(tmp / "project"))
    out = tmp / "www" / "reading-list"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(sitegen.search.pagefind, "PAPERS_PER_SHARD", 50)
        build_site(settings.with_overrides(output_dir=str(out), base_url="/reading-list/"))
    assert len(json.loads((out / "pagefind" / "shards.json").read_text())["shards"]) == 4
    with serve_folder(out.parent) as origin:
        yield f"{origin}/reading-list/"


def _search(browser: Any, url: str) -> dict[str, Any]:
    context = browser.new_context()
    context.set_default_timeout(TIMEOUT)
    errors: list[str] = []
    try:
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(url)
        page.wait_for_function(
            "() => /found/.test(document.getElementById('search-status').textContent)"
        )
        while page.locator("#search-more").is_visible():
            shown = page.locator(".search-result").count()
            page.click("#search-more")
            page.wait_for_function(
                "n => document.querySelectorAll('.search-result').length > n", arg=shown
            )
        seen = {
            "status": page.inner_text("#search-status"),
            "links": page.eval_on_selector_all(
                "a.search-result-link", "els => els.map(e => e.pathname)"
            ),
            "counts": page.eval_on_selector_all(
                "#search-facets input",
                "els => els.map(e => [e.name, e.value, e.parentNode.querySelector('.count')"
                ".textContent])",
            ),
        }
    finally:
        context.close()
    assert errors == []
    return seen


def test_shards_find_count_and_order_what_one_index_does(
    browser: Any, sharded_site_url: str, searchable_site_url: str, searchable_site: Path
) -> None:
    for query in ("?q=video", "?q=diffusion&topic=video-generation", "?q=video&sort=rating"):
        sharded = _search(browser, sharded_site_url + "search/" + query)
        single = _search(browser, searchable_site_url + "search/" + query)
        assert sharded["status"] == single["status"]
        assert sorted(sharded["links"]) == sorted(single["links"])
        assert sorted(sharded["counts"]) == sorted(single["counts"])
        assert re.match(r"\d+ papers found", sharded["status"])

    papers = json.loads((searchable_site / "papers.json").read_text())["papers"]
    ratings = {f"/reading-list/papers/{p['key']}/": p["rating"] or 0 for p in papers}
    order = [ratings[link] for link in sharded["links"]]
    assert order == sorted(order, reverse=True)
    assert len(set(order)) > 1
