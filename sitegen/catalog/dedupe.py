"""Deduplication: seed entries that describe the same paper become one merged record."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher

from sitegen.catalog.authors import family_name
from sitegen.model import Problem, RichText, Severity, SourceEntry, SourceRef

_NON_WORD = re.compile(r"[\W_]+")
_ASCII_NON_WORD = str.maketrans(
    dict.fromkeys((chr(c) for c in range(128) if not (chr(c).islower() or chr(c).isdigit())), " ")
)
"""``_NON_WORD`` for casefolded ASCII text, as a table: three times as fast."""

BIBLIOGRAPHY_FORMATS = frozenset({"bibtex", "csl-json"})
"""Formats whose bibliographic fields (authors, year, venue, ids) are trusted first."""


def normalise(text: str) -> str:
    """Case, accent, punctuation and spacing folded away, for comparing titles and abstracts."""
    folded = text.casefold()
    if folded.isascii():  # most titles and abstracts: no accents to strip
        return " ".join(folded.translate(_ASCII_NON_WORD).split())
    folded = unicodedata.normalize("NFKD", folded)
    folded = "".join(ch for ch in folded if not unicodedata.combining(ch))
    return _NON_WORD.sub(" ", folded).strip()


@dataclass(frozen=True, slots=True)
class Merge:
    """Why two entries became one paper: the evidence that joined them."""

    first: SourceRef
    """The entry already in the paper."""
    second: SourceRef
    """The entry joined to it."""
    reason: str
    """``title``, ``DOI``, ``arXiv id`` or ``abstract``."""
    titles: tuple[str, str] | None
    """The two titles when they differ (a merge worth a warning), else None."""


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
    merges: tuple[Merge, ...] = ()
    """How the entries became one paper, one ``Merge`` per joined entry."""


TITLE, DOI, ARXIV, ABSTRACT = "title", "DOI", "arXiv id", "abstract"

_PLACEHOLDER = re.compile(
    r"(?:(?:no|not|none|abstract|n a)(?: abstract)?(?: is)?(?: not)?"
    r"(?: available| provided| given| found)?(?: for this (?:article|item|paper|chapter))?)?"
)
"""Normalised abstracts that stand for no abstract: "Not available", "[No abstract available]"."""
MIN_ABSTRACT_WORDS = 8
"""Shorter abstracts are too generic to prove that two entries are one paper."""
_SIMILAR_TITLES = 0.9
"""difflib ratio above which two differing titles still name one paper (typos, a word)."""
MAX_CANDIDATES = 50
"""Papers compared for one piece of shared evidence: a DOI shared by a whole book's
chapters must not make merging quadratic."""


def substantial(abstract: str) -> bool:
    """Whether a normalised abstract is distinctive enough to identify a paper."""
    return len(abstract.split()) >= MIN_ABSTRACT_WORDS and not _PLACEHOLDER.fullmatch(abstract)


def compatible(a: str, b: str) -> bool:
    """Whether two normalised titles (empty when untitled) can name the same paper.

    Equal, one untitled, one the other without its subtitle, or nearly the same text.
    """
    if not a or not b or a == b:
        return True
    short, long = sorted((a, b), key=len)
    if long.startswith(short + " ") and len(short.split()) >= 2:
        return True
    matcher = SequenceMatcher(None, a, b, autojunk=False)
    return matcher.quick_ratio() >= _SIMILAR_TITLES and matcher.ratio() >= _SIMILAR_TITLES


def _arxiv(entry: SourceEntry) -> str | None:
    """An entry's arXiv id as merges compare it: any case, without its version."""
    return re.sub(r"v\d+$", "", entry.arxiv.casefold()) if entry.arxiv else None


def _evidence(item: CleanEntry, title: str) -> list[tuple[str, str]]:
    """(reason, value) pairs that identify a paper, strongest first."""
    found = []
    if title:
        found.append((TITLE, title))
    if item.entry.doi:
        found.append((DOI, item.entry.doi.casefold()))
    arxiv = _arxiv(item.entry)
    if arxiv:
        found.append((ARXIV, arxiv))
    abstract = normalise(item.abstract.plain)
    if substantial(abstract):
        found.append((ABSTRACT, abstract))
    return found


