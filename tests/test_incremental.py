"""Incremental builds: nothing changed writes nothing, and an incremental build equals a clean one.

Builds here skip the search index (Pagefind) to stay fast; the index has its own tests.
"""

from __future__ import annotations

import gc
import importlib.util
import json
import os
import shutil
import sqlite3
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jinja2.bccache import bc_magic

import sitegen.build
import sitegen.incremental
import sitegen.output
import sitegen.workers
from sitegen.build import BuildMemory, BuildResult, build_site
from sitegen.cache import StageCache
from sitegen.catalog import load, load_catalog
from sitegen.cli import cli
from sitegen.model import STATUSES, InputError
from sitegen.render import theme_dir
from sitegen.settings import Settings, load_settings

TOPICS = """\
- slug: video
  name: Video
  keywords: [video generation, video diffusion]
- slug: agents
  name: Agents
  keywords: [agent*, tool use]
- slug: rl
  name: Reinforcement learning
  keywords: [reinforcement learning, reward]
"""
SUBJECTS = (
    ("Video Diffusion", "video generation with temporal attention over frames"),
    ("Tool Use Agents", "language agents that call tools and plan over web pages"),
    ("Reward Models", "reinforcement learning from human feedback with reward models"),
    ("Motion Priors", "video diffusion priors for camera motion and consistency"),
    ("Browser Agents", "agents that browse the web and fill forms with tool use"),
    ("Offline Policies", "offline reinforcement learning of policies from logged reward"),
)
HEADER = "new\n\nGet trending papers in your email inbox!\n\nSubscribe\n\n"


def _paper(number: int) -> tuple[str, str]:
    subject, words = SUBJECTS[number % len(SUBJECTS)]
    title = f"Model{number}: {subject} at Scale {number}"
    abstract = (
        f"We introduce Model{number}, a study of {words}. "
        f"Experiments on benchmark {number} show gains in {words.split()[0]} quality."
    )
    return title, abstract


def _seed(numbers: range, date: str) -> str:
    return HEADER + f"{date}\n\n" + "".join("{}\n\n{}\n\n".format(*_paper(n)) for n in numbers)


PAPERS = 14


def _files() -> dict[str, str]:
    return {
        "sitegen.yaml": "title: Incremental test\nrelated_count: 3\n",
        "seeds/a.txt": _seed(range(0, 8), "Mar 1"),
        "seeds/b.txt": _seed(range(8, PAPERS), "Mar 2"),
        "content/topics.yaml": TOPICS,
    }


def _age_inputs(root: Path, seconds: float = 3600) -> None:
    """Date every input file in the past, as files not edited this very moment are."""
    past = time.time() - seconds
    for path in root.rglob("*"):
        if path.is_file() and "_site" not in path.parts and ".sitegen-cache" not in path.parts:
            os.utime(path, (past, past))


@pytest.fixture
def project(make_project: Callable[..., Path]) -> Path:
    """A 14-paper project with two seed files and three topics, its inputs an hour old."""
    root = make_project(_files())
    _age_inputs(root)
    return root


def _settings(root: Path, out: str = "_site") -> Settings:
    settings, problems = load_settings(root)
    assert not problems
    return settings.with_overrides(output_dir=out)


def _build(root: Path, out: str = "_site", **options: Any) -> BuildResult:
    options.setdefault("jobs", 1)
    return build_site(_settings(root, out), index_search=False, **options)


def _fresh(root: Path) -> BuildResult:
    """A build into ``fresh/`` from nothing: no output, no cache on disk or in memory."""
    return _build(root, "fresh", clean=True, memory=BuildMemory(StageCache(None, remember=False)))


def _tree(folder: Path) -> dict[str, bytes]:
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def _mtimes(folder: Path) -> dict[str, int]:
    return {
        path.relative_to(folder).as_posix(): path.stat().st_mtime_ns
        for path in folder.rglob("*")
        if path.is_file()
    }


def _keys(root: Path) -> list[str]:
    return [p.key for p in load_catalog(load_settings(root)[0]).papers]


def test_a_no_change_rebuild_stops_early_and_writes_nothing(project: Path) -> None:
    first = _build(project)
    assert len(first.written) > 30
    before = _mtimes(first.output)
    second = _build(project)
    assert second.unchanged, "inputs an hour old and untouched: nothing to load"
    assert second.written == [] and second.removed == []
    assert _mtimes(first.output) == before
    assert second.pages == first.pages
    assert [p.key for p in second.catalog.papers] == [p.key for p in first.catalog.papers]


