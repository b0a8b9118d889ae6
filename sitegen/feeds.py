"""Atom feeds (RFC 4287) of newly read and newly listed papers.

Feeds are reproducible: no build time goes in. An entry's ``updated`` is the
paper's ``read_on`` date, else its publication year with the listing day (or
1 January), else ``UNKNOWN_DATE``. Ids are ``tag:`` URIs (RFC 4151) made of the
site title and the paper key, so they are absolute, stay the same wherever the
site is hosted, and never change because an annotation did. Links are absolute
when ``base_url`` is; otherwise they are absolute paths (``/repo/papers/x/``),
which feed readers resolve against the feed's own address.
"""

from __future__ import annotations

import datetime as dt
import heapq
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

from markdown_it import MarkdownIt

from sitegen.catalog.keys import cut_slug, slugify
from sitegen.markdown import render_inline, render_markdown
from sitegen.model import Paper
from sitegen.pages import paper_url
from sitegen.settings import Settings

FEED_LIMIT = 50
"""Most entries a feed holds."""
UNKNOWN_DATE = dt.date(1970, 1, 1)
"""``updated`` of papers with no known date: fixed, so builds stay byte-identical."""
TAG_DATE = "2024"
"""The date part of ``tag:`` ids; fixed for good, since ids must never change."""

_MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _recency(item: tuple[int, Paper]) -> tuple[dt.date, bool, str, int]:
    index, paper = item
    return (paper.read_on or dt.date.min, paper.annotated, paper.listed_on or "", index)


def newest(papers: Sequence[Paper]) -> list[Paper]:
    """The ``FEED_LIMIT`` papers a feed shows, newest first: by reading date, then
    annotated papers, then by listing date, then the papers latest in the seeds."""
    # A heap of 50 rather than a sort of every paper: half the time at 10,000 papers.
    return [paper for _, paper in heapq.nlargest(FEED_LIMIT, enumerate(papers), key=_recency)]


def entry_date(paper: Paper) -> dt.date:
    """The date a feed gives a paper (see the module docstring)."""
    if paper.read_on:
        return paper.read_on
    if paper.year and 1 <= paper.year <= 9999:
        month, day = (int(part) for part in (paper.listed_on or "01-01").split("-"))
        try:
            return dt.date(paper.year, month, day)
        except ValueError:  # 02-29 in a year without it
            return dt.date(paper.year, month, 1)
    return UNKNOWN_DATE


def tag_id(settings: Settings, path: str) -> str:
    """A permanent ``tag:`` URI for a site-relative path; its authority is the site title
    as a DNS-style label."""
    authority = cut_slug(slugify(settings.title), 63) or "reading-list"
    return f"tag:{authority},{TAG_DATE}:{path}"


def _text(value: str) -> str:
    return escape(_NOT_XML.sub("", value))


def _attr(value: str) -> str:
    return quoteattr(_NOT_XML.sub("", value))


def _timestamp(date: dt.date) -> str:
    return f"{date.isoformat()}T00:00:00Z"


@dataclass(frozen=True)
class FeedWriter:
    """Writes the site's Atom feeds; one per build, so Markdown is set up once."""

    settings: Settings
    topic_names: Mapping[str, str]
    md: MarkdownIt

    def link(self, url: str) -> str:
        """A site-relative URL as feeds show it (absolute when ``base_url`` is)."""
        return (self.settings.absolute_base or self.settings.base_path) + url

    def feed(
        self,
        url: str,
        title: str,
        subtitle: str,
        home: str,
        chosen: Sequence[Paper],
    ) -> str:
        """An Atom feed at site-relative ``url`` of ``chosen`` papers (``newest``)."""
        updated = max((entry_date(p) for p in chosen), default=UNKNOWN_DATE)
        author = self.settings.author or self.settings.title
        lines = [
            '<?xml version="1.0" encoding="utf-8"?>',
            f'<feed xmlns="http://www.w3.org/2005/Atom" xml:lang={_attr(self.settings.language)}>',
            f"<id>{_text(tag_id(self.settings, url))}</id>",
            f"<title>{_text(title)}</title>",
        ]
        if subtitle:
            lines.append(f"<subtitle>{_text(subtitle)}</subtitle>")
        lines += [
            f'<link rel="self" type="application/atom+xml" href={_attr(self.link(url))}/>',
            f'<link rel="alternate" type="text/html" href={_attr(self.link(home))}/>',
            f"<updated>{_timestamp(updated)}</updated>",
            f"<author><name>{_text(author)}</name></author>",
            "<generator>sitegen</generator>",
        ]
        lines += (self.entry(paper, paper_url(paper.key)) for paper in chosen)
        lines.append("</feed>")
        return "\n".join(lines) + "\n"

    def entry(self, paper: Paper, url: str) -> str:
        """One ``<entry>`` for a paper whose page is at site-relative ``url``."""
        parts = [
            "<entry>",
            f"<id>{_text(tag_id(self.settings, url))}</id>",
            f"<title>{_text(paper.title.plain)}</title>",
            f'<link rel="alternate" type="text/html" href={_attr(self.link(url))}/>',
            f"<updated>{_timestamp(entry_date(paper))}</updated>",
        ]
        parts += (f"<author><name>{_text(name)}</name></author>" for name in paper.authors)
        scheme = self.link("topics/")
        for slug in paper.topics:
            name = self.topic_names.get(slug, slug)
            parts.append(
                f"<category term={_attr(slug)} scheme={_attr(scheme)} label={_attr(name)}/>"
            )
        parts += (f"<category term={_attr(tag)}/>" for tag in paper.tags)
        summary = paper.summary or paper.abstract.plain
        if summary:
            parts.append(f"<summary>{_text(summary)}</summary>")
        parts.append(f'<content type="html">{_text(self.content_html(paper))}</content>')
        parts.append("</entry>")
        return "\n".join(parts)

    def content_html(self, paper: Paper) -> str:
        """What an entry shows: TL;DR, status and rating, abstract, notes."""
        html: list[str] = []
        if paper.summary:
            html.append(f"<p><strong>{render_inline(self.md, paper.summary)}</strong></p>")
        facts = [paper.status.capitalize()]
        if paper.rating:
            facts.append(f"rated {paper.rating}/5")
        if paper.read_on:
            facts.append(f"read on {paper.read_on.isoformat()}")
        if paper.listed_on and not paper.read_on:
            month, day = (int(part) for part in paper.listed_on.split("-"))
            facts.append(f"listed {_MONTHS[month - 1]} {day}")
        html.append(f"<p>{escape(' · '.join(facts))}</p>")
        if paper.abstract.html:
            html.append(f"<p>{paper.abstract.html}</p>")
        if paper.notes:
            html.append(render_markdown(self.md, paper.notes))
        return "\n".join(html)
