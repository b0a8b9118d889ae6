"""Curated list pages, reading progress, "reading next" and the topic hierarchy, as built."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path

import yaml

from sitegen.catalog import load_catalog
from sitegen.markdown import make_markdown, render_markdown
from sitegen.model import Catalog
from sitegen.reading import reading_next, related_votes
from sitegen.settings import load_settings

from .conftest import REPO, build_into

LISTS = sorted((REPO / "content" / "lists").glob("*.yaml"))


def list_keys_and_comments(path: Path) -> list[tuple[str, str]]:
    """(key, comment) of every item of a list file, in file order."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    items = []
    for section in data.get("sections") or [{"papers": data.get("papers") or []}]:
        for item in section["papers"]:
            if isinstance(item, str):
                items.append((item, ""))
            else:
                items.append((item["key"], item.get("comment") or ""))
    return items


def list_items(html: str) -> list[tuple[int, str, str]]:
    """(position, paper key, item HTML) of every item on a list page, in page order."""
    found = []
    for match in re.finditer(
        r'<li value="(\d+)" id="step-\1">(.*?)</li>\s*(?=<li value|</ol>)', html, re.S
    ):
        key = re.search(r'href="/papers/([^/"]+)/"', match.group(2))
        assert key is not None
        found.append((int(match.group(1)), key.group(1), match.group(2)))
    return found


def read(site: Path, url: str) -> str:
    return (site / url / "index.html").read_text(encoding="utf-8")


def test_sample_has_lists() -> None:
    assert [p.stem for p in LISTS] == ["rlhf-start-here", "video-generation-reading-group"]


def test_list_pages_show_items_in_file_order_with_their_comments(sample_site: Path) -> None:
    md = make_markdown()
    for path in LISTS:
        expected = list_keys_and_comments(path)
        items = list_items(read(sample_site, f"lists/{path.stem}"))
        assert [key for _, key, _ in items] == [key for key, _ in expected]
        assert [position for position, _, _ in items] == list(range(1, len(expected) + 1))
        for (_, _, block), (_, comment) in zip(items, expected, strict=True):
            assert comment, "every sample item has a comment"
            assert render_markdown(md, comment) in block


def test_list_comments_render_markdown(sample_site: Path) -> None:
    html = read(sample_site, "lists/rlhf-start-here")
    assert "<em>online inverse RL with offline demonstration\ndata</em>" in html
    assert "<strong>online iterative</strong>" in html


def test_list_progress_counts_read_and_skimmed_papers(
    sample_site: Path, sample_catalog: Catalog
) -> None:
    for path in LISTS:
        papers = [sample_catalog.paper(key) for key, _ in list_keys_and_comments(path)]
        done = sum(p.status in ("read", "skimmed") for p in papers)
        html = read(sample_site, f"lists/{path.stem}")
        assert f"<span>{done} of {len(papers)} read</span>" in html
        assert f'<progress value="{done}" max="{len(papers)}"' in html
        assert f"Reading progress of {len(papers)} papers" in html
        for status in ("read", "skimmed", "queued", "unread"):
            count = sum(p.status == status for p in papers)
            assert f"{status.capitalize()} <strong>{count}</strong>" in html
        # The same figure on the list index and on home.
        for page in ("lists", ""):
            summary = read(sample_site, page)
            card = summary.split(f'href="/lists/{path.stem}/"', 1)[1]
            assert f"<span>{done} of {len(papers)} read</span>" in card.split("</article>", 1)[0]


def test_sample_lists_show_some_progress(sample_catalog: Catalog) -> None:
    # Without read papers in a list the progress assertions above prove little.
    done = [
        k
        for path in LISTS
        for k, _ in list_keys_and_comments(path)
        if sample_catalog.paper(k).status in ("read", "skimmed")
    ]
    assert done


def test_each_listed_paper_links_back_to_its_list(sample_site: Path) -> None:
    titles = {p.stem: yaml.safe_load(p.read_text(encoding="utf-8"))["title"] for p in LISTS}
    for path in LISTS:
        for position, (key, _) in enumerate(list_keys_and_comments(path), start=1):
            html = read(sample_site, f"papers/{key}")
            section = html.split('<h2 id="lists-heading">In lists</h2>', 1)[1].split("</section>")[
                0
            ]
            link = f'<a href="/lists/{path.stem}/#step-{position}">{titles[path.stem]}</a>'
            assert f"{link}, step {position}" in section
            assert f'id="step-{position}"' in read(sample_site, f"lists/{path.stem}")


