"""sitegen.yaml: an unknown key is a warning at its line (`--strict`: an error); the README
and the starter name every setting, and the README every annotation field."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from pathlib import Path

from click.testing import CliRunner

from sitegen.cli import cli
from sitegen.settings import Settings

from .conftest import REPO, ZEBRA, build

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


def documented_keys(yaml_text: str) -> set[str]:
    """The settings a sample sitegen.yaml names, set or commented out (``# domain: ...``)."""
    return set(re.findall(r"^(?:# )?([a-z_]+):", yaml_text, re.MULTILINE))


def test_the_readme_and_the_starter_name_every_setting_sitegen_reads() -> None:
    accepted = {field.name for field in dataclasses.fields(Settings)} - {"root"}
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    block = readme.split("### `sitegen.yaml`", 1)[1].split("```yaml\n", 1)[1].split("```", 1)[0]
    assert documented_keys(block) == accepted
    starter = (REPO / "sitegen" / "starter" / "sitegen.yaml").read_text(encoding="utf-8")
    assert documented_keys(starter) == accepted


def test_build_help_names_the_output_setting() -> None:
    result = CliRunner().invoke(cli, ["build", "--help"])
    assert "output_dir" in result.output


def test_the_readme_names_every_annotation_field() -> None:
    from sitegen.catalog.annotation_fields import ANNOTATION_FIELDS

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Annotations", 1)[1].split("\n### ", 1)[0]
    named = set(re.findall(r"^  ([a-z_]+):", section, re.MULTILINE))  # the example
    named |= set(re.findall(r"`([a-z_]+)(?:`|: )", section))
    assert set(ANNOTATION_FIELDS) <= named
