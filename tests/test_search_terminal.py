"""`sitegen search`: the Whoosh index in the build cache, ranking, field queries, updates."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from sitegen.catalog import load_catalog
from sitegen.cli import cli
from sitegen.model import Catalog
from sitegen.search.terminal import search_index
from sitegen.search.whoosh_index import index_dir
from sitegen.settings import load_settings

from .conftest import MIRAGE, REPO, copy_sample_project

TAGGED = "pre-train-prompt-and-predict-a-systematic-survey-of"
"""A sample paper no sample annotation touches; the tests tag it."""
EXTRA_ANNOTATION = f"{TAGGED}:\n  tags: [quokka-tag]\n  status: queued\n"


def search(root: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["-C", str(root), "search", *args])


def search_json(root: Path, *args: str) -> list[dict[str, Any]]:
    result = search(root, *args, "--json", "--limit", "200")
    assert result.exit_code == 0, result.output
    results: list[dict[str, Any]] = json.loads(result.stdout)["results"]
    return results


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample project plus one tagging annotation, never built: search indexes it itself."""
    root = copy_sample_project(tmp_path_factory.mktemp("search") / "project")
    (root / "content" / "annotations" / "extra.yaml").write_text(EXTRA_ANNOTATION)
    return root


@pytest.fixture(scope="module")
def catalog(project: Path) -> Catalog:
    return load_catalog(load_settings(project)[0])


def test_search_works_before_any_build_and_keeps_its_index_in_the_cache(project: Path) -> None:
    results = search_json(project, "audio-to-video")
    assert results[0]["key"] == MIRAGE
    assert (index_dir(project) / "sitegen-state.json").is_file()
    assert not (project / "_site").exists()


def test_every_exact_title_ranks_its_own_paper_first(project: Path, catalog: Catalog) -> None:
    search(project, "warm-up")  # builds the index
    settings = load_settings(project)[0]
    misses = []
    for paper in catalog.papers:
        hits = search_index(settings, paper.title.plain, limit=1).hits
        if not hits or hits[0].key != paper.key:
            misses.append((paper.title.plain, hits[0].key if hits else None))
    assert misses == []
    react = "react-synergizing-reasoning-and-acting-in-language-models"
    assert search_json(project, catalog.paper(react).title.plain)[0]["key"] == react


def test_audio_to_video_finds_mirage_first(project: Path) -> None:
    results = search_json(project, "audio-to-video")
    assert results[0]["key"] == MIRAGE
    assert results[0]["title"] == "Mirage: an audio-to-video foundation model"


def test_field_queries(project: Path, catalog: Catalog) -> None:
    assert search_json(project, "title:mirage")[0]["key"] == MIRAGE
    assert [r["key"] for r in search_json(project, "tag:quokka-tag")] == [TAGGED]
    assert [r["key"] for r in search_json(project, "tags:Quokka-Tag")] == [TAGGED]
    in_topic = {p.key for p in catalog.papers_in_topic("video-generation")}
    found = {r["key"] for r in search_json(project, "topic:video-generation")}
    assert found == in_topic and len(found) > 5
    read = {r["key"] for r in search_json(project, "agent status:read")}
    assert read and all(catalog.paper(key).status == "read" for key in read)


def test_a_fuzzy_term_forgives_a_typo(project: Path, catalog: Catalog) -> None:
    assert search_json(project, "diffusoin") == []
    results = search_json(project, "diffusoin~")
    assert len(results) >= 5
    for record in results:
        paper = catalog.paper(record["key"])
        text = f"{paper.title.plain} {paper.abstract.plain} {paper.summary} {paper.notes}"
        assert "diffusion" in text.lower()


def test_json_output_is_ranked_best_first(project: Path) -> None:
    results = search_json(project, "video diffusion")
    assert len(results) > 3
    for record in results:
        assert set(record) == {"key", "title", "score", "topics", "url", "file"}
        assert record["url"] == f"/papers/{record['key']}/"
        assert isinstance(record["topics"], list)
    scores = [r["score"] for r in results]
    assert scores == sorted(scores, reverse=True)
    mirage = search_json(project, "audio-to-video")[0]
    assert mirage["file"].startswith("content/annotations/video.yaml:")
    assert mirage["topics"] == ["video-generation"]


