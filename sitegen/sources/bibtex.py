"""BibTeX bibliographies, as Zotero, Better BibTeX, JabRef, Mendeley, EndNote, Web of
Science, Google Scholar, DBLP and arXiv export them.

bibtexparser (v2) splits the file into blocks and gives each its line;
``bibtex_values`` resolves field values by BibTeX's rules, ``bibtex_records``
turns blocks into records (broken ones into warnings) and ``bibtex_fields``
reads a paper's fields from a record.
"""

from __future__ import annotations

import functools
import html
import logging
import re
from collections.abc import Sequence

from bibtexparser.entrypoint import parse_string
from bibtexparser.library import Library

from sitegen.clean import clean_plain
from sitegen.model import Problem, Severity, SourceEntry, SourceRef
from sitegen.sources import bibtex_fields as fields_of
from sitegen.sources.bibtex_crossrefs import with_crossrefs
from sitegen.sources.bibtex_preamble import expand, preamble_macros
from sitegen.sources.bibtex_records import (
    Record,
    read_records,
    with_key_commas,
    with_keys,
    without_comments,
)
from sitegen.sources.bibtex_values import MalformedValue, project_strings, resolve_value
from sitegen.sources.identifiers import clean_doi, split_keywords
from sitegen.sources.skipped import first_line, skipped

NAME = "bibtex"
DESCRIPTION = "a BibTeX file (entries such as '@article{key,' or '@inproceedings{key,')"

# bibtexparser logs each broken block; those become Problems here, so keep its
# messages off stderr unless the application configures logging itself.
logging.getLogger("bibtexparser").addHandler(logging.NullHandler())

_ZOTERO_TAG = re.compile(
    r"\{?\\textless\}?\s*/?(?:i|b|sup|sub|sc|span(?:\s[^{}\\]*)?)\s*\{?\\textgreater\}?"
)
_ENTRY_START = re.compile(r"^[ \t]*@[ \t]*[A-Za-z]+[ \t]*[{(]", re.MULTILINE)
_ATTRIBUTES = r"""(?:\s+[\w:-]+=(?:"[^"<>]*"|'[^'<>]*'))*\s*/?>"""
_HTML_BLOCK = re.compile(rf"</?(?:p|div|br|li|ul|ol|h[1-6]|blockquote){_ATTRIBUTES}", re.I)
_HTML_INLINE = re.compile(
    rf"</?(?:i|b|em|strong|sub|sup|u|sc|small|span|font|a){_ATTRIBUTES}", re.I
)
"""HTML in a BibTeX value: PLOS's and Drupal Biblio's exports put abstracts in ``<p>``."""
_ENTITY = re.compile(r"&(?:[A-Za-z]{2,8}|#\d{1,7}|#x[0-9A-Fa-f]{1,6});")


def sniff(text: str, suffix: str) -> bool:
    """BibTeX has an ``@type{`` (or ``@type(``) at the start of some line."""
    return _ENTRY_START.search(text) is not None


def _without_html(value: str) -> str:
    """The text of a value that holds HTML: Zotero's own export writes its rich-text tags as
    ``{\\textless}i{\\textgreater}``, PLOS's and Drupal Biblio's ``<p>...</p>`` and
    ``&amp;``. The tags go (a paragraph's as a space), their text stays."""
    if "textless" in value:
        value = _ZOTERO_TAG.sub("", value)
    if "<" in value:
        value = _HTML_INLINE.sub("", _HTML_BLOCK.sub(" ", value))
    if "&" in value and _ENTITY.search(value):
        value = html.unescape(value)
    return value


def _variant_title(fields: dict[str, str]) -> str | None:
    """biber's multiscript ``title_original``/``title_translated`` when there is no ``title``."""
    found = (value.strip() for name, value in fields.items() if name.startswith("title_"))
    return next((value for value in found if value), None)


