"""What the browser index holds for each paper, made from the catalogue.

One small HTML document per visible paper, never the rendered page, so a theme
or a site's template override changes how pages look and never what search
finds. Pagefind reads its ``data-pagefind-*`` attributes: the title (weight 10)
and summary (weight 5) rank above the abstract and notes; filters topic (slug),
tag, status, year and author; sorts rating and date; the metadata a result
shows (title, status, topic names) and the sort values. Only text goes into the indexed body, no
headings, so a result's snippet is the paper's own words.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from html import escape

from markdown_it import MarkdownIt

from sitegen.cache import StageCache
from sitegen.clean import drop_forbidden
from sitegen.digest import code_signature
from sitegen.markdown import make_markdown, render_inline, render_markdown
from sitegen.model import Catalog, Paper


@dataclass(frozen=True, slots=True)
class SearchRecord:
    """One paper as the browser index receives it."""

    key: str
    url: str
    """Root-relative URL of the paper page (the search page adds the base path)."""
    html: str
    """The document Pagefind indexes."""
    sorts: tuple[tuple[str, str], ...] = ()
    """The values the document gives Pagefind's sorts, by sort name."""
    digest: str = field(init=False, repr=False)
    """Changes exactly when what the index holds for this paper changes."""

    def __post_init__(self) -> None:
        text = f"{self.url}\0{self.html}".encode()
        object.__setattr__(self, "digest", hashlib.blake2b(text, digest_size=16).hexdigest())


def sort_date(paper: Paper) -> str:
    """The date search orders by: when read, else the year and day listed."""
    if paper.read_on:
        return paper.read_on.isoformat()
    return f"{paper.year or 0:04d}-{paper.listed_on or '00-00'}"


def _tags(name: str, values: Iterator[str] | tuple[str, ...] | list[str]) -> str:
    return "".join(f"<span data-pagefind-{name}>{escape(value)}</span>" for value in values)


def paper_record(
    paper: Paper, topic_names: Mapping[str, str], language: str, md: MarkdownIt
) -> SearchRecord:
    """The search record of one paper."""
    names = [topic_names.get(slug, slug) for slug in paper.topics]
    sorts = (("rating", str(paper.rating or 0)), ("date", sort_date(paper)))
    body = [f'<h1 data-pagefind-weight="10">{escape(paper.title.plain)}</h1>']
    if paper.summary:
        summary = render_inline(md, drop_forbidden(paper.summary))
        body.append(f'<p data-pagefind-weight="5">{summary}</p>')
    if paper.abstract.plain:
        body.append(f"<p>{escape(paper.abstract.plain)}</p>")
    if paper.notes:
        body.append(f"<div>{render_markdown(md, drop_forbidden(paper.notes))}</div>")
    filters = {
        "topic": paper.topics,
        "tag": paper.tags,
        "status": (paper.status,),
        "year": (str(paper.year),) if paper.year else (),
        "author": paper.authors,
    }
    hidden = [
        "".join(_tags(f'filter="{name}"', values) for name, values in filters.items()),
        _tags('meta="title"', [paper.title.plain]),
        _tags('meta="status"', [paper.status]),
        _tags('meta="topics"', [", ".join(names)]),
        "".join(_tags(f'sort="{name}"', [value]) for name, value in sorts),
        # search.js merges sorted results of several shards by these
        _tags('meta="rating"', [str(paper.rating or 0)]),
        _tags('meta="date"', [sort_date(paper)]),
    ]
    html = (
        f'<!doctype html><html lang="{escape(language)}"><body>'
        f"<main data-pagefind-body>{''.join(body)}</main>"
        f"<div data-pagefind-ignore>{''.join(hidden)}</div></body></html>"
    )
    return SearchRecord(paper.key, f"/papers/{paper.key}/", html, sorts)


RecordMemory = dict[str, tuple[tuple[str, str], SearchRecord]]
"""Records kept between index runs (by ``sitegen serve`` in memory, by ``sitegen build``
in the stage cache: ``kept_records``), by paper key, with what they were made from: the
paper's digest and the topic names and language."""


def search_records(
    catalog: Catalog,
    language: str,
    memory: RecordMemory | None = None,
    papers: Sequence[Paper] | None = None,
) -> list[SearchRecord]:
    """A record per visible paper (or per paper of ``papers``, one shard's), in key
    order (the order the index is built in); with a ``memory``, made again only for
    papers whose digest (or the topics' names) changed, and kept there (the caller
    drops the records of papers no longer shown: ``IndexJob``)."""
    md = make_markdown()
    names = {topic.slug: topic.name for topic in catalog.topics}
    context = f"{language}\0{sorted(names.items())}"
    made = []
    for paper in sorted(catalog.papers if papers is None else papers, key=lambda p: p.key):
        stamp = (paper.digest, context)
        held = memory.get(paper.key) if memory is not None and paper.digest else None
        record = held[1] if held is not None and held[0] == stamp else None
        if record is None:
            record = paper_record(paper, names, language, md)
        made.append((stamp, record))
    if memory is not None:
        memory.update((record.key, (stamp, record)) for stamp, record in made)
    return [record for _, record in made]


def kept_records(
    catalog: Catalog,
    language: str,
    papers: Sequence[Paper],
    stages: StageCache,
    shard: str,
    previous: dict[str, SearchRecord] | None = None,
) -> list[SearchRecord]:
    """``search_records`` of one shard's ``papers`` for ``sitegen build``: its records are
    kept in the stage cache (``search-records-<shard>``, under a key of sitegen's code)
    from one build to the next, so only the changed papers' are made. The records kept
    before are put in ``previous`` (a splice of the shard asks for them)."""
    stage = f"search-records-{shard}"
    kept: RecordMemory = stages.get(stage, code_signature()) or {}
    if previous is not None:
        previous.update((key, held[1]) for key, held in kept.items())
    before = {key: held[0] for key, held in kept.items()}
    records = search_records(catalog, language, kept, papers)
    now = {record.key: kept[record.key] for record in records}
    if {key: held[0] for key, held in now.items()} != before:
        stages.put(stage, code_signature(), now)
    return records
