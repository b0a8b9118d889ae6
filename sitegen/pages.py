"""Plan the site: every output file as a ``Page`` value (url, template, context).

Planning reads only the ``Catalog`` and settings. Each page's context holds
exactly the data it shows, so a page needs re-rendering only when its own
context (or a template it uses) changed; docs/templates.md lists the contexts.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property, partial
from typing import Any, cast

from sitegen.citations import Citations
from sitegen.incremental import (
    PlanMemory,
    Shown,
    changed_values,
    neighbours,
    site_values,
    value_digest,
)
from sitegen.model import Catalog, Paper, ReadingList, Topic
from sitegen.reading import (
    TopicNode,
    ancestors,
    by_title,
    flatten,
    list_summary,
    reading_next,
    recent_papers,
    related_votes,
    status_counts,
    tag_index,
    topic_tree,
)
from sitegen.settings import Settings


@dataclass(frozen=True)
class Page:
    """One output file: where it goes, how it is made, and from what."""

    url: str
    """Site-relative URL: ``""`` for home, ``papers/<key>/``, ``papers.json``."""
    template: str | None
    """Jinja template name, or None when ``context["body"]`` is the file's text (or a
    function returning it, or an iterable of its chunks, called when the file is written)."""
    context: Mapping[str, Any] = field(default_factory=dict)
    """Everything the template shows."""
    title: str = ""
    """Page title for ``<title>`` and feeds."""
    description: str = ""
    """One-line description for meta tags."""
    kind: str = ""
    """``home``, ``paper``, ``topic``, ... (see docs/templates.md)."""
    feeds: tuple[tuple[str, str], ...] = ()
    """(title, url) of Atom feeds to advertise."""
    inputs: Any = None
    """What the page is made from, when that is less than its context (a data page
    made by a function: what the function reads of it); None means the context."""

    @cached_property
    def output(self) -> str:
        """Output path relative to the output folder."""
        if self.url == "" or self.url.endswith("/"):
            return self.url + "index.html"
        return self.url


@dataclass(frozen=True, slots=True)
class ListItemView:
    """A paper in a curated list, resolved."""

    paper: Paper
    comment: str
    position: int


@dataclass(frozen=True, slots=True)
class SectionView:
    """A section of a curated list, resolved."""

    title: str
    intro: str
    items: tuple[ListItemView, ...]


@dataclass(frozen=True, slots=True)
class ListPlacement:
    """Where a paper appears in a curated list ("In: RLHF syllabus, step 3")."""

    reading_list: ReadingList
    section: str
    position: int


def paper_url(key: str) -> str:
    """Site-relative URL of a paper page."""
    return f"papers/{key}/"


def topic_url(slug: str) -> str:
    """Site-relative URL of a topic page."""
    return f"topics/{slug}/"


def _sections(catalog: Catalog, reading_list: ReadingList) -> list[SectionView]:
    """A list's sections, papers resolved and numbered (hidden ones left out, uncounted)."""
    sections, position = [], 0
    for section in reading_list.sections:
        items = []
        for item in section.items:
            paper = catalog.get(item.key)
            if paper is not None:
                position += 1
                items.append(ListItemView(paper, item.comment, position))
        sections.append(SectionView(section.title, section.intro, tuple(items)))
    return sections


def _placements(catalog: Catalog) -> dict[str, list[ListPlacement]]:
    found: dict[str, list[ListPlacement]] = {}
    for reading_list in catalog.lists:
        for section in _sections(catalog, reading_list):
            for item in section.items:
                placement = ListPlacement(reading_list, section.title, item.position)
                found.setdefault(item.paper.key, []).append(placement)
    return found


class LazyContext(Mapping[str, Any]):
    """A page's context, made when first read. A one-off build that took the last plan
    (``PlanMemory.take_kept``) reads it only for the paper pages it plans again or
    renders, not for the thousands it keeps; pickled (to a render worker) as a dict."""

    __slots__ = ("_made", "_make")

    def __init__(self, make: Callable[[], dict[str, Any]]) -> None:
        self._make: Callable[[], dict[str, Any]] | None = make
        self._made: dict[str, Any] = {}

    def _context(self) -> dict[str, Any]:
        if self._make is not None:
            self._made, self._make = self._make(), None
        return self._made

    def __getitem__(self, key: str) -> Any:
        return self._context()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._context())

    def __len__(self) -> int:
        return len(self._context())

    def __reduce__(self) -> tuple[type[dict[str, Any]], tuple[dict[str, Any]]]:
        return dict, (self._context(),)


