"""Page digests: what each page is made from, so only pages whose digest changed render.

A page's digest hashes the site-wide inputs (settings, topic names, statuses,
sitegen's code), its own context (or ``inputs``) and the source of every
template it uses (docs/builds.md, step 3).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from sitegen.browse_pages import Browse
from sitegen.citation_styles import own_style_file
from sitegen.digest import Digester, blake, code_signature
from sitegen.incremental import PageDigests
from sitegen.model import STATUSES, Catalog
from sitegen.pages import Page
from sitegen.render import Renderer
from sitegen.settings import Settings


def site_digest(settings: Settings, catalog: Catalog, browse: Browse) -> bytes:
    """What every page is made from besides its own context and templates.

    Templates see the settings (``site``), every topic's name, the statuses and
    ``browse`` (author links; whether the Authors and Years menu links show); filters
    and Markdown rendering are sitegen's code, and references follow the project's own
    ``.csl`` file when ``citation_style`` names one. A change to any of these renders
    every page again.
    """
    topics = "\0".join(f"{t.slug}\1{t.name}" for t in catalog.topics)
    own_style = own_style_file(settings.citation_style, settings.root)
    try:
        style = own_style.read_bytes() if own_style else b""
    except OSError:
        style = b"?"
    return blake(
        repr(browse).encode(),
        repr(settings).encode(),
        style,
        topics.encode(),
        repr(STATUSES).encode(),
        code_signature().encode(),
    )


def page_digests(
    renderer: Renderer,
    pages: Sequence[Page],
    settings: Settings,
    catalog: Catalog,
    last: PageDigests,
    replanned: Collection[str] | None,
) -> list[str]:
    """What each page is made from: site-wide inputs, its context and its templates.

    A paper page the plan took over from the last one (not in ``replanned``: URLs;
    None: none was; ``sitegen.incremental``) keeps its digest from ``last`` when the
    site-wide inputs and its templates are unchanged; ``last`` is then updated to this
    build's.
    """
    site = site_digest(settings, catalog, renderer.browse)
    # A few templates, 10,000 pages: each template's digest is looked up once, and
    # taken from ``last`` while no template file changed (parsing them took ~0.1 s).
    templates: dict[str | None, str] = {None: ""}
    if last.sources == renderer.sources:
        templates.update(last.templates)
    before: dict[str | None, str] = {}  # the digests of the templates kept digests used
    kept: dict[str, str] = {}
    if last.site == site and replanned is not None:
        before, kept = last.templates, last.by_url
    else:
        replanned = ()
    digester = Digester()
    digests = []
    for page in pages:  # one pass: at 10,000 pages each pass over them costs milliseconds
        template = templates.get(page.template)
        if template is None:
            template = templates[page.template] = renderer.template_digest(page.template or "")
        digest = None
        if (
            page.kind == "paper"
            and page.url not in replanned
            and before.get(page.template) == template
        ):
            digest = kept.get(page.url)
        if digest is None:
            what = (page.url, page.template, page.title, page.description, page.kind, page.feeds)
            shown = page.context if page.inputs is None else page.inputs
            digest = digester.digest(site, what, shown, template)
            if kept:
                kept[page.url] = digest
        digests.append(digest)
    last.site, last.templates, last.sources = site, templates, renderer.sources
    if not kept:  # every digest was made now (else ``kept`` is ``last.by_url``, updated)
        last.by_url = {page.url: digest for page, digest in zip(pages, digests)}
    return digests
