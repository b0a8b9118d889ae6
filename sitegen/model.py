"""The typed, immutable model every stage after loading reads.

Data flows one way: sources yield ``SourceEntry`` values, the catalogue merges
them into ``Paper`` values with annotations, topics and related papers applied,
and the whole reading list is one frozen ``Catalog``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from types import MappingProxyType

STATUSES: tuple[str, ...] = ("unread", "queued", "reading", "read", "skimmed", "dropped")
"""Reading statuses in the order a reader moves through them."""


class Severity(str, Enum):
    """How bad a problem is: errors stop a build, warnings do not (unless strict)."""

    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with an input, reported as ``file:line: severity: message``."""

    file: str
    """Path of the offending file, relative to the project when inside it."""
    line: int | None
    """1-based line number, or None when the whole file is at fault."""
    message: str
    """What is wrong and, where possible, how to fix it."""
    severity: Severity = Severity.ERROR
    """Error or warning."""
    pages: tuple[str, ...] = ()
    """URLs of the pages whose rendering met it (a template's error), the first shown."""

    @property
    def full_message(self) -> str:
        """The message, after the page (and how many others) it was met on, if any."""
        if not self.pages:
            return self.message
        others = len(self.pages) - 1
        also = f" (and {others} other page{'' if others == 1 else 's'})" if others else ""
        return f"while rendering /{self.pages[0]}{also}: {self.message}"

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        return f"{where}: {self.severity.value}: {self.full_message}"


class InputError(Exception):
    """Raised when inputs hold errors; carries every problem found."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class SearchIndexError(Exception):
    """A search index could not be built; the message is one line for the user. Here, not
    in ``sitegen.search``, so that a build with nothing to index never imports Whoosh."""


@dataclass(frozen=True, slots=True, order=True)
class SourceRef:
    """Where a record came from: a seed or annotation file and a line in it."""

    file: str
    """Path relative to the project root, with forward slashes."""
    line: int
    """1-based line number."""

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass(frozen=True, slots=True)
class SourceEntry:
    """One paper as a single seed file describes it, before cleaning and merging."""

    ref: SourceRef
    """Where the entry starts (the title line, or the abstract line when untitled)."""
    format: str
    """Name of the source format: ``abstracts``, ``daily``, ``bibtex``, ``csl-json``."""
    title: str | None
    """Raw title as written in the source (LaTeX remnants and all); None if untitled."""
    abstract: str
    """Raw abstract text; may be empty for bibliography entries without one."""
    authors: tuple[str, ...] = ()
    """Author names as ``Given Family``."""
    year: int | None = None
    """Publication year, when the source knows it."""
    venue: str | None = None
    """Journal, conference or archive name."""
    doi: str | None = None
    """DOI without the ``https://doi.org/`` prefix."""
    arxiv: str | None = None
    """arXiv identifier such as ``2406.01234``."""
    url: str | None = None
    """Landing page given by the source."""
    tags: tuple[str, ...] = ()
    """Keywords the source attaches (BibTeX ``keywords``, CSL ``keyword``)."""
    listed_on: str | None = None
    """Month and day of a daily listing, ``MM-DD`` (the year is unknown)."""


@dataclass(frozen=True, slots=True)
class RichText:
    """Cleaned text in two renderings: plain for feeds and indexes, HTML for pages."""

    plain: str
    """Human-readable text: accents resolved, no LaTeX markup, math as linear text."""
    html: str
    """Escaped HTML with math as MathML; safe to insert into a page unescaped."""


@dataclass(frozen=True, slots=True)
class Quote:
    """A passage worth keeping."""

    text: str
    """The quoted passage."""
    page: str | None = None
    """Page or section it came from."""


@dataclass(frozen=True, slots=True)
class Annotation:
    """A reader's annotation of one paper, as validated from ``content/annotations``."""

    key: str
    """The paper key it annotates."""
    ref: SourceRef
    """File and line of the key in the annotation file."""
    title: str | None = None
    status: str | None = None
    rating: int | None = None
    tags: tuple[str, ...] = ()
    topics_add: tuple[str, ...] = ()
    """Topic slugs added to the rule-assigned ones."""
    topics_remove: tuple[str, ...] = ()
    """Topic slugs removed (written ``-slug``)."""
    summary: str | None = None
    notes: str | None = None
    """Markdown."""
    quotes: tuple[Quote, ...] = ()
    authors: tuple[str, ...] = ()
    year: int | None = None
    venue: str | None = None
    links: tuple[tuple[str, str], ...] = ()
    """(name, http(s) URL) pairs in file order."""
    arxiv: str | None = None
    doi: str | None = None
    read_on: dt.date | None = None
    related: tuple[str, ...] = ()
    hidden: bool = False