def _paper_pages(
    catalog: Catalog,
    topic_members: Mapping[str, Sequence[Paper]],
    cited: Citations,
    memory: PlanMemory,
    site: str,
) -> list[Page]:
    """Every paper's page. The pages showing a value changed since the last plan
    (``changed_values``, ``Recorded.stale``; every page in a first plan) are planned again
    and what they show recorded; the others are the last plan's pages, or in a one-off
    build new ones whose contexts are made only if read (``LazyContext``)."""
    placements = _placements(catalog)
    orders = {slug: tuple(p.key for p in papers) for slug, papers in topic_members.items()}
    lists = {rl.slug: value_digest(rl) for rl in catalog.lists}
    shown = Shown(memory.shown.papers, lists, orders, cited.keys)
    values: set[str] | None = None  # keys of the values changed since the last plan
    if cited.changed is not None:  # the papers changed since then (None: any may have)

        def first_topic(key: str) -> str | None:
            return catalog.paper(key).topics[0]

        values = changed_values(memory.shown, shown, cited.changed, first_topic)
    recorded = memory.paper_pages
    stale = recorded.stale(site, values)
    at: dict[str, dict[str, int]] = {}  # topic slug → position of each paper, as needed

    def near(paper: Paper) -> tuple[Paper | None, Paper | None]:
        """The papers before and after ``paper`` in its first topic."""
        slug = paper.topics[0] if paper.topics else None
        if slug not in orders:
            return None, None
        if slug not in at:
            at[slug] = {key: index for index, key in enumerate(orders[slug])}
        before, after = neighbours(orders[slug], at[slug][paper.key])
        return (catalog.paper(before) if before else None, catalog.paper(after) if after else None)

    def related(paper: Paper) -> list[Paper]:
        return [catalog.paper(key) for key in paper.related if catalog.get(key)]

    def context(paper: Paper) -> dict[str, Any]:
        prev_paper, next_paper = near(paper)
        return {
            "paper": paper,
            "topics": [catalog.topic(slug) for slug in paper.topics],
            "breadcrumbs": _topic_trail(catalog, paper),
            "related": related(paper),
            "prev": prev_paper,
            "next": next_paper,
            "first_topic": catalog.topic(paper.topics[0]) if paper.topics else None,
            "bibtex": cited.entries[paper.key],
            "in_lists": placements.get(paper.key, []),
        }

    def shows(paper: Paper) -> set[str]:
        papers = [paper, *related(paper), *(p for p in near(paper) if p is not None)]
        keys = {f"paper:{p.key}" for p in papers}
        keys.update(f"list:{place.reading_list.slug}" for place in placements.get(paper.key, []))
        keys.update((f"cite:{paper.key}", f"near:{paper.key}"))
        return keys

    pages = []
    for paper in catalog.papers:
        page = None if stale is None or paper.key in stale else recorded.items.get(paper.key)
        if page is None:
            page = Page(
                paper_url(paper.key),
                "paper.html",
                LazyContext(partial(context, paper)),
                title=paper.title.plain,
                description=paper.summary or _excerpt(paper.abstract.plain),
                kind="paper",
            )
            if stale is None or paper.key in stale:
                recorded.record(paper.key, page, shows(paper))
        pages.append(cast(Page, page))
    recorded.finish(site)
    if stale is None:
        shown.papers = {paper.key: paper.digest for paper in catalog.papers}
        memory.replanned = None
    else:
        shown.papers.update((key, catalog.paper(key).digest) for key in cited.changed or ())
        memory.replanned = frozenset(paper_url(key) for key in stale)
    memory.shown = shown
    return pages


def _topic_trail(catalog: Catalog, paper: Paper) -> list[Topic]:
    """Breadcrumbs of a paper: from its first topic down to its most specific subtopic."""
    if not paper.topics:
        return []
    current = catalog.topic(paper.topics[0])
    trail = [*ancestors(catalog, current), current]
    while True:
        deeper = [t for t in catalog.subtopics(current.slug) if t.slug in paper.topics]
        if not deeper or deeper[0] in trail:
            return trail
        current = deeper[0]
        trail.append(current)


def _excerpt(text: str) -> str:
    if len(text) <= 200:
        return text
    return text[:200].rsplit(" ", 1)[0] + "…"


