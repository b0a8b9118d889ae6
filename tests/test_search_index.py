"""The browser index: made from the catalogue, deterministic, incremental, clear failures."""

from __future__ import annotations

import gzip
import itertools
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import cbor2
import pytest
from click.testing import CliRunner

import sitegen.search.pagefind
import sitegen.search.records
from sitegen.build import BuildMemory, BuildResult, build_site
from sitegen.cache import StageCache
from sitegen.catalog import load_catalog
from sitegen.cli import cli
from sitegen.model import Paper
from sitegen.search import SearchIndexError, index_site
from sitegen.search.canonical import FAMILY_LIMIT, FAMILY_STEM
from sitegen.search.pagefind import shard_count
from sitegen.search.records import RecordMemory, SearchRecord
from sitegen.search.whoosh_index import index_dir
from sitegen.settings import Settings, load_settings

from .conftest import MIRAGE, copy_sample_project, tree


def _data(path: Path) -> Any:
    data = gzip.decompress(path.read_bytes())
    return data[len(b"pagefind_dcd") :]


def _shards(output: Path) -> list[Path]:
    manifest = json.loads((output / "pagefind" / "shards.json").read_text())
    return [output / "pagefind" / name for name in sorted(manifest["shards"])]


def _meta(shard: Path) -> Any:
    entry = json.loads((shard / "pagefind-entry.json").read_text())
    (language,) = entry["languages"].values()
    return cbor2.loads(_data(shard / f"pagefind.{language['hash']}.pf_meta"))


def records(output: Path) -> dict[str, dict[str, Any]]:
    """Every record of the browser index (Pagefind's fragments), by URL."""
    found = {}
    for shard in _shards(output):
        for path in (shard / "fragment").iterdir():
            data = gzip.decompress(path.read_bytes())
            record = json.loads(data[data.index(b"{") :])
            found[record["url"]] = record
    return found


def chunk_for(chunks: list[list[str]], term: str) -> str | None:
    """The word-index chunk the browser loads for ``term`` (Pagefind 1.5.2's
    ``request_indexes``: the first chunk whose bounds hold the term, else the first
    whose bounds, cut to the term's length, hold it)."""
    for first, last, name in chunks:
        if first <= term <= last:
            return name
    for first, last, name in chunks:
        if term[: len(first)] >= first and term[: len(last)] <= last:
            return name
    return None


def _pages(hits: list[Any]) -> Iterator[int]:
    """Page numbers of a word's hits (Pagefind stores each as a step from the last)."""
    page = 0
    for step, *_ in hits:
        page += step
        yield page


def find(output: Path, word: str) -> set[str]:
    """URLs of the records Pagefind's word index lists under ``word`` (a word the
    English stemmer leaves as it is), in the chunk the browser would load for it."""
    urls = set()
    for shard in _shards(output):
        meta = _meta(shard)
        pages, name = meta[1], chunk_for(meta[2], word)
        if name is None:
            continue
        words = cbor2.loads(_data(shard / "index" / f"{name}.pf_index"))[0]
        for indexed, hits, _ in words:
            if indexed == word:
                for page in _pages(hits):
                    fragment = shard / "fragment" / f"{pages[page][0]}.pf_fragment"
                    data = gzip.decompress(fragment.read_bytes())
                    urls.add(json.loads(data[data.index(b"{") :])["url"])
    return urls


def test_one_record_per_paper_with_filters_sorts_and_metadata(searchable_site: Path) -> None:
    found = records(searchable_site)
    papers = json.loads((searchable_site / "papers.json").read_text())["papers"]
    assert set(found) == {f"/papers/{p['key']}/" for p in papers}
    mirage = found[f"/papers/{MIRAGE}/"]
    assert mirage["meta"]["title"] == "Mirage: an audio-to-video foundation model"
    assert mirage["meta"]["status"] == "skimmed"
    assert mirage["meta"]["topics"] == "Video generation"
    assert mirage["filters"]["topic"] == ["video-generation"]
    assert mirage["filters"]["status"] == ["skimmed"]
    assert set(mirage["filters"]["tag"]) == {"audio", "talking-heads"}
    # the text only: title, then the paper's words, no section headings or badges
    assert mirage["content"].startswith("Mirage: an audio-to-video foundation model. ")
    assert "Abstract." not in mirage["content"] and "Status" not in mirage["content"]
    for shard in _shards(searchable_site):
        assert sorted(name for name, _ in _meta(shard)[4]) == ["date", "rating"]
    assert find(searchable_site, "mirag") == {f"/papers/{MIRAGE}/"}


