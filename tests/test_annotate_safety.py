"""``sitegen annotate`` never loses an edit: concurrent runs, hand edits, unusual files."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

import sitegen.annotate
from sitegen.cli import cli
from sitegen.settings import load_settings

from .conftest import (
    ANNOTATED,
    DIFFUSION,
    MIRAGE,
    TULU,
    annotated_project,
    build_into,
    run_annotate,
)

READING = "content/annotations/reading.yaml"


def test_concurrent_annotate_runs_all_keep_their_edits(
    make_project: Callable[..., Path],
) -> None:
    root = annotated_project(make_project)
    runs = [
        subprocess.Popen(
            [sys.executable, "-m", "sitegen", "-C", str(root), "annotate", key, "--tag", tag],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])},
        )
        for number in range(8)
        for key, tag in [((MIRAGE, DIFFUSION, TULU)[number % 3], f"concurrent-{number}")]
    ]
    for process in runs:
        _, err = process.communicate(timeout=300)
        assert process.returncode == 0, err.decode()
    data: dict[str, Any] = {}
    for path in (root / "content" / "annotations").glob("*.yaml"):
        data.update(yaml.safe_load(path.read_text()))
    tags = {tag for entry in data.values() for tag in (entry or {}).get("tags") or []}
    assert {f"concurrent-{number}" for number in range(8)} <= tags


def test_a_hand_edit_saved_while_annotating_is_kept(
    make_project: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = annotated_project(make_project)
    path = root / READING
    validate = sitegen.annotate._validate
    saved: list[bool] = []

    def editor_saves_meanwhile(*args: Any) -> Any:
        if not saved:  # the reader saves the file in an editor, which takes no lock
            saved.append(True)
            path.write_text(path.read_text().replace("rating: 3", "rating: 5"))
        return validate(*args)

    monkeypatch.setattr(sitegen.annotate, "_validate", editor_saves_meanwhile)
    code, _, err = run_annotate(root, MIRAGE, "--status", "read")
    assert code == 0, err
    entry = yaml.safe_load(path.read_text())[MIRAGE]
    assert (entry["status"], entry["rating"]) == ("read", 5)


def test_annotate_refuses_rather_than_lose_a_file_that_keeps_changing(
    make_project: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = annotated_project(make_project)
    path = root / READING
    validate = sitegen.annotate._validate
    saves = iter(range(1000))

    def editor_keeps_saving(*args: Any) -> Any:
        path.write_text(path.read_text() + f"# save {next(saves)}\n")
        return validate(*args)

    monkeypatch.setattr(sitegen.annotate, "_validate", editor_keeps_saving)
    code, _, err = run_annotate(root, MIRAGE, "--status", "read")
    assert code == 1
    assert "kept changing" in err and "nothing was written" in err
    assert yaml.safe_load(path.read_text())[MIRAGE]["status"] == "reading"


def test_entry_using_a_merge_key(make_project: Callable[..., Path]) -> None:
    notes = (
        f"{DIFFUSION}: &base\n  status: read\n  rating: 4\n{MIRAGE}:\n  <<: *base\n  tags: [x]\n"
    )
    root = annotated_project(make_project, notes)
    code, _, err = run_annotate(root, MIRAGE, "--status", "queued", "--note", "Merged.")
    assert code == 0, err
    data = yaml.safe_load((root / READING).read_text())
    assert data[MIRAGE] == {"status": "queued", "rating": 4, "tags": ["x"], "notes": "Merged.\n"}
    assert data[DIFFUSION] == {"status": "read", "rating": 4}


def test_tab_after_a_colon_that_check_accepts(make_project: Callable[..., Path]) -> None:
    notes = f"{MIRAGE}:\n  status:\treading\n  rating:\t3  # tabs\n"
    root = annotated_project(make_project, notes)
    code, _, err = run_annotate(root, MIRAGE, "--rating", "4")
    assert code == 0, err
    assert (root / READING).read_text() == f"{MIRAGE}:\n  status:\treading\n  rating:\t4  # tabs\n"


def test_cr_only_files_keep_their_line_endings(make_project: Callable[..., Path]) -> None:
    root = annotated_project(make_project, None)
    path = root / READING
    path.write_bytes(f"# old Mac file\r{MIRAGE}:\r  status: reading\r".encode())
    code, _, err = run_annotate(root, MIRAGE, "--tag", "audio", "--note", "Two\n\nparagraphs.")
    assert code == 0, err
    written = path.read_bytes()
    assert b"\n" not in written
    assert yaml.safe_load(written.decode().replace("\r", "\n"))[MIRAGE]["tags"] == ["audio"]


@pytest.mark.parametrize(("option", "value"), [("--note", "bell\x07here"), ("--tag", "a\x1bb")])
def test_control_characters_in_options_blame_the_option(
    make_project: Callable[..., Path], option: str, value: str
) -> None:
    root = annotated_project(make_project)
    code, _, err = run_annotate(root, MIRAGE, option, value)
    assert code == 1
    assert f"{option} holds a control character" in err and "fix it first" not in err
    assert (root / READING).read_text() == ANNOTATED


def test_field_spelled_with_a_look_alike_letter_is_an_error(
    make_project: Callable[..., Path],
) -> None:
    root = annotated_project(make_project, f"{MIRAGE}:\n  st\u0430tus: read\n")
    result = CliRunner().invoke(cli, ["-C", str(root), "check"])
    assert result.exit_code == 1
    assert (
        f"{READING}:2: error: field 'st\u0430tus' is spelled with a look-alike letter "
        "'\u0430' (cyrillic small letter a), so it is not 'status'"
    ) in result.stderr


def test_control_characters_written_as_yaml_escapes_never_reach_papers_bib(
    make_project: Callable[..., Path], tmp_path: Path
) -> None:
    root = annotated_project(make_project, f'{MIRAGE}:\n  notes: "ring\\a the \\x1b[31mbell"\n')
    (root / "sitegen.yaml").write_text("export_notes: true\n")
    bib = (build_into(load_settings(root)[0], tmp_path / "out") / "papers.bib").read_text()
    assert "annote = {ring the [31mbell}" in bib
    assert not any(ord(char) < 32 and char not in "\n" for char in bib)


def test_a_huge_abstract_is_a_warning_naming_its_line(make_project: Callable[..., Path]) -> None:
    huge = "Abstract:We present " + "a very long abstract " * 6_000 + "\n"
    root = make_project({"seeds/000_dump.txt": "Abstract:A short one about video.\n" + huge})
    result = CliRunner().invoke(cli, ["-C", str(root), "check"])
    assert result.exit_code == 0, result.stderr
    assert "seeds/000_dump.txt:2: warning: abstract of 126,010 characters" in result.stderr


def test_a_full_disk_is_one_line_and_the_file_is_unchanged(
    make_project: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = annotated_project(make_project)

    def full(self: Path, data: bytes) -> int:
        raise OSError(28, "No space left on device", str(self))

    monkeypatch.setattr(Path, "write_bytes", full)
    code, _, err = run_annotate(root, MIRAGE, "--status", "read")
    assert code == 1
    assert err.splitlines() == [
        f"error: content/annotations/.reading.yaml.{os.getpid()}.tmp: No space left on device; "
        "nothing was changed (free some space or make the project writable, then run again)"
    ]
    assert (root / READING).read_text() == ANNOTATED
