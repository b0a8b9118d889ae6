"""YAML limits count what aliases expand to: honest files of any size load, bombs do not."""

from __future__ import annotations

import pytest

import sitegen.yamlfile
from sitegen.yamlfile import MAX_NODES, parse_yaml


def test_values_written_out_count_for_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sitegen.yamlfile, "MAX_NODES", 100)
    text = "".join(f"paper-{number}:\n  status: read\n  tags: [a, b]\n" for number in range(500))
    doc, problems = parse_yaml(text, "a.yaml")
    assert problems == [] and doc is not None and len(doc.data) == 500


@pytest.mark.slow  # tens of seconds: libyaml composes 800,000 lines
def test_two_hundred_thousand_honest_entries_in_one_file() -> None:
    text = "".join(
        f"paper-{number}:\n  status: read\n  rating: 4\n  tags: [a, b]\n"
        for number in range(200_000)
    )
    doc, problems = parse_yaml(text, "content/annotations/annotations.yaml")
    assert problems == []
    assert doc is not None and len(doc.data) == 200_000
    assert doc.data["paper-199999"] == {"status": "read", "rating": 4, "tags": ["a", "b"]}
    assert doc.line("paper-199999", "rating") == 799_999


def test_merge_keys_and_a_few_aliases_are_honest() -> None:
    text = "base: &base {status: read, tags: [a, b]}\n" + "".join(
        f"paper-{number}:\n  <<: *base\n  rating: 3\n" for number in range(1_000)
    )
    doc, problems = parse_yaml(text, "a.yaml")
    assert problems == [] and doc is not None
    assert doc.data["paper-999"] == {"status": "read", "tags": ["a", "b"], "rating": 3}


def test_an_alias_bomb_fails_with_file_and_line() -> None:
    lines = ["a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for depth in range(1, 9):
        lines.append(
            f"{chr(97 + depth)}: &{chr(97 + depth)} ["
            + ", ".join([f"*{chr(96 + depth)}"] * 9)
            + "]"
        )
    doc, problems = parse_yaml("\n".join(lines) + "\n", "content/annotations/bomb.yaml")
    assert doc is None
    assert [p.file for p in problems] == ["content/annotations/bomb.yaml"]
    assert problems[0].line is not None
    assert f"aliases expand to more than {MAX_NODES:,} values (alias bomb?)" in problems[0].message