def test_two_builds_give_byte_identical_indexes_whatever_the_jobs(tmp_path: Path) -> None:
    settings, _ = load_settings(copy_sample_project(tmp_path / "project"))
    first = build_site(settings.with_overrides(output_dir=str(tmp_path / "a")), jobs=1)
    second = build_site(settings.with_overrides(output_dir=str(tmp_path / "b")), jobs=2, clean=True)
    one, two = tree(first.output / "pagefind"), tree(second.output / "pagefind")
    assert one == two
    # the shards, written beside the output while pages rendered, were moved in whole
    assert sorted(path.name for path in tmp_path.iterdir()) == ["a", "b", "project"]
    assert any(name.startswith("0/filter/") for name in one)


def test_a_bare_base_template_override_builds_and_search_finds_papers(tmp_path: Path) -> None:
    root = copy_sample_project(tmp_path / "project")
    (root / "templates").mkdir()
    (root / "templates" / "base.html").write_text(
        "<!doctype html><title>Mine</title><p>My own page.</p>\n"
    )
    result = CliRunner().invoke(cli, ["-C", str(root), "build"])
    assert result.exit_code == 0, result.output
    output = root / "_site"
    assert "data-pagefind" not in (output / "papers" / MIRAGE / "index.html").read_text()
    assert len(records(output)) == 169
    assert find(output, "mirag") == {f"/papers/{MIRAGE}/"}


def _edit_summary(root: Path, new: str) -> None:
    """Put ``new`` in Mirage's summary (its annotation is in video.yaml)."""
    annotation = root / "content" / "annotations" / "video.yaml"
    text = annotation.read_text()
    old = "summary: Audio-to-video with a general self-attention training recipe"
    start = text.index(f"{MIRAGE}:")
    at = text.index("summary: ", start)
    end = text.index("\n", at)
    assert text[at:end].startswith(old) or "summary: Words " in text[at:end]
    annotation.write_text(f"{text[:at]}summary: Words {new} here.{text[end:]}")


def test_an_edited_summary_is_found_by_its_new_words_after_an_incremental_build(
    tmp_path: Path,
) -> None:
    root = copy_sample_project(tmp_path / "project")
    _edit_summary(root, "zyxqu")
    settings, _ = load_settings(root)
    build_site(settings, jobs=1)
    assert find(settings.output_path, "zyxqu") == {f"/papers/{MIRAGE}/"}

    fragments = set((settings.output_path / "pagefind" / "0" / "fragment").iterdir())
    _edit_summary(root, "blorpt")
    result = build_site(settings, jobs=1)
    assert result.rendered < 20  # incremental
    assert find(settings.output_path, "blorpt") == {f"/papers/{MIRAGE}/"}
    assert find(settings.output_path, "zyxqu") == set()
    # the other papers' files were left as they were: a deploy uploads Mirage's anew
    after = set((settings.output_path / "pagefind" / "0" / "fragment").iterdir())
    assert len(fragments - after) == len(after - fragments) == 1

    clean = _clean_build(settings, tmp_path / "clean")
    assert tree(settings.output_path / "pagefind") == tree(clean.output / "pagefind")


def _clean_build(settings: Settings, out: Path) -> BuildResult:
    """A build into ``out`` from nothing: no output, no cache on disk or in memory."""
    memory = BuildMemory(StageCache(None, remember=False))
    return build_site(settings.with_overrides(output_dir=str(out)), jobs=1, memory=memory)


def test_a_build_makes_only_the_changed_papers_records_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = copy_sample_project(tmp_path / "project")
    settings, _ = load_settings(root)
    build_site(settings, jobs=1)
    made: list[str] = []
    record = sitegen.search.records.paper_record

    def counted(paper: Paper, *args: Any) -> SearchRecord:
        made.append(paper.key)
        return record(paper, *args)

    monkeypatch.setattr(sitegen.search.records, "paper_record", counted)
    _edit_summary(root, "blorpt")
    build_site(settings, jobs=1)
    assert made == [MIRAGE]  # the other 168 papers' records were kept from the last build
    assert find(settings.output_path, "blorpt") == {f"/papers/{MIRAGE}/"}


