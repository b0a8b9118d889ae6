"""What runs beside ``sitegen serve`` (a folder deleted, another build of its output)
neither loses the site nor leaves a folder no build will write into."""

from __future__ import annotations

import os
import shutil
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

import sitegen.search
import sitegen.serve.http
from sitegen.locks import exclusive
from sitegen.output import MARKER
from sitegen.output_guard import lock_path
from sitegen.serve import Preview

from .conftest import build, wait_for

NOTES = "content/annotations/notes.yaml"
KEY = "zebra-a-model-of-stripes"


@pytest.fixture
def project(make_project: Callable[..., Path]) -> Path:
    return make_project(
        {
            "seeds/a.txt": "Abstract:We introduce Zebra, a model of stripes.\n",
            NOTES: f"{KEY}:\n  summary: First-summary\n",
        }
    )


class Gate:
    """Holds the preview's search indexing once its shards are made, until released."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.made = threading.Event()
        self.release = threading.Event()
        real = sitegen.search.stage_index

        def stage_index(*args: Any, **kwargs: Any) -> Any:
            staged = real(*args, **kwargs)
            self.made.set()
            self.release.wait(60)
            return staged

        monkeypatch.setattr(sitegen.search, "stage_index", stage_index)


@pytest.fixture
def gated(project: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Preview, Gate]]:
    gate = Gate(monkeypatch)
    lines: list[str] = []
    server = Preview(project, port=0, debounce=0.2, jobs=1, echo=lines.append)
    server.lines = lines  # type: ignore[attr-defined]
    server.start()
    yield server, gate
    gate.release.set()
    server.stop()


def _indexed(preview: Preview) -> None:
    """Wait for the index runs submitted so far."""
    indexer = preview._indexer
    assert indexer is not None
    indexer.submit(lambda: None).result(timeout=120)


def test_an_output_deleted_while_the_index_is_made_is_built_again_whole(
    project: Path, gated: tuple[Preview, Gate]
) -> None:
    preview, gate = gated
    wait_for(gate.made.is_set, timeout=120)
    shutil.rmtree(project / "_site")
    gate.release.set()
    _indexed(preview)
    # the index is not written into the deleted folder: a folder of it alone, without
    # the marker, would be one no build may write into
    assert not (project / "_site").exists()
    with urllib.request.urlopen(f"http://127.0.0.1:{preview.port}/papers/{KEY}/", timeout=120) as r:
        assert "First-summary" in r.read().decode("utf-8")
    assert (project / "_site" / MARKER).is_file()
    wait_for(lambda: (project / "_site" / "pagefind" / "shards.json").is_file(), timeout=120)
    lines: Sequence[str] = preview.lines  # type: ignore[attr-defined]
    assert not [line for line in lines if "refusing" in line or "failed" in line]


def test_the_index_waits_for_a_build_holding_the_output_and_stop_does_not(
    project: Path, gated: tuple[Preview, Gate]
) -> None:
    preview, gate = gated
    wait_for(gate.made.is_set, timeout=120)
    shards = project / "_site" / "pagefind" / "shards.json"
    with exclusive(lock_path(project, project / "_site")):  # as `sitegen build` holds it
        gate.release.set()
        preview.stop()  # the index gives up rather than write beside the build
        assert not shards.exists()


def test_an_edit_that_keeps_the_size_and_modification_time_is_built(
    project: Path,
) -> None:
    """``cp -p``, ``rsync -a`` or ``tar x`` put a file in place with its size and time."""
    notes, style = project / NOTES, project / "static" / "extra.css"
    style.parent.mkdir()
    style.write_text("a { color: red; }\n", encoding="utf-8")
    for path in project.rglob("*"):  # older than 'racy': the build trusts the times it saw
        os.utime(path, ns=(time.time_ns() - 10**10,) * 2)
    assert build(project).exit_code == 0
    for path, old, new in ((notes, "First", "Other"), (style, "red;", "tan;")):
        before = path.stat()
        path.write_text(path.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
        os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
        assert path.stat().st_size == before.st_size
    assert build(project).exit_code == 0
    page = project / "_site" / "papers" / KEY / "index.html"
    assert "Other-summary" in page.read_text(encoding="utf-8")
    assert "tan;" in (project / "_site" / "static" / "extra.css").read_text(encoding="utf-8")


def test_a_page_removed_between_finding_and_reading_it_is_a_404_not_a_500(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A rebuild removes or replaces files while requests are answered."""
    server = Preview(project, port=0, jobs=1, search=False, echo=lambda line: None)
    server.start()
    try:
        gone = project / "_site" / "papers" / "gone" / "index.html"
        monkeypatch.setattr(sitegen.serve.http, "locate", lambda output, path: ("file", gone))
        with pytest.raises(urllib.error.HTTPError) as answer:
            urllib.request.urlopen(f"http://127.0.0.1:{server.port}/papers/gone/", timeout=60)
        answer.value.close()
        assert answer.value.code == 404
    finally:
        server.stop()
