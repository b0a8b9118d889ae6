"""Authors: the people behind the papers, matched by name across sources.

Names come as the sources and annotations write them (``Kaiming He``, ``K. He``,
``He, Kaiming``, ``Kaïming HE``). Two names are one person when their normalised
forms match (accents, case and punctuation ignored; ``Family, Given`` read as ``Given
Family``), and an abbreviated name (``K. He``) joins a full one (``Kaiming He``) only
when exactly one person in the list fits it: with both ``Kaiming He`` and ``Kai He``,
``K. He`` stays a person of its own.

An author's page is ``authors/<slug>/``, the slug made from the fullest form of the
name (``kaiming-he``). Most written names give their slug directly (``author_slug``);
``AuthorLinks.aliases`` holds the few that do not, so a template can link any written
name with the ``author_url`` filter.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

from sitegen.catalog.keys import slugify
from sitegen.model import Author, Paper

_TOKEN = re.compile(r"[^\s.]+")
_SUFFIXES = frozenset({"jr", "sr", "ii", "iii", "iv"})


@dataclass(frozen=True, slots=True)
class AuthorLinks:
    """What templates need to link a written author name to its page."""

    aliases: Mapping[str, str] = field(default_factory=dict)
    """Written name → slug, for the names whose slug is not ``author_slug(name)``."""
    any: bool = False
    """Whether any paper names an author (else there are no author pages to link)."""

    def slug(self, name: str) -> str:
        """The slug of the page of the person who wrote under ``name``."""
        return self.aliases.get(name) or author_slug(name)

    def __reduce__(self) -> tuple[object, ...]:
        """Pickled for a render worker started afresh (``sitegen.workers``)."""
        return _author_links, (dict(self.aliases), self.any)


def _author_links(aliases: dict[str, str], any_author: bool) -> AuthorLinks:
    return AuthorLinks(MappingProxyType(aliases), any_author)


@dataclass(frozen=True, slots=True)
class _Name:
    given: tuple[str, ...]
    family: str

    @property
    def abbreviated(self) -> bool:
        return any(len(token) == 1 for token in self.given)

    def fits(self, full: _Name) -> bool:
        """Whether this (abbreviated) name can be ``full`` written shorter."""
        if self.family != full.family or len(self.given) > len(full.given):
            return False
        return all(
            other.startswith(mine) if len(mine) == 1 else other == mine
            for mine, other in zip(self.given, full.given)
        )


def _fold(text: str) -> str:
    if text.isascii():
        return text.casefold()
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def natural_order(name: str) -> str:
    """``He, Kaiming`` → ``Kaiming He``; other names as written, spaces tidied."""
    name = " ".join(name.split())
    family, comma, given = name.partition(", ")
    if comma and given and "," not in given:
        return f"{given} {family}"
    return name


def _parse(name: str) -> _Name:
    tokens = _TOKEN.findall(_fold(natural_order(name)).replace(",", " "))
    while len(tokens) > 1 and tokens[-1] in _SUFFIXES:
        tokens.pop()
    if not tokens:
        return _Name((), "")
    return _Name(tuple(tokens[:-1]), tokens[-1])


def family_name(name: str) -> str:
    """A written name's family name, folded: ``He, Kaiming``, ``Kaïming HE`` → ``he``;
    ``Martin Luther King, Jr.`` → ``king`` (what deduplication compares)."""
    return _parse(name).family


def author_slug(name: str) -> str:
    """The slug a written name gives: ``Kaïming He`` → ``kaiming-he``."""
    slug = slugify(natural_order(name))
    if slug:
        return slug
    return "author-" + hashlib.sha256(_fold(name).encode("utf-8")).hexdigest()[:10]


def group_authors(papers: Sequence[Paper]) -> tuple[Author, ...]:
    """Every author of ``papers``, each with their papers, ordered by family then given
    name."""
    return with_papers(find_people(tuple(paper.authors for paper in papers)), papers)


People = tuple[tuple[str, str, tuple[int, ...], tuple[str, ...]], ...]
"""The people ``find_people`` finds: slug, name, positions of their papers, names."""


def with_papers(people: People, papers: Sequence[Paper]) -> tuple[Author, ...]:
    """``people`` found in the ``papers``' authors, as authors with those papers."""
    return tuple(
        Author(slug, name, tuple(papers[i] for i in positions), names)
        for slug, name, positions, names in people
    )


def find_people(authors: tuple[tuple[str, ...], ...]) -> People:
    """The people behind each paper's ``authors`` (in catalogue order), with the
    positions of their papers (~0.3 s at 10,000 papers of 5 authors: ``sitegen serve``
    keeps them while the authors are unchanged, ``CatalogMemory.people``)."""
    written: dict[str, list[int]] = {}
    for position, listed in enumerate(authors):
        for name in dict.fromkeys(listed):
            if name.strip():
                written.setdefault(name, []).append(position)
    parsed = {name: _parse(name) for name in written}
    people: dict[_Name, list[str]] = {}
    for name, key in parsed.items():
        if not key.abbreviated:
            people.setdefault(key, []).append(name)
    by_family: dict[str, list[_Name]] = {}
    for key in people:
        by_family.setdefault(key.family, []).append(key)
    for name, key in parsed.items():
        if key.abbreviated:
            fitting = [full for full in by_family.get(key.family, []) if key.fits(full)]
            people.setdefault(fitting[0] if len(fitting) == 1 else key, []).append(name)
    found = []
    taken: set[str] = set()
    for _, names in sorted(
        people.items(), key=lambda item: (item[0].family, item[0].given, item[1][0])
    ):
        name = _display_name(names, written, parsed)
        slug = base = author_slug(name)
        number = 1
        while slug in taken:
            number += 1
            slug = f"{base}-{number}"
        taken.add(slug)
        if len(names) == 1:
            positions = tuple(written[names[0]])  # in catalogue order, each paper once
        else:
            positions = tuple(sorted({i for each in names for i in written[each]}))
        found.append((slug, name, positions, tuple(names)))
    return tuple(found)


def _display_name(
    names: list[str], written: Mapping[str, list[int]], parsed: Mapping[str, _Name]
) -> str:
    """The fullest form (longest given names), the most used of those, then the first."""
    if len(names) == 1:
        return natural_order(names[0])

    def length(name: str) -> int:
        return sum(len(token) for token in parsed[name].given)

    fullest = max(length(name) for name in names)
    candidates = [name for name in names if length(name) == fullest]
    return natural_order(max(candidates, key=lambda name: (len(written[name]), -names.index(name))))


def author_links(authors: Iterable[Author]) -> AuthorLinks:
    """The links of every written name of ``authors`` that ``author_slug`` alone gets wrong."""
    aliases: dict[str, str] = {}
    present = False
    for author in authors:
        present = True
        for name in author.names:
            if author_slug(name) != author.slug:
                aliases[name] = author.slug
    return AuthorLinks(MappingProxyType(dict(sorted(aliases.items()))), present)
