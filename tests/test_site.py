"""The whole sample site: every page there, every link resolving, safe, reproducible."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from html import escape, unescape
from pathlib import Path

import pytest
from click.testing import CliRunner

from sitegen.build import OutputRefused, build_site
from sitegen.cli import cli
from sitegen.model import Catalog, InputError
from sitegen.settings import Settings, load_settings

from .conftest import MIRAGE, build_into
from .sitecrawl import broken_links

PAPER_FIELDS = {
    "key", "title", "title_inferred", "abstract", "url", "topics", "tags", "status",
    "rating", "summary", "authors", "year", "sources", "related",
}  # fmt: skip


def papers_json(site: Path) -> list[dict[str, object]]:
    data = json.loads((site / "papers.json").read_text(encoding="utf-8"))
    assert set(data) == {"papers"}
    papers: list[dict[str, object]] = data["papers"]
    return papers


def test_papers_json_lists_169_papers_with_the_spec_fields(sample_site: Path) -> None:
    papers = papers_json(sample_site)
    assert len(papers) == 169
    for paper in papers:
        assert set(paper) == PAPER_FIELDS
    mirage = next(p for p in papers if p["key"] == MIRAGE)
    assert mirage["url"] == f"/papers/{MIRAGE}/"
    assert mirage["sources"] == [{"file": "seeds/000_6af1ad890a215dbb.txt", "line": 1}]
    assert "audio-to-video" in str(mirage["abstract"])
    tulu = next(p for p in papers if str(p["title"]).startswith("TÜLU 3"))
    assert "\\" not in json.dumps(tulu, ensure_ascii=False).replace("\\n", "")


def test_every_paper_has_its_page(sample_site: Path) -> None:
    for paper in papers_json(sample_site):
        page = sample_site / "papers" / str(paper["key"]) / "index.html"
        html = page.read_text(encoding="utf-8")
        assert "<h1" in html
        assert escape(str(paper["title"]), quote=False) in html


def test_paper_page_shows_what_a_reader_needs(sample_site: Path) -> None:
    html = (sample_site / "papers" / MIRAGE / "index.html").read_text(encoding="utf-8")
    assert "Mirage: an audio-to-video foundation model" in html
    assert "this title was inferred from what it says it contributes" in html
    assert "seeds/000_6af1ad890a215dbb.txt:1" in html
    bibtex = re.search(r'<code id="bibtex">(.*?)</code>', html, re.S)
    assert bibtex is not None
    entry = unescape(bibtex.group(1))
    assert entry.startswith("@misc{mirage,\n")  # no author or year: the title's first word
    assert "title = {{Mirage: an audio-to-video foundation model}}" in entry
    assert entry.rstrip().endswith("}")
    assert "/topics/video-generation/" in html
    related = re.findall(r'href="/papers/([a-z0-9-]+)/"', html)
    assert len(set(related) - {MIRAGE}) >= 5


def test_tulu_title_reads_cleanly_on_its_page(sample_site: Path, sample_catalog: Catalog) -> None:
    paper = next(p for p in sample_catalog.papers if p.title.plain.startswith("TÜLU 3"))
    html = (sample_site / "papers" / paper.key / "index.html").read_text(encoding="utf-8")
    assert "TÜLU 3: Pushing Frontiers" in html
    assert '\\"' not in html


def test_every_topic_page_lists_exactly_its_papers(
    sample_site: Path, sample_catalog: Catalog
) -> None:
    for topic in sample_catalog.topics:
        html = (sample_site / "topics" / topic.slug / "index.html").read_text(encoding="utf-8")
        table = re.search(r"<table.*?</table>", html, re.DOTALL)
        listed = set(re.findall(r'href="/papers/([a-z0-9-]+)/"', table[0])) if table else set()
        expected = {p.key for p in sample_catalog.papers_in_topic(topic.slug)}
        assert listed == expected, topic.slug


def test_topic_index_shows_counts(sample_site: Path, sample_catalog: Catalog) -> None:
    html = (sample_site / "topics" / "index.html").read_text(encoding="utf-8")
    for topic in sample_catalog.topics:
        assert f"/topics/{topic.slug}/" in html
        count = len(sample_catalog.papers_in_topic(topic.slug))
        assert re.search(rf"/topics/{topic.slug}/.*?\b{count}\b", html, re.DOTALL)


def test_home_page_counts_and_progress(sample_site: Path) -> None:
    html = (sample_site / "index.html").read_text(encoding="utf-8")
    assert "169" in html
    assert "<svg" in html
    assert "/topics/" in html and "/lists/" in html


def test_no_broken_internal_links_at_the_root(sample_site: Path) -> None:
    assert broken_links(sample_site, "/") == []


def test_no_broken_internal_links_under_a_base_path(sample_site_under_base: Path) -> None:
    site = sample_site_under_base
    assert broken_links(site, "/reading-list/") == []
    html = (site / "papers" / MIRAGE / "index.html").read_text(encoding="utf-8")
    assert 'href="/reading-list/static/css/site.css"' in html
    assert not re.search(r'(?:href|src)="/(?!reading-list/)', html)
    not_found = (site / "404.html").read_text(encoding="utf-8")
    assert 'href="/reading-list/"' in not_found


def test_hostile_annotation_renders_inert(make_project: Callable[..., Path]) -> None:
    root = make_project(
        {
            "seeds/a.txt": (
                "Abstract:We introduce Zebra, a model of stripes. "
                "<script>alert(1)</script> <b>bold</b>\n"
            ),
            "content/annotations/evil.yaml": (
                "zebra-a-model-of-stripes:\n"
                '  title: "<script>alert(1)</script> Zebra"\n'
                '  summary: "<img src=x onerror=alert(1)>"\n'
                "  notes: |\n"
                "    <script>alert(2)</script>\n"
                '    [click](javascript:alert(3)) <a href="javascript:alert(4)">x</a>\n'
                "    <img src=x onerror=alert(5)>\n"
                "  tags: ['<script>alert(6)</script>']\n"
                "  quotes: ['<iframe src=javascript:alert(7)>']\n"
            ),
        }
    )
    settings, _ = load_settings(root)
    out = build_into(settings, root / "_site")
    for page in out.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        assert "<script>alert" not in html, page
        assert "<img src=x" not in html, page
        assert "<iframe" not in html, page
        assert 'href="javascript:' not in html.lower(), page
        assert "onerror=alert" not in html.replace("onerror=alert(", "").lower() or (
            "&lt;img" in html
        ), page


def test_failed_build_leaves_the_last_good_site(make_project: Callable[..., Path]) -> None:
    root = make_project({"seeds/a.txt": "Abstract:We introduce Zebra, a model of stripes.\n"})
    settings, _ = load_settings(root)
    out = build_into(settings, root / "_site")
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    (root / "content/annotations/bad.yaml").write_text("zebra-a-model-of-stripes:\n  rating: 9\n")
    with pytest.raises(InputError) as error:
        build_site(settings, index_search=False)
    assert "content/annotations/bad.yaml:2" in str(error.value)
    after = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert after == before


def test_template_error_leaves_the_last_good_site(make_project: Callable[..., Path]) -> None:
    root = make_project({"seeds/a.txt": "Abstract:We introduce Zebra, a model of stripes.\n"})
    settings, _ = load_settings(root)
    out = build_into(settings, root / "_site")
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    (root / "templates").mkdir()
    (root / "templates/paper.html").write_text(
        "{% extends 'base.html' %}\n{% block content %}{{ paper.key }\n"
    )
    with pytest.raises(InputError) as error:
        build_site(settings, index_search=False)
    assert "templates/paper.html:2" in str(error.value)
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before


def test_refuses_to_write_into_a_folder_it_did_not_create(
    make_project: Callable[..., Path], tmp_path: Path
) -> None:
    root = make_project({"seeds/a.txt": "Abstract:We introduce Zebra, a model of stripes.\n"})
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "thesis.tex").write_text("years of work")
    result = CliRunner().invoke(cli, ["-C", str(root), "build", "--clean", "--out", str(precious)])
    assert result.exit_code == 1
    assert "did not create" in result.output
    assert (precious / "thesis.tex").read_text() == "years of work"
    settings, _ = load_settings(root)
    with pytest.raises(OutputRefused):
        build_site(settings.with_overrides(output_dir=str(root)), index_search=False)


def test_two_builds_are_byte_identical(sample_settings: Settings, tmp_path: Path) -> None:
    first = build_into(sample_settings, tmp_path / "one")
    second = build_into(sample_settings, tmp_path / "two")
    files = sorted(p.relative_to(first) for p in first.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(second) for p in second.rglob("*") if p.is_file())
    for name in files:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name


def test_no_change_rebuild_writes_nothing(make_project: Callable[..., Path]) -> None:
    root = make_project(sample_seeds=True)
    settings, _ = load_settings(root)
    first = build_site(settings, index_search=False)
    assert len(first.written) > 100
    mtimes = {p: p.stat().st_mtime_ns for p in first.output.rglob("*") if p.is_file()}
    second = build_site(settings, index_search=False)
    assert second.written == [] and second.removed == []
    assert {p: p.stat().st_mtime_ns for p in first.output.rglob("*") if p.is_file()} == mtimes


def test_site_template_overrides_the_theme(make_project: Callable[..., Path]) -> None:
    root = make_project(
        {
            "seeds/a.txt": "Abstract:We introduce Zebra, a model of stripes.\n",
            "templates/paper.html": (
                "{% extends 'base.html' %}{% block content %}"
                "<p class=custom>Custom: {{ paper.title.plain }}</p>{% endblock %}"
            ),
            "static/extra.txt": "hello",
        }
    )
    settings, _ = load_settings(root)
    out = build_into(settings, root / "_site")
    html = (out / "papers/zebra-a-model-of-stripes/index.html").read_text(encoding="utf-8")
    assert "<p class=custom>Custom: Zebra: a model of stripes</p>" in html
    assert "/static/css/site.css" in html  # the theme's base.html still wraps it
    assert (out / "static/extra.txt").read_text() == "hello"
    assert (out / "static/css/site.css").is_file()


def test_cli_build_prints_a_summary(make_project: Callable[..., Path]) -> None:
    root = make_project({"seeds/a.txt": "Abstract:We introduce Zebra, a model of stripes.\n"})
    result = CliRunner().invoke(cli, ["-C", str(root), "build"])
    assert result.exit_code == 0, result.output
    assert re.search(r"built \d+ files \(\d+ written", result.output)
    bad = root / "content/annotations/bad.yaml"
    bad.write_text("zebra-a-model-of-stripes:\n  status: finished\n")
    result = CliRunner().invoke(cli, ["-C", str(root), "build"])
    assert result.exit_code == 1
    assert "content/annotations/bad.yaml:2: error:" in result.output
    assert "Traceback" not in result.output
