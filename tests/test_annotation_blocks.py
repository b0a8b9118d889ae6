"""Annotation files read block by block (``AnnotationMemo``): the same result as a whole parse.

``sitegen serve`` keeps an ``AnnotationMemo`` between builds, so editing one paper's
entry in a file of hundreds parses that entry alone. Every case here reads a file
through a warm memo after an edit and compares it with a fresh whole-file parse.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sitegen.annotations
import sitegen.yamlfile
from sitegen.annotations import (
    AnnotationFile,
    AnnotationMemo,
    load_annotations,
    read_annotation_file,
)
from sitegen.cache import StageCache
from sitegen.catalog.stages import load_notes

MIRAGE = "mirage-an-audio-to-video-foundation-model"
TULU = "tulu-3-pushing-frontiers-in-open-language-model-post-training"
QSTAR = "q-star-search-for-reasoning"
FORCING = "diffusion-forcing-next-token-prediction"
KEYS = [MIRAGE, TULU, QSTAR, FORCING]
TOPICS = ["video-generation", "post-training", "reasoning", "rlhf"]
DISPLAY = "content/annotations/a.yaml"

BASE = f"""\
# Reading notes

{MIRAGE}:
  status: read
  rating: 4
  tags: [audio, video]

{TULU}:
  status: reading
  summary: Post-training recipe.
  notes: |
    Long notes
    over two lines.

{QSTAR}:
  status: queued
  topics: [reasoning]
  related: [{MIRAGE}]
"""


def _edit(old: str, new: str, text: str = BASE) -> str:
    assert old in text
    return text.replace(old, new, 1)


ANCHORED = _edit("rating: 4", "summary: &s Audio")

# (name, file text after the edit, whether the blocks settle it without a whole parse)
CASES: list[tuple[str, str, bool]] = [
    ("a status edited", _edit("status: reading", "status: read"), True),
    ("a bad value", _edit("rating: 4", "rating: 9"), True),
    ("an unknown field", _edit("status: queued", "statuss: queued"), True),
    ("an unknown topic and related key", _edit("[reasoning]", "[reasonin, -rlhf, video]"), True),
    ("an unknown paper key", _edit(f"{QSTAR}:", "q-star-search:"), True),
    ("an entry without fields", BASE + f"\n{FORCING}:\n", True),
    ("fields that are a list", BASE + f"\n{FORCING}:\n  - read\n", True),
    ("a comment after the key", _edit(f"{TULU}:", f"{TULU}:   # the recipe"), True),
    ("the comment before the first key", _edit("# Reading notes", "# Notes, 2024\n#"), True),
    ("comments between blocks", _edit("\n\n", "\n# read later\n  # indented\n\n", BASE), True),
    ("a column-0 comment ends the notes", _edit("over two lines.\n", "over two\n# c\n"), True),
    ("an alias within one entry", _edit("rating: 4", "summary: &s Audio\n  notes: *s"), True),
    ("a line added: later entries move", _edit("rating: 4", "rating: 44\n  venue: X"), True),
    ("a line removed: later entries move", _edit("  rating: 4\n", ""), True),
    ("no newline at the end", BASE.rstrip("\n"), True),
    ("Windows line ends", BASE.replace("\n", "\r\n"), True),
    ("a byte-order mark", "\ufeff" + BASE, True),
    ("a key twice", BASE + f"\n{MIRAGE}:\n  status: dropped\n", False),
    ("an alias to another entry", _edit("topics:", "summary: *s\n  topics:", ANCHORED), False),
    ("one anchor name in two entries", _edit("status: queued", "summary: &s Q", ANCHORED), False),
    ("a syntax error in one entry", _edit("[audio, video]", "[audio, video"), False),
    ("a field twice in one entry", _edit("rating: 4", "rating: 4\n  rating: 5"), False),
    (
        "quoted text across a column-0 key",
        _edit("summary: Post", f'summary: "x\n{QSTAR}:\n y'),
        False,
    ),
    ("a flow list across column 0", _edit("[audio, video]", "[audio,\nvideo]"), False),
    ("a tab-indented line", _edit("  rating: 4", "\trating: 4"), False),
    ("the list form", f"- {MIRAGE}:\n    status: read\n- {TULU}:\n    status: queued\n", False),
    ("a document marker", "---\n" + BASE, False),
    ("a document end marker", BASE + "...\n", False),
    ("a directive", "%YAML 1.1\n---\n" + BASE, False),
    ("key and fields on one line", BASE + f"{FORCING}: {{status: read}}\n", False),
    ("a tab line before the first key", "\t\n" + BASE, False),
    ("an indented line before the first key", "  x: 1\n" + BASE, False),
    ("a key that is not text", BASE + "true:\n  status: read\n2024:\n  status: read\n", False),
    ("a lone CR", _edit("rating: 4\n", "rating: 4\r"), False),
    ("a Unicode line separator", _edit("Post-training", "Post\u2028training"), False),
    ("an empty file", "", False),
    ("comments only", "# nothing yet\n", False),
    ("a scalar file", "just text\n", False),
]


@pytest.fixture
def annotation_path(tmp_path: Path) -> Path:
    path = tmp_path / "content" / "annotations" / "a.yaml"
    path.parent.mkdir(parents=True)
    return path


def _whole_parses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record the text of each whole-file parse from now on."""
    seen: list[str] = []
    whole: Callable[..., AnnotationFile] = sitegen.annotations._parse_file

    def spy(text: str, *args: Any) -> AnnotationFile:
        seen.append(text)
        return whole(text, *args)

    monkeypatch.setattr(sitegen.annotations, "_parse_file", spy)
    return seen


