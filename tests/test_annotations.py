"""Annotation files: every field validated, every problem reported with file:line."""

from __future__ import annotations

import datetime as dt
import json
import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sitegen
from sitegen.catalog.annotation_fields import ANNOTATION_FIELDS
from sitegen.catalog.annotations import load_annotations
from sitegen.model import STATUSES, Annotation, Problem, Quote, Severity

from .conftest import MIRAGE

SCHEMA_PATH = Path(sitegen.__file__).parent / "schemas" / "annotations.schema.json"
"""JSON Schema (draft 2020-12) for annotation files, for editors' autocompletion (README)."""

TULU = "tulu-3-pushing-frontiers-in-open-language-model-post-training"
QSTAR = "q-star-search-for-reasoning"
KEYS = [MIRAGE, TULU, QSTAR, "diffusion-forcing-next-token-prediction"]
TOPICS = ["video-generation", "post-training", "reasoning", "rlhf"]


def write(tmp_path: Path, text: str, name: str = "a.yaml") -> None:
    path = tmp_path / "content" / "annotations" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def load(tmp_path: Path) -> tuple[dict[str, Annotation], list[Problem]]:
    return load_annotations(tmp_path / "content", tmp_path, KEYS, TOPICS)


def only_problem(tmp_path: Path, text: str) -> str:
    write(tmp_path, text)
    _, problems = load(tmp_path)
    assert len(problems) == 1, problems
    return str(problems[0])


def test_full_annotation_is_read_into_typed_values(tmp_path: Path) -> None:
    write(
        tmp_path,
        f"""\
{MIRAGE}:
  title: "  Mirage: audio to video  "
  status: read
  rating: 4
  tags: [video, audio, video]
  topics: [video-generation, -reasoning]
  summary: Talking heads from audio.
  notes: |
    Strong *results*.
  quotes:
    - A plain passage.
    - text: A passage with a page.
      page: 3
  authors: [Ada Lovelace, Alan Turing]
  year: 2024
  venue: arXiv
  links:
    project: https://example.org/mirage
    code: http://github.com/x/mirage
  arxiv: "2406.01234v2"
  doi: 10.1145/3290605.3300857
  read_on: 2024-06-10
  related: [{TULU}]
  hidden: false
""",
    )
    annotations, problems = load(tmp_path)
    assert problems == []
    a = annotations[MIRAGE]
    assert a.ref.file == "content/annotations/a.yaml"
    assert a.ref.line == 1
    assert a.title == "Mirage: audio to video"
    assert a.status == "read"
    assert a.rating == 4
    assert a.tags == ("video", "audio")
    assert a.topics_add == ("video-generation",)
    assert a.topics_remove == ("reasoning",)
    assert a.summary == "Talking heads from audio."
    assert a.notes == "Strong *results*."
    assert a.quotes == (Quote("A plain passage."), Quote("A passage with a page.", "3"))
    assert a.authors == ("Ada Lovelace", "Alan Turing")
    assert a.year == 2024
    assert a.venue == "arXiv"
    assert a.links == (
        ("project", "https://example.org/mirage"),
        ("code", "http://github.com/x/mirage"),
    )
    assert a.arxiv == "2406.01234v2"
    assert a.doi == "10.1145/3290605.3300857"
    assert a.read_on == dt.date(2024, 6, 10)
    assert a.related == (TULU,)
    assert a.hidden is False


def test_empty_and_comment_only_files_are_fine(tmp_path: Path) -> None:
    write(tmp_path, "", "empty.yaml")
    write(tmp_path, "# nothing annotated yet\n", "comments.yml")
    assert load(tmp_path) == ({}, [])


def test_missing_annotations_folder_is_fine(tmp_path: Path) -> None:
    assert load(tmp_path) == ({}, [])


