"""Plan the site: every output file as a ``Page`` value (url, template, context).

Planning reads only the ``Catalog`` and settings. Each page's context holds
exactly the data it shows, so a page needs re-rendering only when its own
context (or a template it uses) changed; docs/templates.md lists the contexts.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property, partial
from typing import Any

from sitegen.catalog.keys import tag_slug
from sitegen.model import STATUSES, Catalog, Paper, ReadingList, Topic
from sitegen.planmemo import PaperState, PlanMemo, dirty_papers
from sitegen.settings import Settings
from sitegen.streams import joined

DONE_STATUSES = frozenset({"read", "skimmed"})
"""Statuses that count as done for reading progress."""
RECENT_COUNT = 8
READ_NEXT_COUNT = 5


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
class TopicNode:
    """A topic with its paper count, status counts and subtopics."""

    topic: Topic
    count: int
    status_counts: Mapping[str, int]
    children: tuple[TopicNode, ...] = ()


@dataclass(frozen=True, slots=True)
class ListSummary:
    """A curated list with its reading progress."""

    reading_list: ReadingList
    total: int
    done: int


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


def status_counts(papers: Iterable[Paper]) -> dict[str, int]:
    """Papers per status, every status present, in reading order."""
    counts = dict.fromkeys(STATUSES, 0)
    for paper in papers:
        counts[paper.status] += 1
    return counts


def by_title(papers: Iterable[Paper]) -> list[Paper]:
    """Papers sorted by title, case-insensitively, key as tie-break."""
    return sorted(papers, key=lambda p: (p.title.plain.casefold(), p.key))


def topic_tree(catalog: Catalog) -> tuple[TopicNode, ...]:
    """Top-level topic nodes, each with nested children."""
    members: dict[str, list[Paper]] = {t.slug: [] for t in catalog.topics}
    for paper in catalog.papers:
        for slug in paper.topics:
            members.setdefault(slug, []).append(paper)

    def node(topic: Topic, seen: frozenset[str]) -> TopicNode:
        children = tuple(
            node(child, seen | {child.slug})
            for child in catalog.subtopics(topic.slug)
            if child.slug not in seen
        )
        papers = members.get(topic.slug, [])
        return TopicNode(topic, len(papers), status_counts(papers), children)

    return tuple(node(t, frozenset({t.slug})) for t in catalog.topics if t.parent is None)


def _flatten(nodes: Iterable[TopicNode]) -> Iterable[TopicNode]:
    for node in nodes:
        yield node
        yield from _flatten(node.children)


def tag_index(catalog: Catalog) -> dict[str, tuple[str, list[Paper]]]:
    """Tag slug → (display name, papers); tags differing only in case share a page."""
    tags: dict[str, tuple[str, list[Paper]]] = {}
    for paper in catalog.papers:
        for tag in paper.tags:
            slug = tag_slug(tag)
            tags.setdefault(slug, (tag, []))[1].append(paper)
    return dict(sorted(tags.items()))


def list_summary(catalog: Catalog, reading_list: ReadingList) -> ListSummary:
    """Progress of a curated list."""
    papers = [catalog.get(key) for key in reading_list.keys]
    present = [p for p in papers if p is not None]
    return ListSummary(reading_list, len(present), sum(p.status in DONE_STATUSES for p in present))


def recent_papers(catalog: Catalog, count: int = RECENT_COUNT) -> list[Paper]:
    """Latest annotated papers: most recently read first, then in annotation order."""
    refs = catalog.annotation_refs
    annotated = [p for p in catalog.papers if p.key in refs]
    annotated.sort(key=lambda p: refs[p.key])
    annotated.sort(key=lambda p: p.read_on.toordinal() if p.read_on else 0, reverse=True)
    return annotated[:count]


def reading_next(
    catalog: Catalog,
    count: int = READ_NEXT_COUNT,
    within: Collection[str] | None = None,
    votes: Mapping[str, int] | None = None,
    candidates: Sequence[Paper] | None = None,
) -> list[Paper]:
    """What to read next: queued first (rated ones first), then highest-rated unread, then papers
    most related to those rated 4 or 5; only papers whose keys are ``within``, if given.

    ``votes`` is ``related_votes(catalog)``, when the caller has it already;
    ``candidates`` the papers to choose from in catalogue order, instead of ``within``.
    """
    chosen: dict[str, Paper] = {}
    if candidates is None:
        candidates = [p for p in catalog.papers if within is None or p.key in within]
    elif within is None:
        within = {p.key for p in candidates}
    # Among queued papers, a rating says which the reader wants most.
    queued = sorted((p for p in candidates if p.status == "queued"), key=lambda p: -(p.rating or 0))
    rated_unread = sorted(
        (p for p in candidates if p.status == "unread" and p.rating),
        key=lambda p: -(p.rating or 0),
    )
    votes = related_votes(catalog) if votes is None else votes
    related_unread = [
        catalog.paper(key)
        for key in votes
        if catalog.get(key) is not None
        and catalog.paper(key).status == "unread"
        and (within is None or key in within)
    ]
    for paper in [*queued, *rated_unread, *related_unread]:
        if len(chosen) >= count:
            break
        chosen.setdefault(paper.key, paper)
    return list(chosen.values())


def related_votes(catalog: Catalog) -> dict[str, int]:
    """Papers related to those rated 4 or 5, each weighted by its rank in their lists;
    most votes first (then by key)."""
    votes: dict[str, int] = {}
    for liked in catalog.papers:
        if (liked.rating or 0) >= 4:
            for rank, key in enumerate(liked.related):
                votes[key] = votes.get(key, 0) + (len(liked.related) - rank)
    return dict(sorted(votes.items(), key=lambda kv: (-kv[1], kv[0])))


def _placements(catalog: Catalog) -> dict[str, list[ListPlacement]]:
    found: dict[str, list[ListPlacement]] = {}
    for reading_list in catalog.lists:
        position = 0
        for section in reading_list.sections:
            for item in section.items:
                if catalog.get(item.key) is None:
                    continue  # hidden: not on the list page, so not counted there either
                position += 1
                found.setdefault(item.key, []).append(
                    ListPlacement(reading_list, section.title, position)
                )
    return found


def _paper_pages(
    catalog: Catalog, topic_members: Mapping[str, Sequence[Paper]], memo: PlanMemo
) -> list[Page]:
    entries = memo.bibtex_entries(catalog.papers)
    placements = _placements(catalog)
    keys = tuple(p.key for p in catalog.papers)
    state = PaperState(
        keys, catalog.papers, catalog.topics, catalog.lists, memo.citations, topic_members
    )
    dirty = dirty_papers(catalog, memo, state)
    made = memo.paper_pages if dirty is not None else {}
    # Topics (names, parents) are what every paper's breadcrumbs are made of.
    last = memo.paper_state
    earlier = memo.paper_pages if last is not None and last.topics == catalog.topics else {}
    positions: dict[str, dict[str, int]] = {}
    for paper in catalog.papers if dirty is None else (catalog.paper(k) for k in dirty):
        first = catalog.topic(paper.topics[0]) if paper.topics else None
        prev_paper = next_paper = None
        if first is not None:
            siblings = topic_members[first.slug]
            if first.slug not in positions:
                positions[first.slug] = {p.key: i for i, p in enumerate(siblings)}
            index = positions[first.slug][paper.key]
            prev_paper = siblings[index - 1] if index > 0 else None
            next_paper = siblings[index + 1] if index + 1 < len(siblings) else None
        related = [catalog.paper(key) for key in paper.related if catalog.get(key)]
        in_lists = placements.get(paper.key, [])
        bibtex = entries[paper.key]  # the same string while its paper and citation key are
        inputs = (paper, prev_paper, next_paper, related, in_lists, bibtex)
        old = earlier.get(paper.key)
        if old is not None and _same(old[0], inputs):
            page = old[1]
        else:
            context = {
                "paper": paper,
                "topics": [catalog.topic(slug) for slug in paper.topics],
                "breadcrumbs": _topic_trail(catalog, paper),
                "related": related,
                "prev": prev_paper,
                "next": next_paper,
                "first_topic": first,
                "bibtex": bibtex,
                "in_lists": in_lists,
            }
            page = Page(
                paper_url(paper.key),
                "paper.html",
                context,
                title=paper.title.plain,
                description=paper.summary or _excerpt(paper.abstract.plain),
                kind="paper",
            )
        made[paper.key] = (inputs, page)
    memo.paper_pages = made
    memo.paper_state = state
    return [made[key][1] for key in keys]


def _same(old: tuple[object, ...], new: tuple[object, ...]) -> bool:
    """Whether a page's inputs are the objects (or equal values) it was made from."""
    return all(a is b or a == b for a, b in zip(old, new))


