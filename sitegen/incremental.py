"""The one incremental mechanism: values carry digests, pages record what they show.

- Every catalogue value has a content digest, made once: a ``Paper`` when the
  catalogue creates it (``Paper.digest``), topics, lists and settings when they
  are read (``catalog_values``). Values are named by key: ``paper:<key>``,
  ``list:<slug>``; derived ones too: ``cite:<key>`` (the paper's citation key) and
  ``near:<key>`` (its neighbours in its first topic).
- Planning records, for each paper page, the keys of the values it shows and keeps
  the page in a ``Recorded`` with those keys.
- The next build compares the old and new values key by key (``changed_values``,
  over what the last plan's pages showed, ``Shown``): papers by digest, lists,
  citation keys, and neighbours only in the topics whose order moved. Only pages that
  show a changed value are planned again (``Recorded.stale``); the rest are the last
  plan's (in ``sitegen serve``), or pages whose context is made only if read (in a
  one-off build, which starts from the plan the last one left: ``KeptPlan``), with
  their digests. A change to what every page shows (settings, topics, which papers
  are visible) plans all.

Pages that list many papers (home, topic, tag and list pages, exports, feeds)
are planned every build; their digests are made from the digests of the values
they show, so they render only when one of those changed. ``PaperTexts`` keeps what
is made per paper (citation stems, BibTeX entries, CSL-JSON items and ``papers.json``
records) by paper key, and makes it again only for the papers changed since the last
plan (``PlanMemory.changed_since``). docs/builds.md explains it.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from sitegen.cache import StageCache
from sitegen.digest import blake, code_signature
from sitegen.model import Catalog, Paper
from sitegen.settings import Settings

T = TypeVar("T")


def value_digest(value: object) -> str:
    """Digest of a small immutable value (a topic, a list, the settings) by its repr."""
    return blake(repr(value).encode("utf-8", "surrogatepass")).hex()


def catalog_values(catalog: Catalog) -> dict[str, str]:
    """Key → digest of every paper and reading list of the catalogue."""
    values = {f"paper:{paper.key}": paper.digest for paper in catalog.papers}
    values.update((f"list:{rl.slug}", value_digest(rl)) for rl in catalog.lists)
    return values


def site_values(catalog: Catalog, settings: Settings) -> str:
    """Digest of what every page may show: settings, topics, which papers are visible."""
    keys = "\0".join(paper.key for paper in catalog.papers)
    return blake(
        value_digest(settings).encode(), value_digest(catalog.topics).encode(), keys.encode()
    ).hex()


def joined_digest(digests: Iterable[str]) -> str:
    """One digest standing for a sequence of digests (what an export lists)."""
    return blake("".join(digests).encode()).hex()


def changed_papers(old: Mapping[str, str], new: Mapping[str, str]) -> frozenset[str]:
    """Keys of the papers whose value differs between two ``catalog_values``, or that
    are in one only: what an index of papers (the browser search index) must redo."""
    changed = {key for key, digest in new.items() if old.get(key) != digest}
    changed.update(key for key in old if key not in new)
    return frozenset(key[len("paper:") :] for key in changed if key.startswith("paper:"))


@dataclass
class Recorded(Generic[T]):
    """Items made from values (paper pages by paper key), each with the keys it shows."""

    site: str = ""
    """``site_values`` of the plan that made the items."""
    items: dict[str, T] = field(default_factory=dict)
    """The items of this process's last plan (none yet in a one-off build that took
    ``shows`` from the last build: ``PlanMemory.take_kept``)."""
    shows: dict[str, str] = field(default_factory=dict)
    """Item key → keys of the values it shows, joined by NUL: one string unpickles (the
    plan a one-off build keeps, ``KeptPlan``) ten times faster than a set of strings."""
    changed: frozenset[str] | None = None
    """Value keys changed since the plan before (None: everything, a first or full plan)."""

    def stale(self, site: str, changed: Collection[str] | None) -> Collection[str] | None:
        """Keys of the items to make again now that the values named ``changed`` changed
        (None: any value may have, and the items to make are not the same), or None for
        every item."""
        if changed is None or site != self.site or not self.shows:
            self.changed = None
            self.items, self.shows = {}, {}
            return None
        self.changed = frozenset(changed)
        changed = self.changed
        return {
            key for key, shows in self.shows.items() if not changed.isdisjoint(shows.split("\0"))
        }

    def record(self, key: str, item: T, shows: Iterable[str]) -> None:
        """Keep ``item`` under ``key``, made from the values named ``shows``."""
        self.items[key], self.shows[key] = item, "\0".join(shows)

    def finish(self, site: str) -> None:
        """End a plan: remember what every item shows (``site_values``)."""
        self.site = site


@dataclass
class Shown:
    """What the paper pages of the last plan showed besides their own paper, by key: what
    the next plan compares to tell which values changed (``changed_values``)."""

    papers: dict[str, str] = field(default_factory=dict)
    """Paper key → ``Paper.digest``."""
    lists: dict[str, str] = field(default_factory=dict)
    """Reading list slug → digest."""
    orders: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Topic slug → its papers' keys in page order (a paper's neighbours come from these)."""
    citations: Mapping[str, str] = field(default_factory=dict)
    """Paper key → citation key."""