def test_papers_in_no_list_have_no_list_section(sample_site: Path, sample_catalog: Catalog) -> None:
    listed = {k for path in LISTS for k, _ in list_keys_and_comments(path)}
    unlisted = [p.key for p in sample_catalog.papers if p.key not in listed]
    for paper_key in unlisted[:20]:
        assert "In lists" not in read(sample_site, f"papers/{paper_key}")


def test_home_and_list_index_link_every_list(sample_site: Path) -> None:
    for page in ("", "lists"):
        html = read(sample_site, page)
        for path in LISTS:
            assert f'href="/lists/{path.stem}/"' in html


# Reading next: a scratch project whose statuses, ratings and related papers are known.

PAPERS = {
    "alpha": "Alpha queued paper",
    "beta": "Beta queued and rated",
    "gamma": "Gamma unread rated three",
    "delta": "Delta unread rated five",
    "epsilon": "Epsilon the liked paper",
    "zeta": "Zeta related to the liked paper",
    "eta": "Eta related but already read",
    "theta": "Theta related to a disliked paper",
    "iota": "Iota the disliked paper",
    "kappa": "Kappa unread and unrated",
}
WORDS = [
    "graphs",
    "proteins",
    "weather",
    "music",
    "robots",
    "markets",
    "poems",
    "soil",
    "stars",
    "ice",
]


def key(name: str) -> str:
    return PAPERS[name].lower().replace(" ", "-")


def scratch_project(make_project: Callable[..., Path]) -> Path:
    items = [
        {
            "id": name,
            "type": "article-journal",
            "title": title,
            "abstract": f"We study {word} in depth. Our analysis of {word} finds new structure.",
        }
        for (name, title), word in zip(PAPERS.items(), WORDS, strict=True)
    ]
    notes = {
        key("alpha"): {"status": "queued"},
        key("beta"): {"status": "queued", "rating": 5},
        key("gamma"): {"status": "unread", "rating": 3},
        key("delta"): {"status": "unread", "rating": 5},
        key("epsilon"): {"status": "read", "rating": 5, "related": [key("eta"), key("zeta")]},
        key("eta"): {"status": "read"},
        key("iota"): {"status": "read", "rating": 2, "related": [key("theta")]},
    }
    return make_project(
        {
            "sitegen.yaml": "title: Scratch\nrelated_count: 0\n",
            "seeds/papers.json": json.dumps(items),
            "content/annotations/notes.yaml": yaml.safe_dump(notes),
            "content/topics.yaml": (
                "- slug: greek\n  name: Greek\n  keywords: [gamma, zeta, theta, kappa]\n"
            ),
        }
    )


def scratch_catalog(root: Path) -> Catalog:
    settings, problems = load_settings(root)
    assert not problems
    return load_catalog(settings)


def test_reading_next_puts_queued_then_rated_unread_then_related_to_liked(
    make_project: Callable[..., Path],
) -> None:
    catalog = scratch_catalog(scratch_project(make_project))
    chosen = [p.key for p in reading_next(catalog, related_votes(catalog), count=10)]
    # Queued (the rated one first), then unread by rating, then unread papers related to
    # a paper rated 4-5. Not: read papers, papers related to a paper rated 2, the rest.
    assert chosen == [key(n) for n in ("beta", "alpha", "delta", "gamma", "zeta")]
    assert [p.key for p in reading_next(catalog, related_votes(catalog), count=3)] == chosen[:3]


def test_reading_next_within_a_topic(make_project: Callable[..., Path]) -> None:
    catalog = scratch_catalog(scratch_project(make_project))
    greek = catalog.papers_in_topic("greek")
    assert {p.key for p in greek} == {key(n) for n in ("gamma", "zeta", "theta", "kappa")}
    chosen = [p.key for p in reading_next(catalog, related_votes(catalog), greek)]
    assert chosen == [key("gamma"), key("zeta")]


def test_home_and_topic_pages_show_reading_next_in_order(
    make_project: Callable[..., Path], tmp_path: Path
) -> None:
    root = scratch_project(make_project)
    settings, _ = load_settings(root)
    site = build_into(settings, tmp_path / "out")

    def next_block(html: str) -> list[str]:
        block = html.split('id="next-heading"', 1)[1].split("</section>", 1)[0]
        return re.findall(r'href="/papers/([^/"]+)/"', block)

    expected = [key(n) for n in ("beta", "alpha", "delta", "gamma", "zeta")]
    assert next_block(read(site, "")) == expected
    assert next_block(read(site, "topics/greek")) == [key("gamma"), key("zeta")]
    # Status bars: inline SVG with one segment per status present, no script needed.
    home = read(site, "")
    assert '<rect class="seg seg-unread" x="0" y="0" width="5" height="1"/>' in home
    assert '<rect class="seg seg-queued" x="5" y="0" width="2" height="1"/>' in home
    assert '<rect class="seg seg-read" x="7" y="0" width="3" height="1"/>' in home
    assert "Reading progress of 10 papers" in home