def test_a_no_change_rebuild_still_needs_the_search_index(project: Path) -> None:
    from sitegen.search.pagefind import BUNDLE, MANIFEST

    assert f"{BUNDLE}/{MANIFEST}" == sitegen.build.SEARCH_BUNDLE
    settings = _settings(project)
    build_site(settings, jobs=1)
    assert build_site(settings, jobs=1).unchanged
    shutil.rmtree(settings.output_path / BUNDLE)
    again = build_site(settings, jobs=1)
    assert not again.unchanged
    assert (settings.output_path / sitegen.build.SEARCH_BUNDLE).is_file()


def test_touching_an_input_checks_everything_and_still_writes_nothing(project: Path) -> None:
    first = _build(project)
    before = _mtimes(first.output)
    os.utime(project / "seeds/a.txt")  # saved again without a change
    second = _build(project)
    assert not second.unchanged
    assert second.written == [] and second.removed == [] and second.rendered == 0
    assert _mtimes(first.output) == before


def _tamper(out: Path, keys: list[str]) -> dict[Path, bytes]:
    """Vandalise, truncate, lengthen and delete outputs; what each held."""
    pages = [out / "papers" / key / "index.html" for key in keys[:3]]
    pages.append(out / "topics/video/index.html")
    good = {page: page.read_bytes() for page in pages}
    pages[0].write_bytes(b"vandalised")
    pages[1].write_bytes(good[pages[1]][:-100])
    pages[2].write_bytes(good[pages[2]] + b"<!-- more -->")
    pages[3].unlink()
    return good


def test_a_tampered_or_deleted_output_is_made_again(project: Path) -> None:
    out = _build(project).output
    good = _tamper(out, _keys(project))
    result = _build(project)
    assert sorted(result.written) == sorted(p.relative_to(out).as_posix() for p in good)
    assert {page: page.read_bytes() for page in good} == good


def test_sitegen_serve_makes_outputs_changed_between_builds_again(project: Path) -> None:
    # sitegen serve checks the outputs after each build and trusts that check next time
    memory = BuildMemory.for_project(project)
    settings = _settings(project)
    out = build_site(settings, index_search=False, memory=memory).output
    keys = _keys(project)
    good = _tamper(out, keys)
    sitegen.build.check_outputs(settings, memory)
    os.utime(project / "seeds/a.txt")  # an input saved again, unchanged: no page's digest moves
    result = build_site(settings, index_search=False, memory=memory)
    assert sorted(result.written) == sorted(p.relative_to(out).as_posix() for p in good)
    assert {page: page.read_bytes() for page in good} == good


def test_sitegen_serve_after_a_build_failing_on_a_template_shows_the_edit(
    project: Path,
) -> None:
    # An edit saved with paper.html broken (not UTF-8: its digest cannot be taken), then
    # paper.html mended: the edited paper's page must show the edit, as a clean build's.
    memory = BuildMemory.for_project(project)
    keys = _keys(project)
    editor = Editor(project, keys)
    _build(project, memory=memory)
    editor.apply(("annotation", 2, ("summary", "A summary saved while paper.html was broken")))
    broken = project / "templates" / "paper.html"
    broken.parent.mkdir(exist_ok=True)
    broken.write_bytes((theme_dir() / "templates" / "paper.html").read_bytes() + b"\xff")
    with pytest.raises(InputError):
        _build(project, memory=memory)
    broken.unlink()
    kept = _build(project, memory=memory)
    assert f"papers/{keys[2]}/index.html" in kept.written
    assert _tree(kept.output) == _tree(_fresh(project).output)


def test_big_outputs_set_aside_before_replacing_leave_the_same_site(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sitegen.output, "LARGE_OUTPUT", 0)  # every output counts as big
    out = _build(project).output
    keys = _keys(project)
    Editor(project, keys).apply(("annotation", 1, ("status", "read")))
    result = _build(project)
    assert "papers.json" in result.written and f"papers/{keys[1]}/index.html" in result.written
    assert _tree(out) == _tree(_fresh(project).output)
    assert not list(project.rglob("*sitegen-pending*")) and not list(project.rglob("*.sitegen-tmp"))


