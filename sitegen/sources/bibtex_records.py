"""BibTeX entries as records: each block bibtexparser found, its line and resolved fields.

Broken blocks and values become warnings at the entry's ``@`` line and the entry
is skipped (``sitegen.sources.skipped``); each warning is given once per entry.
``%`` comments outside field values are ignored, as biber ignores them.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from bibtexparser import model as bib
from bibtexparser.entrypoint import parse_string
from bibtexparser.library import Library

from sitegen.model import Problem, Severity
from sitegen.sources.bibtex_values import (
    MalformedValue,
    block_line,
    resolve_value,
    split_at_fields,
)
from sitegen.sources.skipped import skipped

_ENTRY_HEAD = re.compile(r"^[ \t]*@[ \t]*[A-Za-z]+[ \t]*([{(])", re.MULTILINE)
_COMMENT_TOKENS = re.compile(r"\\.|[{}\"()%]")
"""What ``without_comments`` looks at in an entry: escapes, delimiters and ``%``."""
_KEYLESS = re.compile(
    r"^([ \t]*@[ \t]*(?!(?:string|preamble|comment)\b)[A-Za-z]+[ \t]*[{(])(?=\s*[A-Za-z][\w-]*\s*=)",
    re.MULTILINE | re.IGNORECASE,
)
"""An entry without a key, its first field right after the brace: EndNote writes these."""
_KEY_WITHOUT_COMMA = re.compile(
    r"^([ \t]*@[ \t]*(?!(?:string|preamble|comment)\b)[A-Za-z]+[ \t]*[{(][ \t]*[^\s,{}()=\"#%]+)"
    r"(?=[ \t]*\n[ \t]*[A-Za-z][\w-]*[ \t]*=)",
    re.MULTILINE | re.IGNORECASE,
)
"""An entry's key with no comma after it, its first field on the next line."""
_REPEATED = {"keywords": ", ", "annote": "\n\n"}
"""Fields that exporters give once per value, and the separator that joins their values."""


def without_comments(text: str) -> str:
    """The text without the ``%`` comments biber ignores (line numbers kept).

    biber reads ``%`` to the end of the line as a comment outside field values: a line
    commented out between entries or fields, or a note after a field
    (``year = 2020, % accepted``). Inside a braced or quoted value a ``%`` is text,
    even at the start of a line: an abstract wrapped before ``% of the cases`` keeps it.
    Each entry is read from its ``@`` line on, so one left unclosed cannot hide the
    comments after it.
    """
    if "%" not in text:
        return text
    bounds = [0, *(match.start() for match in _ENTRY_HEAD.finditer(text)), len(text)]
    chunks = (text[start:end] for start, end in itertools.pairwise(bounds))
    return "".join(_entry_without_comments(chunk) if "%" in chunk else chunk for chunk in chunks)


def _entry_without_comments(text: str) -> str:
    """``without_comments`` of one entry, from its ``@`` line to the next (or of the text
    before the first entry)."""
    head = _ENTRY_HEAD.match(text)
    entry = head is not None
    level = depth = 1 if head is not None and head.group(1) == "{" else 0
    # ``level``: the depth at which the entry's fields are (1 in @type{...}, 0 in @type(...)).
    quoted = False
    pieces: list[str] = []
    kept = position = head.end() if head is not None else 0
    pieces.append(text[:kept])
    last = text.rfind("%")
    while (match := _COMMENT_TOKENS.search(text, position, last + 1)) is not None:
        token = match.group()
        position = match.end()
        if token == "{":
            depth += 1
        elif token == "}":
            depth = max(depth - 1, 0)
            entry = entry and depth >= level
        elif token == ")":
            entry = entry and not (level == 0 and depth == 0 and not quoted)
        elif token == '"':
            quoted = quoted != (entry and depth == level)
        elif token == "%" and _is_comment(text, match.start(), entry, depth == level, quoted):
            pieces.append(text[kept : match.start()])
            end = text.find("\n", position)
            position = kept = len(text) if end < 0 else end
    pieces.append(text[kept:])
    return "".join(pieces)


