"""Digests taken with the previous build's tokens (``sitegen serve``) equal fresh ones.

A digest that kept an old hash would leave a stale page on disk: an incremental
build would skip a page whose content changed.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from sitegen.digest import Digester


@dataclass(frozen=True)
class Item:
    name: str
    score: int


def _items(count: int) -> tuple[Item, ...]:
    return tuple(Item(f"paper {i}", i) for i in range(count))


def test_a_long_tuple_with_one_item_replaced_hashes_as_a_fresh_digester_does() -> None:
    items = _items(1000)
    first = Digester()
    before = first.digest(items)
    edited = (*items[:500], replace(items[500], score=-1), *items[501:])
    kept = Digester(first).digest(edited)
    assert kept == Digester().digest(edited)
    assert kept != before
    assert Digester(first).digest(tuple(items)) == before  # same objects, new tuple


def test_mutable_items_of_a_long_list_are_hashed_again() -> None:
    rows = [{"title": f"paper {i}", "votes": i} for i in range(200)]
    first = Digester()
    before = first.digest(list(rows))
    rows[70]["votes"] = -1  # the same dict object, changed
    again = Digester(first).digest(list(rows))
    assert again == Digester().digest(list(rows)) != before