def test_an_edit_the_exports_do_not_show_leaves_them_unwritten(project: Path) -> None:
    editor = Editor(project, _keys(project))
    out = _build(project).output
    before = _mtimes(out)
    editor.apply(("annotation", 2, ("rating", 5)))  # in papers.json, not in BibTeX or CSL
    result = _build(project)
    exports = ["papers.bib", "papers.csl.json", "topics/rl/papers.bib"]
    assert "papers.json" in result.written and not set(exports) & set(result.written)
    assert {name: _mtimes(out)[name] for name in exports} == {n: before[n] for n in exports}
    assert not list(project.rglob("*sitegen-pending*")) and not list(project.rglob("*.sitegen-tmp"))


def test_pages_rendered_again_to_the_same_bytes_are_not_written(project: Path) -> None:
    out = _build(project).output
    before = _mtimes(out)
    template = project / "templates/paper.html"
    template.parent.mkdir(exist_ok=True)
    theme = (theme_dir() / "templates/paper.html").read_text(encoding="utf-8")
    template.write_text("{# a note to self #}" + theme, encoding="utf-8")
    result = _build(project)
    papers = [name for name in before if name.startswith("papers/")]
    assert result.rendered >= len(papers) > 10, "a changed template renders its pages again"
    assert result.written == []
    assert _mtimes(out) == before
    assert not list(project.rglob("*sitegen-pending*")) and not list(project.rglob("*.sitegen-tmp"))


@pytest.mark.parametrize("serve", [False, True], ids=["cli", "serve"])
def test_deleting_a_paper_removes_its_page_and_every_link_to_it(project: Path, serve: bool) -> None:
    # serve: one BuildMemory held across builds (the seeds' digest, papers and plan kept)
    memory = BuildMemory.for_project(project) if serve else None
    out = _build(project, memory=memory).output
    title, abstract = _paper(3)
    key = next(k for k in _keys(project) if k.startswith("model3-"))
    assert any(
        f"papers/{key}/".encode() in data for name, data in _tree(out).items() if key not in name
    )
    seed = project / "seeds/a.txt"
    seed.write_text(seed.read_text().replace(f"{title}\n\n{abstract}\n\n", ""))
    result = _build(project, memory=memory)
    assert f"papers/{key}/index.html" in result.removed
    assert not (out / "papers" / key).exists()
    for name, data in _tree(out).items():
        assert key.encode() not in data, f"{name} still names the deleted paper"
    assert _tree(out) == _tree(_fresh(project).output)


def test_notes_leave_related_papers_as_they_were(project: Path) -> None:
    # Related papers come from what the papers say: notes about reward models on a
    # video paper neither move its related list nor make related papers again.
    stages = StageCache.for_project(project)
    settings = _settings(project)
    before = load(settings, stages=stages).catalog
    assert before is not None
    video = next(p for p in before.papers if p.key.startswith("model0-"))
    notes = "Offline reinforcement learning of reward models and policies from logged reward."
    (project / "content/annotations").mkdir(parents=True, exist_ok=True)
    (project / "content/annotations/notes.yaml").write_text(
        f"{video.key}:\n  notes: {notes} {notes}\n", encoding="utf-8"
    )
    stages.hits.clear()
    after = load(settings, stages=stages).catalog
    assert after is not None and after.paper(video.key).notes
    assert "related" in stages.hits
    assert [p.related for p in after.papers] == [p.related for p in before.papers]


@pytest.mark.parametrize("serve", [False, True], ids=["cli", "serve"])
def test_annotations_moved_to_other_lines_leave_their_pages_alone(
    project: Path, serve: bool
) -> None:
    # Notes added to the first paper of the file move every later annotation down;
    # pages name the annotation's file, not its line, so only the edited paper's change.
    memory = BuildMemory.for_project(project) if serve else None
    keys = _keys(project)
    editor = Editor(project, keys)
    _build(project, memory=memory)
    first = min(keys)  # the file lists papers by key
    editor.apply(("annotation", keys.index(first), ("notes", "One line.\nAnd another.")))
    result = _build(project, memory=memory)
    papers = [name for name in result.written if name.startswith("papers/")]
    assert papers == [f"papers/{first}/index.html"]
    assert _tree(result.output) == _tree(_fresh(project).output)