@dataclass(frozen=True, slots=True)
class _Identity:
    """What a bibliography says a work is, beyond its title: a DOI, a year, its authors."""

    doi: str | None
    arxiv: str | None
    year: int | None
    families: frozenset[str]
    generic: bool = False
    """A title of a word or two ("Editorial", "Untitled", "Deep learning"), which many works share."""
    venue: str | None = None
    """The journal or proceedings, normalised; None for none, or for arXiv (a preprint's
    venue says nothing against its published version's)."""

    def conflicts(self, other: _Identity) -> bool:
        """Whether two entries are plainly two works, however alike their titles.

        Generic titles ("Editorial", "Introduction", "Reply") recur across a journal's
        years: two entries are two works when they carry different DOIs (an arXiv DOI
        names the preprint of either), or when their years differ and no author is shared
        (for a title of a word or two, whatever the years), or when they are in two
        journals or proceedings and share no author (or neither names one). A shared DOI
        or arXiv id says they are one (Google Scholar credits GPT-4's report to its
        authors, arXiv to "OpenAI").
        """
        if (self.arxiv and self.arxiv == other.arxiv) or (self.doi and self.doi == other.doi):
            return False  # one identifier: one work, whoever is credited and whenever
        if self.doi and other.doi and self.doi != other.doi:
            return True
        if self.families & other.families:
            return False
        if self.venue and other.venue and self.venue != other.venue:
            # In two journals, by no one in common, or both by no one named: the "Preface"
            # of one volume and of another, "Introduction to the Special Issue" twice.
            return bool(self.families) == bool(other.families)
        other_year = self.year is not None and other.year is not None and self.year != other.year
        return (
            (other_year or (self.generic and other.generic))
            and bool(self.families)
            and bool(other.families)
        )


def identity(entry: SourceEntry, title: str = "") -> _Identity:
    """An entry's DOI (not an arXiv one), year and author family names, for conflicts;
    ``title`` is its normalised title."""
    doi = entry.doi.casefold() if entry.doi else None
    if doi and doi.startswith(ARXIV_DOI_PREFIX):
        doi = None
    families = frozenset(f for f in map(family_name, entry.authors) if f)
    venue = normalise(entry.venue or "")
    return _Identity(
        doi,
        _arxiv(entry),
        entry.year,
        families,
        0 < len(title.split()) <= GENERIC_WORDS,
        venue if venue and not venue.startswith("arxiv") else None,
    )


GENERIC_WORDS = 2
"""Titles of at most this many words are generic: equal titles alone do not make one paper."""


ARXIV_DOI_PREFIX = "10.48550/"


class _Groups:
    """Entries joined into papers; two papers join only when all their titles are compatible
    and no two of their entries are plainly two works (``_Identity.conflicts``)."""

    def __init__(self, titles: Sequence[str], identities: Sequence[_Identity]) -> None:
        self.parent = list(range(len(titles)))
        self.titles = [{t} if t else set() for t in titles]
        self.identities = [
            [i] if i.doi or i.arxiv or i.year is not None or i.families or i.venue else []
            for i in identities
        ]

    def find(self, item: int) -> int:
        while self.parent[item] != item:
            self.parent[item] = self.parent[self.parent[item]]
            item = self.parent[item]
        return item

    def join(self, a: int, b: int) -> bool:
        """Join the papers of entries ``a`` and ``b`` unless their titles conflict."""
        root_a, root_b = self.find(a), self.find(b)
        if root_a == root_b:
            return False
        titles_a, titles_b = self.titles[root_a], self.titles[root_b]
        if not all(compatible(x, y) for x in titles_a for y in titles_b):
            return False
        ids_a, ids_b = self.identities[root_a], self.identities[root_b]
        if any(x.conflicts(y) for x in ids_a for y in ids_b):
            return False
        # The earlier entry stays the root so groups keep source order.
        root, child = min(root_a, root_b), max(root_a, root_b)
        self.parent[child] = root
        self.titles[root] = titles_a | titles_b
        self.titles[child] = set()
        self.identities[root] = list(dict.fromkeys(ids_a + ids_b))  # copies of one entry: one
        self.identities[child] = []
        return True


