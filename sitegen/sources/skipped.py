"""How a seed reader reports an entry it cannot use.

One bad entry must never block a site built from thousands of good ones: an entry
that is skipped is a warning naming its ``file:line`` and what is wrong (``--strict``
makes warnings errors). Only a file that cannot be read at all is an error.
"""

from __future__ import annotations

from sitegen.model import Problem, Severity


def skipped(file: str, line: int | None, message: str) -> Problem:
    """A warning that the entry at ``file:line`` was skipped, and why."""
    return Problem(file, line, f"{message}; entry skipped", Severity.WARNING)


def first_line(text: str) -> int:
    """The number of a text's first non-blank line: where a problem with the whole file is."""
    return text[: len(text) - len(text.lstrip())].count("\n") + 1
