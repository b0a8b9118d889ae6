"""Authors and years: name matching, author pages and the years page."""

from __future__ import annotations

import json
import re
from pathlib import Path

from sitegen.build import BuildMemory, build_site
from sitegen.catalog.authors import author_links, author_slug, group_authors
from sitegen.model import Author, Paper, RichText, SourceRef
from sitegen.settings import load_settings


def grouped(papers: list[Paper]) -> tuple[Author, ...]:
    return group_authors(papers)


def paper(key: str, *authors: str, year: int | None = None) -> Paper:
    text = RichText(key, key)
    return Paper(key, text, False, text, (SourceRef("seeds/x.bib", 1),), authors, year)


def test_names_match_across_accents_case_and_order() -> None:
    authors = grouped(
        [paper("a", "Piotr Dollár"), paper("b", "Dollar, Piotr"), paper("c", "PIOTR DOLLAR")]
    )
    assert [(a.name, a.slug, len(a.papers)) for a in authors] == [
        ("Piotr Dollár", "piotr-dollar", 3)
    ]


def test_an_initial_joins_a_full_name_only_when_one_person_fits() -> None:
    one = grouped([paper("a", "Kaiming He"), paper("b", "K. He")])
    assert [(a.name, [p.key for p in a.papers]) for a in one] == [("Kaiming He", ["a", "b"])]
    two = grouped([paper("a", "Kaiming He"), paper("b", "K. He"), paper("c", "Kai He")])
    assert sorted(a.name for a in two) == ["K. He", "Kai He", "Kaiming He"]


def test_serve_rebuilds_show_authors_as_they_are_now(researcher_project: Path) -> None:
    """The people found in the authors are kept between ``sitegen serve``'s builds while
    the authors are unchanged: an edit shows on the author pages, and new authors too."""
    root = researcher_project
    settings = load_settings(root)[0].with_overrides(output_dir="out")
    memory = BuildMemory.for_project(root)
    build_site(settings, jobs=1, index_search=False, memory=memory)
    notes = root / "content" / "annotations" / "notes.yaml"
    page = root / "out" / "authors" / "ashish-vaswani" / "index.html"
    assert "1 of 2 read" in page.read_text()
    notes.write_text(notes.read_text().replace("status: skimmed", "status: queued"))
    build_site(settings, jobs=1, index_search=False, memory=memory)
    assert "0 of 2 read" in page.read_text()
    notes.write_text(notes.read_text() + "attention-is-all-you-need:\n  authors: [Grace Hopper]\n")
    notes.write_text(
        notes.read_text().replace(
            "attention-is-all-you-need:\n  status: queued\n  tags: [nlp]\n", ""
        )
    )
    build_site(settings, jobs=1, index_search=False, memory=memory)
    assert not page.exists()  # "A. Vaswani" alone is no longer Ashish Vaswani
    alone = root / "out" / "authors" / "a-vaswani" / "index.html"
    assert 'href="/lab/papers/a-paper-without-a-year/"' in alone.read_text()
    hopper = root / "out" / "authors" / "grace-hopper" / "index.html"
    assert 'href="/lab/papers/attention-is-all-you-need/"' in hopper.read_text()


def test_written_names_link_to_their_person() -> None:
    authors = grouped([paper("a", "Kaiming He"), paper("b", "K. He"), paper("c", "He, K.")])
    links = author_links(authors)
    assert links.any
    assert {name: links.slug(name) for name in ("Kaiming He", "K. He", "He, K.")} == dict.fromkeys(
        ("Kaiming He", "K. He", "He, K."), "kaiming-he"
    )
    assert dict(links.aliases) == {"K. He": "kaiming-he", "He, K.": "kaiming-he"}
    assert author_slug("Kaiming He") == "kaiming-he"


def test_author_pages_and_counts_agree_with_papers_json(researcher_site: Path) -> None:
    papers = json.loads((researcher_site / "papers.json").read_text())["papers"]
    index = (researcher_site / "authors" / "index.html").read_text()
    listed = dict(
        re.findall(
            r'<li><a href="/lab/authors/([^/]+)/">[^<]+</a> <span class="count">(\d+)', index
        )
    )
    # Ambiguous: "K. He" could be Kaiming He or Kai He; unambiguous: "A. Vaswani".
    expected = {"kaiming-he": 1, "k-he": 1, "kai-he": 1, "ashish-vaswani": 2, "piotr-dollar": 2}
    assert {slug: int(listed[slug]) for slug in expected} == expected
    assert "a-vaswani" not in listed
    mentions = sum(len(set(p["authors"])) for p in papers)
    assert sum(int(count) for count in listed.values()) == mentions
    page = (researcher_site / "authors" / "ashish-vaswani" / "index.html").read_text()
    for key in ("attention-is-all-you-need", "a-paper-without-a-year"):
        assert f'href="/lab/papers/{key}/"' in page
    assert "data-sortable" in page and "1 of 2 read" in page  # skimmed counts as read


def test_author_names_link_to_author_pages(researcher_site: Path) -> None:
    page = (researcher_site / "papers" / "a-paper-without-a-year" / "index.html").read_text()
    assert '<a class="author" href="/lab/authors/ashish-vaswani/">A. Vaswani</a>' in page
    home = (researcher_site / "index.html").read_text()
    assert 'href="/lab/authors/"' in home and 'href="/lab/years/"' in home


def test_years_newest_first_unknown_last(researcher_site: Path) -> None:
    page = (researcher_site / "years" / "index.html").read_text()
    headings = re.findall(r'<h2 id="year-([^"]+)">', page)
    assert headings == ["2023", "2021", "2020", "2017", "2016", "unknown"]
    section = page.split('id="year-unknown"')[1]
    assert 'href="/lab/papers/a-paper-without-a-year/"' in section


def test_a_list_without_authors_has_no_authors_navigation(sample_site: Path) -> None:
    home = (sample_site / "index.html").read_text()
    assert "authors/" not in home and "years/" not in home
    assert not (sample_site / "authors").exists()
