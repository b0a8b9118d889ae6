"""Publishing files of the sample site: feeds, sitemap, robots.txt, hosting files, exports."""

from __future__ import annotations

import datetime as dt
import html
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import bibtexparser
import feedparser
import pytest
import xmlschema
from citeproc import (
    Citation,
    CitationItem,
    CitationStylesBibliography,
    CitationStylesStyle,
    formatter,
)
from citeproc.source.json import CiteProcJSON

from sitegen import exports
from sitegen.bibliography import bibtex_entry, bibtex_escape, citation_keys, csl_item
from sitegen.build import build_site
from sitegen.citations import csl_text
from sitegen.feeds import FEED_LIMIT, UNKNOWN_DATE, entry_date
from sitegen.init import init_project
from sitegen.model import Catalog, Paper
from sitegen.pages import Page
from sitegen.references import page_bibtex
from sitegen.render import CHUNK_BYTES
from sitegen.settings import Settings, load_settings

from .conftest import MIRAGE, build_into

BASE = "https://example.org/reading-list/"
DOMAIN = "papers.example.org"
SITEMAP_XSD = Path(__file__).parent / "data" / "sitemap.xsd"
PUBLISHED = ("feed.xml", "sitemap.xml", "robots.txt", "papers.bib", "papers.csl.json")


def build_published(settings: Settings, out: Path) -> Path:
    overrides = settings.with_overrides(output_dir=str(out), base_url=BASE, domain=DOMAIN)
    build_site(overrides, index_search=False)
    return out