def test_list_of_mappings_form(tmp_path: Path) -> None:
    write(
        tmp_path,
        f"""\
- {MIRAGE}:
    status: reading
- {TULU}:
    rating: 9
""",
    )
    annotations, problems = load(tmp_path)
    assert annotations[MIRAGE].status == "reading"
    assert annotations[MIRAGE].ref.line == 1
    assert annotations[TULU].ref.line == 3
    assert [str(p) for p in problems] == [
        "content/annotations/a.yaml:4: error: rating: expected a whole number from 1 to 5, "
        "got the number 9"
    ]


def test_nested_folders_yml_suffix_and_sorted_order(tmp_path: Path) -> None:
    write(tmp_path, f"{MIRAGE}: {{status: read}}\n", "z.yaml")
    write(tmp_path, f"{MIRAGE}: {{status: queued}}\n", "sub/b.yml")
    write(tmp_path, f"{TULU}: {{status: queued}}\n", "notes.txt")
    write(tmp_path, f"{TULU}: {{status: queued}}\n", ".#lock.yaml")
    annotations, problems = load(tmp_path)
    assert annotations[MIRAGE].ref.file == "content/annotations/sub/b.yml"
    assert TULU not in annotations
    assert [str(p) for p in problems] == [
        f"content/annotations/z.yaml:1: error: '{MIRAGE}' is annotated twice; "
        "first at content/annotations/sub/b.yml:1; merge the two into one"
    ]


def test_unknown_paper_key_suggests_closest(tmp_path: Path) -> None:
    message = only_problem(
        tmp_path,
        "# reading group week 1\n\nmirage-an-audio-to-vidoe-foundation-model:\n  status: read\n",
    )
    assert message == (
        "content/annotations/a.yaml:3: error: unknown paper key "
        f"'mirage-an-audio-to-vidoe-foundation-model'; did you mean '{MIRAGE}'?"
    )


def test_unknown_paper_key_is_not_returned(tmp_path: Path) -> None:
    write(tmp_path, "nothing-like-any-key:\n  status: read\n")
    annotations, problems = load(tmp_path)
    assert annotations == {}
    assert str(problems[0]).startswith(
        "content/annotations/a.yaml:1: error: unknown paper key 'nothing-like-any-key'"
    )


def test_bad_status_lists_allowed_values(tmp_path: Path) -> None:
    message = only_problem(tmp_path, f"{MIRAGE}:\n  title: Mirage\n  status: finised\n")
    assert message == (
        "content/annotations/a.yaml:3: error: status: 'finised' is not a status; use one of "
        "unread, queued, reading, read, skimmed, dropped"
    )


def test_status_is_case_insensitive(tmp_path: Path) -> None:
    write(tmp_path, f"{MIRAGE}:\n  status: Skimmed\n")
    annotations, problems = load(tmp_path)
    assert problems == []
    assert annotations[MIRAGE].status == "skimmed"


@pytest.mark.parametrize(
    ("value", "got"),
    [("0", "the number 0"), ("6", "the number 6"), ("4.5", "the number 4.5"),
     ("true", "true"), ("five", "text 'five'")],
)  # fmt: skip
def test_rating_must_be_1_to_5(tmp_path: Path, value: str, got: str) -> None:
    message = only_problem(tmp_path, f"{MIRAGE}:\n  status: read\n  rating: {value}\n")
    assert message == (
        f"content/annotations/a.yaml:3: error: rating: expected a whole number from 1 to 5, "
        f"got {got}"
    )


def test_wrong_type_names_expected_type(tmp_path: Path) -> None:
    message = only_problem(tmp_path, f"{MIRAGE}:\n  title: [a, b]\n")
    assert message == "content/annotations/a.yaml:2: error: title: expected text, got a list"


def test_number_where_text_expected_says_quote_it(tmp_path: Path) -> None:
    message = only_problem(tmp_path, f"{MIRAGE}:\n  venue: 2024\n")
    assert message == (
        "content/annotations/a.yaml:2: error: venue: expected text, got the number 2024; "
        "put it in quotes to make it text"
    )


