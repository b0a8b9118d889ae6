"""``sitegen annotate``: edits in place that keep every other byte of the file."""

from __future__ import annotations

import difflib
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from sitegen.annotation_edit import Change, EditError, edit_text
from sitegen.cli import cli

from .conftest import (
    ANNOTATED,
    DIFFUSION,
    HIDDEN,
    MIRAGE,
    TULU,
    annotated_project,
    run_annotate,
)


def changed_lines(before: str, after: str) -> tuple[list[str], list[str]]:
    """Lines removed from and added to a file; every other line must be byte-identical."""
    removed: list[str] = []
    added: list[str] = []
    matcher = difflib.SequenceMatcher(a=before.splitlines(True), b=after.splitlines(True))
    for tag, a0, a1, b0, b1 in matcher.get_opcodes():
        if tag != "equal":
            removed += matcher.a[a0:a1]
            added += matcher.b[b0:b1]
    assert "".join(after.splitlines(True)) == after  # nothing lost at the end
    return removed, added


def test_status_and_rating_change_only_their_lines(make_project: Callable[..., Path]) -> None:
    root = annotated_project(make_project)
    path = root / "content/annotations/reading.yaml"
    code, out, err = run_annotate(root, MIRAGE, "--status", "read", "--rating", "5")
    assert (code, err) == (0, "")
    assert out == f"content/annotations/reading.yaml:4: updated {MIRAGE} (status, rating)\n"
    removed, added = changed_lines(ANNOTATED, path.read_text(encoding="utf-8"))
    assert removed == ["  status: reading      # halfway through section 4\n", "  rating: 3\n"]
    assert added == ["  status: read         # halfway through section 4\n", "  rating: 5\n"]


def test_tags_are_added_to_flow_and_block_lists_without_duplicates(
    make_project: Callable[..., Path],
) -> None:
    root = annotated_project(make_project)
    path = root / "content/annotations/reading.yaml"
    assert run_annotate(root, MIRAGE, "--tag", "audio", "--tag", "lip sync", "--tag", "yes")[0] == 0
    assert run_annotate(root, DIFFUSION, "--tag", "diffusion", "--tag", "world-models")[0] == 0
    removed, added = changed_lines(ANNOTATED, path.read_text(encoding="utf-8"))
    assert removed == ['  tags: [audio, "talking heads"]   # quoted on purpose\n']
    assert added == [
        "  tags: [audio, \"talking heads\", lip sync, 'yes']   # quoted on purpose\n",
        "        - world-models\n",
    ]
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert data[MIRAGE]["tags"] == ["audio", "talking heads", "lip sync", "yes"]
    assert data[DIFFUSION]["tags"] == ["diffusion", "sequence-models", "world-models"]


def test_note_is_appended_to_the_literal_block(make_project: Callable[..., Path]) -> None:
    root = annotated_project(make_project)
    path = root / "content/annotations/reading.yaml"
    code, _, _ = run_annotate(root, MIRAGE, "--note", "Ablations in the appendix: *worth it*.")
    assert code == 0
    removed, added = changed_lines(ANNOTATED, path.read_text(encoding="utf-8"))
    assert removed == []
    assert added == ["\n", "    Ablations in the appendix: *worth it*.\n"]
    notes = yaml.safe_load(path.read_text(encoding="utf-8"))[MIRAGE]["notes"]
    assert notes == (
        "Section 3 is the interesting part.\n\n- the *audio encoder* is frozen\n\n"
        "Ablations in the appendix: *worth it*.\n"
    )


def test_new_fields_follow_the_entry_indentation(make_project: Callable[..., Path]) -> None:
    root = annotated_project(make_project)
    path = root / "content/annotations/reading.yaml"
    assert run_annotate(root, DIFFUSION, "--rating", "4", "--note", "Read with Tulu.")[0] == 0
    removed, added = changed_lines(ANNOTATED, path.read_text(encoding="utf-8"))
    assert removed == []
    assert added == ["    rating: 4\n", "    notes: |\n", "        Read with Tulu.\n"]
    assert "        page: 2\n    rating: 4\n" in path.read_text(encoding="utf-8")


def test_new_annotation_goes_to_the_default_file(make_project: Callable[..., Path]) -> None:
    root = annotated_project(make_project)
    before = (root / "content/annotations/reading.yaml").read_text(encoding="utf-8")
    code, out, _ = run_annotate(
        root, TULU, "--status", "queued", "--tag", "rlhf", "--note", "Recipe."
    )
    assert code == 0
    assert out == f"content/annotations/annotations.yaml:1: annotated {TULU}\n"
    assert (root / "content/annotations/reading.yaml").read_text(encoding="utf-8") == before
    assert (root / "content/annotations/annotations.yaml").read_text(encoding="utf-8") == (
        f"{TULU}:\n  status: queued\n  tags: [rlhf]\n  notes: |\n    Recipe.\n"
    )
    code, out, _ = run_annotate(root, TULU, "--rating", "2")
    assert out == f"content/annotations/annotations.yaml:1: updated {TULU} (rating)\n"
    check = CliRunner().invoke(cli, ["-C", str(root), "check"])
    assert check.exit_code == 0, check.stderr


