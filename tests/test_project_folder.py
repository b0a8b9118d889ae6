"""Run in the wrong folder, or in a project without its seeds: one clear error, exit 1."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from sitegen.cli import cli

from .conftest import ZEBRA, ZEBRA_KEY, build

NOTES = {
    "content/annotations/reading.yaml": f"{ZEBRA_KEY}:\n  status: read\n",
    "content/annotations/more.yaml": "another-paper:\n  rating: 4\nthird-paper:\n  rating: 2\n",
    "content/lists/start.yaml": f"title: Start\npapers: [{ZEBRA_KEY}]\n",
}


def check(root: Path) -> Result:
    return CliRunner().invoke(cli, ["-C", str(root), "check"])


def errors(result: Result) -> list[str]:
    return [line for line in result.output.splitlines() if ": error: " in line]


def test_a_clone_without_its_seeds_gets_one_error_naming_the_folder(
    make_project: Callable[..., Path],
) -> None:
    root = make_project(NOTES)
    (root / "seeds").rmdir()
    for result in (check(root), build(root)):
        assert result.exit_code == 1
        (error,) = errors(result)  # not an "unknown paper key" per annotation
        assert error.startswith(f"seeds: error: no seeds/ folder in {root}")
        assert "content/annotations/more.yaml and 2 other files name papers" in error
        assert "sitegen -C PATH" in error
        assert "unknown paper key" not in result.output
    assert not (root / "_site").exists()


def test_an_empty_seeds_folder_with_annotations_is_one_error(
    make_project: Callable[..., Path],
) -> None:
    root = make_project(NOTES)
    result = check(root)
    assert result.exit_code == 1
    (error,) = errors(result)
    assert error.startswith(f"seeds: error: seeds/ in {root} gives no papers, yet ")
    # Seeds that give papers: the annotations are checked, unknown keys and all.
    (root / "seeds" / "dump.txt").write_text(ZEBRA, encoding="utf-8")
    result = check(root)
    assert result.exit_code == 1
    assert [e.split(": error: ")[1][:28] for e in errors(result)] == [
        "unknown paper key 'another-p",
        "unknown paper key 'third-pap",
    ]


EVERY_COMMAND = (
    "check",
    "check --strict",
    "build",
    "build --clean",
    "build --out site",
    "serve --port 0",
    "annotate x --status read",
    "search x",
    "search x --json",
    "topics suggest",
    "deploy",
    "deploy --no-build",
)


@pytest.mark.parametrize("stray", [None, "seeds", "content"])
def test_an_empty_folder_is_not_a_project_and_nothing_is_written_there(
    tmp_path: Path, stray: str | None
) -> None:
    """Nor is a folder whose only ``seeds`` or ``content`` is a plain file (a note)."""
    if stray:
        (tmp_path / stray).write_text("not a folder\n", encoding="utf-8")
    before = sorted(tmp_path.iterdir())
    for command in EVERY_COMMAND:
        result = CliRunner().invoke(cli, ["-C", str(tmp_path), *command.split()])
        assert result.exit_code == 1, command
        (error,) = errors(result)
        assert error.startswith(f"{tmp_path}: error: not a sitegen project: no sitegen.yaml")
        assert "'sitegen init'" in error and "'sitegen -C PATH'" in error
        assert "Traceback" not in result.output
        assert sorted(tmp_path.iterdir()) == before, command  # no output, cache or lock


def test_a_project_folder_that_is_a_file_is_refused_and_left_as_it_was(tmp_path: Path) -> None:
    place = tmp_path / "notes.txt"
    place.write_text("mine\n", encoding="utf-8")
    fifo, nowhere, loop = tmp_path / "fifo", tmp_path / "nowhere", tmp_path / "loop"
    os.mkfifo(fifo)
    nowhere.symlink_to("gone")
    loop.symlink_to("loop")
    said = {
        place / "sub": "not a folder",
        fifo: "not a folder",
        nowhere: "a symbolic link to nothing",
        loop: "a symbolic link that leads back to itself",
        tmp_path / "new" / "site": "no such project folder (`sitegen init",
    }
    for project in (place, *said):
        for command in EVERY_COMMAND:
            result = CliRunner().invoke(cli, ["-C", str(project), *command.split()])
            assert result.exit_code in (1, 2), command
            assert str(project) in result.output and "Traceback" not in result.output
            if project in said:  # never told to `sitegen init` a file
                assert result.output.startswith(f"error: {project}: {said[project]}"), command
    assert sorted(tmp_path.iterdir()) == sorted([place, fifo, nowhere, loop])
    assert place.read_text(encoding="utf-8") == "mine\n"


def test_the_library_says_so_too(tmp_path: Path) -> None:
    from sitegen.catalog import load
    from sitegen.settings import load_settings

    settings, _ = load_settings(tmp_path)
    (problem,) = load(settings).problems
    assert "not a sitegen project" in problem.message


def test_a_folder_with_only_sitegen_yaml_says_seeds_are_missing(tmp_path: Path) -> None:
    (tmp_path / "sitegen.yaml").write_text("title: Mine\n", encoding="utf-8")
    result = build(tmp_path)
    assert result.exit_code == 1
    (error,) = errors(result)
    assert error.startswith(f"seeds: error: no seeds/ folder in {tmp_path}: the papers come from")
    assert not (tmp_path / "_site").exists()


def test_a_file_named_seeds_is_not_the_seeds_folder(make_project: Callable[..., Path]) -> None:
    root = make_project(NOTES)
    (root / "seeds").rmdir()
    (root / "seeds").write_text(ZEBRA, encoding="utf-8")
    result = check(root)
    assert result.exit_code == 1
    (error,) = errors(result)
    assert error.startswith(f"seeds: error: seeds is not a folder in {root}: the papers come")