def test_wrong_item_type_in_list_points_at_the_item(tmp_path: Path) -> None:
    write(tmp_path, f"{MIRAGE}:\n  tags:\n    - video\n    - [nested]\n    - audio\n")
    annotations, problems = load(tmp_path)
    assert [str(p) for p in problems] == [
        "content/annotations/a.yaml:4: error: tags[1]: expected text, got a list"
    ]
    assert annotations[MIRAGE].tags == ("video", "audio")


def test_single_text_is_a_one_item_list(tmp_path: Path) -> None:
    write(tmp_path, f"{MIRAGE}:\n  tags: video\n  authors: Ada Lovelace\n")
    annotations, problems = load(tmp_path)
    assert problems == []
    assert annotations[MIRAGE].tags == ("video",)
    assert annotations[MIRAGE].authors == ("Ada Lovelace",)


def test_year_must_be_a_number(tmp_path: Path) -> None:
    message = only_problem(tmp_path, f'{MIRAGE}:\n  year: "2024"\n')
    assert message == (
        "content/annotations/a.yaml:2: error: year: expected a four-digit year such as 2024, "
        "got text '2024'; remove the quotes"
    )


def test_hidden_must_be_true_or_false(tmp_path: Path) -> None:
    message = only_problem(tmp_path, f"{MIRAGE}:\n  hidden: 'yes'\n")
    assert message == (
        "content/annotations/a.yaml:2: error: hidden: expected true or false, got text 'yes'"
    )


def test_javascript_link_is_an_error(tmp_path: Path) -> None:
    write(
        tmp_path,
        f"{MIRAGE}:\n  links:\n    pdf: https://arxiv.org/pdf/2406.01234\n"
        "    demo: javascript:alert(1)\n",
    )
    annotations, problems = load(tmp_path)
    assert [str(p) for p in problems] == [
        "content/annotations/a.yaml:4: error: links.demo: 'javascript:alert(1)' is not a web "
        "address; only http/https links are allowed"
    ]
    assert annotations[MIRAGE].links == (("pdf", "https://arxiv.org/pdf/2406.01234"),)


@pytest.mark.parametrize(
    "url",
    ["data:text/html,<script>alert(1)</script>", "/papers/local/", "ftp://example.org/x",
     "https:///no-host", "http://exa mple.org", "JaVaScRiPt:alert(1)"],
)  # fmt: skip
def test_non_http_links_are_errors(tmp_path: Path, url: str) -> None:
    write(tmp_path, f"{MIRAGE}:\n  links:\n    x: {json.dumps(url)}\n")
    annotations, problems = load(tmp_path)
    assert len(problems) == 1
    assert str(problems[0]).startswith("content/annotations/a.yaml:3: error: links.x: ")
    assert str(problems[0]).endswith("only http/https links are allowed")
    assert annotations[MIRAGE].links == ()


def test_links_must_be_a_mapping(tmp_path: Path) -> None:
    message = only_problem(tmp_path, f"{MIRAGE}:\n  links: [https://example.org]\n")
    assert message == (
        "content/annotations/a.yaml:2: error: links: expected a mapping of name: URL "
        "(code: https://...), got a list"
    )


def test_unknown_topic_suggests_closest(tmp_path: Path) -> None:
    message = only_problem(tmp_path, f"{MIRAGE}:\n  topics:\n    - video-generation\n    - -rlfh\n")
    assert message == (
        "content/annotations/a.yaml:4: error: topics[1]: unknown topic 'rlfh'; did you mean 'rlhf'?"
    )


def test_topic_removal_with_minus(tmp_path: Path) -> None:
    write(tmp_path, f"{TULU}:\n  topics: [post-training, -rlhf, '- reasoning']\n")
    annotations, problems = load(tmp_path)
    assert problems == []
    assert annotations[TULU].topics_add == ("post-training",)
    assert annotations[TULU].topics_remove == ("rlhf", "reasoning")