def test_a_template_change_renders_only_the_pages_using_it(project: Path) -> None:
    _build(project)
    annotations = project / "content/annotations/notes.yaml"
    key = _keys(project)[0]
    annotations.write_text(f"{key}:\n  tags: [stripes, zebra]\n")
    with_tags = _build(project)
    tag_pages = {
        n
        for n in with_tags.written
        if n.startswith("tags/") and n.endswith("/index.html") and n != "tags/index.html"
    }
    assert len(tag_pages) == 2
    assert {"tags/zebra/feed.xml", "tags/stripes/feed.xml"} <= set(with_tags.written)
    (project / "templates").mkdir()
    (project / "templates/tag.html").write_text(
        "{% extends 'base.html' %}{% block content %}<h1>Tag {{ tag }}</h1>{% endblock %}"
    )
    result = _build(project)
    assert result.rendered == len(tag_pages)
    assert set(result.written) == tag_pages
    assert b"<h1>Tag zebra</h1>" in (result.output / "tags/zebra/index.html").read_bytes()


def test_compiled_templates_kept_between_builds_follow_edits_and_damage(project: Path) -> None:
    # `sitegen build` keeps compiled templates in .sitegen-cache/templates/; a template
    # edited since is compiled again, and so is one whose compiled file was cut short.
    key = _keys(project)[0]
    (project / "content/annotations/notes.yaml").write_text(f"{key}:\n  tags: [zebra]\n")
    (project / "templates").mkdir()
    tag = project / "templates/tag.html"
    for word in ["One", "Two", "Three"]:
        tag.write_text(f"{{% extends 'base.html' %}}{{% block content %}}{word}{{% endblock %}}")
        if word == "Three":
            for compiled in (project / ".sitegen-cache/templates").iterdir():
                compiled.write_bytes(compiled.read_bytes()[: len(bc_magic) + 5])
        built = _build(project)
        page = (built.output / "tags/zebra/index.html").read_text()
        assert f'<div class="wrap">\n{word}</div>' in page
    assert _tree(built.output) == _tree(_fresh(project).output)


def test_compiled_templates_kept_between_builds_follow_the_base_path(project: Path) -> None:
    # Jinja calls a filter on a constant when it compiles ('search/'|url): a template
    # compiled for one base path and kept must not link the next build's pages there.
    for base in ["/one/", "/two/"]:
        built = build_site(_settings(project).with_overrides(base_url=base), index_search=False)
        pages = {name: data for name, data in _tree(built.output).items() if name.endswith(".html")}
        assert f'action="{base}search/"'.encode() in pages["index.html"]
        assert f'href="{base}topics/'.encode() in pages["index.html"]
        assert not [name for name, data in pages.items() if b"/one/" in data and base != "/one/"]


def test_a_build_leaves_nothing_frozen_from_the_cycle_collector(project: Path) -> None:
    # build_site freezes what it made while it finishes (sitegen.build._collector_paused):
    # a caller building again and again in one process must not keep it all for good.
    _build(project)
    assert gc.get_freeze_count() == 0
    (project / "content/annotations/bad.yaml").write_text("no-such-paper: {rating: 9}\n")
    with pytest.raises(InputError):
        _build(project)
    assert gc.get_freeze_count() == 0


def test_a_settings_change_renders_every_page_again(project: Path) -> None:
    first = _build(project)
    html = {n for n in first.written if n.endswith(".html")}
    (project / "sitegen.yaml").write_text("title: Renamed list\nrelated_count: 3\n")
    result = _build(project)
    assert html <= set(result.written)
    assert b"Renamed list" in (result.output / "index.html").read_bytes()


def test_an_unreadable_or_outdated_cache_means_a_full_build(project: Path) -> None:
    out = _build(project).output
    reference = _tree(out)
    cache = next((project / ".sitegen-cache").glob("build-*.sqlite"))
    with sqlite3.connect(cache) as db:
        db.execute("UPDATE meta SET value='0' WHERE name='version'")
    db.close()
    result = _build(project)
    assert len(result.written) == len(reference) - 1  # all but the .sitegen marker
    assert _tree(out) == reference
    cache.write_bytes(b"not a database")
    for stage in (project / ".sitegen-cache/stages").glob("*.pickle"):
        header = stage.read_bytes().split(b"\n", 1)[0]
        stage.write_bytes(header + b"\nnot a pickle")  # a current key, a damaged value
    assert _build(project).written
    assert _tree(out) == reference