@dataclass(frozen=True, slots=True)
class Paper:
    """One distinct paper: merged sources, cleaned text, annotation applied."""

    key: str
    """Stable URL-safe handle: ASCII slug of the source title, <= 60 characters."""
    title: RichText
    """Display title (annotation title, else source title, else inferred)."""
    title_inferred: bool
    """True when the title was inferred from the abstract and no annotation replaced it."""
    abstract: RichText
    """Cleaned abstract."""
    sources: tuple[SourceRef, ...]
    """Every seed record merged into this paper, in source order."""
    authors: tuple[str, ...] = ()
    year: int | None = None
    venue: str | None = None
    doi: str | None = None
    arxiv: str | None = None
    links: tuple[tuple[str, str], ...] = ()
    """(name, URL) pairs: annotation links, then arXiv/DOI/source links."""
    listed_on: str | None = None
    """``MM-DD`` of the earliest daily listing that carried it."""
    status: str = "unread"
    rating: int | None = None
    tags: tuple[str, ...] = ()
    """Source keywords and annotation tags, deduplicated, in order."""
    topics: tuple[str, ...] = ()
    """Topic slugs, rule-assigned plus annotation changes; ``unsorted`` when none fit."""
    summary: str | None = None
    notes: str | None = None
    """Markdown notes, rendered later by the page renderer."""
    quotes: tuple[Quote, ...] = ()
    read_on: dt.date | None = None
    related: tuple[str, ...] = ()
    """Keys of related papers: hand-made first, then the most similar by TF-IDF."""
    annotation: str | None = None
    """The file holding this paper's annotation (project-relative), if it has one. The
    line is ``Catalog.annotation_ref``'s: kept out of the paper, so an edit that moves
    other annotations to other lines leaves their papers, and pages, as they are."""
    hidden: bool = False
    digest: str = field(default="", compare=False, repr=False)
    """Digest of every field above, made once when the catalogue creates the paper
    (``sitegen.catalog``): equal papers have equal digests, in any process."""

    @property
    def annotated(self) -> bool:
        """Whether the reader wrote an annotation for this paper."""
        return self.annotation is not None


@dataclass(frozen=True, slots=True)
class Topic:
    """A topic from ``content/topics.yaml`` (or the built-in Unsorted topic)."""

    slug: str
    name: str
    description: str = ""
    """Markdown."""
    keywords: tuple[str, ...] = ()
    """Case-insensitive whole-word phrases matched against title and abstract."""
    patterns: tuple[str, ...] = ()
    """Regular expressions (case-insensitive) matched against title and abstract."""
    parent: str | None = None
    """Slug of the parent topic, if nested."""
    ref: SourceRef | None = None
    """Where the topic is defined; None for Unsorted."""


UNSORTED = Topic(
    slug="unsorted",
    name="Unsorted",
    description="Papers that no topic rule or annotation has placed yet.",
)


@dataclass(frozen=True, slots=True)
class ListItem:
    """One paper in a curated list, with the curator's comment."""

    key: str
    comment: str = ""
    """Markdown."""
    ref: SourceRef | None = None


@dataclass(frozen=True, slots=True)
class ListSection:
    """An ordered section of a curated list (a week, a step, a theme)."""

    title: str
    items: tuple[ListItem, ...]
    intro: str = ""
    """Markdown."""


@dataclass(frozen=True, slots=True)
class ReadingList:
    """A curated reading list from ``content/lists/<slug>.yaml``."""

    slug: str
    title: str
    intro: str
    """Markdown."""
    sections: tuple[ListSection, ...]
    ref: SourceRef

    @property
    def keys(self) -> tuple[str, ...]:
        """Every paper key in the list, in reading order."""
        return tuple(item.key for section in self.sections for item in section.items)


@dataclass(frozen=True, slots=True)
class Author:
    """One person and the papers of the list they wrote."""

    slug: str
    """URL slug of their page: ``authors/<slug>/``."""
    name: str
    """The fullest form of their name the sources give (the most used one on a tie)."""
    papers: tuple[Paper, ...]
    """Their papers, in catalogue order."""
    names: tuple[str, ...] = ()
    """Every form of their name the papers give."""


@dataclass(frozen=True)
class Catalog:
    """The whole reading list, loaded and validated before anything renders."""

    papers: tuple[Paper, ...]
    """Visible papers (hidden ones removed), in source order."""
    topics: tuple[Topic, ...]
    """Defined topics in file order, plus Unsorted last when any paper needs it."""
    lists: tuple[ReadingList, ...] = ()
    entry_count: int = 0
    """Number of seed records read, before deduplication."""
    problems: tuple[Problem, ...] = ()
    """Warnings found while loading (errors raise instead)."""
    hidden_keys: frozenset[str] = frozenset()
    """Keys of papers kept out of the site by ``hidden: true``."""
    authors: tuple[Author, ...] = field(default=(), repr=False, compare=False)
    """Every author of the papers, by family then given name (``sitegen.catalog.authors``)."""
    annotation_refs: Mapping[str, SourceRef] = field(
        default_factory=dict, repr=False, compare=False
    )
    """Paper key → where its annotation starts (file and line)."""
    _by_key: Mapping[str, Paper] = field(default_factory=dict, repr=False, compare=False)
    _topic_by_slug: Mapping[str, Topic] = field(default_factory=dict, repr=False, compare=False)
    _members: Mapping[str, tuple[Paper, ...]] = field(
        default_factory=dict, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_key", MappingProxyType({p.key: p for p in self.papers}))
        object.__setattr__(
            self, "_topic_by_slug", MappingProxyType({t.slug: t for t in self.topics})
        )
        members: dict[str, list[Paper]] = {}
        for paper in self.papers:
            for slug in paper.topics:
                members.setdefault(slug, []).append(paper)
        object.__setattr__(
            self, "_members", MappingProxyType({s: tuple(ps) for s, ps in members.items()})
        )

    def paper(self, key: str) -> Paper:
        """The paper with this key (KeyError if there is none)."""
        return self._by_key[key]

    def annotation_ref(self, key: str) -> SourceRef | None:
        """Where the paper's annotation starts, or None when it has none."""
        return self.annotation_refs.get(key)

    def get(self, key: str) -> Paper | None:
        """The paper with this key, or None."""
        return self._by_key.get(key)

    def topic(self, slug: str) -> Topic:
        """The topic with this slug (KeyError if there is none)."""
        return self._topic_by_slug[slug]

    def papers_in_topic(self, slug: str) -> tuple[Paper, ...]:
        """Papers assigned to a topic, in catalogue order."""
        return self._members.get(slug, ())

    def subtopics(self, slug: str) -> tuple[Topic, ...]:
        """Direct children of a topic."""
        return tuple(t for t in self.topics if t.parent == slug)
