"""`sitegen annotate` on annotation files kept elsewhere through symbolic or hard links."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from .conftest import ZEBRA, ZEBRA_KEY, run_annotate

NOTES = f"# my notes\n{ZEBRA_KEY}:\n  status: queued\n"
RATED = NOTES + "  rating: 4\n"


def test_a_hard_linked_annotation_file_keeps_its_links(
    make_project: Callable[..., Path], tmp_path: Path
) -> None:
    root = make_project({"seeds/a.txt": ZEBRA, "content/annotations/notes.yaml": NOTES})
    mine = root / "content" / "annotations" / "notes.yaml"
    synced = tmp_path / "synced" / "notes.yaml"
    synced.parent.mkdir()
    os.link(mine, synced)
    mine.chmod(0o640)
    code, _, err = run_annotate(root, ZEBRA_KEY, "--rating", "4")
    assert code == 0, err
    # Both names are still one file, and both show the change.
    assert os.path.samefile(mine, synced)
    assert mine.stat().st_nlink == 2
    assert synced.read_text(encoding="utf-8") == RATED
    assert mine.stat().st_mode & 0o777 == 0o640
    assert sorted(p.name for p in mine.parent.iterdir()) == ["notes.yaml"]


def test_a_hard_linked_file_saved_meanwhile_is_edited_again_not_overwritten(
    make_project: Callable[..., Path], tmp_path: Path
) -> None:
    root = make_project({"seeds/a.txt": ZEBRA, "content/annotations/notes.yaml": NOTES})
    mine = root / "content" / "annotations" / "notes.yaml"
    os.link(mine, tmp_path / "other.yaml")
    code, _, err = run_annotate(root, ZEBRA_KEY, "--rating", "4")
    assert code == 0, err
    code, _, err = run_annotate(root, ZEBRA_KEY, "--rating", "2")
    assert code == 0, err
    assert (tmp_path / "other.yaml").read_text(encoding="utf-8") == NOTES + "  rating: 2\n"


def test_a_crash_while_a_hard_linked_file_is_written_leaves_its_old_text_beside_it(
    make_project: Callable[..., Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_project({"seeds/a.txt": ZEBRA, "content/annotations/notes.yaml": NOTES})
    mine = root / "content" / "annotations" / "notes.yaml"
    os.link(mine, tmp_path / "other.yaml")
    synced: list[int] = []

    def crash_on_the_second(fd: int) -> None:  # the backup is synced, then the file
        synced.append(fd)
        if len(synced) == 2:
            raise OSError(5, "Input/output error")

    monkeypatch.setattr(os, "fsync", crash_on_the_second)
    code, _, _ = run_annotate(root, ZEBRA_KEY, "--rating", "4")
    assert code != 0
    assert (mine.parent / ".notes.yaml.sitegen-backup").read_text(encoding="utf-8") == NOTES
    monkeypatch.undo()
    code, _, err = run_annotate(root, ZEBRA_KEY, "--rating", "2")  # the next write: none left
    assert code == 0, err
    assert (tmp_path / "other.yaml").read_text(encoding="utf-8") == NOTES + "  rating: 2\n"
    assert not (mine.parent / ".notes.yaml.sitegen-backup").exists()


def test_a_chain_of_symlinks_into_another_folder_is_written_through(
    make_project: Callable[..., Path], tmp_path: Path
) -> None:
    root = make_project({"seeds/a.txt": ZEBRA})
    synced = tmp_path / "synced"
    synced.mkdir()
    (synced / "real.yaml").write_text(NOTES, encoding="utf-8")
    (synced / "current.yaml").symlink_to("real.yaml")  # a relative link, in the other folder
    link = root / "content" / "annotations" / "notes.yaml"
    link.symlink_to(synced / "current.yaml")
    code, _, err = run_annotate(root, ZEBRA_KEY, "--rating", "4")
    assert code == 0, err
    assert link.is_symlink() and (synced / "current.yaml").is_symlink()
    assert (synced / "real.yaml").read_text(encoding="utf-8") == RATED
    assert sorted(p.name for p in synced.iterdir()) == ["current.yaml", "real.yaml"]
    assert sorted(p.name for p in link.parent.iterdir()) == ["notes.yaml"]


def test_annotations_folder_linked_to_a_synced_folder_gets_new_files_there(
    make_project: Callable[..., Path], tmp_path: Path
) -> None:
    root = make_project({"seeds/a.txt": ZEBRA})
    synced = tmp_path / "synced"
    synced.mkdir()
    folder = root / "content" / "annotations"
    folder.rmdir()
    folder.symlink_to(synced, target_is_directory=True)
    code, _, err = run_annotate(
        root, ZEBRA_KEY, "--status", "read", "--file", "content/annotations/z.yaml"
    )
    assert code == 0, err
    assert folder.is_symlink()
    assert (synced / "z.yaml").read_text(encoding="utf-8") == f"{ZEBRA_KEY}:\n  status: read\n"
    code, _, err = run_annotate(root, ZEBRA_KEY, "--rating", "5")
    assert code == 0, err
    assert (synced / "z.yaml").read_text(encoding="utf-8").endswith("  rating: 5\n")
