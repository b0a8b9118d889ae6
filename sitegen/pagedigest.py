"""Page digests: what each page is made from, so only pages whose digest changed render.

A page's digest hashes the site-wide inputs (settings, topic names, statuses,
serve-mode extras, sitegen's code), its own context (or ``inputs``) and the
source of every template it uses (docs/builds.md, step 3).
"""

from __future__ import annotations

import itertools
import operator
from collections.abc import Sequence
from dataclasses import dataclass

from sitegen.browse_pages import Browse
from sitegen.cache import StageCache
from sitegen.digest import Digester, blake, code_signature
from sitegen.model import STATUSES, Catalog
from sitegen.pages import Page
from sitegen.render import Renderer
from sitegen.settings import Settings


def site_digest(
    settings: Settings, catalog: Catalog, extra_head: str, browse: Browse | None = None
) -> bytes:
    """What every page is made from besides its own context and templates.

    Templates see the settings (``site``), every topic's name, the statuses and
    ``browse`` (author links; whether the Authors and Years menu links show); filters
    and Markdown rendering are sitegen's code. A change to any of these renders every
    page again.
    """
    topics = "\0".join(f"{t.slug}\1{t.name}" for t in catalog.topics)
    return blake(
        repr(browse).encode(),
        repr(settings).encode(),
        topics.encode(),
        repr(STATUSES).encode(),
        extra_head.encode(),
        code_signature().encode(),
    )


@dataclass(frozen=True)
class _Digested:
    """One build's page digests, kept for the next build in ``sitegen serve``."""

    site: bytes
    templates: dict[str | None, str]
    pages: Sequence[Page]
    digests: list[str]


def page_digests(
    renderer: Renderer,
    pages: Sequence[Page],
    settings: Settings,
    catalog: Catalog,
    stages: StageCache | None = None,
) -> list[str]:
    """What each page is made from: site-wide inputs, its context and its templates.

    With a ``stages`` cache that remembers (``sitegen serve``), a page that is the
    very ``Page`` object of the previous build (``PlanMemo``) keeps its digest when
    the site-wide inputs and its templates are unchanged, and immutable objects of
    the previous build (unchanged papers) keep their hashes.
    """
    site = site_digest(settings, catalog, renderer.extra_head, renderer.browse)
    # A few templates, 10,000 pages: each template's digest is looked up once.
    templates: dict[str | None, str] = {None: ""}
    for page in pages:
        if page.template not in templates:
            templates[page.template] = renderer.template_digest(page.template or "")
    last: _Digested | None = stages.recall("page-digests") if stages else None
    if last is not None and (last.site != site or last.templates != templates):
        last = None
    remember = stages is not None and stages.remember
    digester = Digester(stages.recall("digester") if stages else None, for_next=remember)
    old_pages = last.pages if last is not None else ()
    old_digests = last.digests if last is not None else []
    count = len(pages)
    digests = old_digests[:count] + [""] * (count - len(old_digests))
    # The same page object at the same place keeps its digest; others are looked up by URL
    # (pages move when a paper comes or goes), else digested.
    others = itertools.chain(
        itertools.compress(range(count), map(operator.is_not, pages, old_pages)),
        range(len(old_pages), count),
    )
    by_url: dict[str, int] | None = None
    for index in others:
        page = pages[index]
        if old_pages and (index >= len(old_pages) or old_pages[index].url != page.url):
            if by_url is None:
                by_url = {old.url: i for i, old in enumerate(old_pages)}
            moved = by_url.get(page.url)
            if moved is not None and old_pages[moved] is page:
                digests[index] = old_digests[moved]
                continue
        what = (page.url, page.template, page.title, page.description, page.kind, page.feeds)
        shown = page.context if page.inputs is None else page.inputs
        digests[index] = digester.digest(site, what, shown, templates[page.template])
    if stages is not None:
        stages.keep("digester", digester)
        stages.keep("page-digests", _Digested(site, templates, pages, digests))
    return digests
