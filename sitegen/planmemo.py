"""What planning keeps between the builds of a long-lived process (``sitegen serve``).

The catalogue hands back the same ``Paper`` objects for papers an edit did not
touch, so "unchanged" is an identity check here. A ``PlanMemo`` holds the last
plan's BibTeX entries, orderings, ``papers.json`` fragments and paper pages;
``dirty_papers`` says which paper pages an edit can reach, so only those are
planned again (docs/builds.md, "sitegen serve: rebuilds that follow the edit").
"""

from __future__ import annotations

import itertools
import operator
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from sitegen.bibliography import bibtex_entry, citation_keys, citation_stem
from sitegen.feeds import FeedWriter
from sitegen.model import Catalog, Paper, ReadingList, Topic
from sitegen.settings import Settings

if TYPE_CHECKING:
    from sitegen.pages import Page

T = TypeVar("T")


@dataclass
class PlanMemo:
    """What planning made in this process's last build, for the next plan to reuse.

    ``sitegen serve`` keeps one between rebuilds. The catalogue hands back the
    same ``Paper`` objects for papers an edit did not touch, so a paper page whose
    inputs (its paper, neighbours, related papers, list places, BibTeX entry) are
    the objects it was made from is the same ``Page`` object again, and its digest
    need not be taken again either (``sitegen.build.page_digests``).
    """

    paper_pages: dict[str, tuple[tuple[object, ...], Page]] = field(default_factory=dict)
    stems: dict[str, tuple[Paper, str]] = field(default_factory=dict)
    citations: tuple[list[tuple[str, str]], dict[str, str]] | None = None
    """The last (paper key, citation stem) pairs in catalogue order and their keys."""
    fragments: dict[str, tuple[Paper, bytes]] = field(default_factory=dict)
    """Each paper's record in ``papers.json``, encoded, as written last."""
    paper_state: PaperState | None = None
    """What the last plan's paper pages were made with (``dirty_papers``)."""
    cited_by: dict[str, set[str]] = field(default_factory=dict)
    """Paper key → keys of papers listing it as related, as of the last plan."""
    bibtex: dict[str, tuple[Paper, str, str]] = field(default_factory=dict)
    """Each paper's BibTeX entry with the paper and citation key it was made from."""
    entries: dict[str, str] = field(default_factory=dict)
    """BibTeX entries of the last plan by paper key (``bibtex_entries``)."""
    csl: dict[str, tuple[Paper, str, str]] = field(default_factory=dict)
    """Each paper's CSL-JSON item text with the paper and citation key it was made from."""
    _bib_papers: Sequence[Paper] = ()
    _feeds: tuple[object, FeedWriter] | None = None

    kept: dict[str, tuple[Any, ...]] = field(default_factory=dict)
    """Sequences of the last plan by name, for ``stable``."""
    orders: dict[str, tuple[tuple[Paper, ...], tuple[Paper, ...]]] = field(default_factory=dict)
    """Orderings of the last plan by name (papers in, papers out), for ``ordered``."""
    _used: dict[str, tuple[Any, ...]] = field(default_factory=dict)
    _used_orders: dict[str, tuple[tuple[Paper, ...], tuple[Paper, ...]]] = field(
        default_factory=dict
    )

    def stable(self, name: str, values: Iterable[T]) -> tuple[T, ...]:
        """``values`` as a tuple: the last plan's very tuple if it held the same objects.

        A digest of a tuple the previous build hashed is taken over, not taken again.
        """
        made = tuple(values)
        old = self.kept.get(name)
        if old is not None and len(old) == len(made) and all(map(operator.is_, old, made)):
            made = old
        self._used[name] = made
        return made

    def ordered(
        self,
        name: str,
        papers: Iterable[Paper],
        order: Callable[[Sequence[Paper]], Iterable[Paper]],
    ) -> tuple[Paper, ...]:
        """``order(papers)``, sorted again only when the papers are not the last plan's."""
        source = self.stable(name, papers)
        held = self.orders.get(name)
        if held is None or held[0] is not source:
            held = (source, tuple(order(source)))
        self._used_orders[name] = held
        return held[1]

    def finish(self) -> None:
        """End a plan: what it did not use is let go."""
        self.kept, self._used = self._used, {}
        self.orders, self._used_orders = self._used_orders, {}

    @property
    def citation_map(self) -> Mapping[str, str]:
        """Paper key → citation key as of the last ``bibtex_entries`` (empty before)."""
        return self.citations[1] if self.citations is not None else {}

    def feed_writer(self, settings: Settings, topics: Sequence[Topic]) -> FeedWriter:
        """The last plan's feed writer (it keeps the entries it wrote) if the settings
        and topic names are the same, else a new one."""
        key = (settings, tuple((topic.slug, topic.name) for topic in topics))
        if self._feeds is None or self._feeds[0] != key:
            self._feeds = (key, FeedWriter.for_site(settings, topics))
        return self._feeds[1]

    def bibtex_entries(self, papers: Sequence[Paper]) -> dict[str, str]:
        """Each paper's BibTeX entry; only new or changed papers' are made again.

        When the papers are the last plan's but for a few, at the same places and with
        the same citation stems, the entries of those few are replaced in place (the
        citation keys cannot have moved); else every paper is looked at.
        """
        last = self._bib_papers
        self._bib_papers = papers
        moved = changed_positions(papers, last) if self.citations is not None else None
        if moved is not None and len(moved) * 10 <= len(papers):
            changed = [papers[i] for i in moved]
            stems = [citation_stem(paper) for paper in changed]
            if all(
                paper.key == last[i].key and stem == self.stems[paper.key][1]
                for i, paper, stem in zip(moved, changed, stems)
            ):
                for paper, stem in zip(changed, stems):
                    self.stems[paper.key] = (paper, stem)
                    self._entry(paper, self.citation_map[paper.key])
                return self.entries
        citations = self.citation_keys(papers)
        earlier, self.bibtex, self.entries = self.bibtex, {}, {}
        for paper in papers:
            old = earlier.get(paper.key)
            citation = citations[paper.key]
            if old is not None and old[0] is paper and old[1] == citation:
                self.bibtex[paper.key] = old
                self.entries[paper.key] = old[2]
            else:
                self._entry(paper, citation, old)
        return self.entries

    def _entry(
        self, paper: Paper, citation: str, old: tuple[Paper, str, str] | None = None
    ) -> None:
        """Make a paper's BibTeX entry (``old``: its last one, if not in ``self.bibtex``)."""
        old = old or self.bibtex.get(paper.key)
        entry = bibtex_entry(paper, citation)
        # An edit the entry does not show keeps the very string: exports that list it
        # are then known unchanged without hashing them (``stable``).
        if old is not None and old[2] == entry:
            entry = old[2]
        self.bibtex[paper.key] = (paper, citation, entry)
        self.entries[paper.key] = entry

    def citation_keys(self, papers: Sequence[Paper]) -> dict[str, str]:
        """``bibliography.citation_keys``, remade only when a stem or the order changed."""
        stems: dict[str, str] = {}
        for paper in papers:
            old = self.stems.get(paper.key)
            stems[paper.key] = (
                old[1] if old is not None and old[0] is paper else citation_stem(paper)
            )
        self.stems = {paper.key: (paper, stems[paper.key]) for paper in papers}
        pairs = list(stems.items())
        if self.citations is None or self.citations[0] != pairs:
            self.citations = (pairs, citation_keys(papers, stems))
        return self.citations[1]