def test_list_progress_on_a_scratch_project(
    make_project: Callable[..., Path], tmp_path: Path
) -> None:
    root = scratch_project(make_project)
    reading_list = {
        "title": "Scratch list",
        "sections": [
            {"title": "Part one", "papers": [{"key": key("eta"), "comment": "Read *this*."}]},
            {"title": "Part two", "papers": [key("alpha"), key("epsilon")]},
        ],
    }
    (root / "content" / "lists").mkdir()
    (root / "content" / "lists" / "scratch.yaml").write_text(yaml.safe_dump(reading_list))
    settings, _ = load_settings(root)
    site = build_into(settings, tmp_path / "out")
    html = read(site, "lists/scratch")
    assert "<span>2 of 3 read</span>" in html
    assert [k for _, k, _ in list_items(html)] == [key("eta"), key("alpha"), key("epsilon")]
    assert "<p>Read <em>this</em>.</p>" in html
    assert "step 2 <span" in read(site, f"papers/{key('alpha')}")


# Topic hierarchy.


class TopicTreeParser(HTMLParser):
    """Records, for each topic link in the topic tree, the topic link of the enclosing item."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str | None] = []  # per open <li>: its topic link
        self.parent_of: dict[str, str | None] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "li":
            self.stack.append(None)
        elif tag == "a" and self.stack and self.stack[-1] is None:
            href = dict(attrs).get("href") or ""
            if href.startswith("/topics/"):
                slug = href.split("/")[2]
                self.stack[-1] = slug
                self.parent_of[slug] = self.stack[-2] if len(self.stack) > 1 else None

    def handle_endtag(self, tag: str) -> None:
        if tag == "li":
            self.stack.pop()


def test_topic_index_nests_subtopics_under_their_parents(
    sample_site: Path, sample_catalog: Catalog
) -> None:
    html = read(sample_site, "topics")
    tree = html.split('<ul class="topic-tree">', 1)[1]
    parser = TopicTreeParser()
    parser.feed('<ul class="topic-tree">' + tree)
    expected = {t.slug: t.parent for t in sample_catalog.topics}
    assert parser.parent_of == expected
    assert any(parent is not None for parent in expected.values())


def test_subtopic_pages_have_breadcrumbs_to_their_parents(
    sample_site: Path, sample_catalog: Catalog
) -> None:
    children = [t for t in sample_catalog.topics if t.parent is not None]
    assert children
    for child in children:
        parent = sample_catalog.topic(child.parent or "")
        html = read(sample_site, f"topics/{child.slug}")
        crumbs = html.split('class="breadcrumbs"', 1)[1].split("</nav>", 1)[0]
        assert re.findall(r'href="([^"]+)"', crumbs) == ["/topics/", f"/topics/{parent.slug}/"]
        assert f'<span aria-current="page">{child.name}</span>' in crumbs
        # The parent page lists the child as a subtopic.
        parent_html = read(sample_site, f"topics/{parent.slug}")
        subtopics = parent_html.split('id="subtopics-heading"', 1)[1].split("</section>", 1)[0]
        assert f'href="/topics/{child.slug}/"' in subtopics


def test_paper_breadcrumbs_run_down_to_the_subtopic(
    sample_site: Path, sample_catalog: Catalog
) -> None:
    checked = 0
    for paper in sample_catalog.papers:
        first = sample_catalog.topic(paper.topics[0])
        deeper = [t for t in sample_catalog.subtopics(first.slug) if t.slug in paper.topics]
        if first.parent is not None or not deeper:
            continue
        html = read(sample_site, f"papers/{paper.key}")
        crumbs = html.split('class="breadcrumbs"', 1)[1].split("</nav>", 1)[0]
        hrefs = re.findall(r'href="([^"]+)"', crumbs)
        assert hrefs[:3] == ["/topics/", f"/topics/{first.slug}/", f"/topics/{deeper[0].slug}/"]
        checked += 1
    assert checked > 0