def test_a_build_killed_while_indexing_is_made_good_by_the_next_build(tmp_path: Path) -> None:
    root = copy_sample_project(tmp_path / "project")
    settings, _ = load_settings(root)
    build_site(settings, jobs=1)
    _edit_summary(root, "blorpt")
    # A Pagefind that kills the build that started it once its pages are written: the
    # index is being written meanwhile (the build waits for this Pagefind's answer).
    page = settings.output_path / "papers" / MIRAGE / "index.html"
    killer = tmp_path / "pagefind"
    killer.write_text(
        "#!/bin/sh\n"
        f"for i in $(seq 600); do grep -q blorpt {page} && break; sleep 0.1; done\n"
        "kill -9 $PPID\n"
    )
    os.chmod(killer, 0o755)
    env = {**os.environ, "PAGEFIND_BINARY_PATH": str(killer)}
    done = subprocess.run(
        [sys.executable, "-m", "sitegen", "-C", str(root), "build"],
        env=env,
        capture_output=True,
        check=False,
    )
    assert done.returncode == -9
    assert "blorpt" in (settings.output_path / "papers" / MIRAGE / "index.html").read_text()
    assert find(settings.output_path, "blorpt") == set()  # stale, for now

    build_site(settings, jobs=1)
    assert find(settings.output_path, "blorpt") == {f"/papers/{MIRAGE}/"}
    clean = _clean_build(settings, tmp_path / "clean")
    assert tree(settings.output_path / "pagefind") == tree(clean.output / "pagefind")
    leftovers = [p.name for p in tmp_path.iterdir() if "staging" in p.name]
    leftovers += [p.name for p in root.iterdir() if "staging" in p.name]
    assert leftovers == []


def test_unchanged_records_rewrite_nothing(tmp_path: Path) -> None:
    settings, _ = load_settings(copy_sample_project(tmp_path / "project"))
    build_site(settings, jobs=1)
    before = {p: p.stat().st_mtime_ns for p in (settings.output_path / "pagefind").rglob("*")}
    result = index_site(load_catalog(settings), settings, settings.output_path)
    assert not result.browser and result.shards == ()
    after = {p: p.stat().st_mtime_ns for p in (settings.output_path / "pagefind").rglob("*")}
    assert {p: t for p, t in after.items() if p.name != "shards.json"} == {
        p: t for p, t in before.items() if p.name != "shards.json"
    }


def test_large_catalogues_are_split_into_shards_small_ones_not() -> None:
    assert shard_count(169) == 1
    assert shard_count(1_500) == 1
    assert shard_count(3_000) == 2
    assert shard_count(10_000) == shard_count(100_000) == 6
    assert shard_count(10_000, preview=True) == 40
    assert shard_count(100_000, preview=True) == 64


def test_every_word_of_a_sharded_index_is_in_the_chunk_the_browser_loads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings, _ = load_settings(copy_sample_project(tmp_path / "project"))
    monkeypatch.setattr(sitegen.search.pagefind, "PAPERS_PER_SHARD", 50)
    monkeypatch.setattr(sitegen.search.pagefind, "PAGEFIND_CHUNK", 2_000)
    build_site(settings, jobs=1)
    shards = _shards(settings.output_path)
    assert len(shards) == 4
    for shard in shards:
        chunks = _meta(shard)[2]
        assert len(chunks) > 3  # 500 postings a chunk
        for (_, last, _), (first, _, _) in itertools.pairwise(chunks):
            assert last < first
        held = {}  # word -> (its chunk, whether the chunk grew to its limit)
        for _, _, name in chunks:
            words = cbor2.loads(_data(shard / "index" / f"{name}.pf_index"))[0]
            full = sum(len(p[1]) + len(p[2]) + 1 for w in words for p in w[1]) >= FAMILY_LIMIT * 500
            for word, *_ in words:
                assert chunk_for(chunks, word) == name, (shard.name, word)
                held[word] = (name, full)
        # The browser loads the chunks of a query word and of its stem: a stem and the
        # words that extend it are not cut apart (unless that chunk grew to its limit).
        extended = [
            (a, b) for a, b in itertools.pairwise(held) if b.startswith(a) and len(a) >= FAMILY_STEM
        ]
        assert extended
        for stem, word in extended:
            assert held[stem][0] == held[word][0] or held[stem][1], (shard.name, stem, word)
    assert find(settings.output_path, "mirag") == {f"/papers/{MIRAGE}/"}


