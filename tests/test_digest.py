"""Content digests and recorded dependencies (``sitegen.digest``, ``sitegen.incremental``).

A digest that stayed the same for changed data would leave a stale page on disk: an
incremental build would skip a page whose content changed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, replace
from pathlib import Path

from sitegen.catalog import load
from sitegen.catalog.stages import CatalogMemory
from sitegen.digest import Digester
from sitegen.incremental import Recorded, Shown, catalog_values, changed_papers, changed_values
from sitegen.settings import Settings, load_settings

from .conftest import REPO


@dataclass(frozen=True)
class Item:
    name: str
    score: int


def test_equal_data_digests_alike_and_changed_data_does_not() -> None:
    items = tuple(Item(f"paper {i}", i) for i in range(1000))
    before = Digester().digest(items)
    assert Digester().digest(tuple(Item(f"paper {i}", i) for i in range(1000))) == before
    edited = (*items[:500], replace(items[500], score=-1), *items[501:])
    assert Digester().digest(edited) != before


def test_a_changed_mutable_value_digests_anew() -> None:
    rows = [{"title": f"paper {i}", "votes": i} for i in range(200)]
    digester = Digester()
    before = digester.digest(list(rows))
    rows[70]["votes"] = -1
    assert Digester().digest(list(rows)) != before


def _settings(root: Path) -> Settings:
    settings, problems = load_settings(root)
    assert not problems
    return settings


def test_a_paper_digest_follows_its_content_and_only_its_own(tmp_path: Path) -> None:
    import shutil

    root = tmp_path / "site"
    shutil.copytree(REPO / "seeds", root / "seeds")
    shutil.copytree(REPO / "content", root / "content")
    (root / "sitegen.yaml").write_text("title: Digests\n", encoding="utf-8")
    memory = CatalogMemory()
    first = load(_settings(root), memory=memory).catalog
    assert first is not None
    again = load(_settings(root)).catalog  # another process's catalogue: the same digests
    assert again is not None
    assert catalog_values(again) == catalog_values(first)
    assert all(paper.digest for paper in first.papers)

    key = next(paper.key for paper in first.papers if not paper.annotated)
    notes = root / "content" / "annotations" / "zz-test.yaml"
    notes.write_text(f"{key}:\n  rating: 2\n", encoding="utf-8")
    edited = load(_settings(root), memory=memory).catalog
    assert edited is not None
    assert changed_papers(catalog_values(first), catalog_values(edited)) == {key}
    assert edited.paper(key).digest != first.paper(key).digest


def test_only_items_showing_a_changed_value_are_stale() -> None:
    recorded: Recorded[str] = Recorded()
    assert recorded.stale("site", set()) is None  # nothing recorded yet: make all
    recorded.record("a", "page a", ["paper:a", "paper:b"])
    recorded.record("b", "page b", ["paper:b"])
    recorded.record("c", "page c", ["paper:c"])
    recorded.finish("site")
    assert recorded.stale("site", {"paper:b"}) == {"a", "b"}
    assert recorded.stale("site", {"paper:d"}) == set()
    assert recorded.stale("site", None) is None  # any value may have changed
    assert recorded.items == {}
    recorded.record("a", "page a", ["paper:a"])
    recorded.finish("site")
    assert recorded.stale("other site", set()) is None


def test_changed_values_compare_what_pages_showed() -> None:
    last = Shown({"a": "1", "b": "2"}, {"rl": "x"}, {"t": ("a", "b", "c")}, {"a": "k1"})
    now = Shown({"a": "1", "b": "2"}, {"rl": "y"}, {"t": ("b", "a", "c")}, {"a": "k2"})
    first = {"a": "t", "b": "t", "c": "u"}.get
    changed = changed_values(last, now, {"b"}, first)
    # b moved before a: both have new neighbours; c's first topic is another one.
    assert changed == {"paper:b", "list:rl", "cite:a", "near:a", "near:b"}
    assert changed_values(last, last, (), first) == set()


def _signature_of(package_copy: Path) -> str:
    """``code_signature()`` in a process running the sitegen copied under ``package_copy``."""
    script = "from sitegen.digest import code_signature; print(code_signature())"
    env = {**os.environ, "PYTHONPATH": str(package_copy)}
    done = subprocess.run(  # run in the copy's folder: ``-c`` puts the working folder first
        [sys.executable, "-c", script],
        cwd=package_copy,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


def test_a_fresh_install_of_the_same_code_has_the_same_code_signature(tmp_path: Path) -> None:
    # pip writes installed files with the time of the install: a CI job that installs
    # sitegen and restores .sitegen-cache/ must still find its stages and references.
    first, second = tmp_path / "first", tmp_path / "second"
    for copy, when in ((first, 1_000_000_000), (second, 1_600_000_000)):
        shutil.copytree(REPO / "sitegen", copy / "sitegen", ignore=shutil.ignore_patterns("*.pyc"))
        for path in (copy / "sitegen").rglob("*"):
            os.utime(path, (when, when))
    assert _signature_of(first) == _signature_of(second)
    cleaning = second / "sitegen" / "clean.py"
    cleaning.write_text(cleaning.read_text() + "\n# a change\n")
    assert _signature_of(first) != _signature_of(second)
