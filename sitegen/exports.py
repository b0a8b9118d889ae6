"""Exports and hosting files, planned after the pages they describe: ``papers.json``,
feeds, BibTeX, CSL-JSON, sitemap.

Every file here is a data page, planned with the rest of the site so incremental
builds and reproducibility hold for them too: ``Page(url, None, {"body": text})``,
or for the big exports a function called when the file is written, returning the
text as an iterable of chunks (str, or UTF-8 bytes) that the renderer streams to
disk (a function may also return one str).

- ``papers.json``: the whole catalogue, machine-readable (SPEC §5).
- ``feed.xml`` and a ``feed.xml`` per topic, tag and list: Atom feeds (``sitegen.feeds``).
- ``papers.bib``, ``topics/<slug>/papers.bib``, ``papers.csl.json``: exports,
  one citation key per paper across all of them and the paper pages.
- ``sitemap.xml``: only when ``base_url`` is absolute, because the sitemap
  protocol requires full URLs; ``robots.txt`` names it then.
- ``.nojekyll`` always (GitHub Pages must not run Jekyll over the output), and
  ``CNAME`` when ``domain`` is set.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from functools import partial
from urllib.parse import urlsplit
from xml.sax.saxutils import escape

from sitegen.bibliography import bibtex_file
from sitegen.citations import Citations, papers_to_make
from sitegen.feeds import FeedWriter, newest
from sitegen.incremental import PlanMemory, joined_digest
from sitegen.json_text import indented_json
from sitegen.markdown import make_markdown
from sitegen.model import Catalog, Paper
from sitegen.pages import Page, paper_url, topic_url
from sitegen.reading import tag_index
from sitegen.settings import Settings
from sitegen.streams import joined

SITEMAP_LIMIT = 50_000
"""Most URLs one sitemap file may list (sitemaps.org); more are split under an index."""
SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"


def publish_pages(
    catalog: Catalog,
    settings: Settings,
    planned: Sequence[Page],
    cited: Citations,
    memory: PlanMemory,
) -> list[Page]:
    """``papers.json``, feeds, exports and hosting files; the sitemap lists the HTML
    pages in ``planned`` (``plan_pages``); ``cited``: the papers' citation keys and
    entries (``citations``); ``memory`` keeps per-paper texts between builds.
    """
    changed = cited.changed
    base = settings.absolute_base or settings.base_path
    made = papers_to_make(catalog, changed)  # the other records are the last plan's
    memory.texts.records.update(made, partial(_paper_record, base=base), fresh=changed is None)
    # Joined when written, not held whole for the build: megabytes at 100,000 papers.
    body = partial(papers_json, catalog.papers, memory.texts.records.texts)
    pages = [Page("papers.json", None, {"body": body}, inputs=(catalog.papers, base))]
    pages += [*feed_pages(catalog, settings, memory), *export_pages(catalog, cited)]
    sitemap = sitemap_files(settings, planned)
    pages += (Page(url, None, {"body": body}) for url, body in sitemap.items())
    pages.append(Page("robots.txt", None, {"body": robots_txt(settings, bool(sitemap))}))
    pages.append(Page(".nojekyll", None, {"body": ""}))
    if settings.domain:
        pages.append(Page("CNAME", None, {"body": cname(settings.domain) + "\n"}))
    return pages


def papers_json(papers: Sequence[Paper], records: Mapping[str, str]) -> Iterator[bytes]:
    """The whole catalogue, machine-readable (SPEC §5), paper by paper, UTF-8, from each
    paper's record by paper key (``PerPaper.records``)."""
    if not papers:
        yield b'{\n "papers": []\n}\n'
        return
    yield b'{\n "papers": [\n  '
    texts = (records[paper.key] for paper in papers)
    yield from joined((text.encode("utf-8") for text in texts), b",\n  ")
    yield b"\n ]\n}\n"


def _paper_record(p: Paper, base: str) -> str:
    record = {
        "key": p.key,
        "title": p.title.plain,
        "title_inferred": p.title_inferred,
        "abstract": p.abstract.plain,
        "url": base + paper_url(p.key),
        "topics": list(p.topics),
        "tags": list(p.tags),
        "status": p.status,
        "rating": p.rating,
        "summary": p.summary,
        "authors": list(p.authors),
        "year": p.year,
        "sources": [{"file": s.file, "line": s.line} for s in p.sources],
        "related": list(p.related),
    }
    # Two levels in: inside the top object and its list (JSON strings hold no raw newline).
    return indented_json(record).replace("\n", "\n  ")


Feed = tuple[str, str, str, str, Sequence[Paper]]
"""A feed to write: its URL, title, subtitle, the page it stands for, and its papers."""