def test_new_annotation_is_appended_to_a_chosen_file(make_project: Callable[..., Path]) -> None:
    root = annotated_project(make_project)
    path = root / "content/annotations/reading.yaml"
    code, out, _ = run_annotate(
        root, TULU, "--rating", "4", "--file", "content/annotations/reading.yaml"
    )
    assert code == 0
    line = len(ANNOTATED.splitlines()) + 2  # after a blank line
    assert out == f"content/annotations/reading.yaml:{line}: annotated {TULU}\n"
    assert path.read_text(encoding="utf-8") == ANNOTATED + f"\n{TULU}:\n  rating: 4\n"


def test_file_already_annotating_the_key_is_used(make_project: Callable[..., Path]) -> None:
    root = annotated_project(make_project)
    code, _, err = run_annotate(
        root, MIRAGE, "--rating", "4", "--file", "content/annotations/new.yaml"
    )
    assert code == 1
    assert "already annotated in content/annotations/reading.yaml" in err
    assert not (root / "content/annotations/new.yaml").exists()
    code, _, err = run_annotate(root, TULU, "--rating", "4", "--file", "notes.yaml")
    assert code == 1 and "not an annotation file" in err


def test_hidden_papers_can_be_annotated(make_project: Callable[..., Path]) -> None:
    root = annotated_project(make_project)
    path = root / "content/annotations/reading.yaml"
    assert run_annotate(root, HIDDEN, "--status", "dropped")[0] == 0
    removed, added = changed_lines(ANNOTATED, path.read_text(encoding="utf-8"))
    assert (removed, added) == ([], ["  status: dropped\n"])


def test_unknown_key_suggests_the_closest(make_project: Callable[..., Path]) -> None:
    root = annotated_project(make_project)
    code, out, err = run_annotate(root, "mirage-audio-to-video", "--status", "read")
    assert (code, out) == (1, "")
    assert err == f"error: unknown paper key 'mirage-audio-to-video'; did you mean {MIRAGE!r}?\n"
    code, _, err = run_annotate(root, "tulu", "--status", "read")
    assert code == 1 and repr(TULU) in err


@pytest.mark.parametrize(
    "args",
    [
        ["--rating", "6"],
        ["--rating", "0"],
        ["--rating", "four"],
        ["--status", "finished"],
    ],
)
def test_invalid_options_are_usage_errors(
    make_project: Callable[..., Path], args: list[str]
) -> None:
    root = annotated_project(make_project)
    code, _, err = run_annotate(root, MIRAGE, *args)
    assert code == 2
    assert "Invalid value" in err
    assert (root / "content/annotations/reading.yaml").read_text(encoding="utf-8") == ANNOTATED


def test_project_errors_are_listed_and_nothing_written(make_project: Callable[..., Path]) -> None:
    text = ANNOTATED.replace("topics: [video]", "topics: [videos]")
    root = annotated_project(make_project, text)
    path = root / "content/annotations/reading.yaml"
    code, _, err = run_annotate(root, MIRAGE, "--status", "read")
    assert code == 1
    assert err.startswith("content/annotations/reading.yaml:8: error: topics[0]: unknown topic")
    assert path.read_text(encoding="utf-8") == text


def test_warnings_are_shown_and_do_not_stop_the_edit(make_project: Callable[..., Path]) -> None:
    root = annotated_project(
        make_project, ANNOTATED.replace("  rating: 3\n", "  rating: 3\n  status_: typo\n")
    )
    code, _, err = run_annotate(root, MIRAGE, "--status", "read")
    assert code == 0
    assert "reading.yaml:7: warning: unknown field 'status_'; did you mean 'status'?" in err


