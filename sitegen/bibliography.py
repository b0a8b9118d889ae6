"""BibTeX for papers: stable citation keys and entries that round-trip through parsers."""

from __future__ import annotations

import re
from collections.abc import Sequence

from sitegen.catalog.keys import slugify
from sitegen.model import Paper

_STOP_WORDS = frozenset(
    "a an the on of for in to and with from towards toward via is are do does can".split()
)
_BIBTEX_SPECIAL = re.compile(r"([&%$#_{}])")


def _first_word(title: str) -> str:
    for word in slugify(title).split("-"):
        if word and word not in _STOP_WORDS:
            return word
    return "paper"


def citation_stem(paper: Paper) -> str:
    """``author2024firstword`` (each part when known)."""
    family = ""
    if paper.authors:
        family = slugify(paper.authors[0].split(",")[0].split()[-1]).replace("-", "")
    year = str(paper.year) if paper.year else ""
    return f"{family}{year}{_first_word(paper.title.plain)}"


def citation_keys(papers: Sequence[Paper]) -> dict[str, str]:
    """Paper key → unique citation key; colliding stems get ``a``, ``b``, ... in catalogue order."""
    stems = {paper.key: citation_stem(paper) for paper in papers}
    counts: dict[str, int] = {}
    for stem in stems.values():
        counts[stem] = counts.get(stem, 0) + 1
    taken = set(stem for stem, n in counts.items() if n == 1)
    keys: dict[str, str] = {}
    for paper in papers:
        stem = stems[paper.key]
        if counts[stem] == 1:
            keys[paper.key] = stem
            continue
        index = 0
        while True:
            candidate = stem + _suffix(index)
            index += 1
            if candidate not in taken:
                break
        taken.add(candidate)
        keys[paper.key] = candidate
    return keys


def _suffix(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("a") + rest) + letters
    return letters


def bibtex_escape(text: str) -> str:
    """Text made safe inside a braced BibTeX value."""
    text = text.replace("\\", r"\textbackslash{}").replace("\u00a0", "~")
    return _BIBTEX_SPECIAL.sub(r"\\\1", " ".join(text.split()))


def bibtex_entry(paper: Paper, citation_key: str) -> str:
    """One ``@article``/``@misc`` entry for a paper."""
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
    url = next((u for name, u in paper.links if name in ("arxiv", "doi", "source")), None)
    if url:
        fields.append(("url", bibtex_escape(url)))
    if paper.abstract.plain:
        fields.append(("abstract", bibtex_escape(paper.abstract.plain)))
    if paper.tags:
        fields.append(("keywords", bibtex_escape(", ".join(paper.tags))))
    if paper.notes:
        fields.append(("annote", bibtex_escape(paper.notes)))
    kind = "article" if paper.venue else "misc"
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
    return f"@{kind}{{{citation_key},\n{body}\n}}\n"


def bibtex_entries(papers: Sequence[Paper]) -> dict[str, str]:
    """Paper key → its BibTeX entry, keys unique across the catalogue."""
    keys = citation_keys(papers)
    return {paper.key: bibtex_entry(paper, keys[paper.key]) for paper in papers}