def _topic_pages(
    catalog: Catalog,
    tree: tuple[TopicNode, ...],
    members: Mapping[str, Sequence[Paper]],
    votes: Mapping[str, int],
) -> list[Page]:
    pages = []
    for node in flatten(tree):
        topic = node.topic
        papers = members.get(topic.slug, [])
        feed = f"topics/{topic.slug}/feed.xml"
        pages.append(
            Page(
                topic_url(topic.slug),
                "topic.html",
                {
                    "topic": topic,
                    "node": node,
                    "papers": papers,
                    "status_counts": node.status_counts,
                    "subtopics": node.children,
                    "breadcrumbs": ancestors(catalog, topic),
                    "reading_next": reading_next(
                        catalog, votes, catalog.papers_in_topic(topic.slug)
                    ),
                    "feed_url": feed,
                    "bib_url": f"topics/{topic.slug}/papers.bib",
                },
                title=topic.name,
                description=f"{node.count} papers on {topic.name}.",
                kind="topic",
                feeds=((f"{topic.name} — new papers", feed),),
            )
        )
    return pages


def _list_pages(catalog: Catalog) -> list[Page]:
    pages = []
    for reading_list in catalog.lists:
        sections = _sections(catalog, reading_list)
        papers = [item.paper for section in sections for item in section.items]
        summary = list_summary(catalog, reading_list)
        pages.append(
            Page(
                f"lists/{reading_list.slug}/",
                "list.html",
                {
                    "reading_list": reading_list,
                    "sections": sections,
                    "total": summary.total,
                    "done": summary.done,
                    "status_counts": status_counts(papers),
                },
                title=reading_list.title,
                description=f"A curated reading list of {summary.total} papers.",
                kind="list",
                feeds=((f"{reading_list.title} — papers", f"lists/{reading_list.slug}/feed.xml"),),
            )
        )
    return pages


def plan_pages(
    catalog: Catalog,
    settings: Settings,
    memory: PlanMemory,
    *,
    cited: Citations,
) -> list[Page]:
    """Every HTML page of the site, in a stable order (``sitegen.exports`` plans the rest).

    ``memory`` holds the previous plan of a long-lived process: paper pages showing no
    changed value are taken from it. ``cited``: ``citations(catalog, settings, memory)``.
    """
    tree = topic_tree(catalog)
    members = {
        t.slug: memory.orders.get(f"topic:{t.slug}", catalog.papers_in_topic(t.slug), by_title)
        for t in catalog.topics
    }
    votes = related_votes(catalog)
    summaries = [list_summary(catalog, rl) for rl in catalog.lists]
    site_feed = (("New papers", "feed.xml"),)
    pages = [
        Page(
            "",
            "home.html",
            {
                "paper_count": len(catalog.papers),
                "entry_count": catalog.entry_count,
                "topics": tree,
                "status_counts": status_counts(catalog.papers),
                "recent": recent_papers(catalog),
                "lists": summaries,
                "reading_next": reading_next(catalog, votes),
            },
            title=settings.title,
            description=settings.description,
            kind="home",
            feeds=site_feed,
        ),
        *_paper_pages(catalog, members, cited, memory, site_values(catalog, settings)),
        Page("topics/", "topics.html", {"tree": tree}, title="Topics", kind="topics"),
        *_topic_pages(catalog, tree, members, votes),
    ]
    tags = tag_index(catalog)
    pages.append(
        Page(
            "tags/",
            "tags.html",
            {"tags": [(name, slug, len(papers)) for slug, (name, papers) in tags.items()]},
            title="Tags",
            kind="tags",
        )
    )
    for slug, (name, papers) in tags.items():
        pages.append(
            Page(
                f"tags/{slug}/",
                "tag.html",
                {"tag": name, "papers": memory.orders.get(f"tag:{slug}", papers, by_title)},
                title=f"Tagged “{name}”",
                kind="tag",
                feeds=((f"Tagged “{name}” — new papers", f"tags/{slug}/feed.xml"),),
            )
        )
    pages.append(
        Page("lists/", "lists.html", {"lists": summaries}, title="Reading lists", kind="lists")
    )
    pages.extend(_list_pages(catalog))
    pages.append(Page("search/", "search.html", {}, title="Search", kind="search"))
    pages.append(Page("404.html", "404.html", {}, title="Page not found", kind="404"))
    return pages