@dataclass(frozen=True)
class PaperState:
    """What every paper page of a plan was made with besides its own inputs."""

    keys: tuple[str, ...]
    papers: Sequence[Paper]
    """The papers the pages were made from, in catalogue order (``keys``)."""
    topics: tuple[Topic, ...]
    lists: tuple[ReadingList, ...]
    citations: object
    """``PlanMemo.citations`` (a new object whenever any citation key may have moved)."""
    orders: Mapping[str, Sequence[Paper]]
    """Each topic's papers in page order (prev/next)."""


def dirty_papers(catalog: Catalog, memo: PlanMemo, state: PaperState) -> list[str] | None:
    """Keys of the papers whose page may differ from the last plan's, or None when every
    page must be checked: no last plan, or it differed in more than a few papers (visible
    papers, topics, lists, citation keys, or a tenth of the papers changed)."""
    last, made = memo.paper_state, memo.paper_pages
    if (
        last is None
        or last.keys != state.keys
        or last.topics != state.topics
        or last.lists != state.lists
        or last.citations is not state.citations
    ):
        memo.cited_by = cited_by(catalog.papers)
        return None
    moved = changed_positions(catalog.papers, last.papers)
    if moved is None:  # cannot be: the same keys
        moved = list(range(len(catalog.papers)))
    changed = [catalog.papers[i] for i in moved]
    if len(changed) * 10 > len(state.keys):
        memo.cited_by = cited_by(catalog.papers)
        return None
    dirty = {p.key for p in changed}
    for paper in changed:
        dirty.update(memo.cited_by.get(paper.key, ()))  # pages listing it as related
        old = made[paper.key][0][0]
        if isinstance(old, Paper) and old.related != paper.related:
            for key in old.related:
                memo.cited_by.get(key, set()).discard(old.key)
            for key in paper.related:
                memo.cited_by.setdefault(key, set()).add(paper.key)
    for slug, order in state.orders.items():
        if order is last.orders.get(slug):
            continue  # the same papers in the same order: no neighbour moved
        for index, paper in enumerate(order):
            if paper.topics and paper.topics[0] == slug:
                inputs = made[paper.key][0]
                before = order[index - 1] if index > 0 else None
                after = order[index + 1] if index + 1 < len(order) else None
                if inputs[1] is not before or inputs[2] is not after:
                    dirty.add(paper.key)
    return sorted(dirty)  # any order makes the same pages; sorted, so every run alike


def changed_positions(papers: Sequence[Paper], last: Sequence[Paper]) -> list[int] | None:
    """Where ``papers`` holds other objects than ``last`` (None if their counts differ)."""
    if len(papers) != len(last):
        return None
    return list(itertools.compress(range(len(papers)), map(operator.is_not, papers, last)))


def cited_by(papers: Iterable[Paper]) -> dict[str, set[str]]:
    """Paper key → keys of the papers listing it as related."""
    found: dict[str, set[str]] = {}
    for paper in papers:
        for key in paper.related:
            found.setdefault(key, set()).add(paper.key)
    return found