def test_result_that_does_not_validate_is_never_written(
    make_project: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = annotated_project(make_project)
    path = root / "content/annotations/reading.yaml"
    monkeypatch.setattr(
        "sitegen.annotate.edit_text", lambda text, *_: text.replace("rating: 3", "rating: 9")
    )
    code, _, err = run_annotate(root, MIRAGE, "--rating", "4")
    assert code == 1
    assert "reading.yaml:6: error: rating: expected a whole number from 1 to 5" in err
    assert "error: content/annotations/reading.yaml left unchanged" in err
    assert path.read_text(encoding="utf-8") == ANNOTATED
    assert [p.name for p in path.parent.iterdir()] == ["reading.yaml"]


def test_yaml_syntax_error_is_reported_and_nothing_written(
    make_project: Callable[..., Path],
) -> None:
    root = annotated_project(make_project, None)
    path = root / "content/annotations/broken.yaml"
    path.write_text(f"{TULU}:\n  tags: [a, b\n", encoding="utf-8")
    code, _, err = run_annotate(root, TULU, "--status", "read")
    assert code == 1
    assert "content/annotations/broken.yaml:" in err
    assert path.read_text(encoding="utf-8") == f"{TULU}:\n  tags: [a, b\n"


def test_list_form_files_and_crlf_line_endings() -> None:
    text = f"- {MIRAGE}:\r\n    status: read\r\n- {TULU}:\r\n"
    new = edit_text(text, TULU, Change(status="queued", tags=("x",)))
    assert new == text + "    status: queued\r\n    tags: [x]\r\n"
    new = edit_text(text, DIFFUSION, Change(rating=2))
    assert new == text + f"\r\n- {DIFFUSION}:\r\n    rating: 2\r\n"


def test_flow_mapping_entry_is_rewritten_alone() -> None:
    text = f"# top\n{MIRAGE}: {{status: reading, rating: 2}}  # short\n{TULU}:\n  rating: 1\n"
    new = edit_text(text, MIRAGE, Change(status="read"))
    removed, added = changed_lines(text, new)
    assert removed == [f"{MIRAGE}: {{status: reading, rating: 2}}  # short\n"]
    (line,) = added
    assert line.startswith(f"{MIRAGE}: {{status: read, rating: 2}}") and line.endswith("# short\n")


def test_plain_notes_become_a_literal_block() -> None:
    text = f"{MIRAGE}:\n  notes: First thought.\n  rating: 2\n"
    new = edit_text(text, MIRAGE, Change(note="Second thought.\nWith a line break."))
    assert new == (
        f"{MIRAGE}:\n  notes: |\n    First thought.\n\n    Second thought.\n"
        "    With a line break.\n  rating: 2\n"
    )


def test_entry_that_is_not_a_mapping_is_an_error() -> None:
    with pytest.raises(EditError) as caught:
        edit_text(f"{MIRAGE}: just text\n", MIRAGE, Change(status="read"))
    assert caught.value.line == 1
    assert caught.value.message == (
        f"the annotation of {MIRAGE!r} is not a mapping of fields; fix it by hand"
    )


FIELD_TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=30)


@settings(max_examples=100, deadline=None)
@given(
    status=st.sampled_from(["read", "queued", None]),
    rating=st.one_of(st.none(), st.integers(1, 5)),
    tags=st.lists(FIELD_TEXT.filter(str.strip), max_size=3),
    note=st.one_of(st.none(), FIELD_TEXT.filter(str.strip)),
)
def test_any_change_reads_back_as_asked(
    status: str | None, rating: int | None, tags: list[str], note: str | None
) -> None:
    change = Change(status=status, rating=rating, tags=tuple(tags), note=note)
    try:
        new = edit_text(ANNOTATED, MIRAGE, change)
    except EditError as exc:  # refusing is allowed; damaging the file is not
        assert "edit it by hand" in exc.message
        return
    data = yaml.safe_load(new)
    original = yaml.safe_load(ANNOTATED)
    assert data[DIFFUSION] == original[DIFFUSION] and data[HIDDEN] == original[HIDDEN]
    fields = data[MIRAGE]
    assert fields["status"] == (status or "reading")
    assert fields["rating"] == (rating or 3)
    assert fields["tags"][:2] == ["audio", "talking heads"]
    assert set(tags) <= set(fields["tags"])
    assert fields["summary"] == original[MIRAGE]["summary"]
    if note is not None:
        assert fields["notes"].rstrip("\n").endswith(note.strip("\n"))


@settings(max_examples=100, deadline=None)
@given(
    text=st.sampled_from([ANNOTATED, "", "# only a comment", f"- {MIRAGE}:\n    rating: 2\n"]),
    tags=st.lists(FIELD_TEXT.filter(str.strip), max_size=3),
    note=st.one_of(st.none(), FIELD_TEXT.filter(str.strip)),
)
def test_new_entry_is_appended_after_untouched_text(
    text: str, tags: list[str], note: str | None
) -> None:
    try:
        new = edit_text(text, TULU, Change(status="queued", tags=tuple(tags), note=note))
    except EditError as exc:
        assert "by hand" in exc.message
        return
    assert new.startswith(text)
    data = yaml.safe_load(new)
    fields = data[TULU] if isinstance(data, dict) else data[-1][TULU]
    assert fields["status"] == "queued"
    assert fields.get("tags", []) == list(dict.fromkeys(tags))