def neighbours(order: Sequence[str], index: int) -> tuple[str | None, str | None]:
    """The keys before and after ``order[index]`` (None at either end)."""
    before = order[index - 1] if index > 0 else None
    return before, order[index + 1] if index + 1 < len(order) else None


def changed_values(
    last: Shown, now: Shown, papers: Collection[str], first_topic: Callable[[str], str | None]
) -> set[str]:
    """Keys of the values that changed from ``last`` to ``now`` (the same papers):
    ``paper:`` of the ``papers`` changed, ``list:``, ``cite:`` and ``near:`` (a paper's
    neighbours in its ``first_topic``, compared only in the topics whose order moved)."""
    changed = {f"paper:{key}" for key in papers}
    changed.update(f"list:{slug}" for slug, _ in last.lists.items() ^ now.lists.items())
    if last.citations != now.citations:
        cites = now.citations
        changed.update(f"cite:{k}" for k, c in cites.items() if last.citations.get(k) != c)
    for slug, order in now.orders.items():
        before = last.orders.get(slug, ())
        if before == order:
            continue
        at = {key: index for index, key in enumerate(before)}
        for index, key in enumerate(order):
            if first_topic(key) != slug:
                continue
            if key not in at or neighbours(order, index) != neighbours(before, at[key]):
                changed.add(f"near:{key}")
    return changed


@dataclass
class PaperTexts:
    """A text per paper (a citation stem, a BibTeX entry, a CSL-JSON item) and its
    digest, by paper key; made again only for the papers ``update`` is given."""

    texts: dict[str, str] = field(default_factory=dict)
    digests: dict[str, str] = field(default_factory=dict)
    remade: set[str] | None = None
    """Keys of the papers whose text was made since the texts were last kept whole
    (``PerPaper.kept``), or None for every paper."""

    def update(self, papers: Iterable[Paper], make: Callable[[Paper], str], *, fresh: bool) -> None:
        """Make the text of each of ``papers`` again; ``fresh``: forget every other."""
        if fresh:
            self.texts, self.digests, self.remade = {}, {}, None
        for paper in papers:
            text = self.texts[paper.key] = make(paper)
            self.digests[paper.key] = blake(text.encode("utf-8", "surrogatepass")).hex()
            if self.remade is not None:
                self.remade.add(paper.key)

    def since_kept(self) -> PaperTexts:
        """Only the texts made since they were last kept whole."""
        made = self.remade or ()
        return PaperTexts({k: self.texts[k] for k in made}, {k: self.digests[k] for k in made})