def ancestors(catalog: Catalog, topic: Topic) -> list[Topic]:
    """A topic's ancestors, root first (a cycle stops the walk)."""
    trail: list[Topic] = []
    parent = topic.parent
    while parent is not None and parent != topic.slug and parent not in {t.slug for t in trail}:
        trail.insert(0, catalog.topic(parent))
        parent = trail[0].parent
    return trail


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


def _excerpt(text: str, limit: int = 200) -> str:
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0] + "…"


def _topic_pages(
    catalog: Catalog,
    tree: tuple[TopicNode, ...],
    members: Mapping[str, Sequence[Paper]],
    votes: Mapping[str, int],
) -> list[Page]:
    pages = []
    for node in _flatten(tree):
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
                        catalog, votes=votes, candidates=catalog.papers_in_topic(topic.slug)
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
        sections = []
        position = 0
        papers = []
        for section in reading_list.sections:
            items = []
            for item in section.items:
                paper = catalog.get(item.key)
                if paper is None:
                    continue
                position += 1
                items.append(ListItemView(paper, item.comment, position))
                papers.append(paper)
            sections.append(SectionView(section.title, section.intro, tuple(items)))
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
            )
        )
    return pages


def papers_json(
    papers: Sequence[Paper],
    base: str,
    fragments: dict[str, tuple[Paper, bytes]] | None = None,
) -> Iterator[bytes]:
    """The whole catalogue, machine-readable (SPEC §5), paper by paper, UTF-8.

    ``fragments`` keeps each paper's encoded record between calls (``PlanMemo``), so
    after an edit only the changed papers are encoded again.
    """
    kept = fragments if fragments is not None else {}

    def records() -> Iterator[bytes]:  # a generator: cheaper per paper than a call
        for paper in papers:
            held = kept.get(paper.key)
            if held is None or held[0] is not paper:
                held = kept[paper.key] = (paper, _paper_record(paper, base).encode("utf-8"))
            yield held[1]

    if not papers:
        yield b'{\n "papers": []\n}\n'
        return
    yield b'{\n "papers": [\n  '
    yield from joined(records(), b",\n  ")
    yield b"\n ]\n}\n"


