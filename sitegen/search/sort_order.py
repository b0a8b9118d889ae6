"""The orders Pagefind 1.5.2 gives its sorts, made again from the records' values.

Pagefind keeps no sort value in a bundle, only each sort's pages in order: a
splice (``splice.py``) puts new pages in by ordering every page again from the
values the records gave (``SearchRecord.sorts``), as Pagefind's ``build_indexes``
does: a sort whose every value parses as a number is ordered by its ``f32``
value (``total_cmp``), else by string; ``sort_by`` is stable, so pages of equal
values stay in page order. ``check_sorts`` then asks that the order keep the
orders Pagefind gave the old pages and the new ones.
"""

from __future__ import annotations

import re
import struct
from collections.abc import Sequence

from sitegen.search.records import SearchRecord

_NUMBER = re.compile(r"[0-9]+(\.[0-9]+)?")
_NUMBER_LIKE = re.compile(r"[+-]?[0-9.]+([eE][+-]?[0-9]+)?|[+-]?(inf|infinity|nan)", re.IGNORECASE)


def _number(value: str) -> int | None:
    """The order key Pagefind gives a sort value it reads as a number (an ``f32`` in
    ``total_cmp`` order), None if it reads it as a string."""
    if _NUMBER.fullmatch(value) is None:
        if _NUMBER_LIKE.fullmatch(value) is not None:
            raise ValueError(f"sort value {value!r}: Pagefind may read it as a number")
        return None
    bits: int = struct.unpack("<i", struct.pack("<f", float(value)))[0]
    return bits ^ (((bits >> 31) & 0xFFFFFFFF) >> 1)


def sort_order(records: Sequence[SearchRecord]) -> dict[str, list[int]]:
    """Each sort's pages in order, as Pagefind 1.5.2 orders them: by number if every
    value of the sort is one, else by string, pages of equal values in page order."""
    values: dict[str, list[tuple[int, str]]] = {}
    for number, record in enumerate(records):
        for name, value in record.sorts:
            values.setdefault(name, []).append((number, value))
    orders = {}
    for name, found in values.items():
        numbers = [_number(value) for _, value in found]
        if all(key is not None for key in numbers):
            ranked = sorted(range(len(found)), key=lambda at: numbers[at] or 0)
        else:
            ranked = sorted(range(len(found)), key=lambda at: found[at][1])
        orders[name] = [found[at][0] for at in ranked]
    return orders


def check_sorts(
    sorts: dict[str, list[int]],
    old: dict[str, list[int]],
    renumber: list[int],
    fresh: dict[str, list[int]],
    placed: list[int],
) -> None:
    """The sort orders made from the records' values must keep the orders Pagefind
    gave the old pages and the new ones."""
    for name in set(sorts) | set(old) | set(fresh):
        order = sorts.get(name, [])
        kept = [renumber[page] for page in old.get(name, []) if renumber[page] >= 0]
        made = [placed[page] for page in fresh.get(name, [])]
        for pages in (kept, made):
            among = set(pages)
            if [page for page in order if page in among] != pages:
                raise ValueError(f"sort {name}: the values do not give Pagefind's order")
