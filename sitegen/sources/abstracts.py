"""Abstract dumps: every non-empty line is ``Abstract:<text>``, one untitled paper a line."""

from __future__ import annotations

import re

from sitegen.model import Problem, SourceEntry, SourceRef

NAME = "abstracts"
DESCRIPTION = "an abstract dump (every non-empty line starts with 'Abstract:')"
PREFIX = "Abstract:"
# Only real line breaks (daily listings split by it too): str.splitlines also splits at
# U+2028 and form feeds, which scraped abstracts may hold, and would then cut the abstract
# and misnumber later lines.
LINE_BREAK = re.compile(r"\r\n|\r|\n")


def sniff(text: str, suffix: str) -> bool:
    """An abstract dump's first non-empty line starts with ``Abstract:``."""
    for line in LINE_BREAK.split(text):
        if line.strip():
            return line.lstrip().startswith(PREFIX)
    return False


def parse(text: str, display: str) -> tuple[list[SourceEntry], list[Problem]]:
    """One untitled entry per ``Abstract:`` line; other non-empty lines are problems."""
    entries: list[SourceEntry] = []
    problems: list[Problem] = []
    for number, line in enumerate(LINE_BREAK.split(text), start=1):
        stripped = line.strip()
        if not stripped:
            continue
        if not stripped.startswith(PREFIX):
            problems.append(
                Problem(
                    display, number, f"expected a line starting with {PREFIX!r} in an abstract dump"
                )
            )
            continue
        abstract = stripped[len(PREFIX) :].strip()
        if not abstract:
            problems.append(Problem(display, number, "empty abstract after 'Abstract:'"))
            continue
        entries.append(
            SourceEntry(ref=SourceRef(display, number), format=NAME, title=None, abstract=abstract)
        )
    return entries, problems
