"""An unknown key in sitegen.yaml is a warning at its line, and `--strict` makes it an error."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from click.testing import CliRunner

from sitegen.cli import cli

from .conftest import ZEBRA, build

TYPO = "title: Mine\ntitel: Mine too\n"
WARNING = "sitegen.yaml:2: warning: unknown setting 'titel'; did you mean 'title'?"


def test_an_unknown_setting_is_a_warning_naming_the_file_and_line(
    make_project: Callable[..., Path],
) -> None:
    root = make_project({"sitegen.yaml": TYPO, "seeds/z.txt": ZEBRA})
    result = build(root)
    assert result.exit_code == 0, result.output
    assert WARNING in result.output
    assert (root / "_site" / "index.html").is_file()


def test_strict_makes_an_unknown_setting_an_error(make_project: Callable[..., Path]) -> None:
    root = make_project({"sitegen.yaml": TYPO, "seeds/z.txt": ZEBRA})
    checked = CliRunner().invoke(cli, ["-C", str(root), "check", "--strict"])
    assert checked.exit_code == 1, checked.output
    assert WARNING in checked.output
    built = build(root, "--strict")
    assert built.exit_code == 1, built.output
    assert WARNING in built.output
    assert not (root / "_site").exists()
