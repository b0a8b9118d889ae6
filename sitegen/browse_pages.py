"""Plan the pages that browse the list by person and by year.

- ``authors/``: every author with their paper count, by family name; only when some
  paper names its authors (a list of untitled abstracts has none, and no Authors link).
- ``authors/<slug>/``: an author's papers as a sortable table, with reading progress.
- ``years/``: papers grouped by publication year, newest first, unknown year last;
  only when some paper has a year. A daily listing gives a month and day but no year,
  so its papers count as year unknown (see README, "Authors and years").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sitegen.catalog.authors import AuthorLinks, author_links
from sitegen.model import Author, Catalog, Paper
from sitegen.pages import Page
from sitegen.reading import DONE_STATUSES, by_title, status_counts


@dataclass(frozen=True, slots=True)
class YearGroup:
    """The papers of one publication year (``year`` None: unknown)."""

    year: int | None
    papers: tuple[Paper, ...]

    @property
    def anchor(self) -> str:
        """Fragment id of its heading on the years page."""
        return f"year-{self.year}" if self.year is not None else "year-unknown"


@dataclass(frozen=True, slots=True)
class Browse:
    """What every page needs of the browse pages: which exist, and author links."""

    authors: AuthorLinks = field(default_factory=AuthorLinks)
    """Links from written author names to author pages (``any``: the pages exist)."""
    years: bool = False
    """Whether the years page exists."""


def browse_links(catalog: Catalog) -> Browse:
    """The browse sections of a catalogue's site, for the renderer."""
    years = any(paper.year is not None for paper in catalog.papers)
    return Browse(author_links(catalog.authors), years)


def browse_pages(catalog: Catalog) -> list[Page]:
    """Author pages and the years page, as far as the papers have authors and years."""
    return [*author_pages(catalog.authors), *years_page(catalog)]


def author_url(slug: str) -> str:
    """Site-relative URL of an author page."""
    return f"authors/{slug}/"


def author_pages(authors: Sequence[Author]) -> list[Page]:
    """The author index and one page per author (none when no paper names an author)."""
    if not authors:
        return []
    pages = [
        Page(
            "authors/",
            "authors.html",
            {"authors": [(a.name, a.slug, len(a.papers)) for a in authors]},
            title="Authors",
            description=f"{len(authors)} authors of the papers in this list.",
            kind="authors",
        )
    ]
    for author in authors:
        counts = status_counts(author.papers)
        done = sum(counts[status] for status in DONE_STATUSES)
        count = len(author.papers)
        pages.append(
            Page(
                author_url(author.slug),
                "author.html",
                {
                    "author": author.name,
                    "papers": by_title(author.papers),
                    "status_counts": counts,
                    "done": done,
                    "total": count,
                },
                title=author.name,
                description=f"{count} paper{'' if count == 1 else 's'} by {author.name}.",
                kind="author",
            )
        )
    return pages


def year_groups(papers: Sequence[Paper]) -> list[YearGroup]:
    """Papers by publication year, newest year first, unknown year last; by title within."""
    years: dict[int | None, list[Paper]] = {}
    for paper in papers:
        years.setdefault(paper.year, []).append(paper)
    known = sorted((y for y in years if y is not None), reverse=True)
    order = [*known, None] if None in years else known
    return [YearGroup(year, tuple(by_title(years[year]))) for year in order]


def years_page(catalog: Catalog) -> list[Page]:
    """The years page, when any paper has a year."""
    if all(paper.year is None for paper in catalog.papers):
        return []
    groups = year_groups(catalog.papers)
    known = sum(len(g.papers) for g in groups if g.year is not None)
    return [
        Page(
            "years/",
            "years.html",
            {"groups": groups, "total": len(catalog.papers), "dated": known},
            title="Papers by year",
            description=f"{len(catalog.papers)} papers by year of publication.",
            kind="years",
        )
    ]
