"""Sequences in pieces: the big exports' text, and template rows in batches.

A big export (``papers.json``, ``papers.bib``, ``papers.csl.json``) is streamed to
disk, never held whole; yielding it record by record costs a Python step and a
copy per record, so its records are joined a few hundred at a time (``joined``).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, TypeVar

GROUP = 256
"""Records per piece of a streamed export (about half a megabyte of ``papers.json``)."""

S = TypeVar("S", str, bytes)


def joined(parts: Iterable[S], separator: S) -> Iterator[S]:
    """``separator.join(parts)`` in pieces of ``GROUP`` parts, never held whole."""
    rest = iter(parts)
    first = True
    while group := list(itertools.islice(rest, GROUP)):
        text = separator.join(group)
        yield text if first else separator + text
        first = False


def slices(items: Iterable[Any], size: int) -> list[Sequence[Any]]:
    """``items`` in consecutive slices of ``size`` (the last may be shorter).

    The ``slices`` template filter: Jinja's ``batch`` moves items one by one; slicing
    a sequence is one step per slice, which counts for a topic page of 4,000 rows in
    batches of 64.
    """
    sequence = items if isinstance(items, (list, tuple)) else list(items)
    return [sequence[start : start + size] for start in range(0, len(sequence), size)]
