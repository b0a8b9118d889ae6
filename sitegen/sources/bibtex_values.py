"""BibTeX field values as BibTeX reads them: braces, quotes, ``@string`` macros and ``#``.

bibtexparser gives each field's raw text; resolving it here rather than with its
middlewares lets ``@string`` and month macros and concatenation follow BibTeX's
rules, and a value that does not parse is reported at its entry instead of read
as garbage.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

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


def block_line(block: bib.Block) -> int:
    """1-based line of the block's ``@`` (bibtexparser counts from 0)."""
    return (block.start_line or 0) + 1


def read_strings(library: Library, display: str, problems: list[Problem]) -> dict[str, str]:
    """``@string`` macros by lower-case name; later ones may use earlier ones."""
    strings: dict[str, str] = {}
    for block in library.strings:
        line = block_line(block)
        warnings: list[str] = []
        try:
            strings[str(block.key).casefold()] = resolve_value(str(block.value), strings, warnings)
        except MalformedValue as exc:
            warnings.append(f"@string {block.key!r}: {exc}; ignored")
        problems.extend(
            Problem(display, line, w, Severity.WARNING) for w in dict.fromkeys(warnings)
        )
    return strings
