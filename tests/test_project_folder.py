"""Run in the wrong folder, or in a project without its seeds: one clear error, exit 1."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

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


def test_an_empty_folder_is_not_a_project_and_nothing_is_written_there(tmp_path: Path) -> None:
    for command in ("check", "build", "serve", "annotate x --status read", "search x"):
        result = CliRunner().invoke(cli, ["-C", str(tmp_path), *command.split()])
        assert result.exit_code == 1, command
        (error,) = errors(result)
        assert error.startswith(f"{tmp_path}: error: not a sitegen project: no sitegen.yaml")
        assert "'sitegen init'" in error and "'sitegen -C PATH'" in error
        assert "Traceback" not in result.output
    assert list(tmp_path.iterdir()) == []  # no output, no cache, no lock in the wrong folder


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
