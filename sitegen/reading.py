"""The reading list as a reader sees it: topic tree, progress, what to read next.

Pure functions of the ``Catalog``; planning (``sitegen.pages``) puts their
results into page contexts, and tests call them directly.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from sitegen.catalog.keys import tag_slug
from sitegen.model import STATUSES, Catalog, Paper, ReadingList, Topic

DONE_STATUSES = frozenset({"read", "skimmed"})
"""Statuses that count as done for reading progress."""
RECENT_COUNT = 8
READ_NEXT_COUNT = 5


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

    def node(topic: Topic, seen: frozenset[str]) -> TopicNode:
        children = tuple(
            node(child, seen | {child.slug})
            for child in catalog.subtopics(topic.slug)
            if child.slug not in seen
        )
        papers = catalog.papers_in_topic(topic.slug)
        return TopicNode(topic, len(papers), status_counts(papers), children)

    return tuple(node(t, frozenset({t.slug})) for t in catalog.topics if t.parent is None)


def flatten(nodes: Iterable[TopicNode]) -> Iterable[TopicNode]:
    """Every node of a topic tree, parents before their children."""
    for node in nodes:
        yield node
        yield from flatten(node.children)


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


def recent_papers(catalog: Catalog) -> list[Paper]:
    """Latest annotated papers: most recently read first, then in annotation order."""
    refs = catalog.annotation_refs
    annotated = [p for p in catalog.papers if p.key in refs]
    annotated.sort(key=lambda p: refs[p.key])
    annotated.sort(key=lambda p: p.read_on.toordinal() if p.read_on else 0, reverse=True)
    return annotated[:RECENT_COUNT]


def reading_next(
    catalog: Catalog,
    votes: Mapping[str, int],
    candidates: Sequence[Paper] | None = None,
    count: int = READ_NEXT_COUNT,
) -> list[Paper]:
    """What to read next among ``candidates`` (papers in catalogue order; every paper if
    None): queued first (rated ones first), then highest-rated unread, then papers most related
    to those rated 4 or 5 (``votes``: ``related_votes(catalog)``)."""
    chosen: dict[str, Paper] = {}
    if candidates is None:
        candidates = catalog.papers
    within = {p.key for p in candidates}
    # Among queued papers, a rating says which the reader wants most.
    queued = sorted((p for p in candidates if p.status == "queued"), key=lambda p: -(p.rating or 0))
    rated_unread = sorted(
        (p for p in candidates if p.status == "unread" and p.rating),
        key=lambda p: -(p.rating or 0),
    )
    related_unread = [
        catalog.paper(key)
        for key in votes
        if key in within and catalog.paper(key).status == "unread"
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


def ancestors(catalog: Catalog, topic: Topic) -> list[Topic]:
    """A topic's ancestors, root first (a cycle stops the walk)."""
    trail: list[Topic] = []
    parent = topic.parent
    while parent is not None and parent != topic.slug and parent not in {t.slug for t in trail}:
        trail.insert(0, catalog.topic(parent))
        parent = trail[0].parent
    return trail
