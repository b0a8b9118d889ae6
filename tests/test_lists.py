"""Curated reading lists: order kept, every problem reported with file:line, never a crash."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sitegen.catalog.lists import ITEM_FIELDS, LIST_FIELDS, load_lists
from sitegen.model import ListItem, Problem, ReadingList, Severity, SourceRef

from .conftest import MIRAGE, REPO

TULU = "tulu-3-pushing-frontiers-in-open-language-model-post"
VIDEOPHY = "videophy-evaluating-physical-commonsense-for-video"
CPL = "contrastive-prefence-learning-learning-from-human-feedback"
KEYS = [MIRAGE, TULU, VIDEOPHY, CPL]


def write(tmp_path: Path, text: str, name: str = "reading.yaml") -> None:
    path = tmp_path / "content" / "lists" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def load(tmp_path: Path) -> tuple[list[ReadingList], list[Problem]]:
    return load_lists(tmp_path / "content", tmp_path, KEYS)


def only_problem(tmp_path: Path, text: str) -> Problem:
    write(tmp_path, text)
    _, problems = load(tmp_path)
    assert len(problems) == 1, problems
    return problems[0]


def test_sections_and_items_keep_their_order_and_forms(tmp_path: Path) -> None:
    write(
        tmp_path,
        f"""\
title: "Start here: video"
intro: |
  Read these *first*.
sections:
  - title: Week 2 — Physics
    intro: Does it obey gravity?
    papers:
      - key: {VIDEOPHY}
        comment: |
          The benchmark.
      - {MIRAGE}
  - title: Week 1 — Alignment
    papers:
      - {TULU}
      - key: {CPL}
""",
    )
    lists, problems = load(tmp_path)
    assert problems == []
    [reading] = lists
    assert reading.slug == "reading"
    assert reading.title == "Start here: video"
    assert reading.intro == "Read these *first*."
    assert reading.ref == SourceRef("content/lists/reading.yaml", 1)
    assert [s.title for s in reading.sections] == ["Week 2 — Physics", "Week 1 — Alignment"]
    assert reading.sections[0].intro == "Does it obey gravity?"
    assert reading.sections[1].intro == ""
    assert reading.keys == (VIDEOPHY, MIRAGE, TULU, CPL)
    first, bare = reading.sections[0].items
    assert first == ListItem(VIDEOPHY, "The benchmark.", SourceRef("content/lists/reading.yaml", 8))
    assert bare == ListItem(MIRAGE, "", SourceRef("content/lists/reading.yaml", 11))
    assert reading.sections[1].items[1].comment == ""


def test_lists_come_in_file_name_order_yml_too(tmp_path: Path) -> None:
    write(tmp_path, f"title: B\npapers: [{MIRAGE}]\n", "b-list.yml")
    write(tmp_path, f"title: A\npapers: [{TULU}]\n", "a-list.yaml")
    write(tmp_path, "not: [a list", ".#a-list.yaml")
    write(tmp_path, "ignored", "notes.txt")
    lists, problems = load(tmp_path)
    assert problems == []
    assert [(r.slug, r.title) for r in lists] == [("a-list", "A"), ("b-list", "B")]


def test_top_level_papers_make_one_untitled_section(tmp_path: Path) -> None:
    write(
        tmp_path,
        f"""\
title: Short list
papers:
  - {MIRAGE}
  - key: {TULU}
    comment: Open recipes.
""",
    )
    [reading], problems = load(tmp_path)
    assert problems == []
    [section] = reading.sections
    assert section.title == ""
    assert [(i.key, i.comment) for i in section.items] == [(MIRAGE, ""), (TULU, "Open recipes.")]


def test_missing_lists_folder_means_no_lists(tmp_path: Path) -> None:
    assert load_lists(tmp_path / "content", tmp_path, KEYS) == ([], [])


def test_unknown_key_names_file_line_and_closest_key(tmp_path: Path) -> None:
    problem = only_problem(
        tmp_path,
        """\
title: T
sections:
  - title: One
    papers:
      - key: mirage-an-audio-to-video-model
        comment: typo in the key