@pytest.mark.parametrize("start", ["fork", "spawn"])
def test_jobs_do_not_change_the_output(
    project: Path, monkeypatch: pytest.MonkeyPatch, start: str
) -> None:
    if sys.platform == "win32":
        pytest.skip("parallel rendering forks")
    monkeypatch.setattr(sitegen.workers, "PARALLEL_THRESHOLD", 0)  # use workers even for 40 pages
    if start == "spawn":  # as a large site's workers start
        monkeypatch.setattr(sitegen.workers, "SPAWN_PAGES", 0)
    one = _build(project, "one", jobs=1)
    two = _build(project, "two", jobs=2)
    assert one.rendered == two.rendered > 30
    assert _tree(one.output) == _tree(two.output)


def test_verbose_build_names_each_phase(project: Path) -> None:
    result = CliRunner().invoke(cli, ["-C", str(project), "-v", "build"])
    assert result.exit_code == 0, result.output
    phases = result.output.split("phases: ")[1].splitlines()[0]
    names = [part.split()[0] for part in phases.split(", ")]
    expected = ["load", "catalog", "related", "plan", "digest", "render", "write", "index"]
    assert names == expected[: len(names)] and len(names) >= 7  # index: when search is built


# Random edits: an incremental build must equal a clean build of the same inputs.

FIELDS = {
    "status": st.sampled_from(STATUSES),
    "rating": st.integers(1, 5),
    "summary": st.text("abcxyz <&>*_", min_size=1, max_size=12).map(str.strip).filter(bool),
    "tags": st.lists(st.sampled_from(["alpha", "beta", "Gamma", "delta"]), max_size=3),
    "notes": st.sampled_from(
        ["Short note.", "Compare *video diffusion* with [reward](https://example.org).", ""]
    ),
    # Title, authors and year make the BibTeX entry and citation key (papers sharing
    # a stem get suffixes), shown on the paper page and in every export.
    "title": st.sampled_from(["Video Scale Study", "Video Agents Again", "Reward Everything"]),
    "authors": st.sampled_from([["Ada Lovelace"], ["Alan Turing", "Ada Lovelace"], []]),
    "year": st.integers(2019, 2025),
}
annotation_edit = st.tuples(
    st.just("annotation"),
    st.integers(0, PAPERS - 1),
    st.sampled_from(sorted(FIELDS)).flatmap(lambda name: st.tuples(st.just(name), FIELDS[name])),
)
topic_edit = st.tuples(
    st.just("topic"),
    st.sampled_from(["video", "agents", "rl"]),
    st.sampled_from(["scale", "benchmark", "web", "frames", "-"]),
)
template_edit = st.tuples(
    st.just("template"),
    st.sampled_from(["paper.html", "topic.html"]),
    st.sampled_from(["override", "another", "remove"]),
)
edits = st.lists(
    st.one_of(annotation_edit, annotation_edit, topic_edit, template_edit), min_size=1, max_size=2
)
OVERRIDE = (
    "{% extends 'base.html' %}{% block content %}<p>{{ page.title }} #MARK#</p>{% endblock %}"
)