def test_serve_indexes_in_small_shards_and_the_next_build_makes_the_deployed_index(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = copy_sample_project(tmp_path / "project")
    settings, _ = load_settings(root)
    output = settings.output_path
    build_site(settings, jobs=1, index_search=False)
    monkeypatch.setattr(sitegen.search.pagefind, "PREVIEW_PAPERS_PER_SHARD", 50)
    memory: RecordMemory = {}
    result = index_site(load_catalog(settings), settings, output, preview=memory)
    assert result.shards == ("0", "1", "2", "3")
    assert find(output, "mirag") == {f"/papers/{MIRAGE}/"}

    _edit_summary(root, "blorpt")
    result = index_site(load_catalog(settings), settings, output, preview=memory)
    assert len(result.shards) == 1  # the edited paper's shard only
    assert find(output, "blorpt") == {f"/papers/{MIRAGE}/"}

    build_site(settings, jobs=1)
    assert len(_shards(output)) == 1
    clean = _clean_build(settings, tmp_path / "clean")
    assert tree(output / "pagefind") == tree(clean.output / "pagefind")


def test_the_terminal_index_is_made_by_the_first_search_and_kept_current_by_builds(
    tmp_path: Path,
) -> None:
    root = copy_sample_project(tmp_path / "project")
    settings, _ = load_settings(root)
    build_site(settings, jobs=1)
    assert not index_dir(root).exists()  # a cold build does not pay for it

    searched = CliRunner().invoke(cli, ["-C", str(root), "search", "--json", "zyxqu"])
    assert MIRAGE not in searched.stdout
    assert index_dir(root).is_dir()

    _edit_summary(root, "zyxqu")
    build_site(settings, jobs=1)
    found = CliRunner().invoke(cli, ["-C", str(root), "search", "--json", "zyxqu"])
    assert found.exit_code == 0, found.output
    assert MIRAGE in found.stdout


def test_a_pagefind_failure_fails_the_build_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = copy_sample_project(tmp_path / "project")
    fake = tmp_path / "pagefind"
    fake.write_text("#!/bin/sh\necho 'Error: the index exploded' >&2\nexit 3\n")
    os.chmod(fake, 0o755)
    monkeypatch.setenv("PAGEFIND_BINARY_PATH", str(fake))
    result = CliRunner().invoke(cli, ["-C", str(root), "build"])
    assert result.exit_code == 1
    assert "error: search index: Pagefind could not index" in result.stderr
    assert "the index exploded" in result.stderr
    assert "Traceback" not in result.output
    assert not any("staging" in path.name for path in root.iterdir())


def test_the_browser_index_starts_before_related_papers_are_chosen(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Related papers keep one core busy for seconds at 10,000 papers; Pagefind, which
    # needs none of them, works meanwhile on the other.
    import sitegen.catalog
    import sitegen.search

    order: list[str] = []
    start, related = sitegen.search.start_indexing, sitegen.catalog.related_indexes

    def starting(*args: Any, **kwargs: Any) -> Any:
        order.append("index")
        return start(*args, **kwargs)

    def relating(*args: Any, **kwargs: Any) -> Any:
        order.append("related")
        return related(*args, **kwargs)

    monkeypatch.setattr(sitegen.search, "start_indexing", starting)
    monkeypatch.setattr(sitegen.catalog, "related_indexes", relating)
    settings, _ = load_settings(copy_sample_project(tmp_path / "project"))
    result = build_site(settings, jobs=1)
    assert order == ["index", "related"]
    assert (result.output / "pagefind/shards.json").is_file()
    assert all(paper.related for paper in result.catalog.papers[:20])


def test_an_index_that_fails_after_writing_shards_leaves_none_beside_the_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A cold build writes its shards beside the output while pages render
    # (<out>.sitegen-index/); when indexing then fails, the pages stay and those go.
    settings, _ = load_settings(copy_sample_project(tmp_path / "project"))
    spill = settings.output_path.with_name(settings.output_path.name + ".sitegen-index")
    written: list[bool] = []

    def failing(files: Any) -> str:
        written.append((spill / "0" / "pagefind-entry.json").is_file())
        raise sitegen.search.pagefind.PagefindError("Pagefind stopped")

    monkeypatch.setattr(sitegen.search.pagefind, "meta_of", failing)
    with pytest.raises(SearchIndexError, match="Pagefind stopped"):
        build_site(settings, jobs=1)
    assert written == [True]
    assert not spill.exists()
    assert (settings.output_path / "index.html").is_file()