""",
    )
    assert str(problem) == (
        "content/lists/reading.yaml:5: error: sections[0].papers[0]: unknown paper key "
        f"'mirage-an-audio-to-video-model'; did you mean {MIRAGE!r}?"
    )


def test_unknown_bare_key_points_at_its_line(tmp_path: Path) -> None:
    write(tmp_path, "title: T\npapers:\n  - videophy-evaluating-physics\n  - zzz\n")
    lists, problems = load(tmp_path)
    assert lists == []
    assert [p.line for p in problems] == [3, 4]
    assert f"did you mean {VIDEOPHY!r}" in problems[0].message
    assert "did you mean" not in problems[1].message


def test_missing_title_is_an_error(tmp_path: Path) -> None:
    problem = only_problem(tmp_path, f"intro: hello\npapers: [{MIRAGE}]\n")
    assert str(problem) == (
        "content/lists/reading.yaml:1: error: the list has no title: add `title: ...`"
    )
    assert load(tmp_path)[0] == []


def test_section_without_title_is_an_error(tmp_path: Path) -> None:
    problem = only_problem(tmp_path, f"title: T\nsections:\n  - papers: [{MIRAGE}]\n")
    assert problem.line == 3
    assert problem.severity is Severity.ERROR
    assert "sections[0] has no title" in problem.message


def test_wrong_types_are_errors_with_quote_hint(tmp_path: Path) -> None:
    write(
        tmp_path,
        f"""\
title: 2024
intro: [not, text]
sections:
  - title: One
    papers:
      - key: {MIRAGE}
        comment: 3
      - [{TULU}]
""",
    )
    lists, problems = load(tmp_path)
    assert lists == []
    assert [str(p) for p in problems] == [
        "content/lists/reading.yaml:1: error: title: expected text, got the number 2024; "
        "put it in quotes to make it text",
        "content/lists/reading.yaml:2: error: intro: expected text, got a list",
        "content/lists/reading.yaml:7: error: sections[0].papers[0].comment: expected text, "
        "got the number 3; put it in quotes to make it text",
        "content/lists/reading.yaml:8: error: sections[0].papers[1]: expected a paper key "
        "or `key:` and `comment:`, got a list",
    ]


def test_sections_and_papers_must_be_lists(tmp_path: Path) -> None:
    problem = only_problem(tmp_path, "title: T\nsections: Week 1\n")
    assert str(problem) == (
        "content/lists/reading.yaml:2: error: sections: expected a list of sections, "
        "got text 'Week 1'"
    )
    problem = only_problem(tmp_path, f"title: T\nsections:\n  - title: W\n    papers: {MIRAGE}\n")
    assert problem.line == 4
    assert "expected a list of paper keys" in problem.message


def test_item_mapping_without_key(tmp_path: Path) -> None:
    write(tmp_path, "title: T\npapers:\n  - comment: which paper?\n")
    _, problems = load(tmp_path)
    assert [str(p) for p in problems] == [
        "content/lists/reading.yaml:3: error: papers[0]: no `key:` naming the paper"
    ]


def test_same_key_twice_is_a_warning_naming_the_first_line(tmp_path: Path) -> None:
    write(
        tmp_path,
        f"""\
title: T
sections:
  - title: One
    papers: [{MIRAGE}]
  - title: Two
    papers:
      - key: {MIRAGE}
""",
    )
    lists, problems = load(tmp_path)
    assert [str(p) for p in problems] == [
        "content/lists/reading.yaml:7: warning: sections[1].papers[0]: "
        f"{MIRAGE!r} is already in this list (line 4)"
    ]
    # A warning leaves the list as written.
    assert lists[0].keys == (MIRAGE, MIRAGE)


def test_unknown_fields_are_warnings_with_did_you_mean(tmp_path: Path) -> None:
    write(
        tmp_path,
        f"""\
title: T
intr: misspelt
sections:
  - title: One
    paper: [{TULU}]
    papers:
      - key: {MIRAGE}
        coment: misspelt
        rating: 5