def test_unknown_related_key_suggests_closest(tmp_path: Path) -> None:
    message = only_problem(
        tmp_path, f"{MIRAGE}:\n  related:\n    - tulu-3-pushing-frontiers-in-open-language-model\n"
    )
    assert message == (
        "content/annotations/a.yaml:3: error: related[0]: unknown paper key "
        f"'tulu-3-pushing-frontiers-in-open-language-model'; did you mean '{TULU}'?"
    )


def test_related_to_itself_is_a_warning(tmp_path: Path) -> None:
    write(tmp_path, f"{MIRAGE}:\n  related: [{MIRAGE}, {QSTAR}]\n")
    annotations, problems = load(tmp_path)
    assert [p.severity for p in problems] == [Severity.WARNING]
    assert annotations[MIRAGE].related == (QSTAR,)


def test_unknown_field_is_a_warning_with_did_you_mean(tmp_path: Path) -> None:
    write(tmp_path, f"{MIRAGE}:\n  rating: 5\n  stauts: read\n")
    annotations, problems = load(tmp_path)
    assert [str(p) for p in problems] == [
        "content/annotations/a.yaml:3: warning: unknown field 'stauts'; did you mean 'status'?"
    ]
    assert annotations[MIRAGE].rating == 5


def test_unknown_field_without_close_match_lists_fields(tmp_path: Path) -> None:
    write(tmp_path, f"{MIRAGE}:\n  mood: happy\n")
    _, problems = load(tmp_path)
    assert problems[0].severity is Severity.WARNING
    assert str(problems[0]) == (
        "content/annotations/a.yaml:2: warning: unknown field 'mood'; fields are "
        + ", ".join(ANNOTATION_FIELDS)
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [("'2406.01234'", "2406.01234"), ("2406.01234v3", "2406.01234v3"),
     ("cs/0101001", "cs/0101001"), ("hep-th/9901001v2", "hep-th/9901001v2"),
     ("'arXiv:2406.01234'", "2406.01234"), ("https://arxiv.org/abs/2406.01234", "2406.01234")],
)  # fmt: skip
def test_arxiv_identifiers_accepted(tmp_path: Path, value: str, expected: str) -> None:
    write(tmp_path, f"{MIRAGE}:\n  arxiv: {value}\n")
    annotations, problems = load(tmp_path)
    assert problems == []
    assert annotations[MIRAGE].arxiv == expected


def test_arxiv_written_as_number_says_quote_it(tmp_path: Path) -> None:
    message = only_problem(tmp_path, f"{MIRAGE}:\n  arxiv: 2406.01234\n")
    assert message == (
        "content/annotations/a.yaml:2: error: arxiv: write the identifier in quotes, "
        "e.g. '2406.01234'; YAML reads it as a number"
    )


@pytest.mark.parametrize(
    ("written", "hint"), [("2406.01230", "2406.01230"), ("1412.6980", "1412.6980")]
)
def test_the_quote_hint_gives_the_id_as_written(tmp_path: Path, written: str, hint: str) -> None:
    # YAML reads 2406.01230 as 2406.0123: quoting that would name another paper
    message = only_problem(tmp_path, f"{MIRAGE}:\n  arxiv: {written}\n")
    assert f"in quotes, e.g. '{hint}'; YAML" in message


def test_bad_arxiv_and_doi(tmp_path: Path) -> None:
    write(tmp_path, f"{MIRAGE}:\n  arxiv: not-an-id\n  doi: 11.1/x\n")
    _, problems = load(tmp_path)
    assert [str(p) for p in problems] == [
        "content/annotations/a.yaml:2: error: arxiv: 'not-an-id' is not an arXiv identifier "
        "such as 2406.01234 or cs/0101001",
        "content/annotations/a.yaml:3: error: doi: '11.1/x' is not a DOI; expected one such as "
        "10.1145/3290605.3300857",
    ]