class Editor:
    """Applies edits to a project's annotations, topics and template overrides."""

    def __init__(self, root: Path, keys: list[str]) -> None:
        self.root = root
        self.keys = keys
        # Every paper starts annotated, so a later edit changes that one field alone.
        self.notes: dict[str, dict[str, Any]] = {key: {"rating": 3} for key in keys}
        self.extra: dict[str, list[str]] = {}
        self.write_notes()

    def write_notes(self) -> None:
        text = yaml.safe_dump(self.notes, allow_unicode=True, sort_keys=True)
        (self.root / "content/annotations/notes.yaml").write_text(text)

    def apply(self, edit: tuple[Any, ...]) -> None:
        kind = edit[0]
        if kind == "annotation":
            _, index, (name, value) = edit
            fields = self.notes.setdefault(self.keys[index], {})
            if value in ("", []):
                fields.pop(name, None)
            else:
                fields[name] = value
            self.write_notes()
        elif kind == "topic":
            _, slug, keyword = edit
            if keyword == "-":
                self.extra.pop(slug, None)
            else:
                self.extra.setdefault(slug, []).append(keyword)
            text = TOPICS
            for name, words in self.extra.items():
                old = next(line for line in text.splitlines() if line == f"- slug: {name}")
                keywords_line = text.split(old, 1)[1].split("keywords: [", 1)[0]
                text = text.replace(
                    old + keywords_line + "keywords: [",
                    old + keywords_line + "keywords: [" + "".join(w + ", " for w in words),
                )
            (self.root / "content/topics.yaml").write_text(text)
        else:
            _, name, action = edit
            path = self.root / "templates" / name
            if action == "remove":
                path.unlink(missing_ok=True)
            else:
                path.parent.mkdir(exist_ok=True)
                path.write_text(OVERRIDE.replace("#MARK#", action))


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("status", "read"),
        ("rating", 5),
        ("summary", "Edited <b>summary</b>"),
        ("tags", ["alpha"]),
        ("notes", "Edited *notes*."),
        ("title", "Video Scale Study"),
        ("authors", ["Ada Lovelace"]),
    ],
)
@pytest.mark.parametrize("serve", [False, True], ids=["cli", "serve"])
def test_one_field_edit_equals_a_clean_build(
    project: Path, name: str, value: Any, serve: bool
) -> None:
    # serve: one BuildMemory held across builds, as `sitegen serve` does
    memory = BuildMemory.for_project(project) if serve else None
    editor = Editor(project, _keys(project))
    _build(project, memory=memory)
    editor.apply(("annotation", 2, (name, value)))
    kept = _build(project, memory=memory)
    assert kept.rendered > 0
    assert _tree(kept.output) == _tree(_fresh(project).output)


def test_sitegen_build_after_an_edit_plans_again_only_the_pages_it_reaches(
    project: Path,
) -> None:
    # A one-off build takes the plan the last one left: the other paper pages keep their
    # digests and their contexts are never made, yet the site equals a clean build's,
    # also where an output of an unchanged paper was deleted (its page is made in full).
    keys = _keys(project)
    editor = Editor(project, keys)
    _build(project)
    editor.apply(("annotation", 2, ("summary", "Edited summary")))
    (project / "_site" / "papers" / keys[7] / "index.html").unlink()
    memory = BuildMemory.for_project(project, remember=False)
    kept = _build(project, memory=memory)
    replanned = memory.plan.replanned
    assert replanned is not None
    assert f"papers/{keys[2]}/" in replanned
    assert len(replanned) <= 5 < len(keys)
    assert f"papers/{keys[7]}/index.html" in kept.written
    assert _tree(kept.output) == _tree(_fresh(project).output)


@pytest.mark.parametrize("most", [100, 1])
def test_one_off_builds_keep_the_texts_made_since_they_were_kept_whole(
    project: Path, monkeypatch: pytest.MonkeyPatch, most: int
) -> None:
    # Each `sitegen build` keeps in its plan only the per-paper texts (BibTeX entries,
    # CSL-JSON items, papers.json records) made since they were last kept whole, and
    # keeps them whole again past KEPT_REMADE papers or when they were lost; exports
    # written from them equal a clean build's.
    monkeypatch.setattr(sitegen.incremental, "KEPT_REMADE", most)
    whole = project / ".sitegen-cache" / "stages" / "plan-texts.pickle"
    keys = _keys(project)
    editor = Editor(project, keys)
    _build(project)
    written = whole.stat().st_mtime_ns
    edits = [(2, ("summary", "One")), (5, ("year", 2021)), (2, ("authors", ["Ada Lovelace"]))]
    for index, edit in edits:
        editor.apply(("annotation", index, edit))
        kept = _build(project)
        assert _tree(kept.output) == _tree(_fresh(project).output)
    assert (whole.stat().st_mtime_ns == written) == (most == 100)
    whole.unlink()
    editor.apply(("annotation", 5, ("authors", ["Grace Hopper"])))
    assert _tree(_build(project).output) == _tree(_fresh(project).output)
    assert whole.is_file()