def _paper_record(p: Paper, base: str) -> str:
    record = {
        "key": p.key,
        "title": p.title.plain,
        "title_inferred": p.title_inferred,
        "abstract": p.abstract.plain,
        "url": base + paper_url(p.key),
        "topics": list(p.topics),
        "tags": list(p.tags),
        "status": p.status,
        "rating": p.rating,
        "summary": p.summary,
        "authors": list(p.authors),
        "year": p.year,
        "sources": [{"file": s.file, "line": s.line} for s in p.sources],
        "related": list(p.related),
    }
    # Two levels in: inside the top object and its list (JSON strings hold no raw newline).
    return json.dumps(record, ensure_ascii=False, indent=1).replace("\n", "\n  ")


def plan_pages(catalog: Catalog, settings: Settings, memo: PlanMemo | None = None) -> list[Page]:
    """Every page and data file of the site, in a stable order.

    ``memo`` holds the previous plan of a long-lived process; pages whose inputs
    are unchanged come back as the same objects.
    """
    memo = memo if memo is not None else PlanMemo()
    tree = topic_tree(catalog)
    members = {
        t.slug: memo.ordered(f"topic:{t.slug}", catalog.papers_in_topic(t.slug), by_title)
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
                "reading_next": reading_next(catalog, votes=votes),
            },
            title=settings.title,
            description=settings.description,
            kind="home",
            feeds=site_feed,
        ),
        *_paper_pages(catalog, members, memo),
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
                {"tag": name, "papers": memo.ordered(f"tag:{slug}", papers, by_title)},
                title=f"Tagged “{name}”",
                kind="tag",
            )
        )
    pages.append(
        Page("lists/", "lists.html", {"lists": summaries}, title="Reading lists", kind="lists")
    )
    pages.extend(_list_pages(catalog))
    pages.append(Page("search/", "search.html", {}, title="Search", kind="search"))
    pages.append(Page("404.html", "404.html", {}, title="Page not found", kind="404"))
    # Made when written, not held for the whole build: megabytes at 100,000 papers.
    base = settings.absolute_base or settings.base_path
    body = partial(papers_json, catalog.papers, base, memo.fragments)
    pages.append(Page("papers.json", None, {"body": body}, inputs=(catalog.papers, base)))
    from sitegen.publish import publish_pages  # publish builds on this module's helpers

    pages.extend(publish_pages(catalog, settings, pages, memo))
    memo.finish()
    return pages
