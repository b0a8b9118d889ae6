"""A shared folder of annotations linked into ``content/annotations/`` is read, its edits
are seen by the no-change check, and a folder link that loops is an error, never a hang."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from pathlib import Path

from sitegen.build import input_signature
from sitegen.catalog.annotations import annotation_files
from sitegen.search.whoosh_index import input_fingerprint
from sitegen.settings import load_settings
from tests.conftest import ZEBRA, ZEBRA_KEY, build, build_within

Project = Callable[..., Path]


def _linked(make_project: Project, tmp_path: Path) -> tuple[Path, Path]:
    root = make_project({"seeds/a.txt": ZEBRA})
    shared = tmp_path / "shared-notes" / "zebras"
    shared.mkdir(parents=True)
    notes = shared / "zebra.yaml"
    notes.write_text(f"{ZEBRA_KEY}:\n  summary: Stripes all the way down.\n")
    (root / "content" / "annotations" / "team").symlink_to(tmp_path / "shared-notes")
    return root, notes


def test_annotations_in_a_symlinked_subfolder_are_read_and_their_edits_rebuilt(
    make_project: Project, tmp_path: Path
) -> None:
    root, notes = _linked(make_project, tmp_path)
    assert [p.relative_to(root).as_posix() for p in annotation_files(root / "content")] == [
        "content/annotations/team/zebras/zebra.yaml"
    ]
    assert build(root).exit_code == 0
    page = root / "_site" / "papers" / ZEBRA_KEY / "index.html"
    assert "Stripes all the way down." in page.read_text()
    settings, _ = load_settings(root)
    before = input_signature(settings, ())[0]
    notes.write_text(f"{ZEBRA_KEY}:\n  summary: Stripes, then more stripes.\n")
    assert input_signature(settings, ())[0] != before
    # The terminal search index is brought up to date by the same edit.
    searched = input_fingerprint(settings)
    notes.write_text(f"{ZEBRA_KEY}:\n  summary: Stripes, then more stripes!\n")
    assert input_fingerprint(settings) != searched
    notes.write_text(f"{ZEBRA_KEY}:\n  summary: Stripes, then more stripes.\n")
    result = build(root)
    assert result.exit_code == 0, result.output
    assert "Stripes, then more stripes." in page.read_text()


def test_a_folder_link_that_loops_is_one_error_naming_it(
    make_project: Project, tmp_path: Path
) -> None:
    root, _ = _linked(make_project, tmp_path)
    (root / "content" / "annotations" / "again").symlink_to("..")  # content/ holds it
    (tmp_path / "shared-notes" / "up").symlink_to(tmp_path / "shared-notes")
    result = build_within(20, root)
    assert result.exit_code == 1
    errors = [line for line in result.output.splitlines() if ": error: " in line]
    assert errors == [
        f"content/annotations/{name}: error: a symbolic link to a folder that holds it "
        "(a loop): nothing in it is read; remove it"
        for name in ("again", "team/up")
    ]


def test_links_fanning_out_are_walked_once_per_folder(make_project: Project) -> None:
    """``a/x`` and ``a/y`` both link to ``b``, ``b``'s to ``c``, ...: 2**24 paths, 25 folders."""
    root = make_project({"seeds/a.txt": ZEBRA})
    notes = root / "content" / "annotations"
    levels = [notes / f"level{depth:02}" for depth in range(25)]
    for level in levels:
        level.mkdir()
    for level, below in itertools.pairwise(levels):
        (level / "x").symlink_to(below)
        (level / "y").symlink_to(below)
    (levels[-1] / "deep.yaml").write_text(f"{ZEBRA_KEY}:\n  status: read\n")
    assert len(annotation_files(root / "content")) == 1
    assert build_within(20, root).exit_code == 0


def test_links_under_static_are_not_followed_into_what_they_hold(
    make_project: Project, tmp_path: Path
) -> None:
    """Only content/ is read through folder links: a linked vendor folder in static/ with
    a broken link deep inside (as node_modules have) does not fail the build."""
    root = make_project({"seeds/a.txt": ZEBRA})
    vendor = tmp_path / "node_modules" / "pkg" / ".bin"
    vendor.mkdir(parents=True)
    (vendor.parent / "cli.js").symlink_to(tmp_path / "gone.js")
    (root / "static").mkdir()
    (root / "static" / "vendor").symlink_to(tmp_path / "node_modules")
    result = build(root)
    assert result.exit_code == 0, result.output


def test_seed_and_list_files_in_subfolders_are_a_warning_not_lost_silently(
    make_project: Project, tmp_path: Path
) -> None:
    """seeds/ and content/lists/ are read one level deep: a folder there (linked or not)
    is named, so papers moved into ``seeds/2024/`` are not left out without a word."""
    root = make_project({"seeds/a.txt": ZEBRA, "seeds/2024/b.txt": ZEBRA})
    (root / "content" / "lists" / "old").mkdir(parents=True)
    (root / "seeds" / "linked").symlink_to(tmp_path)
    (root / "seeds" / ".git").mkdir()  # a tool's own folder: not a word
    result = build(root)
    assert result.exit_code == 0, result.output
    warnings = [line for line in result.output.splitlines() if ": warning: " in line]
    assert [w.split(": warning: ")[0] for w in warnings] == [
        "seeds/2024",
        "seeds/linked",
        "content/lists/old",
    ]
    assert "only the files directly in seeds/ are read" in warnings[0]
    assert build(root, "--strict").exit_code == 1


def test_a_linked_notes_repository_is_read_without_its_git_folder(
    make_project: Project, tmp_path: Path
) -> None:
    root, _ = _linked(make_project, tmp_path)
    git = tmp_path / "shared-notes" / ".git" / "objects"
    git.mkdir(parents=True)
    (git / "pack.yaml").write_text("not: [an annotation\n")
    (git / "head").symlink_to(tmp_path / "gone")
    settings, _ = load_settings(root)
    assert not any(".git" in str(path) for path in annotation_files(root / "content"))
    before = input_signature(settings, ())[0]
    (git / "more").write_text("objects\n")
    assert input_signature(settings, ())[0] == before  # git's own churn rebuilds nothing
    result = build(root)
    assert result.exit_code == 0, result.output