PLAN_STAGE = "plan"
"""The stage cache's name for the plan a one-off build leaves for the next."""
TEXTS_STAGE = "plan-texts"
"""The stage cache's name for the per-paper texts as last kept whole (``PerPaper.kept``)."""
KEPT_REMADE = 500
"""Most papers whose texts the kept plan holds over the texts kept whole: past that, or
when every text was made again, the texts are kept whole again."""


@dataclass
class PerPaper:
    """What a plan makes per paper, by paper key, each made again only for the papers
    changed since the last plan (``PlanMemory.changed_since``)."""

    stems: PaperTexts = field(default_factory=PaperTexts)
    """Citation stems."""
    bibtex: PaperTexts = field(default_factory=PaperTexts)
    """BibTeX entries."""
    csl: PaperTexts = field(default_factory=PaperTexts)
    """CSL-JSON item texts."""
    records: PaperTexts = field(default_factory=PaperTexts)
    """``papers.json`` records."""
    citation_keys: dict[str, str] = field(default_factory=dict)
    """Paper key → citation key."""
    kept: str = ""
    """The key of the texts as last kept whole (``TEXTS_STAGE``), if they were."""

    def parts(self) -> tuple[PaperTexts, ...]:
        """The texts of each kind."""
        return self.stems, self.bibtex, self.csl, self.records

    def since_kept(self) -> PerPaper | None:
        """The texts made since they were last kept whole (what the kept plan holds: an
        edit rewrites a few texts, not 50 MB at 10,000 papers), or None when they
        should be kept whole again."""
        remade = [part.remade for part in self.parts()]
        if not self.kept or any(made is None or len(made) > KEPT_REMADE for made in remade):
            return None
        stems, bibtex, csl, records = (part.since_kept() for part in self.parts())
        return PerPaper(stems, bibtex, csl, records, self.citation_keys, self.kept)

    def complete(self, since: PerPaper) -> None:
        """These texts, as kept whole, with the texts made ``since``."""
        for part, made in zip(self.parts(), since.parts(), strict=True):
            part.texts.update(made.texts)
            part.digests.update(made.digests)
            part.remade = set(made.texts)
        self.citation_keys = since.citation_keys


@dataclass
class PageDigests:
    """The last build's page digests by URL, and the site-wide inputs they were made with
    (``sitegen.pagedigest``)."""

    site: bytes = b""
    templates: dict[str | None, str] = field(default_factory=dict)
    """Template name → digest of it and the templates it uses."""
    sources: bytes = b""
    """``Renderer.sources`` of the templates digested."""
    by_url: dict[str, str] = field(default_factory=dict)


@dataclass
class KeptPlan:
    """A plan as ``sitegen build`` leaves it for the next build (``PlanMemory.keep``)."""

    site: str
    shows: dict[str, str]
    shown: Shown
    texts: PerPaper
    """The texts made since they were last kept whole (``PerPaper.since_kept``)."""
    digests: PageDigests


@dataclass
class Orders:
    """Orderings of papers (a topic's by title, a feed's newest), kept by the digest of the
    papers they were made from; those not used since the last ``finish`` are let go."""

    made: dict[str, tuple[str, tuple[Paper, ...]]] = field(default_factory=dict)
    _used: dict[str, tuple[str, tuple[Paper, ...]]] = field(default_factory=dict)
    remember: bool = True
    """Keep orderings for later builds in this process; a one-off build only orders
    (digesting what each ordering was made from took 25-40 ms at 10,000 papers)."""

    def get(
        self,
        name: str,
        papers: Sequence[Paper],
        order: Callable[[Sequence[Paper]], Iterable[Paper]],
    ) -> tuple[Paper, ...]:
        """``order(papers)``, ordered again only when the papers' contents changed."""
        if not self.remember:
            return tuple(order(papers))
        source = joined_digest([paper.digest for paper in papers])
        held = self.made.get(name)
        if held is None or held[0] != source:
            held = (source, tuple(order(papers)))
        self._used[name] = held
        return held[1]

    def finish(self) -> None:
        """Keep only what was used since the last ``finish``."""
        self.made, self._used = self._used, {}


