"""``sitegen serve`` when hostile files appear among the inputs: it reports them and keeps
watching, so the next edit is still shown."""

from __future__ import annotations

import os
import shutil
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from sitegen.serve import Preview

from .conftest import wait_for as poll

NOTES = "content/annotations/notes.yaml"
KEY = "zebra-a-model-of-stripes"


@pytest.fixture
def served(make_project: Callable[..., Path]) -> Iterator[tuple[Path, Preview, list[str]]]:
    root = make_project(
        {
            "seeds/a.txt": "Abstract:We introduce Zebra, a model of stripes.\n",
            NOTES: f"{KEY}:\n  summary: First-summary\n",
        }
    )
    lines: list[str] = []
    server = Preview(root, port=0, debounce=0.2, jobs=1, search=False, echo=lines.append)
    server.start()
    yield root, server, lines
    server.stop()


def wait_for(condition: Callable[[], object]) -> None:
    """Poll for ``condition`` with room for a loaded machine."""
    poll(condition, timeout=120)


def page(root: Path) -> str:
    return (root / "_site" / "papers" / KEY / "index.html").read_text(encoding="utf-8")


def test_a_symlink_loop_made_while_serving_is_reported_and_edits_still_rebuild(
    served: tuple[Path, Preview, list[str]],
) -> None:
    root, preview, lines = served
    loop = root / "content" / "annotations" / "loop.yaml"
    loop.symlink_to(loop.name)
    wait_for(lambda: any("loop.yaml: error: a symbolic link to nothing" in line for line in lines))
    assert preview.site is not None and preview.site.problems
    loop.unlink()
    (root / NOTES).write_text(f"{KEY}:\n  summary: Second-summary\n", encoding="utf-8")
    wait_for(lambda: "Second-summary" in page(root))
    wait_for(lambda: preview.site is not None and not preview.site.problems)


def test_a_name_that_is_not_utf8_made_while_serving_is_reported_and_edits_still_rebuild(
    served: tuple[Path, Preview, list[str]],
) -> None:
    root, _, lines = served
    bad = os.fsencode(root / "content" / "annotations") + b"/\xff.yaml"
    with open(bad, "wb") as file:
        file.write(b"x: 1\n")
    wait_for(
        lambda: any("annotations/\\xff.yaml: error: the name is not UTF-8" in x for x in lines)
    )
    os.unlink(bad)
    (root / NOTES).write_text(f"{KEY}:\n  summary: Third-summary\n", encoding="utf-8")
    wait_for(lambda: "Third-summary" in page(root))


def test_the_output_folder_deleted_while_serving_is_built_again_on_the_next_request(
    served: tuple[Path, Preview, list[str]],
) -> None:
    root, preview, _ = served
    shutil.rmtree(root / "_site")
    with urllib.request.urlopen(f"http://127.0.0.1:{preview.port}/papers/{KEY}/", timeout=120) as r:
        assert r.status == 200
        assert "First-summary" in r.read().decode("utf-8")
    assert (root / "_site" / "index.html").is_file()


def test_edits_in_a_folder_linked_into_annotations_rebuild(
    make_project: Callable[..., Path], tmp_path: Path
) -> None:
    # A shared folder of notes linked in before serve starts, and one linked in while it
    # runs: builds read both through their links, so serve must see their edits too.
    shared, later = tmp_path / "team-notes", tmp_path / "more-notes"
    shared.mkdir()
    later.mkdir()
    (shared / "team.yaml").write_text(f"{KEY}:\n  summary: Team-one\n", encoding="utf-8")
    root = make_project({"seeds/a.txt": "Abstract:We introduce Zebra, a model of stripes.\n"})
    (root / "content" / "annotations").mkdir(parents=True, exist_ok=True)
    (root / "content" / "annotations" / "team").symlink_to(shared)
    lines: list[str] = []
    preview = Preview(root, port=0, debounce=0.2, jobs=1, search=False, echo=lines.append)
    preview.start()
    try:
        wait_for(lambda: "Team-one" in page(root))
        (shared / "team.yaml").write_text(f"{KEY}:\n  summary: Team-two\n", encoding="utf-8")
        wait_for(lambda: "Team-two" in page(root))
        (shared / "team.yaml").unlink()
        (later / "more.yaml").write_text(f"{KEY}:\n  summary: More-one\n", encoding="utf-8")
        (root / "content" / "annotations" / "more").symlink_to(later)
        wait_for(lambda: "More-one" in page(root))
        (later / "more.yaml").write_text(f"{KEY}:\n  summary: More-two\n", encoding="utf-8")
        wait_for(lambda: "More-two" in page(root))
    finally:
        preview.stop()
