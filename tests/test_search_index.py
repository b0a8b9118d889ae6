"""The build's index phase: Pagefind over paper pages only, when they change; clear failures."""

from __future__ import annotations

import gzip
import json
import os
import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from sitegen.build import build_site
from sitegen.catalog import load_catalog
from sitegen.cli import cli
from sitegen.search import IndexResult, index_site
from sitegen.search.terminal import index_dir
from sitegen.settings import load_settings

from .conftest import MIRAGE, copy_sample_project


def fragments(output: Path) -> dict[str, dict[str, Any]]:
    """Pagefind's per-page records (gzip, after a signature), by URL."""
    found = {}
    for path in (output / "pagefind" / "fragment").iterdir():
        data = gzip.decompress(path.read_bytes())
        record = json.loads(data[data.index(b"{") :])
        found[record["url"]] = record
    return found


def test_only_paper_pages_are_indexed_with_filters_sorts_and_metadata(
    searchable_site: Path,
) -> None:
    records = fragments(searchable_site)
    papers = json.loads((searchable_site / "papers.json").read_text())["papers"]
    assert set(records) == {f"/papers/{p['key']}/" for p in papers}
    mirage = records[f"/papers/{MIRAGE}/"]
    assert mirage["meta"]["title"] == "Mirage: an audio-to-video foundation model"
    assert mirage["meta"]["status"] == "skimmed"
    assert mirage["meta"]["topics"] == "Video generation"
    assert mirage["filters"]["topic"] == ["video-generation"]
    assert mirage["filters"]["status"] == ["skimmed"]
    assert set(mirage["filters"]["tag"]) == {"audio", "talking-heads"}
    assert not mirage["content"].startswith("Mirage: an audio-to-video foundation model. Status")
    for page in searchable_site.rglob("*.html"):
        if not re.fullmatch(
            r"papers/[^/]+/index\.html", page.relative_to(searchable_site).as_posix()
        ):
            assert "data-pagefind-body" not in page.read_text(), page


def test_every_paper_page_has_a_rating_and_a_date_to_sort_by(searchable_site: Path) -> None:
    for page in (searchable_site / "papers").glob("*/index.html"):
        html = page.read_text()
        assert re.search(r'data-pagefind-sort="rating">\d</span>', html), page
        assert re.search(r'data-pagefind-sort="date">\d{4}-\d\d-\d\d</span>', html), page


def test_the_browser_index_is_rebuilt_only_when_a_paper_page_changes(tmp_path: Path) -> None:
    settings, _ = load_settings(copy_sample_project(tmp_path / "project"))
    build_site(settings, jobs=1)
    entry = settings.output_path / "pagefind" / "pagefind-entry.json"
    first = entry.stat().st_mtime_ns
    catalog = load_catalog(settings)

    result = index_site(catalog, settings, settings.output_path, changed=["topics/index.html"])
    assert result == IndexResult(browser=False, terminal=result.terminal)
    assert result.terminal.changed == 0
    assert entry.stat().st_mtime_ns == first

    result = index_site(
        catalog, settings, settings.output_path, changed=[f"papers/{MIRAGE}/index.html"]
    )
    assert result.browser
    assert entry.stat().st_mtime_ns != first
    assert not (settings.output_path / ".pagefind-staging").exists()


def test_background_indexing_returns_a_future(tmp_path: Path) -> None:
    settings, _ = load_settings(copy_sample_project(tmp_path / "project"))
    build_site(settings, jobs=1, index_search=False)
    assert not (settings.output_path / "pagefind").exists()
    future = index_site(
        load_catalog(settings), settings, settings.output_path, full=True, background=True
    )
    result = future.result(timeout=120)
    assert result.browser and result.terminal.total == 169
    assert (settings.output_path / "pagefind" / "pagefind.js").is_file()
    assert index_dir(settings.root).is_dir()


def test_a_pagefind_failure_fails_the_build_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = copy_sample_project(tmp_path / "project")
    fake = tmp_path / "pagefind"
    fake.write_text("#!/bin/sh\necho 'Error: the index exploded' >&2\nexit 3\n")
    os.chmod(fake, 0o755)
    monkeypatch.setenv("PAGEFIND_BINARY_PATH", str(fake))
    result = CliRunner().invoke(cli, ["-C", str(root), "build"])
    assert result.exit_code == 1
    assert "error: search index: Pagefind could not index" in result.stderr
    assert "the index exploded" in result.stderr
    assert "Traceback" not in result.output
    assert not (root / "_site" / ".pagefind-staging").exists()