def test_doi_url_prefix_is_removed(tmp_path: Path) -> None:
    write(tmp_path, f"{MIRAGE}:\n  doi: https://doi.org/10.48550/arXiv.2406.01234\n")
    annotations, problems = load(tmp_path)
    assert problems == []
    assert annotations[MIRAGE].doi == "10.48550/arXiv.2406.01234"


def test_read_on_accepts_quoted_date_and_rejects_others(tmp_path: Path) -> None:
    write(tmp_path, f"{MIRAGE}:\n  read_on: '2024-02-29'\n{TULU}:\n  read_on: last week\n")
    annotations, problems = load(tmp_path)
    assert annotations[MIRAGE].read_on == dt.date(2024, 2, 29)
    assert [str(p) for p in problems] == [
        "content/annotations/a.yaml:4: error: read_on: expected a date written YYYY-MM-DD, "
        "got text 'last week'"
    ]


def test_quotes_need_text_and_warn_on_unknown_fields(tmp_path: Path) -> None:
    write(
        tmp_path,
        f"""\
{MIRAGE}:
  quotes:
    - text: Kept.
      pgae: 4
    - page: 7
    - 12
""",
    )
    annotations, problems = load(tmp_path)
    assert [str(p) for p in problems] == [
        "content/annotations/a.yaml:4: warning: quotes[0].pgae: unknown quote field 'pgae'; "
        "did you mean 'page'?",
        "content/annotations/a.yaml:5: error: quotes[1]: a quote needs text: the passage itself",
        "content/annotations/a.yaml:6: error: quotes[2]: expected a quote as text or "
        "{text, page}, got the number 12",
    ]
    assert annotations[MIRAGE].quotes == (Quote("Kept."),)


def test_same_key_twice_in_two_files_names_first_place(tmp_path: Path) -> None:
    write(tmp_path, f"{TULU}:\n  status: read\n", "a.yaml")
    write(tmp_path, f"# dup\n{TULU}:\n  status: dropped\n", "b.yaml")
    annotations, problems = load(tmp_path)
    assert [str(p) for p in problems] == [
        f"content/annotations/b.yaml:2: error: '{TULU}' is annotated twice; "
        "first at content/annotations/a.yaml:1; merge the two into one"
    ]
    assert annotations[TULU].status == "read"


def test_same_key_twice_in_one_file_names_first_place(tmp_path: Path) -> None:
    write(tmp_path, f"{TULU}:\n  status: read\n{QSTAR}: {{}}\n{TULU}:\n  rating: 2\n")
    _, problems = load(tmp_path)
    assert [str(p) for p in problems] == [
        f"content/annotations/a.yaml:4: error: '{TULU}' is annotated twice; "
        "first at content/annotations/a.yaml:1; merge the two into one"
    ]


def test_same_key_twice_in_list_form(tmp_path: Path) -> None:
    write(tmp_path, f"- {TULU}: {{status: read}}\n- {TULU}: {{status: queued}}\n")
    annotations, problems = load(tmp_path)
    assert [str(p) for p in problems] == [
        f"content/annotations/a.yaml:2: error: '{TULU}' is annotated twice; "
        "first at content/annotations/a.yaml:1; merge the two into one"
    ]
    assert annotations[TULU].status == "read"


def test_duplicate_field_in_one_paper(tmp_path: Path) -> None:
    message = only_problem(tmp_path, f"{MIRAGE}:\n  status: read\n  status: queued\n")
    assert message == (
        "content/annotations/a.yaml:3: error: duplicate key 'status': "
        "each key may appear once in a mapping"
    )


def test_yaml_syntax_error_has_its_line(tmp_path: Path) -> None:
    message = only_problem(tmp_path, f"{MIRAGE}:\n  status: read\n  notes: [unclosed\n\n")
    assert message.startswith("content/annotations/a.yaml:5: error: YAML syntax error: ")


