"""Paper identifiers as bibliography exports write them: DOIs, arXiv ids, years, keywords.

Zotero, Better BibTeX, Google Scholar, DBLP and arXiv each spell the same
identifier differently (``arXiv:2406.01234 [cs]``, ``abs/2406.01234``,
``10.48550/arXiv.2406.01234``, ``https://doi.org/...``); the BibTeX and
CSL-JSON readers share these helpers so both formats agree.
"""

from __future__ import annotations

import re
from urllib.parse import unquote

_ARXIV_ID = r"(?:\d{4}\.\d{4,5}|[a-z][a-z-]*(?:\.[A-Z]{2})?/\d{7})(?:v\d+)?"
_ARXIV_BARE = re.compile(rf"\s*(?:arxiv:\s*)?({_ARXIV_ID})\s*(?:\[[\w.-]+\]\s*)?", re.IGNORECASE)
"""An ``eprint`` as written: ``2406.01234``, ``arXiv:2406.01234v2``, ``2406.01234 [cs]``."""
_ARXIV_IN_TEXT = re.compile(
    rf"(?:arxiv\.org/(?:abs|pdf)/|10\.48550/arxiv\.|arxiv\s*:?\s*)({_ARXIV_ID})",
    re.IGNORECASE,
)
_ARXIV_VOLUME = re.compile(rf"abs/({_ARXIV_ID})", re.IGNORECASE)
_DOI_PREFIX = re.compile(
    r"^(?:doi:\s*|(?:https?://)?(?:(?:dx\.|www\.)?doi\.org|doi\.acm\.org)/)", re.IGNORECASE
)
_DOI = re.compile(r"10\.\d{3,9}/\S+|10/[a-z0-9]+", re.IGNORECASE)
"""A DOI, or a shortDOI (``10/fqd6hj``, as Better CSL JSON writes some)."""
_YEAR = re.compile(r"(?<!\d)(1[5-9]\d\d|2\d\d\d)(?!\d)")
_TAG_SEPARATOR = re.compile(r"[,;]")


def arxiv_id(value: str) -> str | None:
    """The arXiv id in an ``eprint`` or ``arxiv`` field (``2406.01234``, ``arXiv:2406.01234v2``)."""
    match = _ARXIV_BARE.fullmatch(value)
    return match.group(1) if match else None


def arxiv_in_text(value: str) -> str | None:
    """An arXiv id in a URL, DOI, journal or note (``arXiv preprint arXiv:2406.01234``)."""
    match = _ARXIV_IN_TEXT.search(value)
    if match:
        return match.group(1).removesuffix(".pdf")
    return None


def arxiv_in_volume(value: str) -> str | None:
    """DBLP and Semantic Scholar write CoRR papers as ``volume = {abs/2406.01234}``."""
    match = _ARXIV_VOLUME.fullmatch(value.strip())
    return match.group(1) if match else None


def clean_doi(value: str) -> str | None:
    """A DOI as written, without its resolver (``https://doi.org/``, ``http://dx.doi.org/``,
    ``http://doi.acm.org/``) or ``doi:`` prefix and protective braces; None when it is not one.
    """
    bare = value.replace("{", "").replace("}", "").replace("\\_", "_").strip()
    doi = _DOI_PREFIX.sub("", bare).strip()
    if "%" in doi:  # a DOI copied from a URL: 10.1016%2Fj.eswa.2016.10.021
        doi = unquote(doi)
    doi = doi.rstrip(".,;")  # the end of the sentence it was pasted from
    return doi if _DOI.fullmatch(doi) else None


def year_in(value: str) -> int | None:
    """The first plausible four-digit year in a date-like text (``2024``, ``2024-06-03``)."""
    match = _YEAR.search(value)
    return int(match.group(1)) if match else None


def split_keywords(value: str) -> list[str]:
    """Keywords from a ``keywords`` field or CSL ``keyword``: separated by commas or semicolons."""
    return [word.strip() for word in _TAG_SEPARATOR.split(value) if word.strip()]
