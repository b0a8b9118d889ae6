"""BibTeX entries as records: each block bibtexparser found, its line and resolved fields.

Broken blocks and values become warnings at the entry's ``@`` line and the entry
is skipped (``sitegen.sources.skipped``); each warning is given once per entry.
Lines commented out with ``%`` are ignored, as biber ignores them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from bibtexparser import model as bib
from bibtexparser.entrypoint import parse_string
from bibtexparser.library import Library

from sitegen.model import Problem, Severity
from sitegen.sources.bibtex_values import MalformedValue, block_line, resolve_value
from sitegen.sources.skipped import skipped

_COMMENT_LINE = re.compile(r"^[ \t]*%[^\r\n]*", re.MULTILINE)
"""A line commented out with ``%``, as biber ignores it."""
_KEYLESS = re.compile(
    r"^([ \t]*@[ \t]*(?!(?:string|preamble|comment)\b)[A-Za-z]+[ \t]*[{(])(?=\s*[A-Za-z][\w-]*\s*=)",
    re.MULTILINE | re.IGNORECASE,
)
"""An entry without a key, its first field right after the brace: EndNote writes these."""
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


def without_comment_lines(text: str) -> str:
    """The text with every line that starts with ``%`` emptied (line numbers kept)."""
    return _COMMENT_LINE.sub("", text)


def with_keys(text: str) -> str:
    """The text with a key given to each entry written without one (line numbers kept).

    BibTeX itself would read the first field's name as the key and fail on the ``=``;
    the entry is still a paper its reader wants, and sitegen keys papers by title.
    """

    counted = [0, 1]  # offset counted up to, and the line there: one pass however many

    def key(match: re.Match[str]) -> str:
        counted[1] += text.count("\n", counted[0], match.start())
        counted[0] = match.start()
        return f"{match.group(1)}no key at line {counted[1]},"

    return _KEYLESS.sub(key, text)


@dataclass
class Record:
    """One entry: type, key, line and its resolved fields (lower-case names)."""

    type: str
    key: str
    line: int
    fields: dict[str, str]

    @property
    def label(self) -> str:
        """``@type{key}``, as the entry starts."""
        return f"@{self.type}{{{self.key}}}"


def _record(
    entry: bib.Entry, line: int, strings: Mapping[str, str], display: str, problems: list[Problem]
) -> Record | None:
    record = Record(entry.entry_type.lower(), str(entry.key), line, {})
    seen: set[str] = set()

    def warn(message: str) -> None:  # each message once
        if message not in seen:
            seen.add(message)
            problems.append(Problem(display, line, message, Severity.WARNING))

    for item in entry.fields:
        name = str(item.key).strip().lower()
        if name in record.fields:
            warn(f"{record.label}: field {name!r} is given twice; the first is used")
            continue
        warnings: list[str] = []
        try:
            record.fields[name] = resolve_value(str(item.value), strings, warnings)
        except MalformedValue as exc:
            problems.append(skipped(display, line, f"{record.label}: field {name!r}: {exc}"))
            return None
        for message in warnings:
            warn(f"{record.label}: {message}")
    return record


def read_records(
    library: Library, strings: Mapping[str, str], display: str, problems: list[Problem]
) -> Iterator[Record]:
    """Every usable entry in file order; broken blocks become warnings."""
    for block in library.blocks:
        line = block_line(block)
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
            if _NOT_ENTRY.match(block.raw or ""):
                continue  # a broken @comment or @preamble holds no paper
            closed = _closed(block)
            if closed is None:
                problems.append(skipped(display, line, _failure(block)))
                continue
            problems.append(
                Problem(
                    display,
                    line,
                    f"@{closed.entry_type.lower()}{{{closed.key}}} is never closed; "
                    "read as if it ended after its last field",
                    Severity.WARNING,
                )
            )
            record = _record(closed, line, strings, display, problems)
        else:
            continue
        if record is not None:
            yield record


_NOT_ENTRY = re.compile(r"\s*@\s*(?:comment|preamble)\b", re.IGNORECASE)


def _closed(block: bib.ParsingFailedBlock) -> bib.Entry | None:
    """The entry a failed block holds when only its closing brace is missing (the next
    ``@`` or the end of the file came first): a forgotten ``}`` must not lose a paper."""
    raw = (block.raw or "").rstrip()
    if not raw.startswith("@") or "\n@" in raw:
        return None
    closer = ")" if re.match(r"@\s*\w+\s*\(", raw) else "}"
    try:
        blocks = parse_string(raw + "\n" + closer, parse_stack=[]).blocks
    except Exception:  # bibtexparser reports its own bugs by raising
        return None
    return blocks[0] if len(blocks) == 1 and isinstance(blocks[0], bib.Entry) else None


def _failure(block: bib.ParsingFailedBlock) -> str:
    """What went wrong in a block bibtexparser gave up on, in the user's terms."""
    raw = (block.raw or "").lstrip()
    head = re.match(r"@\s*(\w+)\s*[{(]\s*([^,\s]*)", raw)
    what = f"@{head.group(1).lower()}{{{head.group(2)}}}" if head else "entry"
    reason = str(getattr(block.error, "abort_reason", "") or block.error).strip()
    reason = re.sub(r"\s+", " ", reason).rstrip(".")
    reason = f": {reason}" if reason else ""
    return f"malformed BibTeX {what}{reason}"