def test_syntax_error_in_one_file_does_not_hide_others(tmp_path: Path) -> None:
    write(tmp_path, "a: [\n", "a.yaml")
    write(tmp_path, f"{MIRAGE}:\n  rating: 7\n", "b.yaml")
    _, problems = load(tmp_path)
    assert [p.file for p in problems] == [
        "content/annotations/a.yaml",
        "content/annotations/b.yaml",
    ]


def test_five_errors_in_one_file_are_all_reported(tmp_path: Path) -> None:
    write(
        tmp_path,
        f"""\
{MIRAGE}:
  status: done
  rating: 11
  links:
    code: javascript:void(0)
tulu-3-pushing-frontiers-in-open-language-model-post-trainin:
  year: soon
{QSTAR}:
  hidden: 1
  topics: [reasonin]
""",
    )
    annotations, problems = load(tmp_path)
    assert [(p.line, p.message.split(";")[0].split(":")[0]) for p in problems] == [
        (2, "status"),
        (3, "rating"),
        (5, "links.code"),
        (6, "unknown paper key 'tulu-3-pushing-frontiers-in-open-language-model-post-trainin'"),
        (7, "year"),
        (9, "hidden"),
        (10, "topics[0]"),
    ]
    assert all(p.severity is Severity.ERROR for p in problems)
    assert f"did you mean '{TULU}'?" in problems[3].message
    assert "did you mean 'reasoning'?" in problems[6].message
    assert set(annotations) == {MIRAGE, QSTAR}


def test_invalid_fields_keep_the_valid_ones(tmp_path: Path) -> None:
    write(tmp_path, f"{MIRAGE}:\n  status: read\n  rating: 0\n  tags: [x]\n")
    annotations, problems = load(tmp_path)
    assert len(problems) == 1
    assert annotations[MIRAGE].status == "read"
    assert annotations[MIRAGE].rating is None
    assert annotations[MIRAGE].tags == ("x",)


def test_empty_fields_are_unset(tmp_path: Path) -> None:
    write(tmp_path, f"{MIRAGE}:\n{TULU}:\n  status:\n  notes: '   '\n")
    annotations, problems = load(tmp_path)
    assert problems == []
    assert annotations[MIRAGE].status is None
    assert annotations[TULU].notes is None


@pytest.mark.parametrize(
    ("text", "line", "got"),
    [("just a string\n", 1, "text 'just a string'"), ("42\n", 1, "the number 42")],
)
def test_scalar_file_is_a_clear_problem(tmp_path: Path, text: str, line: int, got: str) -> None:
    message = only_problem(tmp_path, text)
    assert message == (
        f"content/annotations/a.yaml:{line}: error: expected a mapping of paper keys to their "
        f"fields (`key: {{fields}}`) or a list of such mappings, got {got}"
    )


def test_list_of_scalars_is_a_clear_problem(tmp_path: Path) -> None:
    write(tmp_path, f"- {MIRAGE}\n- {TULU}: {{status: read}}\n")
    annotations, problems = load(tmp_path)
    assert [str(p) for p in problems] == [
        "content/annotations/a.yaml:1: error: list item 1: expected a mapping "
        f"`key: {{fields}}`, got text '{MIRAGE}'"
    ]
    assert annotations[TULU].status == "read"


def test_fields_not_a_mapping(tmp_path: Path) -> None:
    message = only_problem(tmp_path, f"{MIRAGE}: read\n")
    assert message == (
        f"content/annotations/a.yaml:1: error: expected the fields of '{MIRAGE}' as a mapping "
        "(status: read, ...), got text 'read'"
    )


def test_alias_bomb_is_an_error_not_a_hang(tmp_path: Path) -> None:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for depth in range(1, 9):
        prev = chr(ord("a") + depth - 1)
        name = chr(ord("a") + depth)
        lines.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
    write(tmp_path, "\n".join(lines) + "\n")
    started = time.monotonic()
    annotations, problems = load(tmp_path)
    assert time.monotonic() - started < 10
    assert annotations == {}
    assert len(problems) == 1
    assert "alias bomb" in str(problems[0])
    assert str(problems[0]).startswith("content/annotations/a.yaml:")


