"""BibTeX field values as BibTeX reads them: braces, quotes, ``@string`` macros and ``#``.

bibtexparser gives each field's raw text; resolving it here rather than with its
middlewares lets ``@string`` and month macros and concatenation follow BibTeX's
rules, and a value that does not parse is reported at its entry instead of read
as garbage.
"""

from __future__ import annotations

import re
from collections import ChainMap
from collections.abc import Iterator, Mapping, Sequence

from bibtexparser import model as bib
from bibtexparser.library import Library

from sitegen.model import Problem, Severity

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
_VALUE_TOKENS = re.compile(r'\\.|[{}"=]', re.DOTALL)
_FIELD_NAME = re.compile(r"\s([A-Za-z][\w:.+-]*)\s*$")
"""The name of a field before its ``=``, after the value a comma should have ended."""


MAX_EXPANSION = 1_000_000
"""Most characters ``@string`` macros may expand to in one value (a real one is a name)."""


class MalformedValue(Exception):
    """A field value that BibTeX would not accept."""


def _group_end(raw: str, start: int) -> int:
    """Index after the brace group or quoted string opening at ``start``.

    ``\\{`` and ``\\}`` are literal braces (LaTeX's escapes) and do not count; a quote
    inside braces does not end a quoted string.
    """
    quoted = raw[start] == '"'
    depth = 0
    index = start + 1 if quoted else start
    while index < len(raw):
        char = raw[index]
        if char == "\\":
            index += 2
            continue
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0 and not quoted:
                return index + 1
        elif char == '"' and quoted and depth <= 0:
            return index + 1
        index += 1
    raise MalformedValue("a '\"' is never closed" if quoted else "a '{' is never closed")


def resolve_value(raw: str, strings: Mapping[str, str], warnings: list[str]) -> str:
    """A field value as BibTeX reads it: braces or quotes removed, macros expanded, ``#`` joined."""
    parts: list[str] = []
    position = 0
    expanded = 0
    expect_part = True
    while True:
        while position < len(raw) and raw[position].isspace():
            position += 1
        if position >= len(raw):
            break
        char = raw[position]
        if not expect_part:
            if char != "#":
                raise MalformedValue(
                    f"unexpected {raw[position:].split()[0][:20]!r}; is a comma missing?"
                )
            position += 1
            expect_part = True
            continue
        if char in '{"':
            end = _group_end(raw, position)
            parts.append(raw[position + 1 : end - 1])
        else:
            match = _MACRO.match(raw, position)
            if match is None:
                raise MalformedValue(f"unexpected {char!r}")
            end = match.end()
            word = match.group()
            if _NUMBER.fullmatch(word):
                parts.append(word)
            elif word.casefold() in strings:
                parts.append(strings[word.casefold()])
                doubt = strings.doubt(word.casefold()) if isinstance(strings, Macros) else None
                if doubt:
                    warnings.append(doubt)
                expanded += len(parts[-1])
                if expanded > MAX_EXPANSION:
                    # @string{b = a # a}, @string{c = b # b}, ...: doubling 30 times is 2 GB.
                    raise MalformedValue(
                        f"@string macros expand to over {MAX_EXPANSION:,} characters"
                    )
            elif word.casefold() in _MONTHS:
                parts.append(_MONTHS[word.casefold()])
            else:
                warnings.append(f"@string {word!r} is not defined; kept as written")
                parts.append(word)
        position = end
        expect_part = False
    if expect_part and parts:
        raise MalformedValue("'#' is not followed by a value")
    return "".join(parts)


def split_at_fields(raw: str) -> list[tuple[str, str]] | None:
    """A value that holds the fields after it, a comma between them forgotten, split into
    ``[("", value), (name, value), ...]``; None when it holds no ``name =``.

    Outside braces and quotes no ``=`` belongs to a value, so each one there ends the
    value before the word in front of it.
    """
    pieces: list[tuple[str, str]] = []
    depth = start = 0
    name = ""
    quoted = False
    for match in _VALUE_TOKENS.finditer(raw):
        token = match.group()
        if token == "{":
            depth += 1
        elif token == "}":
            depth = max(depth - 1, 0)
        elif token == '"' and not depth:
            quoted = not quoted
        elif token == "=" and not depth and not quoted:
            head = _FIELD_NAME.search(raw, start, match.start())
            if head is None:
                return None
            pieces.append((name, raw[start : head.start()]))
            name, start = head.group(1), match.end()
    if not pieces:
        return None
    pieces.append((name, raw[start:]))
    return pieces


def block_line(block: bib.Block) -> int:
    """1-based line of the block's ``@`` (bibtexparser counts from 0)."""
    return (block.start_line or 0) + 1


class Macros(Mapping[str, str]):
    """The ``@string`` macros one BibTeX file's entries see: its own, then every other
    seed file's (``project_strings``), by lower-case name."""

    def __init__(self, own: dict[str, str], shared: dict[str, str], doubts: dict[str, str]):
        self._values = ChainMap(own, shared)
        self._own = own
        self._doubts = doubts
        self._told: set[str] = set()

    def __getitem__(self, name: str) -> str:
        return self._values[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def doubt(self, name: str) -> str | None:
        """Why the value of macro ``name`` may not be the one meant, the first time this
        file uses it: two other files define it differently."""
        if name in self._own or name not in self._doubts or name in self._told:
            return None
        self._told.add(name)
        return self._doubts[name]


def project_strings(files: Sequence[tuple[Library, str]], problems: list[Problem]) -> list[Macros]:
    """The ``@string`` macros each of a project's BibTeX files sees.

    Files are read in the order given (name order), as BibTeX reads the files of
    ``\\bibliography{IEEEabrv,papers}``: a macro's value may use macros defined before it,
    in its file or an earlier one. A file's entries see every file's macros (so a
    ``strings.bib`` read after ``papers.bib`` still serves it), its own first; of two
    other files defining a macro, the one read last wins, and a warning says so where
    a third file uses it.
    """
    shared: dict[str, str] = {}
    defined_at: dict[str, str] = {}
    doubts: dict[str, str] = {}
    own: list[dict[str, str]] = []
    for library, display in files:
        mine: dict[str, str] = {}
        for block in library.strings:
            line = block_line(block)
            name = str(block.key).casefold()
            warnings: list[str] = []
            try:
                mine[name] = resolve_value(str(block.value), ChainMap(mine, shared), warnings)
            except MalformedValue as exc:
                warnings.append(f"@string {block.key!r}: {exc}; ignored")
            else:
                earlier = defined_at.get(name, "")
                if shared.get(name, mine[name]) != mine[name] and not earlier.startswith(
                    f"{display}:"
                ):
                    doubts[name] = (
                        f"@string {str(block.key)!r} is defined differently in {earlier} and "
                        f"{display}:{line}; the last read in name order is used: keep one"
                    )
                defined_at[name] = f"{display}:{line}"
            problems.extend(
                Problem(display, line, w, Severity.WARNING) for w in dict.fromkeys(warnings)
            )
        shared.update(mine)
        own.append(mine)
    return [Macros(mine, shared, doubts) for mine in own]
