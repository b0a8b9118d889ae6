"""`sitegen topics suggest`: clusters of papers as ready-to-paste topics.yaml entries."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from click.testing import CliRunner

from sitegen.cli import cli
from sitegen.suggest import cluster_count, paper_terms

from .conftest import REPO

TOPIC_KEYS = {"slug", "name", "keywords"}


def run(*args: str) -> Any:
    result = CliRunner().invoke(cli, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result


def suggest(project: Path, *options: str) -> tuple[str, list[dict[str, Any]]]:
    """The command's output and the entries it parses to."""
    result = run("-C", str(project), "topics", "suggest", *options)
    assert result.exit_code == 0, result.output
    entries = yaml.safe_load(result.stdout)
    return result.stdout, entries


def check(project: Path) -> str:
    result = run("-C", str(project), "check")
    assert result.exit_code == 0, result.output
    return str(result.output)


def unsorted_count(check_output: str) -> int:
    found = re.search(r"\((\d+) papers unsorted\)", check_output)
    assert found is not None, check_output
    return int(found.group(1))


def sample_copy(make_project: Callable[..., Path], topics: str | None = None) -> Path:
    """The sample seeds with the sample topics (or the ``topics`` given), no annotations."""
    root = make_project({"sitegen.yaml": "title: Copy\n"}, sample_seeds=True)
    if topics is None:
        shutil.copy(REPO / "content" / "topics.yaml", root / "content" / "topics.yaml")
    else:
        (root / "content" / "topics.yaml").write_text(topics, encoding="utf-8")
    return root


def test_suggest_all_on_the_sample_prints_topics_that_check_accepts(
    make_project: Callable[..., Path],
) -> None:
    text, entries = suggest(REPO, "--all")
    assert isinstance(entries, list)
    assert len(entries) == cluster_count(169) == 9
    existing = {t["slug"] for t in yaml.safe_load((REPO / "content/topics.yaml").read_text())}
    slugs = [entry["slug"] for entry in entries]
    assert len(set(slugs)) == len(slugs)
    assert not set(slugs) & (existing | {"unsorted"})
    for entry in entries:
        assert set(entry) == TOPIC_KEYS
        assert entry["name"] and isinstance(entry["name"], str)
        assert 3 <= len(entry["keywords"]) <= 6
        assert all(isinstance(k, str) and k for k in entry["keywords"])
    # Members counted in comments cover every paper once, with example titles.
    counts = [int(n) for n in re.findall(r"^  # (\d+) papers?, for example:$", text, re.M)]
    assert sum(counts) == 169
    assert "#   Mirage: an audio-to-video foundation model" in text

    project = sample_copy(make_project)
    topics = project / "content" / "topics.yaml"
    topics.write_text(topics.read_text(encoding="utf-8") + "\n" + text, encoding="utf-8")
    assert len(yaml.safe_load(topics.read_text(encoding="utf-8"))) == len(existing) + 9
    after = check(project)
    shown = len(existing) + 9 + (unsorted_count(after) > 0)  # Unsorted shows when needed
    assert f", {shown} topics (" in after
    assert "warning" not in after


def test_suggestions_are_the_same_every_run() -> None:
    first, _ = suggest(REPO, "--all", "--count", "4")
    second, _ = suggest(REPO, "--all", "--count", "4")
    assert first == second
    assert len(yaml.safe_load(first)) == 4


def test_suggest_says_so_when_every_paper_has_a_topic(make_project: Callable[..., Path]) -> None:
    project = sample_copy(make_project, "- slug: everything\n  patterns: ['\\w+']\n")
    assert unsorted_count(check(project)) == 0
    text, entries = suggest(project)
    assert entries is None  # only comments: still valid YAML to append
    assert "No unsorted papers" in text
    assert "--all" in text


def test_suggested_topics_place_the_unsorted_papers(make_project: Callable[..., Path]) -> None:
    # One narrow topic leaves most of the sample unsorted.
    project = sample_copy(make_project, "- slug: video\n  keywords: [video generation]\n")
    unsorted = unsorted_count(check(project))
    assert unsorted > 100
    text, entries = suggest(project)
    assert len(entries) == cluster_count(unsorted)
    counts = [int(n) for n in re.findall(r"^  # (\d+) papers?, for example:$", text, re.M)]
    assert sum(counts) == unsorted
    assert f"for the {unsorted} unsorted papers" in text
    topics = project / "content" / "topics.yaml"
    topics.write_text(topics.read_text(encoding="utf-8") + text, encoding="utf-8")
    # The keywords are words the papers use, so most now find a topic.
    assert unsorted_count(check(project)) < unsorted / 4


def test_suggest_refuses_a_broken_project(make_project: Callable[..., Path]) -> None:
    project = make_project({"content/topics.yaml": "- slug: Bad Slug\n"})
    result = run("-C", str(project), "topics", "suggest")
    assert result.exit_code == 1
    assert "bad topic slug" in result.output


def test_count_must_be_positive() -> None:
    result = run("-C", str(REPO), "topics", "suggest", "--count", "0")
    assert result.exit_code == 2


def test_terms_are_words_the_text_writes_side_by_side() -> None:
    terms = paper_terms("We propose reinforcement learning from human feedback for text-to-video.")
    assert "reinforcement learning" in terms
    assert "human feedback" in terms
    assert "learning human" not in terms  # "from" stood between them
    assert "video" in terms
    assert "text video" not in terms  # "to" stood between them
    assert "propose" not in terms and "learning" not in terms  # generic alone
    assert "feedback text" not in terms  # across a word the text did write: "for"


def test_cluster_count_grows_with_the_square_root() -> None:
    assert [cluster_count(n) for n in (1, 2, 8, 50, 169, 20_000)] == [1, 1, 2, 5, 9, 100]
