"""Bibliography exports: BibTeX entries with stable citation keys, and CSL-JSON items.

A paper's BibTeX entry is built once and used both on its page and in the
``papers.bib`` exports, so what a reader copies from a page is exactly what the
export holds.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from sitegen.catalog.keys import slugify
from sitegen.model import Paper
from sitegen.streams import joined

_STOP_WORDS = frozenset(
    "a an the on of for in to and with from towards toward via is are do does can".split()
)
# One pass over the text, so the braces of a replacement are never escaped again.
# Braces become commands rather than ``\{``: BibTeX itself counts ``\{`` as an open
# brace, and a lone one would unbalance the entry.
_BIBTEX_ESCAPES = {
    "\\": r"\textbackslash{}",
    "{": r"\textbraceleft{}",
    "}": r"\textbraceright{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "^": r"\^{}",
    "~": r"\textasciitilde{}",
    "\u00a0": "~",
}
_BIBTEX_SPECIAL = re.compile("|".join(re.escape(c) for c in _BIBTEX_ESCAPES))
_EXTERNAL_LINKS = ("arxiv", "doi", "source")


def _first_word(title: str) -> str:
    for word in slugify(title).split("-"):
        if word and word not in _STOP_WORDS:
            return word
    return "paper"


def citation_stem(paper: Paper) -> str:
    """``author2024firstword`` (each part when known)."""
    family = ""
    if paper.authors:
        family = slugify(split_name(paper.authors[0])[0]).replace("-", "")
    year = str(paper.year) if paper.year else ""
    return f"{family}{year}{_first_word(paper.title.plain)}"


def citation_keys(
    papers: Sequence[Paper], stems: Mapping[str, str] | None = None
) -> dict[str, str]:
    """Paper key → unique citation key, in catalogue order.

    The first paper with a stem keeps it bare and later ones get ``a``, ``b``, ...
    (as Better BibTeX does), so adding a paper never renames the keys of papers
    listed before it. ``stems`` are the papers' ``citation_stem``, if known.
    """
    if stems is None:
        stems = {paper.key: citation_stem(paper) for paper in papers}
    reserved = set(stems.values())
    taken: set[str] = set()
    keys: dict[str, str] = {}
    # Suffixes a stem tried once stay taken, so each stem resumes where it stopped:
    # daily listings have no authors or years, and thousands of papers share a stem.
    next_suffix: dict[str, int] = {}
    for paper in papers:
        stem = stems[paper.key]
        candidate = stem
        index = next_suffix.get(stem, 0)
        while candidate in taken or (candidate != stem and candidate in reserved):
            candidate = stem + _suffix(index)
            index += 1
        next_suffix[stem] = index
        taken.add(candidate)
        keys[paper.key] = candidate
    return keys


def _suffix(index: int) -> str:
    """``a``, ``b``, ..., ``z``, ``aa``, ``ab``, ..."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("a") + rest) + letters
    return letters


def split_name(name: str) -> tuple[str, str]:
    """(family, given) of ``Family, Given`` or ``Given Family``."""
    if "," in name:
        family, given = name.split(",", 1)
        return family.strip(), given.strip()
    parts = name.split()
    if not parts:
        return "", ""
    return parts[-1], " ".join(parts[:-1])


def external_url(paper: Paper) -> str | None:
    """The paper's own landing page (arXiv, DOI or the source's URL), if known."""
    return next((url for name, url in paper.links if name in _EXTERNAL_LINKS), None)


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def bibtex_escape(text: str) -> str:
    """Text made safe inside a braced BibTeX value (whitespace collapsed)."""
    shown = _CONTROL.sub("", " ".join(text.split()))  # `"\a"` in YAML is a raw BEL
    return _BIBTEX_SPECIAL.sub(lambda m: _BIBTEX_ESCAPES[m.group()], shown)


def bibtex_entry(paper: Paper, citation_key: str, *, notes: bool = False) -> str:
    """One ``@article``/``@misc`` entry for a paper; its notes as ``annote`` when ``notes``."""
    fields: list[tuple[str, str]] = [("title", "{" + bibtex_escape(paper.title.plain) + "}")]
    if paper.authors:
        fields.append(("author", " and ".join(bibtex_escape(a) for a in paper.authors)))
    if paper.year:
        fields.append(("year", str(paper.year)))
    if paper.venue:
        fields.append(("journal", bibtex_escape(paper.venue)))
    if paper.doi:
        fields.append(("doi", bibtex_escape(paper.doi)))
    if paper.arxiv:
        fields.append(("eprint", bibtex_escape(paper.arxiv)))
        fields.append(("archiveprefix", "arXiv"))
    url = external_url(paper)
    if url:
        fields.append(("url", bibtex_escape(url)))
    if paper.abstract.plain:
        fields.append(("abstract", bibtex_escape(paper.abstract.plain)))
    if paper.tags:
        fields.append(("keywords", bibtex_escape(", ".join(paper.tags))))
    if notes and paper.notes:
        fields.append(("annote", bibtex_escape(paper.notes)))
    kind = "article" if paper.venue else "misc"
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
    return f"@{kind}{{{citation_key},\n{body}\n}}\n"


def bibtex_file(papers: Sequence[Paper], entries: Mapping[str, str]) -> Iterator[str]:
    """A ``.bib`` file of these papers' entries, blank-line separated, catalogue order.

    Yielded a few hundred entries at a time, so the file (~150 MB at 100,000 papers) is
    written, never held.
    """
    return joined((entries[paper.key] for paper in papers), "\n")


def csl_item(paper: Paper, citation_key: str, *, notes: bool = False) -> dict[str, Any]:
    """One CSL-JSON item (the format Zotero and citeproc read); its notes when ``notes``."""
    item: dict[str, Any] = {
        "id": citation_key,
        "type": "article-journal" if paper.venue else "article",
        "title": paper.title.plain,
    }
    if paper.authors:
        authors = []
        for name in paper.authors:
            family, given = split_name(name)
            authors.append({"family": family, "given": given} if given else {"family": family})
        item["author"] = authors
    if paper.year:
        item["issued"] = {"date-parts": [[paper.year]]}
    if paper.venue:
        item["container-title"] = paper.venue
    if paper.doi:
        item["DOI"] = paper.doi
    url = external_url(paper)
    if url:
        item["URL"] = url
    if paper.abstract.plain:
        item["abstract"] = paper.abstract.plain
    if paper.tags:
        item["keyword"] = ", ".join(paper.tags)
    if notes and paper.notes:
        item["note"] = paper.notes
    return item
