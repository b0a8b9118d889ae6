"""Rendering in worker processes: what each worker is sent, and data pages kept home."""

from __future__ import annotations

import os
import pickle
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import sitegen.workers
from sitegen.model import Catalog
from sitegen.pages import Page
from sitegen.workers import (
    BATCH_PAGES,
    BATCHES_PER_JOB,
    INDEX_FIRST_PAPERS,
    PARALLEL_THRESHOLD,
    Destination,
    _Batch,
    _batches,
    _shown_papers,
    index_first,
    render_pages,
)


def _pages(count: int) -> list[Page]:
    return [Page(f"p/{index}/", "page.html", {"n": index}) for index in range(count)]


@pytest.mark.parametrize("count", [1, 5, 300, 2_000, 10_001])
def test_batches_hold_each_page_once_interleaved_and_bounded(count: int) -> None:
    pages = _pages(count)
    indexes = list(range(count))
    batches = list(_batches(pages, indexes, jobs=2))
    sent = sorted(index for batch in batches for index, _ in batch)
    assert sent == indexes
    assert all(pages[index] is page for batch in batches for index, page in batch)
    assert all(0 < len(batch) <= BATCH_PAGES for batch in batches)
    assert len(batches) >= min(count, 2 * BATCHES_PER_JOB)
    # interleaved: the last pages (costly topic pages) spread over the batches
    lasts = {batch[-1][0] for batch in batches}
    assert lasts == set(indexes[-len(batches) :])


class _Renderer:
    """Renders ``n`` (a template page) or a data page's body, and records where."""

    env = None

    def __init__(self) -> None:
        self.references = _References()
        self.fragments = type("Fragments", (), {"enabled": True})()

    def chunks(self, page: Page) -> Iterator[bytes]:
        if page.template is None:
            body = page.context["body"]
            text = body() if callable(body) else body
        else:
            text = f"{page.context['n']} rendered by {os.getpid()}"
        return iter((text.encode(),))


class _References:
    def take_made(self) -> dict[str, Any]:
        return {}

    def add(self, made: dict[str, Any]) -> None:
        pass


def test_workers_render_template_pages_and_the_main_process_data_pages(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if sys.platform == "win32":
        pytest.skip("parallel rendering forks")
    pages = _pages(40)
    # a data page's body is often a function over the whole catalogue: it cannot be
    # pickled, and a worker reading the catalogue would copy it all
    pages.append(Page("papers.json", None, {"body": lambda: "[]"}))
    to = Destination(tmp_path / "out", True, tmp_path / "site")
    to.folder.mkdir()
    monkeypatch.setattr(sitegen.workers, "PARALLEL_THRESHOLD", 0)
    rendered = render_pages(_Renderer(), pages, to, jobs=2)  # type: ignore[arg-type]
    assert len(rendered) == 41 and all(r.written for r in rendered)
    assert (to.folder / "papers.json").read_text() == "[]"
    makers = {(to.folder / f"p/{n}/index.html").read_text().split(" by ")[1] for n in range(40)}
    assert str(os.getpid()) not in makers and makers


def test_a_large_build_makes_the_browser_index_before_forking_workers() -> None:
    assert index_first(INDEX_FIRST_PAPERS, PARALLEL_THRESHOLD, jobs=2)
    assert not index_first(INDEX_FIRST_PAPERS - 1, 100_000, jobs=2)  # small: meanwhile
    assert not index_first(100_000, PARALLEL_THRESHOLD - 1, jobs=2)  # an edit: no workers
    assert not index_first(100_000, 100_000, jobs=1)


def test_a_forked_worker_gets_the_papers_it_holds_by_id(
    sample_catalog: Catalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A batch for a forked worker names the papers the worker holds (inherited) instead
    of carrying a copy of each: what made pickling batches a third of rendering."""
    paper, related = sample_catalog.papers[0], list(sample_catalog.papers[1:6])
    batch = [(0, Page("papers/a/", "paper.html", {"paper": paper, "related": related}))]
    papers = _shown_papers([page for _, page in batch])
    assert set(papers.values()) == {paper, *related}
    by_id, by_value = (pickle.dumps(_Batch(batch, held)) for held in (papers, {}))
    assert len(by_id) * 10 < len(by_value)

    monkeypatch.setattr(sitegen.workers, "_worker", (None, None, papers))  # as forked
    received = pickle.loads(by_id).pages
    assert received[0][1].context["paper"] is paper
    assert received[0][1].context["related"] == related
    assert pickle.loads(by_value).pages[0][1].context["paper"] == paper  # started afresh