_NOT_PAPERS = frozenset({"xdata", "set"})
"""biblatex's field containers (``@xdata``) and groups of entries (``@set``): not papers."""


def _parent(
    record: Record, target: str, by_key: dict[str, Record], display: str, problems: list[Problem]
) -> Record | None:
    parent = by_key.get(target.strip().casefold())
    if parent is None or parent is record:
        problems.append(
            Problem(
                display,
                record.line,
                f"{record.label}: crossref {target.strip()!r} names no entry in this file",
                Severity.WARNING,
            )
        )
        return None
    return parent


def with_crossrefs(records: list[Record], display: str, problems: list[Problem]) -> list[Record]:
    """Children take missing venue and year fields from their ``crossref`` parent, and
    any missing field from the biblatex ``@xdata`` entries they name.

    A parent volume (``@proceedings``, ``@book``) that some entry crossrefs is
    not itself a paper, as DBLP's exports would otherwise suggest; nor are
    ``@xdata`` and ``@set`` entries.
    """
    by_key: dict[str, Record] = {}
    for record in records:
        by_key.setdefault(record.key.casefold(), record)
    children: dict[int, int] = {}  # a volume's id -> how many entries crossref it
    for record in records:
        for target in record.fields.get("xdata", "").split(","):
            source = _parent(record, target, by_key, display, problems) if target.strip() else None
            for name, value in source.fields.items() if source else ():
                record.fields.setdefault(name, value)
        target = record.fields.get("crossref", "").strip()
        parent = _parent(record, target, by_key, display, problems) if target else None
        if parent is None:
            continue
        if parent.type in _CONTAINERS:
            children[id(parent)] = children.get(id(parent), 0) + 1
        for name in _INHERITED:
            if name not in record.fields and name in parent.fields:
                record.fields[name] = parent.fields[name]
        if "booktitle" not in record.fields and "title" in parent.fields:
            record.fields["booktitle"] = parent.fields["title"]
    for record in records:
        if id(record) in children:
            count = children[id(record)]
            which = (
                "1 entry crossrefs: read as its"
                if count == 1
                else f"{count} entries crossref: read as their"
            )
            message = f"{record.label} is the volume that {which} venue, not as a paper"
            problems.append(Problem(display, record.line, message, Severity.WARNING))
    return [r for r in records if id(r) not in children and r.type not in _NOT_PAPERS]