def feed_pages(catalog: Catalog, settings: Settings, memory: PlanMemory) -> list[Page]:
    """The site's feed and one feed per topic, tag and curated list, each of its newest
    papers (ordered again only when its papers changed).

    A feed is written when its newest papers (or the site's settings or topic
    names) change, not whenever any paper of its topic does.
    """
    name = settings.title
    feeds: list[Feed] = [("feed.xml", name, settings.description, "", catalog.papers)]
    for topic in catalog.topics:
        home, members = topic_url(topic.slug), catalog.papers_in_topic(topic.slug)
        subtitle = f"New papers on {topic.name}."
        feeds.append((home + "feed.xml", f"{name}: {topic.name}", subtitle, home, members))
    for slug, (tag, tagged) in tag_index(catalog).items():
        subtitle = f"New papers tagged “{tag}”."
        feeds.append(
            (f"tags/{slug}/feed.xml", f"{name}: tagged “{tag}”", subtitle, f"tags/{slug}/", tagged)
        )
    for reading_list in catalog.lists:
        home, title = f"lists/{reading_list.slug}/", reading_list.title
        present = [catalog.get(key) for key in dict.fromkeys(reading_list.keys)]
        listed = [paper for paper in present if paper is not None]
        subtitle = f"Papers of the reading list “{title}”."
        feeds.append((home + "feed.xml", f"{name}: {title}", subtitle, home, listed))
    writer = FeedWriter(settings, {t.slug: t.name for t in catalog.topics}, make_markdown())
    pages = []
    for url, title, subtitle, home, papers in feeds:
        chosen = memory.orders.get(url, papers, newest)
        body = partial(writer.feed, url, title, subtitle, home, chosen)
        pages.append(Page(url, None, {"body": body}, inputs=(url, title, subtitle, home, chosen)))
    return pages


def export_pages(catalog: Catalog, cited: Citations) -> list[Page]:
    """``papers.bib``, one ``papers.bib`` per topic and ``papers.csl.json``.

    Bodies are functions called when the file is written, yielding the text in
    chunks, so an export (150-200 MB at 100,000 papers) is never held whole. Each
    is digested by the texts it is made of (BibTeX entries, CSL-JSON items), so an
    edit they do not show (status, rating, summary) leaves it unwritten.
    """
    entries, digests = cited.entries, cited.entry_digests
    shown = joined_digest([digests[paper.key] for paper in catalog.papers])
    body = partial(bibtex_file, catalog.papers, entries)
    pages = [Page("papers.bib", None, {"body": body}, inputs=shown)]
    for topic in catalog.topics:
        members = catalog.papers_in_topic(topic.slug)
        body = partial(bibtex_file, members, entries)
        shown = joined_digest([digests[paper.key] for paper in members])
        url = topic_url(topic.slug) + "papers.bib"
        pages.append(Page(url, None, {"body": body}, inputs=shown))
    items, item_digests = cited.items, cited.item_digests
    body = partial(csl_json_of, tuple(items[paper.key] for paper in catalog.papers))
    shown = joined_digest([item_digests[paper.key] for paper in catalog.papers])
    pages.append(Page("papers.csl.json", None, {"body": body}, inputs=shown))
    return pages


def csl_json_of(items: Sequence[str]) -> Iterator[str]:
    """The CSL-JSON export from its items' texts (``csl_text``), a few hundred at a time."""
    if not items:
        yield "[]\n"
        return
    yield "[\n "
    yield from joined(items, ",\n ")
    yield "\n]\n"


def sitemap_files(settings: Settings, planned: Sequence[Page]) -> dict[str, str]:
    """URL → text of the sitemap (and its parts past ``SITEMAP_LIMIT`` URLs).

    Empty when ``base_url`` is not absolute: sitemaps must list full URLs.
    """
    base = settings.absolute_base
    if base is None:
        return {}
    locs = [
        base + page.url
        for page in planned
        if page.template is not None and page.output.endswith(".html") and page.kind != "404"
    ]
    if len(locs) <= SITEMAP_LIMIT:
        return {"sitemap.xml": _urlset(locs)}
    files: dict[str, str] = {}
    for number, start in enumerate(range(0, len(locs), SITEMAP_LIMIT), start=1):
        files[f"sitemap-{number}.xml"] = _urlset(locs[start : start + SITEMAP_LIMIT])
    index = [f"<sitemap><loc>{escape(base + name)}</loc></sitemap>" for name in files]
    files["sitemap.xml"] = _xml("sitemapindex", index)
    return files


def _urlset(locs: Sequence[str]) -> str:
    return _xml("urlset", [f"<url><loc>{escape(loc)}</loc></url>" for loc in locs])


def _xml(root: str, children: Sequence[str]) -> str:
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', f'<{root} xmlns="{SITEMAP_NS}">']
    return "\n".join([*lines, *children, f"</{root}>"]) + "\n"


def robots_txt(settings: Settings, has_sitemap: bool) -> str:
    """Allow everything; name the sitemap when there is one."""
    lines = ["User-agent: *", "Disallow:", ""]
    if has_sitemap and settings.absolute_base:
        lines.append(f"Sitemap: {settings.absolute_base}sitemap.xml")
    else:
        lines.append("# No sitemap: set an absolute base_url (https://host/path/) to get one.")
    return "\n".join(lines) + "\n"


def cname(domain: str) -> str:
    """The host name GitHub Pages expects in ``CNAME`` (a URL is cut down to its host)."""
    domain = domain.strip()
    if "://" in domain:
        domain = urlsplit(domain).netloc
    return domain.strip("/")
