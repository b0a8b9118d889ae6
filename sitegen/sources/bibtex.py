"""BibTeX bibliographies, as Zotero, Better BibTeX, Google Scholar, DBLP and arXiv export them.

bibtexparser (v2) splits the file into blocks and gives each its line; field
values are resolved here rather than by its middlewares, so ``@string``
macros, month macros and ``#`` concatenation follow BibTeX's rules and a value
that does not parse is reported at its entry instead of read as garbage.
Titles and abstracts stay raw (the catalogue cleans them); names, venues and
keywords are decoded from LaTeX here, since nothing downstream does.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from bibtexparser import model as bib
from bibtexparser.entrypoint import parse_string
from bibtexparser.library import Library
from bibtexparser.middlewares.names import (
    InvalidNameError,
    parse_single_name_into_parts,
    split_multiple_persons_names,
)

from sitegen.clean import clean_plain
from sitegen.model import Problem, Severity, SourceEntry, SourceRef
from sitegen.sources.identifiers import (
    arxiv_id,
    arxiv_in_text,
    arxiv_in_volume,
    clean_doi,
    split_keywords,
    year_in,
)

NAME = "bibtex"
DESCRIPTION = "a BibTeX file (entries such as '@article{key,' or '@inproceedings{key,')"

# bibtexparser logs each broken block; those become Problems here, so keep its
# messages off stderr unless the application configures logging itself.
logging.getLogger("bibtexparser").addHandler(logging.NullHandler())

_ENTRY_START = re.compile(r"^[ \t]*@[ \t]*[A-Za-z]+[ \t]*[{(]", re.MULTILINE)
_MONTHS = {
    "jan": "January",
    "feb": "February",
    "mar": "March",
    "apr": "April",
    "may": "May",
    "jun": "June",
    "jul": "July",
    "aug": "August",
    "sep": "September",
    "oct": "October",
    "nov": "November",
    "dec": "December",
}
_MACRO = re.compile(r"[^\s\"#%'(),={}]+")
_NUMBER = re.compile(r"\d+")
_URL_COMMAND = re.compile(r"^\\url\{(.*)\}$", re.DOTALL)
_DBLP_HOMONYM = re.compile(r"\s+\d{4}$")
_CONTAINERS = frozenset(
    {
        "proceedings",
        "mvproceedings",
        "book",
        "mvbook",
        "collection",
        "mvcollection",
        "reference",
        "mvreference",
        "periodical",
    }
)
"""Entry types that are volumes: when another entry crossrefs one, it is not a paper itself."""
_INHERITED = ("booktitle", "year", "date", "journal", "journaltitle", "publisher", "series")
"""Fields a ``crossref`` child takes from its parent when it lacks them."""


class _Malformed(Exception):
    """A field value that BibTeX would not accept."""


def sniff(text: str, suffix: str) -> bool:
    """BibTeX has an ``@type{`` (or ``@type(``) at the start of some line."""
    return _ENTRY_START.search(text) is not None


def _braced(raw: str, start: int) -> int:
    """Index after the brace group opening at ``start``."""
    depth = 0
    for index in range(start, len(raw)):
        char = raw[index]
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                return index + 1
    raise _Malformed("a '{' is never closed")


def _quoted(raw: str, start: int) -> int:
    """Index after the quoted string opening at ``start`` (quotes inside braces do not end it)."""
    depth = 0
    for index in range(start + 1, len(raw)):
        char = raw[index]
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
        elif char == '"' and depth <= 0:
            return index + 1
    raise _Malformed("a '\"' is never closed")


def resolve_value(raw: str, strings: Mapping[str, str], warnings: list[str]) -> str:
    """A field value as BibTeX reads it: braces or quotes removed, macros expanded, ``#`` joined."""
    parts: list[str] = []
    position = 0
    expect_part = True
    while True:
        while position < len(raw) and raw[position].isspace():
            position += 1
        if position >= len(raw):
            break
        char = raw[position]
        if not expect_part:
            if char != "#":
                raise _Malformed(
                    f"unexpected {raw[position:].split()[0][:20]!r}; is a comma missing?"
                )
            position += 1
            expect_part = True
            continue
        if char == "{":
            end = _braced(raw, position)
            parts.append(raw[position + 1 : end - 1])
        elif char == '"':
            end = _quoted(raw, position)
            parts.append(raw[position + 1 : end - 1])
        else:
            match = _MACRO.match(raw, position)
            if match is None:
                raise _Malformed(f"unexpected {char!r}")
            end = match.end()
            word = match.group()
            if _NUMBER.fullmatch(word):
                parts.append(word)
            elif word.casefold() in strings:
                parts.append(strings[word.casefold()])
            elif word.casefold() in _MONTHS:
                parts.append(_MONTHS[word.casefold()])
            else:
                warnings.append(f"@string {word!r} is not defined; kept as written")
                parts.append(word)
        position = end
        expect_part = False
    if expect_part and parts:
        raise _Malformed("'#' is not followed by a value")
    return "".join(parts)


def _strings(library: Library, display: str, problems: list[Problem]) -> dict[str, str]:
    """``@string`` macros by lower-case name; later ones may use earlier ones."""
    strings: dict[str, str] = {}
    for block in library.strings:
        line = _line(block)
        warnings: list[str] = []
        try:
            strings[str(block.key).casefold()] = resolve_value(str(block.value), strings, warnings)
        except _Malformed as exc:
            problems.append(Problem(display, line, f"@string {block.key!r}: {exc}"))
        problems.extend(Problem(display, line, w, Severity.WARNING) for w in warnings)
    return strings


def _line(block: bib.Block) -> int:
    """1-based line of the block's ``@`` (bibtexparser counts from 0)."""
    return (block.start_line or 0) + 1


@dataclass
class _Record:
    """One entry: type, key, line and its resolved fields (lower-case names)."""

    type: str
    key: str
    line: int
    fields: dict[str, str]


def _record(
    entry: bib.Entry, line: int, strings: Mapping[str, str], display: str, problems: list[Problem]
) -> _Record | None:
    fields: dict[str, str] = {}
    label = f"@{entry.entry_type.lower()}{{{entry.key}}}"
    for item in entry.fields:
        name = str(item.key).strip().lower()
        if name in fields:
            problems.append(
                Problem(
                    display,
                    line,
                    f"{label}: field {name!r} is given twice; the first is used",
                    Severity.WARNING,
                )
            )
            continue
        warnings: list[str] = []
        try:
            fields[name] = resolve_value(str(item.value), strings, warnings)
        except _Malformed as exc:
            problems.append(
                Problem(display, line, f"{label}: field {name!r}: {exc}; entry skipped")
            )
            return None
        problems.extend(Problem(display, line, f"{label}: {w}", Severity.WARNING) for w in warnings)
    return _Record(entry.entry_type.lower(), str(entry.key), line, fields)


def _records(
    library: Library, strings: Mapping[str, str], display: str, problems: list[Problem]
) -> Iterator[_Record]:
    """Every usable entry in file order; broken blocks become problems."""
    for block in library.blocks:
        line = _line(block)
        if isinstance(block, bib.Entry):
            record = _record(block, line, strings, display, problems)
        elif isinstance(block, bib.DuplicateFieldKeyBlock) and isinstance(
            block.ignore_error_block, bib.Entry
        ):
            record = _record(block.ignore_error_block, line, strings, display, problems)
        elif isinstance(block, bib.DuplicateBlockKeyBlock) and isinstance(
            block.ignore_error_block, bib.Entry
        ):
            problems.append(
                Problem(
                    display,
                    line,
                    f"entry key {block.key!r} is used twice in this file; both entries are read",
                    Severity.WARNING,
                )
            )
            record = _record(block.ignore_error_block, line, strings, display, problems)
        elif isinstance(block, bib.ParsingFailedBlock):
            problems.append(Problem(display, line, _failure(block)))
            continue
        else:
            continue
        if record is not None:
            yield record


def _failure(block: bib.ParsingFailedBlock) -> str:
    """What went wrong in a block bibtexparser gave up on, in the user's terms."""
    raw = (block.raw or "").lstrip()
    head = re.match(r"@\s*(\w+)\s*[{(]\s*([^,\s]*)", raw)
    what = f"@{head.group(1).lower()}{{{head.group(2)}}}" if head else "entry"
    reason = str(getattr(block.error, "abort_reason", "") or block.error).strip()
    reason = re.sub(r"\s+", " ", reason).rstrip(".")
    reason = f": {reason}" if reason else ""
    return f"malformed BibTeX {what}{reason}; entry skipped"


def _with_crossrefs(records: list[_Record], display: str, problems: list[Problem]) -> list[_Record]:
    """Children take missing venue and year fields from their ``crossref`` parent.

    A parent volume (``@proceedings``, ``@book``) that some entry crossrefs is
    not itself a paper, as DBLP's exports would otherwise suggest.
    """
    by_key: dict[str, _Record] = {}
    for record in records:
        by_key.setdefault(record.key.casefold(), record)
    parents: set[int] = set()
    for record in records:
        target = record.fields.get("crossref", "").strip()
        if not target:
            continue
        parent = by_key.get(target.casefold())
        if parent is None or parent is record:
            problems.append(
                Problem(
                    display,
                    record.line,
                    f"@{record.type}{{{record.key}}}: crossref {target!r} names no entry "
                    "in this file",
                    Severity.WARNING,
                )
            )
            continue
        if parent.type in _CONTAINERS:
            parents.add(id(parent))
        for name in _INHERITED:
            if name not in record.fields and name in parent.fields:
                record.fields[name] = parent.fields[name]
        if "booktitle" not in record.fields and "title" in parent.fields:
            record.fields["booktitle"] = parent.fields["title"]
    return [record for record in records if id(record) not in parents]


class _Decoder:
    """LaTeX to plain text for names, venues and keywords, each distinct text decoded once.

    pylatexenc takes about a millisecond a name; a bibliography repeats its authors
    and venues, so one parse remembers what it decoded.
    """

    def __init__(self) -> None:
        self.seen: dict[str, str] = {}

    def __call__(self, text: str) -> str:
        found = self.seen.get(text)
        if found is None:
            found = self.seen[text] = clean_plain(text)
        return found


def _person(raw: str, decode: _Decoder) -> str | None:
    """One author as ``Given von Family, Jr.``, decoded from LaTeX; None for ``others``."""
    if raw.strip().casefold() == "others":
        return None
    try:
        parts = parse_single_name_into_parts(raw, strict=False)
        words = [*parts.first, *parts.von, *parts.last]
        name = " ".join(words) + (", " + " ".join(parts.jr) if parts.jr else "")
    except InvalidNameError:
        name = raw
    name = _DBLP_HOMONYM.sub("", decode(name))
    return name or None


def _authors(value: str, decode: _Decoder) -> tuple[str, ...]:
    try:
        names = split_multiple_persons_names(value)
    except InvalidNameError:
        names = [value]
    found = (_person(name, decode) for name in names)
    return tuple(dict.fromkeys(name for name in found if name))


def _text(fields: Mapping[str, str], decode: _Decoder, *names: str) -> str | None:
    """The first non-empty field among ``names``, decoded to plain text."""
    for name in names:
        value = fields.get(name, "")
        if value.strip():
            return decode(value) or None
    return None


def _arxiv(fields: Mapping[str, str]) -> str | None:
    prefix = (fields.get("archiveprefix") or fields.get("eprinttype") or "").strip().casefold()
    eprint = fields.get("eprint", "")
    if eprint and prefix in ("arxiv", ""):
        found = arxiv_id(eprint)
        if found:
            return found
    for name in ("arxiv", "arxivid"):
        found = arxiv_id(fields.get(name, ""))
        if found:
            return found
    for name in ("url", "doi", "journal", "note", "howpublished", "eprint"):
        found = arxiv_in_text(fields.get(name, ""))
        if found:
            return found
    return arxiv_in_volume(fields.get("volume", ""))


def _venue(fields: Mapping[str, str], decode: _Decoder) -> str | None:
    journal = _text(fields, decode, "journal", "journaltitle")
    if journal and arxiv_in_text(journal):
        # Google Scholar's "arXiv preprint arXiv:2406.01234" names the archive, not a journal.
        return "arXiv"
    venue = journal or _text(fields, decode, "booktitle")
    if venue:
        return venue
    prefix = (fields.get("archiveprefix") or fields.get("eprinttype") or "").strip().casefold()
    if prefix == "arxiv":
        return "arXiv"
    return _text(fields, decode, "publisher", "institution", "school")


def _url(fields: Mapping[str, str]) -> str | None:
    for name in ("url", "howpublished"):
        value = fields.get(name, "").strip()
        match = _URL_COMMAND.match(value)
        value = match.group(1).strip() if match else value
        if value.startswith(("http://", "https://")):
            return value
    return None


def _year(fields: Mapping[str, str]) -> int | None:
    for name in ("year", "date", "issued"):
        found = year_in(fields.get(name, ""))
        if found:
            return found
    return None


def _entry(
    record: _Record, display: str, problems: list[Problem], decode: _Decoder
) -> SourceEntry | None:
    fields = record.fields
    title = fields.get("title", "").strip() or None
    abstract = fields.get("abstract", "").strip()
    if title is None and not abstract:
        problems.append(
            Problem(
                display,
                record.line,
                f"@{record.type}{{{record.key}}} has neither title nor abstract; skipped",
                Severity.WARNING,
            )
        )
        return None
    doi = clean_doi(fields.get("doi", "")) or clean_doi(fields.get("url", ""))
    arxiv = _arxiv(fields)
    tags = (decode(word) for word in split_keywords(fields.get("keywords", "")))
    return SourceEntry(
        ref=SourceRef(display, record.line),
        format=NAME,
        title=title,
        abstract=abstract,
        authors=_authors(fields.get("author", ""), decode),
        year=_year(fields),
        venue=_venue(fields, decode),
        doi=doi,
        arxiv=arxiv,
        url=_url(fields),
        tags=tuple(dict.fromkeys(tag for tag in tags if tag)),
    )


def parse(text: str, display: str) -> tuple[list[SourceEntry], list[Problem]]:
    """One entry per BibTeX entry; each malformed entry is a problem at its ``@`` line."""
    problems: list[Problem] = []
    try:
        library = parse_string(text, parse_stack=[])
    except Exception as exc:  # bibtexparser reports its own bugs by raising; never crash a build
        return [], [Problem(display, None, f"could not read this BibTeX file: {exc}")]
    strings = _strings(library, display, problems)
    records = _with_crossrefs(
        list(_records(library, strings, display, problems)), display, problems
    )
    decode = _Decoder()
    entries = [entry for record in records if (entry := _entry(record, display, problems, decode))]
    problems.sort(key=lambda p: p.line or 0)
    return entries, problems
