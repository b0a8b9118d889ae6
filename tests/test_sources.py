"""Seed readers on the real seed files, on broken files, and on arbitrary text."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sitegen.sources import FORMATS, abstracts, daily, parse_seed_text, read_seed_file, read_seeds

from .conftest import REPO

SEEDS = REPO / "seeds"
HEADER = "new\n\nGet trending papers in your email inbox!\n\nSubscribe\n\n"
HEADER += "byAK and the research community\n\nMar 17\n\n"


def seed(prefix: str) -> Path:
    """The seed file whose name starts with ``prefix``."""
    (path,) = SEEDS.glob(f"{prefix}_*")
    return path


@pytest.mark.parametrize(
    ("prefix", "count", "fmt", "listed_on"),
    [
        ("000", 4, "abstracts", None),
        ("001", 10, "abstracts", None),
        ("002", 10, "abstracts", None),
        ("003", 84, "daily", "03-17"),
        ("004", 64, "daily", "03-11"),
    ],
)
def test_seed_file_counts(prefix: str, count: int, fmt: str, listed_on: str | None) -> None:
    path = seed(prefix)
    entries, problems = read_seed_file(path, path.name)
    assert not problems
    assert len(entries) == count
    assert {entry.format for entry in entries} == {fmt}
    assert {entry.listed_on for entry in entries} == {listed_on}
    # Abstract dumps are untitled; every listing entry has a title and an abstract.
    assert all((entry.title is None) == (fmt == "abstracts") for entry in entries)
    assert all(entry.abstract for entry in entries)


def test_all_seeds_read_in_order() -> None:
    entries, problems = read_seeds(SEEDS, REPO)
    assert not problems
    assert len(entries) == 172
    assert [entry.ref for entry in entries] == sorted(entry.ref for entry in entries)
    assert entries[0].ref.file == f"seeds/{seed('000').name}"


def test_listing_entry_points_at_its_title_line() -> None:
    path = seed("003")
    entries, _ = read_seed_file(path, "seeds/003.txt")
    first = entries[0]
    assert first.title == (
        "Motion Consistency Model: Accelerating Video Diffusion with "
        "Disentangled Motion-Appearance Distillation"
    )
    assert str(first.ref) == "seeds/003.txt:11"
    lines = path.read_text(encoding="utf-8").split("\n")
    assert lines[10] == first.title
    assert first.abstract.startswith("Image diffusion distillation achieves high-fidelity")
    for entry in entries:
        assert lines[entry.ref.line - 1].strip() == entry.title


def test_abstract_dump_lines_are_entry_lines() -> None:
    path = seed("001")
    entries, _ = read_seed_file(path, path.name)
    lines = path.read_text(encoding="utf-8").split("\n")
    for entry in entries:
        line = lines[entry.ref.line - 1].strip()
        assert line.removeprefix("Abstract:").strip() == entry.abstract


def test_format_detected_by_content_not_name(tmp_path: Path) -> None:
    listing = tmp_path / "listing.md"
    shutil.copy(seed("003"), listing)
    dump = tmp_path / "papers.bib"
    shutil.copy(seed("001"), dump)
    entries, problems = read_seed_file(listing, "listing.md")
    assert (len(entries), {e.format for e in entries}, problems) == (84, {"daily"}, [])
    entries, problems = read_seed_file(dump, "papers.bib")
    assert (len(entries), {e.format for e in entries}, problems) == (10, {"abstracts"}, [])


def test_unknown_format_is_one_problem_naming_file_and_formats(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("Some notes\nabout papers I liked\n", encoding="utf-8")
    entries, problems = read_seed_file(path, "seeds/notes.txt")
    assert entries == []
    assert len(problems) == 1
    message = str(problems[0])
    assert message.startswith("seeds/notes.txt:1: error: no seed format matches this file")
    for fmt in FORMATS:
        assert fmt.description in message


def test_stray_line_in_abstract_dump_reported_at_its_line() -> None:
    text = "Abstract: First paper.\nNot an abstract line\n\nAbstract: Second paper.\n"
    entries, problems = parse_seed_text(text, "seeds/dump.txt")
    assert [entry.abstract for entry in entries] == ["First paper.", "Second paper."]
    assert [entry.ref.line for entry in entries] == [1, 4]
    assert [str(p) for p in problems] == [
        "seeds/dump.txt:2: error: expected a line starting with 'Abstract:' in an abstract dump"
    ]


def test_listing_ending_with_title_reports_that_title() -> None:
    text = HEADER + "Paper One\n\nAbstract of paper one.\n\nPaper Two\n"
    entries, problems = parse_seed_text(text, "seeds/list.txt")
    assert [(entry.title, entry.ref.line) for entry in entries] == [("Paper One", 11)]
    assert len(problems) == 1
    assert str(problems[0]).startswith("seeds/list.txt:15: error: title line has no abstract")


def test_listing_abstract_without_title_is_reported_and_pairing_recovers() -> None:
    orphan = "We study a thing. " * 20
    text = HEADER + f"{orphan}\n\nPaper One\n\nAbstract of paper one.\n"
    entries, problems = parse_seed_text(text, "seeds/list.txt")
    assert [(entry.title, entry.abstract) for entry in entries] == [
        ("Paper One", "Abstract of paper one.")
    ]
    assert [(p.file, p.line) for p in problems] == [("seeds/list.txt", 11)]
    assert "title" in problems[0].message


def test_unicode_line_separator_does_not_shift_lines() -> None:
    text = "Abstract: one\u2028still one\x0cand more\nAbstract: two\n"
    entries, problems = parse_seed_text(text, "d.txt")
    assert not problems
    assert [entry.ref.line for entry in entries] == [1, 2]
    assert entries[0].abstract == "one\u2028still one\x0cand more"


LINES = st.lists(
    st.sampled_from(["", "Abstract:", "Abstract: x", "Mar 17", "new", "Subscribe", "Title"])
    | st.text(max_size=20),
    max_size=20,
).map("\n".join)


@settings(deadline=None)
@given(st.one_of(st.text(), LINES))
def test_any_text_parses_or_reports(text: str) -> None:
    # Lines as an editor counts them: \r\n, \r and \n each end one.
    line_count = len(re.split(r"\r\n|\r|\n", text))
    results = [parse_seed_text(text, "x.txt")]
    results += [fmt.parse(text, "x.txt") for fmt in FORMATS]
    results += [abstracts.parse(text, "x.txt"), daily.parse(text, "x.txt")]
    for entries, problems in results:
        assert isinstance(entries, list) and isinstance(problems, list)
        for entry in entries:
            assert 1 <= entry.ref.line <= line_count
        for problem in problems:
            assert problem.file == "x.txt"
            assert problem.line is None or 1 <= problem.line <= line_count


def test_a_seed_with_no_entries_at_all_says_so() -> None:
    from sitegen.sources import parse_seed_text

    for text, name, kind in (
        ("[]\n", "lib.json", "csl-json"),
        ("@comment{jabref-meta: databaseType:bibtex;}\n", "lib.bib", "bibtex"),
    ):
        entries, problems = parse_seed_text(text, f"seeds/{name}", Path(name).suffix)
        assert entries == []
        assert [str(p) for p in problems] == [
            f"seeds/{name}: warning: no papers in it: a {kind} file with no entries"
        ]


def test_a_number_too_long_for_python_does_not_reject_a_csl_file() -> None:
    from sitegen.sources import parse_seed_text

    text = '[{"type": "book", "title": "Kept", "issued": {"date-parts": [[' + "9" * 5000 + "]]}}]"
    entries, problems = parse_seed_text(text, "seeds/lib.json", ".json")
    assert [(e.title, e.year) for e in entries] == [("Kept", None)]
    assert problems == []


def test_a_seed_that_turns_into_a_fifo_is_a_problem_not_a_wait(tmp_path: Path) -> None:
    """A seed replaced by a FIFO after the folder was listed is read as every input is
    (``read_regular``): a problem naming it, not a read that waits for a writer."""
    fifo = tmp_path / "a.bib"
    os.mkfifo(fifo)
    entries, problems = read_seed_file(fifo, "seeds/a.bib")
    assert entries == []
    assert [str(p) for p in problems] == [
        "seeds/a.bib: error: cannot read file: not a regular file (a FIFO, socket or device)"
    ]


def test_unreadable_names_are_found_in_nested_folders_in_order(tmp_path: Path) -> None:
    from sitegen.sources import unreadable_names

    root = tmp_path
    deep = root / "content" / "annotations" / "2024" / "may"
    deep.mkdir(parents=True)
    (deep / "ok.yaml").write_text("x: {}\n", encoding="utf-8")
    (deep / "gone.yaml").symlink_to(root / "nowhere.yaml")
    os.mkfifo(root / "content" / "annotations" / "pipe.yaml")
    (root / "content" / "annotations" / ".#lock").symlink_to("user@host.1")  # hidden: left alone
    (root / "seeds").mkdir()
    (root / "seeds" / "b.bib").symlink_to("b.bib")  # a loop
    (root / "seeds" / "elsewhere").symlink_to(deep)  # a folder link: fine, not walked into
    (root / "static").mkdir()
    (root / "static" / os.fsdecode(b"caf\xe9.css")).write_text("", encoding="utf-8")
    found = [str(p) for p in unreadable_names(root, ("seeds", "content", "static"))]
    assert found == [
        "seeds/b.bib: error: a symbolic link to nothing, or back to itself: fix it or remove it",
        "content/annotations/pipe.yaml: error: cannot read file: "
        "not a regular file (a FIFO, socket or device)",
        "content/annotations/2024/may/gone.yaml: error: a symbolic link to nothing, or back "
        "to itself: fix it or remove it",
        "static/caf\\xe9.css: error: the name is not UTF-8: rename it",
    ]