def test_not_utf8_is_a_problem(tmp_path: Path) -> None:
    path = tmp_path / "content" / "annotations" / "a.yaml"
    path.parent.mkdir(parents=True)
    path.write_bytes(f"{MIRAGE}:\n  notes: caf\xe9\n".encode("latin-1"))
    _, problems = load(tmp_path)
    assert [str(p) for p in problems] == [
        "content/annotations/a.yaml:2: error: not valid UTF-8 text; save the file as UTF-8"
    ]


_settings = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@_settings
@given(st.text())
def test_any_text_never_raises(tmp_path: Path, text: str) -> None:
    write(tmp_path, text)
    annotations, problems = load(tmp_path)
    assert isinstance(annotations, dict)
    assert all(isinstance(p, Problem) for p in problems)


_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-10, 3000), st.floats(allow_nan=False),
    st.text(max_size=20), st.sampled_from([*KEYS, *TOPICS, *STATUSES, "-rlhf", "javascript:x"]),
    st.dates(),
)  # fmt: skip
_values = st.recursive(
    _scalars,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.sampled_from([*ANNOTATION_FIELDS, "text", "page", "code", *KEYS])
            | st.text(max_size=8),
            inner,
            max_size=4,
        )
    ),
    max_leaves=20,
)
_documents = st.dictionaries(
    st.sampled_from(KEYS) | st.text(max_size=10),
    st.dictionaries(st.sampled_from(ANNOTATION_FIELDS), _values, max_size=6) | _values,
    max_size=4,
)


@_settings
@given(st.one_of(_documents, st.lists(_documents, max_size=3), _values))
def test_any_yaml_shape_never_raises(tmp_path: Path, data: Any) -> None:
    write(tmp_path, yaml.safe_dump(data, allow_unicode=True))
    annotations, problems = load(tmp_path)
    assert set(annotations) <= set(KEYS)
    for annotation in annotations.values():
        assert annotation.status in (None, *STATUSES)
        assert annotation.rating in (None, 1, 2, 3, 4, 5)
        assert all(url.startswith(("http://", "https://")) for _, url in annotation.links)
        assert set(annotation.related) <= set(KEYS)
    assert all(p.line is None or p.line >= 1 for p in problems)


def _schema() -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return schema


def test_schema_ships_in_the_package() -> None:
    assert SCHEMA_PATH.is_file()
    assert SCHEMA_PATH.parent.parent.name == "sitegen"
    assert _schema()["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_schema_fields_match_the_loader() -> None:
    annotation = _schema()["$defs"]["annotation"]
    assert annotation["additionalProperties"] is False
    assert list(annotation["properties"]) == list(ANNOTATION_FIELDS)
    assert [s for s in annotation["properties"]["status"]["enum"] if s] == list(STATUSES)


def test_schema_accepts_good_files_and_flags_typos() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schema = _schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    good = {
        MIRAGE: {
            "status": "read",
            "rating": 5,
            "tags": ["video"],
            "quotes": ["x", {"text": "y", "page": 3}],
            "links": {"code": "https://github.com/x/y"},
            "arxiv": "2406.01234",
            "doi": "10.1145/3290605.3300857",
            "read_on": "2024-06-10",
        },
        TULU: None,
    }
    assert list(validator.iter_errors(good)) == []
    assert list(validator.iter_errors([good])) == []
    assert list(validator.iter_errors(None)) == []
    for bad in (
        {MIRAGE: {"stauts": "read"}},
        {MIRAGE: {"status": "finished"}},
        {MIRAGE: {"rating": 6}},
        {MIRAGE: {"links": {"x": "javascript:alert(1)"}}},
    ):
        assert list(validator.iter_errors(bad)), bad