@dataclass
class PlanMemory:
    """What planning keeps between the builds of one process (``sitegen serve``)."""

    paper_pages: Recorded[object] = field(default_factory=Recorded)
    """The paper pages (``sitegen.pages.Page``) of the last plan, by paper key."""
    texts: PerPaper = field(default_factory=PerPaper)
    """Per-paper texts as of the last plan."""
    orders: Orders = field(default_factory=Orders)
    """Topic, tag and feed orderings by name."""
    shown: Shown = field(default_factory=Shown)
    """What the paper pages of the last plan showed."""
    replanned: frozenset[str] | None = None
    """URLs of the paper pages the last plan made again (None: every page); the others
    are the plan's before, unchanged."""
    digests: PageDigests = field(default_factory=PageDigests)
    """The last build's page digests."""

    @property
    def changed_papers(self) -> frozenset[str] | None:
        """Keys of the papers whose value changed between the last two plans (what the
        browser search index must redo), or None when every paper may have."""
        changed = self.paper_pages.changed
        if changed is None:
            return None
        return frozenset(key[len("paper:") :] for key in changed if key.startswith("paper:"))

    def changed_since(self, catalog: Catalog, settings: Settings) -> frozenset[str] | None:
        """Keys of the papers whose value changed since the last plan of paper pages, or
        None when every paper may have (a first plan, or what every page shows moved:
        the papers' order included, so the same papers in the same order otherwise)."""
        last = self.paper_pages
        if not last.site or last.site != site_values(catalog, settings):
            return None
        shown = self.shown.papers
        return frozenset(
            paper.key for paper in catalog.papers if shown.get(paper.key) != paper.digest
        )

    def take_kept(self, stages: StageCache, *, pages: bool) -> None:
        """Start from the plan the last ``sitegen build`` left, unless this memory has a
        plan already: its per-paper texts, so only the changed papers' are made again,
        and with ``pages`` (a one-off build) what each paper page showed and the pages'
        digests, so only the pages showing a changed value are planned and digested (in
        full: a long-lived process keeps its pages themselves)."""
        kept = None if self.paper_pages.site else stages.get(PLAN_STAGE, code_signature())
        texts = stages.get(TEXTS_STAGE, kept.texts.kept) if isinstance(kept, KeptPlan) else None
        if not isinstance(kept, KeptPlan) or not isinstance(texts, PerPaper):
            return
        texts.complete(kept.texts)
        self.paper_pages.site, self.shown.papers, self.texts = kept.site, kept.shown.papers, texts
        if pages:
            self.paper_pages.shows, self.shown, self.digests = kept.shows, kept.shown, kept.digests

    def keep(self, stages: StageCache) -> None:
        """Leave this plan for the next ``sitegen build`` (``take_kept``)."""
        texts, pages = self.texts, self.paper_pages
        since = texts.since_kept()
        if since is None:  # under a new key: a plan kept before never completes these
            texts.kept = f"{code_signature()}-{os.urandom(8).hex()}"
            for part in texts.parts():
                part.remade = set()
            stages.put(TEXTS_STAGE, texts.kept, texts)
            since = texts.since_kept()
        kept = KeptPlan(pages.site, pages.shows, self.shown, since or PerPaper(), self.digests)
        stages.put(PLAN_STAGE, code_signature(), kept)

    def finish(self) -> None:
        """End a plan: orderings not used in it are let go."""
        self.orders.finish()

    @contextmanager
    def planning(self) -> Iterator[None]:
        """A build's plan, digests and render. One that fails there forgets the pages:
        their digests may have been made in part (a template that cannot be read), and
        the next plan would take the others as they were, so it plans every page."""
        try:
            yield
        except BaseException:
            self.paper_pages, self.digests = Recorded(), PageDigests()
            raise
