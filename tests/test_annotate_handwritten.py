"""``sitegen annotate`` on annotation files written the way people write YAML by hand.

Each case asserts the bytes a reader finds in the file afterwards, or the message and
the untouched file when the edit is refused.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from sitegen.annotation_edit import Change, EditError, edit_text

from .conftest import DIFFUSION, MIRAGE, TULU, annotated_project, run_annotate

READING = "content/annotations/reading.yaml"


def test_tabs_libyaml_accepts_around_values_are_kept() -> None:
    text = f"{MIRAGE}:\t# tab before a comment\n  status: queued\t# tab\n  summary: a\tb\t\n"
    new = edit_text(text, MIRAGE, Change(status="read", rating=4))
    assert new == (
        f"{MIRAGE}:\t# tab before a comment\n  status: read\t# tab\n  summary: a\tb\t\n"
        "  rating: 4\n"
    )


@pytest.mark.parametrize(
    ("before", "change", "after"),
    [
        ("  tags:   # none yet\n", Change(tags=("yes",)), "  tags: ['yes']   # none yet\n"),
        ("  tags: solo  # only one\n", Change(tags=("b",)), "  tags: [solo, b]  # only one\n"),
        (
            "  notes: one line   # first thought\n",
            Change(note="More."),
            "  notes: |   # first thought\n    one line\n\n    More.\n",
        ),
        (
            '  notes: "quoted: one"  # dq\n',
            Change(note="- a list item"),
            "  notes: |  # dq\n    quoted: one\n\n    - a list item\n",
        ),
        ("  status: !!str queued  # why\n", Change(status="read"), "  status: read  # why\n"),
    ],
)
def test_a_rewritten_field_keeps_the_comment_on_its_line(
    before: str, change: Change, after: str
) -> None:
    text = f"# top\n{MIRAGE}:\n{before}  rating: 2\n{DIFFUSION}:\n  rating: 1\n"
    assert edit_text(text, MIRAGE, change) == text.replace(before, after)


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("  tags: [a,\n    b]  # two lines\n", "  tags: [a,\n    b, c]  # two lines\n"),
        (
            "  tags: [\n    a,  # first\n    b,\n  ]\n",
            "  tags: [\n    a,  # first\n    b, c,\n  ]\n",
        ),
        ("  tags: [a, b, ]\n", "  tags: [a, b, c, ]\n"),
        ("  tags: [it's, b]\n", "  tags: [it's, b, c]\n"),
        ("  tags: &shared [a]\n", "  tags: &shared [a, c]\n"),
    ],
)
def test_a_tag_joins_a_flow_list_however_it_is_laid_out(before: str, after: str) -> None:
    text = f"{MIRAGE}:\n{before}  rating: 2\n"
    assert edit_text(text, MIRAGE, Change(tags=("c",))) == text.replace(before, after)


def test_a_tag_sitegen_reads_as_text_is_not_added_twice() -> None:
    # YAML 1.2 (ruamel.yaml) reads 0o17 as 15; `sitegen check` (YAML 1.1) reads the text.
    text = f"{MIRAGE}:\n  tags: [0o17, 1e3]\n"
    assert edit_text(text, MIRAGE, Change(tags=("0o17", "1e3"))) == text


def test_a_note_joins_a_block_with_an_indentation_indicator() -> None:
    text = f"{MIRAGE}:\n  notes: |2-  # code first\n      indented code\n    text\n  rating: 2\n"
    new = edit_text(text, MIRAGE, Change(note="More."))
    assert new == text.replace("    text\n", "    text\n\n    More.\n")
    assert yaml.safe_load(new)[MIRAGE]["notes"] == "  indented code\ntext\n\nMore."


def test_list_form_flow_entry_keeps_its_dash_and_indentation() -> None:
    text = f"# list\n- {MIRAGE}: {{rating: 2}}\n-   {TULU}: {{rating: 3}}\n"
    new = edit_text(text, TULU, Change(status="read", note="Two\nlines."))
    assert new == (
        f"# list\n- {MIRAGE}: {{rating: 2}}\n-   {TULU}:\n"
        "      rating: 3\n      status: read\n      notes: |\n        Two\n        lines.\n"
    )


def test_fields_a_merge_key_brings_are_overridden_in_the_entry() -> None:
    text = (
        f"{DIFFUSION}: &base\n  status: queued\n  tags: [shared]\n"
        f"{MIRAGE}:\n  <<: *base   # same as above\n  rating: 3\n"
    )
    new = edit_text(text, MIRAGE, Change(status="read", tags=("own",)))
    assert new == text + "  status: read\n  tags: [shared, own]\n"


def test_changing_an_entry_other_entries_alias_is_refused(
    make_project: Callable[..., Path],
) -> None:
    text = f"{DIFFUSION}: &base\n  status: queued\n{MIRAGE}:\n  <<: *base\n  rating: 3\n"
    root = annotated_project(make_project, text)
    code, _, err = run_annotate(root, DIFFUSION, "--status", "read")
    assert code == 1
    assert err == (
        f"{READING}:1: error: the annotation of {DIFFUSION!r} is shared through the anchor "
        "&base with line 4: changing it would change both; edit it by hand\n"
    )
    assert (root / READING).read_text() == text


def test_an_entry_that_is_an_alias_is_refused(make_project: Callable[..., Path]) -> None:
    text = f"{DIFFUSION}: &same\n  status: queued\n{MIRAGE}: *same\n"
    root = annotated_project(make_project, text)
    code, _, err = run_annotate(root, MIRAGE, "--status", "read")
    assert code == 1
    assert err == (
        f"{READING}:3: error: the annotation of {MIRAGE!r} is an alias (*same) of another "
        "paper's: changing it would change both; edit it by hand\n"
    )
    assert (root / READING).read_text() == text


def test_edits_and_new_entries_stay_inside_an_explicit_document_end() -> None:
    text = f"%YAML 1.1\n--- # start\n{MIRAGE}:\n  status: queued\n...\n# after the end\n"
    new = edit_text(text, MIRAGE, Change(rating=4))
    assert new == text.replace("queued\n", "queued\n  rating: 4\n")
    new = edit_text(new, TULU, Change(status="read"))
    assert new.endswith(f"  rating: 4\n\n{TULU}:\n  status: read\n...\n# after the end\n")


def test_a_file_written_as_one_flow_mapping_is_refused_with_its_reason() -> None:
    with pytest.raises(EditError) as caught:
        edit_text(f"{{{MIRAGE}: {{status: read}}}}\n", TULU, Change(status="read"))
    assert caught.value.line == 1
    assert caught.value.message.startswith("the file is written as one `{...}`; add ")


def test_a_symbolic_link_stays_a_link_to_the_edited_file(
    make_project: Callable[..., Path], tmp_path: Path
) -> None:
    root = annotated_project(make_project, None)
    real = tmp_path / "dotfiles" / "reading.yaml"
    real.parent.mkdir()
    real.write_text(f"{MIRAGE}:\n  status: queued\n")
    (root / READING).symlink_to(real)
    code, out, err = run_annotate(root, MIRAGE, "--status", "read")
    assert (code, err) == (0, "")
    assert out == f"{READING}:1: updated {MIRAGE} (status)\n"
    assert (root / READING).is_symlink()
    assert real.read_text() == f"{MIRAGE}:\n  status: read\n"


def test_a_read_only_file_is_refused(make_project: Callable[..., Path]) -> None:
    text = f"{MIRAGE}:\n  status: queued\n"
    root = annotated_project(make_project, text)
    (root / READING).chmod(0o444)
    code, _, err = run_annotate(root, MIRAGE, "--status", "read")
    assert code == 1
    assert err == f"error: {READING} is read-only; nothing was changed (make it writable first)\n"
    assert (root / READING).read_text() == text


def test_a_line_separator_in_a_note_blames_the_option(make_project: Callable[..., Path]) -> None:
    root = annotated_project(make_project)
    before = (root / READING).read_bytes()
    code, _, err = run_annotate(root, MIRAGE, "--note", "pasted\u2028text")
    assert code == 1
    assert err == (
        "error: --note holds a Unicode line separator (U+2028), which YAML reads as a line "
        "break; remove it and run again\n"
    )
    assert (root / READING).read_bytes() == before


def test_annotate_killed_before_its_replace_leaves_the_file_and_no_litter(
    make_project: Callable[..., Path],
) -> None:
    root = annotated_project(make_project)
    path = root / READING
    before = path.read_bytes()
    killed = (
        "import os, signal, sys\n"
        "os.replace = lambda *args: os.kill(os.getpid(), signal.SIGKILL)\n"
        "from sitegen.cli import cli\n"
        "cli(sys.argv[1:])\n"
    )
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    args = ["-C", str(root), "annotate", MIRAGE, "--status", "read"]
    run = subprocess.run([sys.executable, "-c", killed, *args], env=env, timeout=300)
    assert run.returncode == -signal.SIGKILL
    assert path.read_bytes() == before
    assert [p.name for p in path.parent.iterdir() if p.name.endswith(".tmp")] != []
    assert run_annotate(root, MIRAGE, "--status", "read")[0] == 0
    assert sorted(p.name for p in path.parent.iterdir()) == ["reading.yaml"]
    assert yaml.safe_load(path.read_text())[MIRAGE]["status"] == "read"


def test_a_note_starting_with_spaces_in_a_four_space_entry() -> None:
    text = f"{MIRAGE}:\n    status: read\n    tags:\n        - audio\n"
    new = edit_text(text, MIRAGE, Change(note="    code first\nthen text"))
    assert new == text + "    notes: |4\n            code first\n        then text\n"
    assert yaml.safe_load(new)[MIRAGE]["notes"] == "    code first\nthen text\n"


def test_a_save_while_the_new_bytes_reach_the_disk_is_kept(
    make_project: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = annotated_project(make_project, f"{MIRAGE}:\n  status: queued\n  rating: 2\n")
    path = root / READING
    fsync = os.fsync
    saved: list[bool] = []

    def editor_saves_meanwhile(fd: int) -> None:
        if not saved:  # an editor saves while annotate waits for the disk
            saved.append(True)
            path.write_text(path.read_text().replace("rating: 2", "rating: 5"))
        fsync(fd)

    monkeypatch.setattr(os, "fsync", editor_saves_meanwhile)
    code, _, err = run_annotate(root, MIRAGE, "--status", "read")
    assert (code, err) == (0, "")
    assert path.read_text() == f"{MIRAGE}:\n  status: read\n  rating: 5\n"


def test_a_note_with_windows_line_endings_is_written_with_the_files(
    make_project: Callable[..., Path],
) -> None:
    root = annotated_project(make_project, f"{MIRAGE}:\r\n  status: queued\r\n")
    code, _, err = run_annotate(root, MIRAGE, "--note", "Pasted\r\nfrom Windows.")
    assert (code, err) == (0, "")
    assert (root / READING).read_bytes() == (
        f"{MIRAGE}:\r\n  status: queued\r\n  notes: |\r\n    Pasted\r\n    from Windows.\r\n"
    ).encode()


def test_an_edit_that_would_drop_a_comment_is_refused(make_project: Callable[..., Path]) -> None:
    text = f"{MIRAGE}: {{   # read twice\n  status: queued,  # for Thursday\n  rating: 2\n}}\n"
    root = annotated_project(make_project, text)
    code, _, err = run_annotate(root, MIRAGE, "--status", "read")
    assert code == 1
    assert err == (
        f"{READING}:1: error: could not change {MIRAGE!r} without losing one of its comments; "
        "edit it by hand\n"
    )
    assert (root / READING).read_text() == text