def _is_comment(text: str, at: int, entry: bool, between_fields: bool, quoted: bool) -> bool:
    """Whether the ``%`` at ``at`` starts a comment: outside every value, and inside an
    entry only after a space or comma (a key such as ``a%b`` keeps its ``%``)."""
    if not entry:
        return True
    return between_fields and not quoted and (at == 0 or text[at - 1] in " \t\n,")


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


def with_key_commas(text: str) -> tuple[str, list[tuple[int, str]]]:
    """The text with the comma put back after each entry's key that lacks one (line numbers
    kept), and the line and ``@type{key}`` of those entries: a hand-edit's slip, not a
    reason to lose the paper."""
    lines: list[tuple[int, str]] = []
    counted = [0, 1]

    def comma(match: re.Match[str]) -> str:
        counted[1] += text.count("\n", counted[0], match.start())
        counted[0] = match.start()
        kind, key = re.split(r"[{(]", re.sub(r"\s+", "", match.group(1))[1:], maxsplit=1)
        lines.append((counted[1], f"@{kind.lower()}{{{key}}}"))
        return match.group(1) + ","

    return _KEY_WITHOUT_COMMA.sub(comma, text), lines


@dataclass
class Record:
    """One entry: type, key, line and its resolved fields (lower-case names)."""

    type: str
    key: str
    line: int
    fields: dict[str, str]
    file: str = ""
    """The seed file it is in, as the user knows it (``file:line`` of its warnings)."""

    @property
    def label(self) -> str:
        """``@type{key}``, as the entry starts."""
        return f"@{self.type}{{{self.key}}}"


def _record(
    entry: bib.Entry, line: int, strings: Mapping[str, str], display: str, problems: list[Problem]
) -> Record | None:
    record = Record(entry.entry_type.lower(), str(entry.key), line, {}, display)
    seen: set[str] = set()

    def warn(message: str) -> None:  # each message once
        if message not in seen:
            seen.add(message)
            problems.append(Problem(display, line, message, Severity.WARNING))

    for item in entry.fields:
        name = str(item.key).strip().lower()
        warnings: list[str] = []
        if name in record.fields:
            try:
                again = resolve_value(str(item.value), strings, warnings)
            except MalformedValue:
                again = None
            if name in _REPEATED:  # Elsevier's one keyword a field, Zotero's one note a field
                record.fields[name] += _REPEATED[name] + (again or "")
            elif again != record.fields[name]:
                warn(f"{record.label}: field {name!r} is given twice; the first is used")
            continue
        try:
            record.fields[name] = resolve_value(str(item.value), strings, warnings)
        except MalformedValue as exc:
            warnings.clear()  # what the failed reading said is no longer so
            repaired = _repaired(name, str(item.value), strings, warnings)
            if repaired is None:
                problems.append(skipped(display, line, f"{record.label}: field {name!r}: {exc}"))
                return None
            fields, slip = repaired
            for found, value in fields:
                record.fields.setdefault(found, value)
            warn(f"{record.label}: {slip}")
        for message in warnings:
            warn(f"{record.label}: {message}")
    return record


def _repaired(
    name: str, raw: str, strings: Mapping[str, str], warnings: list[str]
) -> tuple[list[tuple[str, str]], str] | None:
    """The fields of a value BibTeX would refuse for a hand-edit's slip, each resolved, and
    the slip; None when it is no such slip. The slips: the comma after a value forgotten
    (``title = {A}`` then ``author = {B},`` on the next line: the value swallowed the
    field) or typed full-width (``，``), and a value in a word processor's curly quotes."""
    value = raw.strip()
    try:
        if len(value) > 1 and value[0] in "\u201c\u201e" and value[-1] == "\u201d":
            resolved = resolve_value("{" + value[1:-1] + "}", strings, warnings)
            slip = f'field {name!r} is in curly quotes (“...”), not "...": read as if straight'
            return [(name, resolved)], slip
        pieces = split_at_fields(raw) or [("", raw)]
        # A CJK input method types the full-width comma: "title = {古今数学思想}，".
        wide = any(v.rstrip().endswith("\uff0c") for _, v in pieces)
        if len(pieces) == 1 and not wide:
            return None
        fields = [
            (
                found.lower() or name,
                resolve_value(v.rstrip().removesuffix("\uff0c"), strings, warnings),
            )
            for found, v in pieces
        ]
        if wide:
            return fields, f"field {name!r} ends with a full-width comma (，): read as ','"
        return fields, f"a comma is missing after field {name!r}; read as if it were there"
    except MalformedValue:
        return None


