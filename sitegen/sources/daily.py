"""Daily-papers listing dumps: header lines, a date line, then title/abstract pairs."""

from __future__ import annotations

import re

from sitegen.model import Problem, SourceEntry, SourceRef
from sitegen.sources.abstracts import LINE_BREAK

NAME = "daily"
DESCRIPTION = (
    "a daily-papers listing (header lines such as 'Get trending papers in your email inbox!', "
    "a date line like 'Mar 17', then title and abstract lines)"
)

HEADER_LINES = frozenset(
    {
        "new",
        "get trending papers in your email inbox!",
        "subscribe",
        "byak and the research community",
    }
)
MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
MAX_TITLE = 300
"""Longest plausible title; a longer line where a title belongs is an abstract missing one."""
DATE_LINE = re.compile(r"^(?P<month>[A-Za-z]{3})[a-z]*\.?\s+(?P<day>\d{1,2})(?:,?\s+\d{4})?$")


def _listing_date(line: str) -> str | None:
    match = DATE_LINE.match(line.strip())
    if not match or match["month"].lower() not in MONTHS:
        return None
    day = int(match["day"])
    if not 1 <= day <= 31:
        return None
    return f"{MONTHS.index(match['month'].lower()) + 1:02d}-{day:02d}"


def sniff(text: str, suffix: str) -> bool:
    """A listing starts with the site's header lines or the date line."""
    for line in LINE_BREAK.split(text, maxsplit=40)[:40]:
        stripped = line.strip()
        if not stripped:
            continue
        if stripped.lower() in HEADER_LINES:
            continue
        return _listing_date(stripped) is not None
    return False


def parse(text: str, display: str) -> tuple[list[SourceEntry], list[Problem]]:
    """Titled entries from title line / abstract line pairs after the header and date."""
    entries: list[SourceEntry] = []
    problems: list[Problem] = []
    listed_on: str | None = None
    pending: tuple[int, str] | None = None
    in_header = True
    for number, line in enumerate(LINE_BREAK.split(text), start=1):
        stripped = line.strip()
        if not stripped:
            continue
        if in_header:
            if stripped.lower() in HEADER_LINES:
                continue
            date = _listing_date(stripped)
            if date is not None:
                listed_on = date
                in_header = False
                continue
            in_header = False
        if pending is None:
            date = _listing_date(stripped)
            if date is not None:
                listed_on = date
                continue
            if len(stripped) > MAX_TITLE:
                problems.append(
                    Problem(
                        display,
                        number,
                        f"expected a title line but found {len(stripped)} characters "
                        "(an abstract without its title?); add the title on the line before it",
                    )
                )
                continue
            pending = (number, stripped)
            continue
        title_line, title = pending
        pending = None
        entries.append(
            SourceEntry(
                ref=SourceRef(display, title_line),
                format=NAME,
                title=title,
                abstract=stripped,
                listed_on=listed_on,
            )
        )
    if pending is not None:
        problems.append(Problem(display, pending[0], "title line has no abstract line after it"))
    return entries, problems