@pytest.mark.parametrize(("name", "value"), [("authors", ["Ada Lovelace"]), ("year", 2021)])
@pytest.mark.parametrize("serve", [False, True], ids=["cli", "serve"])
def test_a_new_citation_key_for_one_paper_equals_a_clean_build(
    project: Path, name: str, value: Any, serve: bool
) -> None:
    # The last paper in the annotation file: no other annotation moves to another line,
    # so this paper alone changes, and a build updates its BibTeX entry alone unless its
    # citation key changes (it does here: the stem takes the author and year).
    memory = BuildMemory.for_project(project) if serve else None
    keys = _keys(project)
    editor = Editor(project, keys)
    _build(project, memory=memory)
    editor.apply(("annotation", keys.index(max(keys)), (name, value)))
    kept = _build(project, memory=memory)
    assert "papers.bib" in kept.written
    assert _tree(kept.output) == _tree(_fresh(project).output)


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=st.lists(edits, min_size=1, max_size=3))
def test_incremental_builds_equal_clean_builds(
    make_project: Callable[..., Path], steps: list[list[tuple[Any, ...]]]
) -> None:
    root = make_project(_files())
    for leftover in (
        "content/annotations/notes.yaml",
        "templates/paper.html",
        "templates/topic.html",
    ):
        (root / leftover).unlink(missing_ok=True)
    _age_inputs(root)
    editor = Editor(root, _keys(root))
    memory = BuildMemory.for_project(root)  # held across builds, as `sitegen serve` does
    records = _records(_build(root, memory=memory).output)
    for step in steps:
        for edit in step:
            editor.apply(edit)
        kept = _build(root, memory=memory)
        fresh = _fresh(root)
        assert _tree(kept.output) == _tree(fresh.output)
        # `sitegen build` starts from the texts the last one left
        assert _tree(_build(root, "cli").output) == _tree(fresh.output)
        # Every paper whose record in papers.json changed is named as changed (the
        # browser search index redoes those).
        before, records = records, _records(kept.output)
        moved = {key for key in {*before, *records} if before.get(key) != records.get(key)}
        assert kept.changed_papers is None or moved <= kept.changed_papers


def _records(out: Path) -> dict[str, object]:
    papers = json.loads((out / "papers.json").read_text(encoding="utf-8"))["papers"]
    return {paper["key"]: paper for paper in papers}


def _benchmark(name: str) -> Any:
    """A script of ``benchmarks/`` as a module (``run`` imports ``make_corpus`` by name)."""
    folder = Path(__file__).parent.parent / "benchmarks"
    for script in dict.fromkeys(("make_corpus", name)):
        spec = importlib.util.spec_from_file_location(script, folder / f"{script}.py")
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        sys.modules[script] = module  # its dataclasses look their module up there
        spec.loader.exec_module(module)
    return sys.modules[name]


def test_the_benchmark_corpus_builds_and_its_edit_rewrites_a_few_pages(tmp_path: Path) -> None:
    # benchmarks/run.py at a size the default test run affords: the generated project
    # builds with every paper, and its one-annotation edit, rebuilt as sitegen serve
    # does, rewrites that paper's pages and a few lists, not the site.
    run = _benchmark("run")
    keys = run.make_corpus(300, tmp_path / "small")
    run.age_inputs(tmp_path / "small")
    first = build_site(_settings(tmp_path / "small"), index_search=False)
    assert [p.key for p in first.catalog.papers] == keys
    edit = run.AnnotationEdit(tmp_path / "small")
    figures = run.bench_in_process(tmp_path / "small", edit, 3)
    edit.restore()
    assert 0 < figures["edit_written"] < 20
    assert figures["edit_inproc"] > 0 and "render" in figures["edit_phases"]


@pytest.mark.slow
def test_ten_thousand_papers_rebuild_incrementally(tmp_path: Path) -> None:
    """At scale: no-change rebuild writes nothing; one annotation edit rewrites its pages."""
    corpus = _benchmark("make_corpus")
    keys = corpus.make_corpus(10_000, tmp_path / "big")
    _age_inputs(tmp_path / "big")
    first = build_site(_settings(tmp_path / "big"), index_search=False)
    assert len(first.catalog.papers) == 10_000
    again = build_site(_settings(tmp_path / "big"), index_search=False)
    assert again.unchanged and again.written == []
    notes = tmp_path / "big/content/annotations/bench_000.yaml"
    annotated = "".join(p.read_text() for p in notes.parent.iterdir())
    key = next(k for k in keys if f"\n{k}:" not in "\n" + annotated)
    notes.write_text(notes.read_text() + f"\n{key}:\n  status: read\n  summary: Edited.\n")
    edited = build_site(_settings(tmp_path / "big"), index_search=False)
    assert f"papers/{key}/index.html" in edited.written
    assert len(edited.written) < 200