def read_records(
    library: Library, strings: Mapping[str, str], display: str, problems: list[Problem]
) -> Iterator[Record]:
    """Every usable entry in file order; broken blocks become warnings.

    An entry given again word for word under the same key is read once: DBLP's "with
    crossref" exports, pasted one paper at a time, repeat the volume's ``@proceedings``
    after each of its papers. Two different entries under one key (Google Scholar's
    ``he2016deep`` for two papers pasted into one file) are both read, silently too:
    sitegen keys papers by their titles, so only a ``crossref`` to that key is in doubt
    (``with_crossrefs`` says so).
    """
    first: dict[str, Record] = {}
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
            found: list[Problem] = []
            record = _record(block.ignore_error_block, line, strings, display, found)
            earlier = first.get(str(block.key))
            if record is not None and earlier is not None and same_entry(record, earlier):
                continue
            problems.extend(found)  # both are read: sitegen keys papers by title, not key
        elif isinstance(block, bib.ParsingFailedBlock):
            if _NOT_ENTRY.match(block.raw or ""):
                continue  # a broken @comment or @preamble holds no paper
            repaired = _closed(block)
            if repaired is None:
                problems.append(skipped(display, line, _failure(block)))
                continue
            closed, how = repaired
            said = f"@{closed.entry_type.lower()}{{{closed.key}}} {how}"
            problems.append(Problem(display, line, said, Severity.WARNING))
            record = _record(closed, line, strings, display, problems)
        else:
            continue
        if record is not None:
            first.setdefault(record.key, record)
            yield record


def same_entry(record: Record, other: Record) -> bool:
    """Whether two entries are one entry written twice (the same type and fields)."""
    return record.type == other.type and record.fields == other.fields


_NOT_ENTRY = re.compile(r"\s*@\s*(?:comment|preamble)\b", re.IGNORECASE)


def _closed(block: bib.ParsingFailedBlock) -> tuple[bib.Entry, str] | None:
    """The entry a failed block holds when only its closing brace is missing (the next
    ``@`` or the end of the file came first), or is a ``)`` (``@article{k, ...)``), and
    what was wrong: a forgotten or mistyped ``}`` must not lose a paper."""
    raw = (block.raw or "").rstrip()
    if not raw.startswith("@") or "\n@" in raw:
        return None
    closer = ")" if re.match(r"@\s*\w+\s*\(", raw) else "}"
    how = "is never closed; read as if it ended after its last field"
    if closer == "}" and raw.endswith(")"):
        raw, how = raw[:-1], "ends with ')' instead of '}'; read as if it were '}'"
    try:
        blocks = parse_string(raw + "\n" + closer, parse_stack=[]).blocks
    except Exception:  # bibtexparser reports its own bugs by raising
        return None
    if len(blocks) == 1 and isinstance(blocks[0], bib.Entry):
        return blocks[0], how
    return None


def _failure(block: bib.ParsingFailedBlock) -> str:
    """What went wrong in a block bibtexparser gave up on, in the user's terms."""
    raw = (block.raw or "").lstrip()
    head = re.match(r"@\s*(\w+)\s*[{(]\s*([^,\s]*)", raw)
    what = f"@{head.group(1).lower()}{{{head.group(2)}}}" if head else "entry"
    reason = str(getattr(block.error, "abort_reason", "") or block.error).strip()
    reason = re.sub(r"\s+", " ", reason).rstrip(".")
    reason = f": {reason}" if reason else ""
    return f"malformed BibTeX {what}{reason}"
