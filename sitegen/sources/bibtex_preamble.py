"""The macros a bibliography's ``@preamble`` defines, applied to its field values.

BibTeX hands the preamble to LaTeX, which defines the macros the entries then use. The
BibTeX manual's own example sorts Knuth's volumes with ``year = "{\\noopsort{1973c}}1981"``
after ``@preamble{"\\newcommand{\\noopsort}[1]{}"}``: LaTeX prints 1981, and so must a
reading list. Only definitions a plain substitution can honour are read (``\\newcommand``
and its kin with numbered arguments, ``\\def`` with ``#1#2`` parameters); the sorting
macros every BibTeX guide shows are known without a preamble, which usually lives in the
document rather than the ``.bib``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

_NEWCOMMAND = re.compile(
    r"\\(?:(?:re)?newcommand|providecommand|DeclareRobustCommand)\*?\s*"
    r"(?:\{\s*\\([A-Za-z]+)\s*\}|\\([A-Za-z]+))\s*(?:\[\s*(\d)\s*\])?\s*(\[)?"
)
_DEF = re.compile(r"\\[gex]?def\s*\\([A-Za-z]+)((?:#\d)*)\s*(?=\{)")
_USE = re.compile(r"(?<!\\)\\([A-Za-z]+)")
_PARAMETER = re.compile(r"#(\d)")
_GROUP = re.compile(r"\\.|[{}]", re.DOTALL)
_ROUNDS = 8
"""Expansions of expansions followed (a macro whose body uses another)."""
_MAX_LENGTH = 100_000
"""Characters past which a value is expanded no further (a definition that grows itself)."""


@dataclass(frozen=True, slots=True)
class Macro:
    """A macro's argument count and body (``#1`` ... ``#9`` where its arguments go)."""

    arguments: int
    body: str


SORTING_MACROS: Mapping[str, Macro] = {
    name: Macro(1, "") for name in ("noopsort", "SortNoop", "sortnoop", "noop")
}
"""The sorting macros of the BibTeX manual and its followers, each ``[1]{}``."""


def _group_end(text: str, start: int) -> int | None:
    """Index after the brace group opening at ``start``, or None when it never closes."""
    depth = 0
    for match in _GROUP.finditer(text, start):
        if match.group() == "{":
            depth += 1
        elif match.group() == "}":
            depth -= 1
            if depth == 0:
                return match.end()
    return None


def preamble_macros(preambles: Iterable[str]) -> dict[str, Macro]:
    """The macros the given preamble texts define, with the sorting macros."""
    macros = dict(SORTING_MACROS)
    for text in preambles:
        for match in _NEWCOMMAND.finditer(text):
            if match.group(4):  # an optional first argument: no plain substitution
                continue
            start = text.find("{", match.end())
            if start < 0 or text[match.end() : start].strip():
                continue
            end = _group_end(text, start)
            if end is not None:
                count = int(match.group(3) or 0)
                macros[match.group(1) or match.group(2)] = Macro(count, text[start + 1 : end - 1])
        for match in _DEF.finditer(text):
            end = _group_end(text, match.end())
            if end is not None:
                count = len(match.group(2)) // 2
                macros[match.group(1)] = Macro(count, text[match.end() + 1 : end - 1])
    return macros


def _arguments(value: str, position: int, count: int) -> tuple[list[str], int] | None:
    """``count`` arguments from ``position`` (a brace group or one character each), and
    the index after them; None when the value ends first."""
    arguments: list[str] = []
    while len(arguments) < count:
        while position < len(value) and value[position].isspace():
            position += 1
        if position >= len(value):
            return None
        if value[position] == "{":
            end = _group_end(value, position)
            if end is None:
                return None
            arguments.append(value[position + 1 : end - 1])
            position = end
        else:
            arguments.append(value[position])
            position += 1
    return arguments, position


def expand(value: str, macros: Mapping[str, Macro]) -> str:
    """``value`` with each use of a known macro replaced by its body, arguments put in."""
    for _ in range(_ROUNDS):
        if "\\" not in value or len(value) > _MAX_LENGTH:
            return value
        pieces: list[str] = []
        position = size = 0
        for match in _USE.finditer(value):
            macro = macros.get(match.group(1))
            if macro is None or match.start() < position:
                continue
            found = _arguments(value, match.end(), macro.arguments)
            if found is None:
                continue
            arguments, end = found

            def argument(parameter: re.Match[str], given: list[str] = arguments) -> str:
                index = int(parameter.group(1)) - 1
                return given[index] if 0 <= index < len(given) else ""

            pieces.append(value[position : match.start()])
            pieces.append(_PARAMETER.sub(argument, macro.body))
            size += len(pieces[-2]) + len(pieces[-1])
            if size > _MAX_LENGTH:  # a definition that multiplies itself: stop growing
                return value
            position = end
        if not pieces:
            return value
        value = "".join(pieces) + value[position:]
    return value