def test_output_for_scripts_is_tab_separated_key_title_topics_and_file(project: Path) -> None:
    result = search(project, "audio-to-video", "--limit", "3")
    assert result.exit_code == 0
    first = result.stdout.splitlines()[0]
    key, title, topics, file = first.split("\t")
    assert (key, title, topics) == (
        MIRAGE,
        "Mirage: an audio-to-video foundation model",
        "video-generation",
    )
    assert file.startswith("content/annotations/video.yaml:")
    assert len(result.stdout.splitlines()) == 3


def test_topic_and_status_options_filter(project: Path, catalog: Catalog) -> None:
    talking = search_json(project, "video", "--topic", "talking-heads")
    assert talking and all("talking-heads" in r["topics"] for r in talking)
    assert len(talking) < len(search_json(project, "video"))
    queued = search_json(project, "prompting", "--status", "queued")
    assert TAGGED in {r["key"] for r in queued}
    assert all(catalog.paper(r["key"]).status == "queued" for r in queued)
    unread = search_json(project, "audio-to-video", "--status", "unread")
    assert unread and MIRAGE not in {r["key"] for r in unread}  # Mirage is skimmed


def test_no_results_is_a_friendly_message(project: Path) -> None:
    result = search(project, "xyzzyplugh")
    assert result.exit_code == 0
    assert "No papers match 'xyzzyplugh'" in result.stdout


def test_bad_queries_and_unknown_topics_are_usage_errors(project: Path) -> None:
    result = search(project, "titel:mirage")
    assert result.exit_code == 2
    assert "unknown field titel: (did you mean title:?)" in result.stderr
    result = search(project, "video", "--topic", "vidoe-generation")
    assert result.exit_code == 2
    assert "did you mean video-generation" in result.stderr
    assert search(project, "video", "--status", "finished").exit_code == 2


def test_an_edited_summary_is_found_and_only_that_paper_is_reindexed(
    make_project: Callable[..., Path],
) -> None:
    root = make_project(sample_seeds=True)
    shutil.rmtree(root / "content")
    shutil.copytree(REPO / "content", root / "content")
    first = CliRunner().invoke(cli, ["-C", str(root), "-v", "search", "zanzibarquux"])
    assert first.exit_code == 0
    assert "169 added" in first.stderr
    assert "No papers match" in first.stdout

    annotations = root / "content" / "annotations" / "video.yaml"
    text = annotations.read_text()
    old = "  summary: Audio-to-video with a general self-attention training recipe"
    assert text.count(old) == 1
    annotations.write_text(text.replace(old, "  summary: Zanzibarquux audio-to-video"))

    second = CliRunner().invoke(cli, ["-C", str(root), "-v", "search", "zanzibarquux", "--json"])
    assert second.exit_code == 0, second.output
    assert "0 added, 1 updated, 0 removed, 169 papers" in second.stderr
    assert [r["key"] for r in json.loads(second.stdout)["results"]] == [MIRAGE]

    third = CliRunner().invoke(cli, ["-C", str(root), "-v", "search", "zanzibarquux"])
    assert "terminal search index" not in third.stderr  # inputs unchanged: index not touched
    assert third.stdout.startswith(MIRAGE)


def test_a_removed_paper_leaves_the_index(make_project: Callable[..., Path]) -> None:
    root = make_project(sample_seeds=True)
    assert search_json(root, "audio-to-video")[0]["key"] == MIRAGE
    for seed in (root / "seeds").iterdir():
        lines = seed.read_text().splitlines(keepends=True)
        kept = [line for line in lines if "From professional filmmaking to user-gen" not in line]
        seed.write_text("".join(kept))
    result = CliRunner().invoke(cli, ["-C", str(root), "-v", "search", "audio-to-video", "--json"])
    assert "1 removed" in result.stderr
    assert MIRAGE not in {r["key"] for r in json.loads(result.stdout)["results"]}