""",
    )
    lists, problems = load(tmp_path)
    assert [str(p) for p in problems] == [
        "content/lists/reading.yaml:2: warning: unknown field 'intr' in the list (ignored); "
        "did you mean 'intro'?",
        "content/lists/reading.yaml:5: warning: unknown field 'paper' in sections[0] (ignored); "
        "did you mean 'papers'?",
        "content/lists/reading.yaml:8: warning: unknown field 'coment' in "
        "sections[0].papers[0] (ignored); did you mean 'comment'?",
        "content/lists/reading.yaml:9: warning: unknown field 'rating' in "
        "sections[0].papers[0] (ignored); allowed: key, comment",
    ]
    assert lists[0].keys == (MIRAGE,)
    assert lists[0].sections[0].items[0].comment == ""


def test_bad_slug_file_name_is_an_error_suggesting_a_name(tmp_path: Path) -> None:
    write(tmp_path, f"title: T\npapers: [{MIRAGE}]\n", "My List.yaml")
    lists, problems = load(tmp_path)
    assert lists == []
    assert [str(p) for p in problems] == [
        "content/lists/My List.yaml: error: list file name 'My List.yaml' is not a valid slug "
        "(lowercase ASCII letters, digits and hyphens); rename it to 'my-list.yaml'"
    ]


def test_same_slug_in_yaml_and_yml_is_an_error(tmp_path: Path) -> None:
    write(tmp_path, f"title: A\npapers: [{MIRAGE}]\n", "dup.yaml")
    write(tmp_path, f"title: B\npapers: [{TULU}]\n", "dup.yml")
    lists, problems = load(tmp_path)
    assert [r.title for r in lists] == ["A"]
    assert [str(p) for p in problems] == [
        "content/lists/dup.yml: error: another list file, content/lists/dup.yaml, has the same "
        "slug 'dup'; rename or remove one"
    ]


def test_every_problem_in_every_file_is_reported(tmp_path: Path) -> None:
    write(tmp_path, "title: [A\n", "a.yaml")
    write(tmp_path, "", "b.yaml")
    write(tmp_path, "- just\n- a list\n", "c.yaml")
    write(tmp_path, "title: D\n", "d.yaml")
    write(tmp_path, f"title: E\nsections: []\npapers: [{MIRAGE}]\n", "e.yaml")
    _, problems = load(tmp_path)
    assert [(p.file, p.line, p.severity) for p in problems] == [
        ("content/lists/a.yaml", 2, Severity.ERROR),
        ("content/lists/b.yaml", None, Severity.ERROR),
        ("content/lists/c.yaml", 1, Severity.ERROR),
        ("content/lists/d.yaml", 1, Severity.ERROR),
        ("content/lists/e.yaml", 3, Severity.ERROR),
        ("content/lists/e.yaml", 2, Severity.WARNING),
    ]
    assert "YAML syntax error" in problems[0].message
    assert "no `sections:`" in problems[3].message
    assert "not both" in problems[4].message


_settings = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@_settings
@given(st.text())
def test_any_text_never_raises(tmp_path: Path, text: str) -> None:
    write(tmp_path, text)
    lists, problems = load(tmp_path)
    assert all(isinstance(p, Problem) for p in problems)
    assert all(set(r.keys) <= set(KEYS) for r in lists)


_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-10, 3000), st.floats(allow_nan=False),
    st.text(max_size=20), st.sampled_from([*KEYS, "mirage", "Week 1"]), st.dates(),
)  # fmt: skip
_values = st.recursive(
    _scalars,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.sampled_from([*LIST_FIELDS, *ITEM_FIELDS]) | st.text(max_size=8),
            inner,
            max_size=4,
        )
    ),
    max_leaves=25,
)


@_settings
@given(st.dictionaries(st.sampled_from([*LIST_FIELDS, "sectons"]), _values, max_size=5) | _values)
def test_any_yaml_shape_never_raises(tmp_path: Path, data: Any) -> None:
    write(tmp_path, yaml.safe_dump(data, allow_unicode=True))
    lists, problems = load(tmp_path)
    for reading in lists:
        assert reading.title
        assert set(reading.keys) <= set(KEYS)
        assert all(
            item.ref is not None and item.ref.line >= 1
            for s in reading.sections
            for item in s.items
        )
    assert all(p.line is None or p.line >= 1 for p in problems)


def sample_keys() -> list[str]:
    """The sample project's paper keys, computed as the catalogue does, without annotations."""
    from sitegen.catalog import clean_entry
    from sitegen.catalog.dedupe import find_duplicates, merge
    from sitegen.catalog.keys import assign_keys
    from sitegen.catalog.titles import infer_title
    from sitegen.sources import read_seeds

    entries, problems = read_seeds(REPO / "seeds", REPO)
    assert problems == []
    merged = [merge(group) for group, _ in find_duplicates([clean_entry(e) for e in entries])]
    titles = [m.title.plain if m.title else infer_title(m.abstract.plain) for m in merged]
    return assign_keys(titles)


def test_sample_lists_load_cleanly_against_the_real_keys() -> None:
    keys = sample_keys()
    assert len(keys) == 169
    lists, problems = load_lists(REPO / "content", REPO, keys)
    assert problems == []
    by_slug = {r.slug: r for r in lists}
    assert set(by_slug) >= {"rlhf-start-here", "video-generation-reading-group"}
    rlhf = by_slug["rlhf-start-here"]
    assert rlhf.title == "Start here: RLHF and alignment"
    assert 2 <= len(rlhf.sections) <= 4
    assert 6 <= len(rlhf.keys) <= 10
    assert TULU in rlhf.keys
    video = by_slug["video-generation-reading-group"]
    assert all(s.title.startswith("Week ") for s in video.sections)
    assert 6 <= len(video.keys) <= 10
    assert {MIRAGE, VIDEOPHY} <= set(video.keys)
    for reading in (rlhf, video):
        assert len(set(reading.keys)) == len(reading.keys)
        assert reading.intro
        assert all(item.comment for s in reading.sections for item in s.items)
