"""Deduplication: seed entries that describe the same paper become one merged record."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from sitegen.model import RichText, SourceEntry

_NON_WORD = re.compile(r"[\W_]+")

BIBLIOGRAPHY_FORMATS = frozenset({"bibtex", "csl-json"})
"""Formats whose bibliographic fields (authors, year, venue, ids) are trusted first."""


def normalise(text: str) -> str:
    """Case, accent, punctuation and spacing folded away, for comparing titles and abstracts."""
    folded = text.casefold()
    if not folded.isascii():  # ASCII has no accents to strip: most titles and abstracts
        folded = unicodedata.normalize("NFKD", folded)
        folded = "".join(ch for ch in folded if not unicodedata.combining(ch))
    return _NON_WORD.sub(" ", folded).strip()


@dataclass(frozen=True, slots=True)
class CleanEntry:
    """A seed entry with its title and abstract cleaned."""

    entry: SourceEntry
    title: RichText | None
    abstract: RichText


@dataclass(frozen=True, slots=True)
class MergedPaper:
    """One distinct paper from one or more entries, fields merged."""

    entries: tuple[CleanEntry, ...]
    """Every entry for this paper, in source order."""
    title: RichText | None
    """Title from the preferred titled entry; None when no entry had one."""
    abstract: RichText
    authors: tuple[str, ...]
    year: int | None
    venue: str | None
    doi: str | None
    arxiv: str | None
    url: str | None
    tags: tuple[str, ...]
    listed_on: str | None


class _UnionFind:
    def __init__(self, size: int) -> None:
        self.parent = list(range(size))

    def find(self, item: int) -> int:
        while self.parent[item] != item:
            self.parent[item] = self.parent[self.parent[item]]
            item = self.parent[item]
        return item

    def union(self, a: int, b: int) -> None:
        root_a, root_b = self.find(a), self.find(b)
        if root_a != root_b:
            # The earlier entry stays the root so groups keep source order.
            self.parent[max(root_a, root_b)] = min(root_a, root_b)


def _identities(item: CleanEntry) -> list[str]:
    """Strings that identify a paper: any shared one means the same paper."""
    found = []
    if item.title is not None and (title := normalise(item.title.plain)):
        found.append("t:" + title)
    if abstract := normalise(item.abstract.plain):
        found.append("a:" + abstract)
    if item.entry.doi:
        found.append("d:" + item.entry.doi.casefold())
    if item.entry.arxiv:
        found.append("x:" + re.sub(r"v\d+$", "", item.entry.arxiv.casefold()))
    return found


def group_duplicates(items: Sequence[CleanEntry]) -> list[list[CleanEntry]]:
    """Entries grouped by paper: same normalised title, abstract, DOI or arXiv id."""
    union = _UnionFind(len(items))
    first_seen: dict[str, int] = {}
    for index, item in enumerate(items):
        for identity in _identities(item):
            seen = first_seen.setdefault(identity, index)
            if seen != index:
                union.union(seen, index)
    groups: dict[int, list[CleanEntry]] = {}
    for index, item in enumerate(items):
        groups.setdefault(union.find(index), []).append(item)
    return [groups[root] for root in sorted(groups)]


def _preference(item: CleanEntry) -> tuple[int, int]:
    """Bibliographies first, then titled entries, then untitled ones."""
    return (0 if item.entry.format in BIBLIOGRAPHY_FORMATS else 1, 0 if item.title else 1)


def merge(group: Sequence[CleanEntry]) -> MergedPaper:
    """One record from a group of entries: each field from the most trusted entry that has it."""
    ranked = sorted(group, key=_preference)
    titled = [item for item in ranked if item.title is not None]
    with_abstract = [item for item in ranked if item.abstract.plain]
    # Prefer the longest abstract among the best-ranked entries that have one.
    abstract = (
        max(with_abstract, key=lambda i: (-_preference(i)[1], len(i.abstract.plain))).abstract
        if with_abstract
        else RichText("", "")
    )

    def first(attr: str) -> object:
        for item in ranked:
            value = getattr(item.entry, attr)
            if value:
                return value
        return None

    tags: dict[str, None] = {}
    for item in group:
        tags.update(dict.fromkeys(item.entry.tags))
    listed = sorted(item.entry.listed_on for item in group if item.entry.listed_on)
    authors = first("authors")
    year = first("year")
    return MergedPaper(
        entries=tuple(group),
        title=titled[0].title if titled else None,
        abstract=abstract,
        authors=authors if isinstance(authors, tuple) else (),
        year=year if isinstance(year, int) else None,
        venue=_text(first("venue")),
        doi=_text(first("doi")),
        arxiv=_text(first("arxiv")),
        url=_text(first("url")),
        tags=tuple(tags),
        listed_on=listed[0] if listed else None,
    )


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None