def _entry(
    record: Record, display: str, problems: list[Problem], decode: fields_of.Decoder
) -> SourceEntry | None:
    fields = record.fields
    title = _without_html(fields.get("title", "")).strip() or _variant_title(fields)
    if title is not None and not any(char.isalnum() for char in title):
        title = None  # a template's "title = {{}: }" names nothing
    abstract = _without_html(fields.get("abstract", "")).strip()
    if title is None and not abstract:
        problems.append(
            skipped(display, record.line, f"{record.label} has neither title nor abstract")
        )
        return None
    doi = clean_doi(fields.get("doi", "")) or clean_doi(fields.get("url", ""))
    # Mendeley Desktop writes the reader's own tags in ``mendeley-tags`` (and most, not
    # always all, of them in ``keywords`` too).
    labels = f"{fields.get('keywords', '')},{fields.get('mendeley-tags', '')}"
    tags = (decode(word) for word in split_keywords(labels))
    return SourceEntry(
        ref=SourceRef(display, record.line),
        format=NAME,
        title=title,
        abstract=abstract,
        authors=fields_of.authors(fields.get("author", ""), decode),
        year=fields_of.year(fields),
        venue=fields_of.venue(fields, decode),
        doi=doi,
        arxiv=fields_of.arxiv(fields),
        url=fields_of.url(fields),
        tags=tuple(dict.fromkeys(tag for tag in tags if tag)),
    )


def _with_preamble_macros(
    records: Sequence[Record], libraries: Sequence[tuple[Library, str]]
) -> None:
    """Each record's fields with the macros of every file's ``@preamble`` (and the usual
    sorting macros) expanded, as LaTeX expands them: BibTeX passes all preambles on."""
    texts: list[str] = []
    for library, _ in libraries:
        for block in library.preambles:
            try:
                texts.append(resolve_value(str(block.value), {}, []))
            except MalformedValue:
                continue  # a broken preamble defines nothing sitegen can use
    macros = preamble_macros(texts)
    for record in records:
        for name, value in record.fields.items():
            if "\\" in value:
                record.fields[name] = expand(value, macros)


def parse(text: str, display: str) -> tuple[list[SourceEntry], list[Problem]]:
    """One entry per BibTeX entry; each malformed entry is a warning at its ``@`` line."""
    entries, problems, _ = parse_files([(text, display)])[0]
    return entries, problems


def parse_files(
    files: Sequence[tuple[str, str]],
) -> list[tuple[list[SourceEntry], list[Problem], bool]]:
    """Each of a project's BibTeX files (text, display name) read as BibTeX reads the
    files of one ``\\bibliography``: ``@string`` macros and ``crossref`` parents of one
    file serve the others (``project_strings``, ``with_crossrefs``). For each file: its
    entries, its problems, and whether it holds macros or volumes (entries that are no
    papers), which make a file that gives no papers no empty export.
    """
    problems: list[Problem] = []
    libraries: list[tuple[Library, str]] = []
    for text, display in files:
        try:
            repaired, unkeyed = with_key_commas(without_comments(text))
            library = parse_string(with_keys(repaired), parse_stack=[])
        except Exception as exc:  # bibtexparser reports its own bugs by raising; never crash
            said = f"could not read this BibTeX file: {exc}"
            problems.append(Problem(display, first_line(text), said))
            continue
        libraries.append((library, display))
        problems.extend(
            Problem(
                display,
                line,
                f"{label}: a comma is missing after the key; read as if it were there",
                Severity.WARNING,
            )
            for line, label in unkeyed
        )
    tables = project_strings(libraries, problems)
    records: list[Record] = []
    for (library, display), strings in zip(libraries, tables):
        records.extend(read_records(library, strings, display, problems))
    _with_preamble_macros(records, libraries)
    works = with_crossrefs(records, problems)
    kept = {id(record) for record in works}
    # A file of macros or volumes only (IEEEabrv.bib, a proceedings.bib) is no empty export.
    holding = {record.file for record in records if id(record) not in kept}
    holding.update(display for library, display in libraries if library.strings)
    decode = functools.cache(clean_plain)
    found: dict[str, list[SourceEntry]] = {}
    for record in works:
        entry = _entry(record, record.file, problems, decode)
        if entry is not None:
            found.setdefault(record.file, []).append(entry)
    by_file: dict[str, list[Problem]] = {}
    for problem in problems:
        by_file.setdefault(problem.file, []).append(problem)
    return [
        (
            found.get(display, []),
            sorted(by_file.get(display, []), key=lambda p: p.line or 0),
            display in holding,
        )
        for _, display in files
    ]
