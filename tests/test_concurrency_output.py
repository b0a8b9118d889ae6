"""Hostile things standing in the output folder where a page belongs: a FIFO is
replaced (reading it to compare would wait for ever), a folder is one line naming
the page, and neither leaves sitegen's temporary files in the site."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from .conftest import ZEBRA, ZEBRA_KEY, build, build_within

NOTES = "content/annotations/notes.yaml"


def _project(make_project: Callable[..., Path]) -> Path:
    root = make_project({"seeds/a.txt": ZEBRA, NOTES: f"{ZEBRA_KEY}:\n  summary: First\n"})
    assert build(root).exit_code == 0
    (root / NOTES).write_text(f"{ZEBRA_KEY}:\n  summary: Second\n", encoding="utf-8")
    return root


def test_a_fifo_where_a_page_belongs_is_replaced_not_read_for_ever(
    make_project: Callable[..., Path],
) -> None:
    root = _project(make_project)
    page = root / "_site" / "papers" / ZEBRA_KEY / "index.html"
    for path in (page, root / "_site" / "feed.xml"):
        path.unlink()
        os.mkfifo(path)
    result = build_within(60, root)
    assert result.exit_code == 0, result.output
    assert "Second" in page.read_text(encoding="utf-8")
    assert (root / "_site" / "feed.xml").is_file()


def test_a_folder_where_a_page_belongs_is_named_and_leaves_no_temporary_file(
    make_project: Callable[..., Path],
) -> None:
    root = _project(make_project)
    feed = root / "_site" / "feed.xml"
    feed.unlink()
    (feed / "stray").mkdir(parents=True)
    result = build_within(60, root)
    assert result.exit_code == 1
    assert f"{feed}: a folder stands where a file belongs" in result.output
    assert not [p for p in (root / "_site").rglob("*") if "sitegen-tmp" in p.name]


def test_a_fifo_in_the_search_index_is_replaced_not_read_for_ever(
    make_project: Callable[..., Path],
) -> None:
    root = _project(make_project)
    index = root / "_site" / "pagefind"
    for path in (index / "shards.json", index / "0" / "pagefind-entry.json"):
        path.unlink()
        os.mkfifo(path)
    result = build_within(60, root)
    assert result.exit_code == 0, result.output
    assert (index / "shards.json").is_file()
    assert (index / "0" / "pagefind-entry.json").is_file()
