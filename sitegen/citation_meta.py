"""Citation metadata on paper pages, for reference managers and crawlers.

- Highwire Press ``citation_*`` meta tags, which Zotero's and Mendeley's browser
  connectors and Google Scholar read: title, one ``citation_author`` per author,
  publication date, journal or conference title, DOI, arXiv id and PDF address.
- A schema.org ``ScholarlyArticle`` as JSON-LD, for search engines.

Both are built from the ``Paper`` alone, so a page changes only when its paper does.
"""

from __future__ import annotations

import json
import re
from typing import Any

from markupsafe import Markup

from sitegen.clean import drop_forbidden
from sitegen.model import Paper

_CONFERENCE = re.compile(
    r"\b(?:proceedings|conference|workshop|symposium|meeting|congress|conf\.?)\b", re.I
)
_PREPRINT = re.compile(r"^\s*(?:arxiv|biorxiv|medrxiv|ssrn|preprint)\b", re.I)
# Inside <script>, "</script>" or "<!--" would end or change the element: JSON allows
# writing those characters as \u escapes, which no HTML parser reads as markup.
_SCRIPT_UNSAFE = {
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}
_SCRIPT_UNSAFE_RE = re.compile("[<>&\u2028\u2029]")


def pdf_url(paper: Paper) -> str | None:
    """Where the paper's PDF is: a link named ``pdf``, else arXiv's PDF of its arXiv id."""
    for name, url in paper.links:
        if name.casefold() == "pdf":
            return url
    if paper.arxiv:
        return f"https://arxiv.org/pdf/{paper.arxiv}"
    return None


def venue_kind(venue: str | None) -> str | None:
    """``conference`` or ``journal`` for a venue's name; None for a preprint server."""
    if not venue or _PREPRINT.match(venue):
        return None
    return "conference" if _CONFERENCE.search(venue) else "journal"


def highwire_tags(paper: Paper) -> list[tuple[str, str]]:
    """The paper's Highwire Press meta tags as (name, content), as Google Scholar asks."""
    tags = [("citation_title", paper.title.plain)]
    tags += [("citation_author", name) for name in paper.authors if name.strip()]
    if paper.year:
        tags.append(("citation_publication_date", f"{paper.year:04d}"))
    kind = venue_kind(paper.venue)
    if kind is not None and paper.venue:
        tags.append((f"citation_{kind}_title", paper.venue))
    if paper.doi:
        tags.append(("citation_doi", paper.doi))
    if paper.arxiv:
        tags.append(("citation_arxiv_id", paper.arxiv))
    pdf = pdf_url(paper)
    if pdf:
        tags.append(("citation_pdf_url", pdf))
    return tags


def scholarly_article(paper: Paper, url: str | None) -> dict[str, Any]:
    """The paper as a schema.org ``ScholarlyArticle``; ``url`` is its page's absolute URL."""
    article: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "ScholarlyArticle",
        "headline": paper.title.plain[:110],
        "name": paper.title.plain,
    }
    if url:
        article["url"] = url
    if paper.authors:
        article["author"] = [{"@type": "Person", "name": name} for name in paper.authors]
    if paper.year:
        article["datePublished"] = f"{paper.year:04d}"
    if paper.venue:
        article["isPartOf"] = {"@type": "Periodical", "name": paper.venue}
    if paper.abstract.plain:
        article["abstract"] = paper.abstract.plain
    same = [f"https://doi.org/{paper.doi}"] if paper.doi else []
    if paper.arxiv:
        same.append(f"https://arxiv.org/abs/{paper.arxiv}")
    if same:
        article["sameAs"] = same
    if paper.doi:
        article["identifier"] = {"@type": "PropertyValue", "propertyID": "DOI", "value": paper.doi}
    if paper.tags:
        article["keywords"] = list(paper.tags)
    return article


def json_for_script(value: Any) -> Markup:
    """``value`` as JSON that is safe inside ``<script type="application/ld+json">``."""
    # json.dumps escapes C0 controls but not DEL or noncharacters, which HTML forbids.
    text = drop_forbidden(json.dumps(value, ensure_ascii=False, indent=None))
    return Markup(_SCRIPT_UNSAFE_RE.sub(lambda m: _SCRIPT_UNSAFE[m.group()], text))
