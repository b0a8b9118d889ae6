"""A shard of a few changed records is spliced, and equals byte for byte a clean one."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from sitegen.cache import StageCache
from sitegen.catalog import load_catalog
from sitegen.model import Catalog
from sitegen.search import IndexResult, start_indexing
from sitegen.settings import Settings, load_settings

from .conftest import copy_sample_project, tree
from .test_search_index import find

EDITS = "content/annotations/zz_splice.yaml"
"""An annotation file of the tests' own, for papers the sample does not annotate."""


class Project:
    """The sample project, its browser index made with a stage cache as builds make it."""

    def __init__(self, root: Path) -> None:
        self.root = copy_sample_project(root)
        self.settings: Settings = load_settings(self.root)[0]
        self.output = self.root / "out"
        self.stages = StageCache(self.root / "stages")
        self.annotations: dict[str, dict[str, str]] = {}
        catalog = self.catalog()
        annotated = "".join(p.read_text() for p in (self.root / "content").rglob("*.yaml"))
        self.free = [p.key for p in catalog.papers if p.key not in annotated]
        assert self.index(catalog).spliced == ()  # the first run makes the shard whole

    def catalog(self) -> Catalog:
        return load_catalog(self.settings)

    def index(self, catalog: Catalog | None = None) -> IndexResult:
        catalog = catalog or self.catalog()
        return start_indexing(catalog, self.settings, self.output, stages=self.stages).finish()

    def annotate(self, key: str, **fields: str) -> None:
        self.annotations.setdefault(key, {}).update(fields)
        text = "".join(
            f"{paper}:\n" + "".join(f"  {name}: {value}\n" for name, value in values.items())
            for paper, values in self.annotations.items()
        )
        (self.root / EDITS).write_text(text, encoding="utf-8")

    def spliced(self) -> None:
        """Index the edits: the shard is spliced, and equals the shard a clean run makes
        (Pagefind over all the records, no stage cache, an empty output)."""
        catalog = self.catalog()
        assert self.index(catalog).spliced == ("0",)
        clean = self.root / f"clean{len(list(self.root.glob('clean*')))}"
        start_indexing(catalog, self.settings, clean).finish()
        assert tree(self.output / "pagefind") == tree(clean / "pagefind")


@pytest.fixture
def project(tmp_path: Path) -> Project:
    return Project(tmp_path / "project")


def test_summary_status_tags_rating_and_date_edits_are_spliced(project: Project) -> None:
    key = project.free[0]
    project.annotate(key, summary="Zebra crossings, naïve café Ångström and Zürich œuvres")
    project.spliced()
    assert find(project.output, "zebra") == {f"/papers/{key}/"}
    project.annotate(key, status="reading")  # a filter value changes
    project.spliced()
    project.annotate(key, tags="[splice-tag, другой]")  # filter values added
    project.spliced()
    project.annotate(key, tags="[splice-tag]", rating="4")  # one removed; a sort moves
    project.spliced()
    project.annotate(key, read_on="2021-05-04")  # the date sort
    project.spliced()
    project.annotate(key, summary="Quokka words now")
    project.spliced()
    assert find(project.output, "quokka") == {f"/papers/{key}/"}
    assert find(project.output, "zebra") == set()


def test_title_and_markdown_notes_edits_and_two_papers_at_once_are_spliced(
    project: Project,
) -> None:
    first, second = project.free[1], project.free[2]
    project.annotate(first, title='"A Retitled Paper on Wombats"')
    project.spliced()
    assert find(project.output, "wombat") == {f"/papers/{first}/"}
    notes = (
        "|\n    Some **bold** text, a [link](https://example.org) and `code`.\n\n"
        "    - a list item about kiwis\n    - $x^2$ math\n"
    )
    project.annotate(first, notes=notes)
    project.annotate(second, summary="Déjà vu for numbats", rating="5", status="read")
    project.spliced()
    assert find(project.output, "kiwi") == {f"/papers/{first}/"}
    assert find(project.output, "numbat") == {f"/papers/{second}/"}


def test_a_paper_removed_from_or_added_to_the_shard_is_spliced(project: Project) -> None:
    gone, edited = project.free[3], project.free[4]
    project.annotate(gone, hidden="true")  # removed: the pages after it move up
    project.spliced()
    project.annotate(gone, hidden="false", summary="Back again with echidnas")
    project.annotate(edited, summary="Edited while another came back")
    project.spliced()
    assert find(project.output, "echidna") == {f"/papers/{gone}/"}


def test_a_damaged_shard_is_made_whole_again(project: Project) -> None:
    shard = project.output / "pagefind" / "0"
    for number, path in enumerate(
        [next((shard / "index").iterdir()), next((shard / "fragment").iterdir())]
    ):
        data = gzip.decompress(path.read_bytes()).replace(b"a", b"b", 1)
        path.write_bytes(gzip.compress(data, mtime=0))
        project.annotate(project.free[5], summary=f"Edit {number} after the damage")
        catalog = project.catalog()
        assert project.index(catalog).spliced == ()  # made whole
        clean = project.root / f"clean{number}"
        start_indexing(catalog, project.settings, clean).finish()
        assert tree(shard) == tree(clean / "pagefind" / "0")
    project.annotate(project.free[5], summary="An edit after the repair")
    project.spliced()


def test_too_many_changed_records_make_the_shard_whole(project: Project) -> None:
    for key in project.free[:10]:  # more than one record in 20 of 169
        project.annotate(key, summary="Many papers edited at once")
    assert project.index().spliced == ()
    project.annotate(project.free[0], summary="Then one")
    project.spliced()


def test_a_lost_or_stale_stage_cache_makes_the_shard_whole(project: Project) -> None:
    for path in (project.root / "stages").glob("search-shard-*"):
        path.unlink()
    project.stages = StageCache(project.root / "stages")  # not as remembered in memory
    project.annotate(project.free[0], summary="No state kept")
    assert project.index().spliced == ()
    # a state of another shard on disk: an index written without the stage cache
    project.annotate(project.free[0], summary="Indexed without the cache")
    start_indexing(project.catalog(), project.settings, project.output).finish()
    project.annotate(project.free[0], summary="Then with it again")
    assert project.index().spliced == ()
    project.annotate(project.free[0], summary="And spliced once more")
    project.spliced()


def test_a_run_killed_after_writing_the_shard_but_not_the_list_is_made_whole(
    project: Project,
) -> None:
    listing = project.output / "pagefind" / "shards.json"
    before = listing.read_bytes()
    project.annotate(project.free[0], summary="Written but not listed")
    start_indexing(project.catalog(), project.settings, project.output).finish()
    listing.write_bytes(before)  # killed before the list: it names the shard before
    project.annotate(project.free[0], summary="The next run")
    catalog = project.catalog()
    assert project.index(catalog).spliced == ()
    clean = project.root / "clean"
    start_indexing(catalog, project.settings, clean).finish()
    assert tree(project.output / "pagefind") == tree(clean / "pagefind")