def _yaml_parses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record the text of each YAML parse of an annotation file or block from now on."""
    seen: list[str] = []
    parse = sitegen.annotations.parse_yaml

    def spy(text: str, display: str) -> Any:
        seen.append(text)
        return parse(text, display)

    monkeypatch.setattr(sitegen.annotations, "parse_yaml", spy)
    return seen


def _read(memo: AnnotationMemo, path: Path, text: str) -> tuple[AnnotationFile, AnnotationFile]:
    """The file read through ``memo`` and read afresh."""
    path.write_bytes(text.encode())
    root = path.parents[2]
    return memo.read(path, root), read_annotation_file(path, root, KEYS, TOPICS)


@pytest.mark.parametrize(
    ("text", "blocks"), [case[1:] for case in CASES], ids=[c[0] for c in CASES]
)
def test_warm_memo_after_an_edit_equals_a_fresh_parse(
    annotation_path: Path, monkeypatch: pytest.MonkeyPatch, text: str, blocks: bool
) -> None:
    memo = AnnotationMemo.for_names(KEYS, TOPICS)
    _read(memo, annotation_path, BASE)
    whole = _whole_parses(monkeypatch)
    annotation_path.write_bytes(text.encode())
    edited = memo.read(annotation_path, annotation_path.parents[2])
    assert (whole == []) == blocks
    assert edited == read_annotation_file(annotation_path, annotation_path.parents[2], KEYS, TOPICS)
    # and back: blocks kept through a read that fell back still give the right result
    again, fresh = _read(memo, annotation_path, BASE)
    assert again == fresh


def test_messages_name_the_file_and_line_as_a_whole_parse_does(annotation_path: Path) -> None:
    memo = AnnotationMemo.for_names(KEYS, TOPICS)
    _read(memo, annotation_path, BASE)
    edited, _ = _read(memo, annotation_path, _edit("rating: 4", "venue: X\n  rating: 9", BASE))
    shown = [str(problem) for entry in edited.entries for problem in entry.problems]
    assert shown == [
        f"{DISPLAY}:6: error: rating: expected a whole number from 1 to 5, got the number 9"
    ]
    assert [entry.line for entry in edited.entries] == [3, 9, 16]
    annotation = edited.entries[2].annotation
    assert annotation is not None and str(annotation.ref) == f"{DISPLAY}:16"


def test_one_entry_edited_is_the_only_one_parsed_again(
    annotation_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    entries = "".join(f"paper-{n}:\n  status: read\n  rating: {n % 5 + 1}\n\n" for n in range(50))
    keys = [f"paper-{n}" for n in range(50)]
    memo = AnnotationMemo.for_names(keys, TOPICS)
    parsed = _yaml_parses(monkeypatch)
    annotation_path.write_text(entries)
    root = annotation_path.parents[2]
    first = memo.read(annotation_path, root)
    assert len(parsed) == 50
    parsed.clear()
    annotation_path.write_text(
        entries.replace("status: read\n  rating: 3", "status: queued\n  rating: 3", 1)
    )
    edited = memo.read(annotation_path, root)
    assert [text.lstrip("\n") for text in parsed] == ["paper-2:\n  status: queued\n  rating: 3\n\n"]
    assert parsed[0].startswith("\n" * 8 + "paper-2")  # at its line in the file
    assert edited == read_annotation_file(annotation_path, root, keys, TOPICS)
    assert edited != first
    unchanged = [a for a, b in zip(first.entries, edited.entries) if a is b]
    assert len(unchanged) == 49  # the very objects of the last read


def test_more_values_than_a_file_may_hold_is_a_whole_parse(
    annotation_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Each block alone holds fewer values than the limit; together they hold more.
    monkeypatch.setattr(sitegen.yamlfile, "MAX_NODES", 12)
    monkeypatch.setattr(sitegen.annotations, "MAX_NODES", 12)
    memo = AnnotationMemo.for_names(KEYS, TOPICS)
    edited, fresh = _read(memo, annotation_path, BASE)
    assert edited == fresh
    assert [str(p) for p in edited.problems] == [
        f"{DISPLAY}:16: error: document expands to more than 12 values (alias bomb?)"
    ]


_KEY_LINES = [
    *(f"{key}:" for key in (MIRAGE, TULU, QSTAR, FORCING, "unknown-paper")),
    f"{MIRAGE}:  # a comment", "true:", "12:", f"- {TULU}:", "---", f"{QSTAR}: {{}}",
]  # fmt: skip
_FIELDS = [
    *(f"  status: {status}" for status in ("read", "queued", "bogus")),
    "  rating: 3", "  rating: 9", "  tags: [a, b]", "  statu: read", "  summary: &s Text",
    "  notes: |\n    line one\n\n    line two", "  topics: [reasoning, -rlhf]",
    f"  related: [{QSTAR}, nope]", "  read_on: 2024-02-03", "  quotes:\n    - text: Q\n    - 7",
    "", "# comment", "  # indented comment",
]  # fmt: skip
"""Fields (and blank and comment lines) as an entry may hold them."""
_ODD_FIELDS = [
    "  notes: *s",
    "  read_on: 2024-02-30",
    "  tags: [a,\nb]",
    '  venue: "two\n  lines"',
    "\tstatus: read",
    "  status: a\r",
]
_PAPER_KEYS = [*KEYS, *(f"paper-{n}" for n in range(8))]
_blocks = st.tuples(
    st.sampled_from([f"{key}:" for key in _PAPER_KEYS] * 5 + _KEY_LINES),  # mostly plain keys
    st.lists(
        st.sampled_from(_FIELDS * 4 + _ODD_FIELDS),  # mostly fields that parse
        max_size=4,
        unique_by=lambda field: field.split(":")[0] if ":" in field else field,
    ),
).map(lambda block: [block[0], *"\n".join(block[1]).split("\n")])
_file_lines = st.tuples(
    st.lists(st.sampled_from(["", "# notes", "  # indented", "", "# notes", "  x: 1"]), max_size=2),
    st.lists(_blocks, min_size=1, max_size=6, unique_by=lambda block: block[0]),
).map(lambda parts: [*parts[0], *(line for block in parts[1] for line in block)])


def _text(lines: list[str]) -> str:
    return "\n".join(lines) + "\n"


@st.composite
def _edits(draw: st.DrawFn) -> tuple[str, str]:
    """A file of paper blocks and the file after one edit: a line replaced, inserted or deleted."""
    lines = draw(_file_lines)
    before = _text(lines)
    index = draw(st.integers(0, len(lines) - 1))
    kind = draw(st.sampled_from(["replace", "insert", "delete"]))
    if kind == "delete":
        del lines[index]
    else:
        line = draw(st.sampled_from([*_FIELDS, *_ODD_FIELDS, *_KEY_LINES]))
        lines[index : index + (kind == "replace")] = [line]
    return before, _text(lines)


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(_edits(), _file_lines.map(_text))
def test_any_edit_read_through_a_memo_equals_a_fresh_parse(
    annotation_path: Path, edit: tuple[str, str], other: str
) -> None:
    before, after = edit
    memo = AnnotationMemo.for_names(KEYS, TOPICS)
    for text in (before, after, other, after):
        edited, fresh = _read(memo, annotation_path, text)
        assert edited == fresh


def _project(tmp_path: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = tmp_path / "content" / "annotations" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def test_serve_builds_parse_only_the_edited_entry(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _project(tmp_path, {"a.yaml": BASE, "b.yaml": f"{FORCING}:\n  status: read\n"})
    stages = StageCache(None)  # held between builds, as `sitegen serve` does
    content = tmp_path / "content"
    load_notes(content, tmp_path, KEYS, TOPICS, stages)
    parsed = _yaml_parses(monkeypatch)
    _project(tmp_path, {"a.yaml": _edit("status: queued", "status: read")})
    notes = load_notes(content, tmp_path, KEYS, TOPICS, stages)
    assert len(parsed) == 1 and parsed[0].lstrip("\n").startswith(QSTAR)
    assert notes == load_annotations(content, tmp_path, KEYS, TOPICS)
    assert notes[0][QSTAR].status == "read"

    (content / "annotations" / "b.yaml").unlink()
    notes = load_notes(content, tmp_path, KEYS, TOPICS, stages)
    assert notes == load_annotations(content, tmp_path, KEYS, TOPICS)
    _, memo = stages.recall("annotation-blocks")
    assert list(memo.files) == [DISPLAY]  # a deleted file's blocks are let go

    # New paper keys: entries validated against the old ones are not reused.
    notes = load_notes(content, tmp_path, KEYS[:2], TOPICS, stages)
    assert notes == load_annotations(content, tmp_path, KEYS[:2], TOPICS)
    assert any("unknown paper key" in problem.message for problem in notes[1])


def test_one_off_builds_read_whole_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _project(tmp_path, {"a.yaml": BASE})
    stages = StageCache(None, remember=False)
    whole = _whole_parses(monkeypatch)
    notes = load_notes(tmp_path / "content", tmp_path, KEYS, TOPICS, stages)
    assert whole == [BASE]
    assert notes == load_annotations(tmp_path / "content", tmp_path, KEYS, TOPICS)