def find_duplicates(
    items: Sequence[CleanEntry],
) -> list[tuple[list[CleanEntry], list[Merge]]]:
    """Entries grouped by paper, in source order, each group with the merges that made it.

    Entries are one paper on strong evidence only: the same normalised title; the
    same DOI or arXiv id, or the same substantial abstract, when the titles are
    compatible (or one side is untitled); and never two entries that are plainly two
    works (different DOIs; other years and no shared author). A DOI shared by a book's
    chapters, a placeholder abstract, a wrong arXiv id or a recurring "Editorial"
    therefore joins nothing.
    """
    titles = [normalise(item.title.plain) if item.title is not None else "" for item in items]
    groups = _Groups(titles, [identity(item.entry, t) for item, t in zip(items, titles)])
    seen: dict[tuple[str, str], list[int]] = {}
    merges: list[tuple[int, Merge]] = []
    for index, item in enumerate(items):
        for reason, value in _evidence(item, titles[index]):
            earlier = seen.setdefault((reason, value), [])
            for other in earlier[:MAX_CANDIDATES]:
                if groups.join(other, index):
                    merges.append((index, _merge(items[other], item, reason)))
            if len(earlier) < MAX_CANDIDATES:
                earlier.append(index)
    grouped: dict[int, tuple[list[CleanEntry], list[Merge]]] = {}
    for index, item in enumerate(items):
        grouped.setdefault(groups.find(index), ([], []))[0].append(item)
    for index, merge_ in merges:
        grouped[groups.find(index)][1].append(merge_)
    return [grouped[root] for root in sorted(grouped)]


def _merge(first: CleanEntry, second: CleanEntry, reason: str) -> Merge:
    a, b = first.title, second.title
    differ = None
    if a is not None and b is not None and normalise(a.plain) != normalise(b.plain):
        differ = (a.plain, b.plain)
    return Merge(first.entry.ref, second.entry.ref, reason, differ)


def merge_warnings(merges: Sequence[Merge]) -> list[Problem]:
    """A warning for each merge of entries whose titles differ."""
    return [
        Problem(
            m.second.file,
            m.second.line,
            f"merged with {m.first} as one paper (same {m.reason}) though the titles differ: "
            f"{m.titles[0]!r} and {m.titles[1]!r}; if they are different papers, "
            f"correct the {m.reason}",
            Severity.WARNING,
        )
        for m in merges
        if m.titles is not None
    ]


def _preference(item: CleanEntry) -> tuple[int, int]:
    """Bibliographies first, then titled entries, then untitled ones."""
    return (0 if item.entry.format in BIBLIOGRAPHY_FORMATS else 1, 0 if item.title else 1)


def merge(group: Sequence[CleanEntry], merges: Sequence[Merge] = ()) -> MergedPaper:
    """One record from a group of entries: each field from the most trusted entry that has it."""
    ranked = sorted(group, key=_preference)
    titled = [item for item in ranked if item.title is not None]
    with_abstract = [item for item in ranked if item.abstract.plain]
    # Prefer a real abstract to a placeholder ("Not available"), then the longest among
    # the best-ranked entries that have one.
    abstract = RichText("", "")
    if len(with_abstract) == 1:
        abstract = with_abstract[0].abstract
    elif with_abstract:
        abstract = max(
            with_abstract,
            key=lambda i: (
                not _PLACEHOLDER.fullmatch(normalise(i.abstract.plain)),
                -_preference(i)[1],
                len(i.abstract.plain),
            ),
        ).abstract

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
        merges=tuple(merges),
    )


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None