@pytest.fixture(scope="module")
def site(sample_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample built for an absolute base URL with a custom domain."""
    return build_published(sample_settings, tmp_path_factory.mktemp("published") / "out")


def key_of(link: str) -> str:
    match = re.fullmatch(re.escape(BASE) + r"papers/([a-z0-9-]+)/", link)
    assert match, link
    return match.group(1)


def bib_entries(text: str) -> dict[str, str]:
    """Citation key → the entry's text, as written in a .bib file."""
    return {
        m.group(1): m.group(0)
        for m in re.finditer(r"^@\w+\{([^,\n]+),\n.*?^\}\n", text, re.MULTILINE | re.DOTALL)
    }


def csl_items(papers: Sequence[Paper]) -> list[dict[str, Any]]:
    keys = citation_keys(papers)
    return [csl_item(paper, keys[paper.key]) for paper in papers]


def feed_order(papers: Sequence[Paper]) -> list[Paper]:
    """Newest first: by reading date, then annotated papers, then by listing date,
    then the papers latest in the seeds."""

    def recency(item: tuple[int, Paper]) -> tuple[dt.date, bool, str, int]:
        index, paper = item
        return (paper.read_on or dt.date.min, paper.annotated, paper.listed_on or "", index)

    return [paper for _, paper in sorted(enumerate(papers), key=recency, reverse=True)]


def test_site_feed_holds_the_newest_papers_with_absolute_links(
    site: Path, sample_catalog: Catalog
) -> None:
    feed = feedparser.parse((site / "feed.xml").read_bytes())
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "atom10"
    assert feed.feed.title == "Papers on video, agents and RL"
    assert feed.feed.id.startswith("tag:")
    expected = feed_order(sample_catalog.papers)[:FEED_LIMIT]
    assert len(feed.entries) == FEED_LIMIT < len(sample_catalog.papers)
    assert [key_of(e.link) for e in feed.entries] == [p.key for p in expected]
    for entry, paper in zip(feed.entries, expected):
        assert entry.title == paper.title.plain
        assert entry.id == f"tag:papers-on-video-agents-and-rl,2024:papers/{paper.key}/"
        assert entry.updated.startswith(entry_date(paper).isoformat())
        assert entry.summary
    # Newest reading first: the feed opens with the most recently read paper.
    latest = max(p.read_on for p in sample_catalog.papers if p.read_on)
    assert expected[0].read_on == latest
    assert feed.feed.updated.startswith(latest.isoformat())


def test_each_topic_feed_holds_exactly_its_papers(site: Path, sample_catalog: Catalog) -> None:
    for topic in sample_catalog.topics:
        feed = feedparser.parse((site / "topics" / topic.slug / "feed.xml").read_bytes())
        assert not feed.bozo, (topic.slug, feed.get("bozo_exception"))
        keys = [key_of(e.link) for e in feed.entries]
        members = [p.key for p in sample_catalog.papers_in_topic(topic.slug)]
        assert len(keys) == min(len(members), FEED_LIMIT)
        assert set(keys) <= set(members)
        if len(members) <= FEED_LIMIT:
            assert sorted(keys) == sorted(members)
        assert feed.feed.links[0].href == f"{BASE}topics/{topic.slug}/feed.xml"


def test_pages_advertise_their_feeds(site: Path) -> None:
    home = (site / "index.html").read_text(encoding="utf-8")
    assert 'type="application/atom+xml"' in home
    assert 'href="/reading-list/feed.xml"' in home
    topic = (site / "topics" / "alignment" / "index.html").read_text(encoding="utf-8")
    assert 'href="/reading-list/topics/alignment/feed.xml"' in topic


def test_pages_have_canonical_and_opengraph_metadata(site: Path) -> None:
    page = site / "papers" / MIRAGE / "index.html"
    text = page.read_text(encoding="utf-8")
    url = f"{BASE}papers/{MIRAGE}/"
    assert f'<link rel="canonical" href="{url}">' in text
    assert f'<meta property="og:url" content="{url}">' in text
    assert '<meta property="og:title" content="Mirage: an audio-to-video foundation model">' in text
    assert '<meta name="description" content="' in text


def test_sitemap_is_valid_and_lists_every_html_page(site: Path) -> None:
    schema = xmlschema.XMLSchema(SITEMAP_XSD)
    schema.validate(str(site / "sitemap.xml"))
    locs = re.findall(r"<loc>([^<]+)</loc>", (site / "sitemap.xml").read_text(encoding="utf-8"))
    pages = {
        BASE + p.relative_to(site).as_posix().removesuffix("index.html")
        for p in site.rglob("*.html")
        if p.name != "404.html"
    }
    assert len(locs) == len(set(locs))
    assert set(locs) == pages
    assert f"{BASE}papers/{MIRAGE}/" in locs


def test_sitemap_splits_into_an_index_past_the_url_limit(
    sample_settings: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(exports, "SITEMAP_LIMIT", 2)
    planned = [Page(f"papers/p{i}/", "paper.html", kind="paper") for i in range(5)]
    planned.append(Page("404.html", "404.html", kind="404"))
    files = exports.sitemap_files(sample_settings.with_overrides(base_url=BASE), planned)
    assert sorted(files) == ["sitemap-1.xml", "sitemap-2.xml", "sitemap-3.xml", "sitemap.xml"]
    assert f"<loc>{BASE}sitemap-3.xml</loc>" in files["sitemap.xml"]
    assert "<sitemapindex" in files["sitemap.xml"]
    schema = xmlschema.XMLSchema(SITEMAP_XSD)
    locs = []
    for name in ("sitemap-1.xml", "sitemap-2.xml", "sitemap-3.xml"):
        (tmp_path / name).write_text(files[name], encoding="utf-8")
        schema.validate(str(tmp_path / name))
        locs += re.findall(r"<loc>([^<]+)</loc>", files[name])
    assert locs == [f"{BASE}papers/p{i}/" for i in range(5)]


def test_robots_txt_points_at_the_sitemap(site: Path) -> None:
    robots = (site / "robots.txt").read_text(encoding="utf-8").splitlines()
    assert "User-agent: *" in robots
    assert f"Sitemap: {BASE}sitemap.xml" in robots


def test_hosting_files(site: Path) -> None:
    assert (site / ".nojekyll").read_bytes() == b""
    assert (site / "CNAME").read_text(encoding="utf-8") == f"{DOMAIN}\n"
    not_found = (site / "404.html").read_text(encoding="utf-8")
    assert 'href="/reading-list/search/"' in not_found
    assert 'href="/reading-list/static/css/site.css"' in not_found


def test_a_path_only_base_url_gets_relative_feed_links_and_no_sitemap(tmp_path: Path) -> None:
    root = tmp_path / "project"
    init_project(root)
    settings, _ = load_settings(root)
    build_site(settings.with_overrides(base_url="/repo/"), index_search=False)
    out = root / "_site"
    assert not (out / "sitemap.xml").exists()
    assert not (out / "CNAME").exists()
    robots = (out / "robots.txt").read_text(encoding="utf-8")
    assert "Sitemap:" not in robots.replace("# No sitemap", "")
    # Absolute-path links resolve against wherever the feed is fetched from.
    feed = feedparser.parse(
        (out / "feed.xml").read_bytes(),
        response_headers={
            "content-location": "https://user.github.io/repo/feed.xml",
            "content-type": "application/atom+xml",
        },
    )
    assert not feed.bozo
    assert {e.link for e in feed.entries} == {
        "https://user.github.io/repo/papers/sparse-progress-rewards-for-long-horizon-web-agents/",
        "https://user.github.io/repo/papers/token-merging-across-frames-for-efficient-video-transformers/",
        "https://user.github.io/repo/papers/preference-distillation-aligning-small-language-models-with/",
    }
    assert all(e.id.startswith("tag:my-reading-list,2024:papers/") for e in feed.entries)


def test_papers_bib_parses_with_every_paper_once(site: Path, sample_catalog: Catalog) -> None:
    library = bibtexparser.parse_string((site / "papers.bib").read_text(encoding="utf-8"))
    assert not library.failed_blocks
    assert len(library.entries) == 169 == len(sample_catalog.papers)
    keys = [entry.key for entry in library.entries]
    assert len(set(keys)) == len(keys)
    assert keys == list(citation_keys(sample_catalog.papers).values())
    for entry in library.entries:
        assert entry.fields_dict["title"].value
        assert entry.fields_dict["abstract"].value
    assert not any("annote" in e.fields_dict for e in library.entries)  # export_notes is off


def test_exports_carry_notes_only_when_the_settings_say_so(
    make_project: Callable[..., Path], tmp_path: Path
) -> None:
    notes = f"{MIRAGE}:\n  notes: Worth a second read.\n"
    root = make_project({"content/annotations/a.yaml": notes}, sample_seeds=True)
    for export_notes, out in ((False, tmp_path / "off"), (True, tmp_path / "on")):
        (root / "sitegen.yaml").write_text(f"export_notes: {str(export_notes).lower()}\n")
        site = build_into(load_settings(root)[0], out)
        bib = (site / "papers.bib").read_text(encoding="utf-8")
        csl = json.loads((site / "papers.csl.json").read_text(encoding="utf-8"))
        noted = [item for item in csl if item.get("note") == "Worth a second read."]
        assert ("annote = {Worth a second read.}" in bib) is export_notes
        assert len(noted) == export_notes
        page = (site / "papers" / MIRAGE / "index.html").read_text(encoding="utf-8")
        assert "Worth a second read." in page  # the page shows notes either way


def test_topic_bib_has_that_topics_papers(site: Path, sample_catalog: Catalog) -> None:
    keys = citation_keys(sample_catalog.papers)
    for topic in sample_catalog.topics:
        text = (site / "topics" / topic.slug / "papers.bib").read_text(encoding="utf-8")
        library = bibtexparser.parse_string(text)
        members = sample_catalog.papers_in_topic(topic.slug)
        assert [e.key for e in library.entries] == [keys[p.key] for p in members]
    assert len(sample_catalog.papers_in_topic("alignment")) > 10


def test_streamed_exports_hold_exactly_the_whole_text(site: Path, sample_catalog: Catalog) -> None:
    papers = sample_catalog.papers
    keys = citation_keys(papers)
    entries = {paper.key: bibtex_entry(paper, keys[paper.key]) for paper in papers}
    bib = (site / "papers.bib").read_bytes()
    assert len(bib) > 3 * CHUNK_BYTES, "written in several chunks"
    assert bib == "\n".join(entries[p.key] for p in papers).encode()
    for topic in sample_catalog.topics:
        members = sample_catalog.papers_in_topic(topic.slug)
        text = (site / "topics" / topic.slug / "papers.bib").read_text(encoding="utf-8")
        assert text == "\n".join(entries[p.key] for p in members)
    csl = (site / "papers.csl.json").read_bytes()
    assert len(csl) > 3 * CHUNK_BYTES
    assert csl == (json.dumps(csl_items(papers), ensure_ascii=False, indent=1) + "\n").encode()


@pytest.mark.parametrize("count", [0, 1, 2, 169])
def test_csl_json_is_the_json_of_its_items(sample_catalog: Catalog, count: int) -> None:
    papers = sample_catalog.papers[:count]
    keys = citation_keys(papers)
    text = "".join(exports.csl_json_of([csl_text(paper, keys[paper.key]) for paper in papers]))
    assert text == json.dumps(csl_items(papers), ensure_ascii=False, indent=1) + "\n"
    assert json.loads(text) == csl_items(papers)


def test_csl_json_formats_a_bibliography_with_citeproc(site: Path) -> None:
    items = json.loads((site / "papers.csl.json").read_text(encoding="utf-8"))
    assert len(items) == 169
    bib_keys = list(bib_entries((site / "papers.bib").read_text(encoding="utf-8")))
    assert [item["id"] for item in items] == bib_keys
    for item in items:
        assert item["type"] in ("article", "article-journal")
        assert item["title"] and item["abstract"]
    style = CitationStylesStyle("harvard-cite-them-right", validate=False)
    bibliography = CitationStylesBibliography(style, CiteProcJSON(items), formatter.plain)
    for item in items:
        bibliography.register(Citation([CitationItem(item["id"])]))
    formatted = [str(entry) for entry in bibliography.bibliography()]
    assert len(formatted) == 169
    assert any("Mirage: an audio-to-video foundation model" in text for text in formatted)


def test_csl_json_carries_authors_year_and_venue(sample_catalog: Catalog) -> None:
    paper = replace(
        sample_catalog.papers[0],
        authors=("Ada Lovelace", "Babbage, Charles"),
        year=2024,
        venue="NeurIPS",
        doi="10.1000/xyz",
    )
    item = csl_items([paper])[0]
    assert item["id"] == "lovelace2024mirage"
    assert item["type"] == "article-journal"
    assert item["author"] == [
        {"family": "Lovelace", "given": "Ada"},
        {"family": "Babbage", "given": "Charles"},
    ]
    assert item["issued"] == {"date-parts": [[2024]]}
    assert item["container-title"] == "NeurIPS"
    assert item["DOI"] == "10.1000/xyz"


def test_paper_page_bibtex_is_the_entry_in_papers_bib_without_abstract_and_notes(
    site: Path, sample_catalog: Catalog
) -> None:
    entries = bib_entries((site / "papers.bib").read_text(encoding="utf-8"))
    keys = citation_keys(sample_catalog.papers)
    assert len(entries) == 169
    for paper in sample_catalog.papers:
        page = (site / "papers" / paper.key / "index.html").read_text(encoding="utf-8")
        block = re.search(r'<code id="bibtex">(.*?)</code>', page, re.DOTALL)
        assert block, paper.key
        shown = html.unescape(block.group(1))
        assert shown == page_bibtex(entries[keys[paper.key]])
        assert "  abstract = {" not in shown and "  annote = {" not in shown
        lines = {line.rstrip(",") for line in shown.splitlines()}
        kept = [
            line for line in entries[keys[paper.key]].splitlines() if line.rstrip(",") not in lines
        ]
        assert all(line.startswith(("  abstract = {", "  annote = {")) for line in kept), kept


def test_bibtex_values_stay_balanced_and_round_trip() -> None:
    text = r"Costs {50}% of $x_1$ & a \ backslash ~ and ^"
    entry = f"@misc{{k,\n  title = {{{bibtex_escape(text)}}}\n}}\n"
    value = bibtexparser.parse_string(entry).entries[0].fields_dict["title"].value
    assert value.count("{") == value.count("}")
    assert "\\textbraceleft{}50\\textbraceright{}\\%" in value
    assert "\\$x\\_1\\$ \\& a \\textbackslash{} backslash \\textasciitilde{} and \\^{}" in value


def test_citation_keys_keep_earlier_keys_when_papers_are_added(sample_catalog: Catalog) -> None:
    first, second, third = sample_catalog.papers[:3]
    same = [replace(p, authors=("Ada Lovelace",), year=2024) for p in (first, second, third)]
    same = [replace(p, title=replace(p.title, plain="Video models")) for p in same]
    keys = citation_keys(same[:2])
    assert list(keys.values()) == ["lovelace2024video", "lovelace2024videoa"]
    more = citation_keys(same)
    assert list(more.values()) == ["lovelace2024video", "lovelace2024videoa", "lovelace2024videob"]


def test_entry_dates_never_come_from_the_clock(sample_catalog: Catalog) -> None:
    paper: Paper = sample_catalog.papers[0]
    assert entry_date(replace(paper, read_on=dt.date(2024, 5, 1))) == dt.date(2024, 5, 1)
    undated = replace(paper, read_on=None, year=None)
    assert entry_date(undated) == UNKNOWN_DATE
    assert entry_date(replace(undated, year=2023, listed_on="03-17")) == dt.date(2023, 3, 17)
    assert entry_date(replace(undated, year=2023, listed_on="02-29")) == dt.date(2023, 2, 1)


def test_builds_are_byte_reproducible(
    site: Path, sample_settings: Settings, tmp_path: Path
) -> None:
    again = build_published(sample_settings, tmp_path / "again")
    names = [*PUBLISHED, "CNAME", "topics/alignment/feed.xml", "topics/alignment/papers.bib"]
    for name in names:
        assert (again / name).read_bytes() == (site / name).read_bytes(), name
