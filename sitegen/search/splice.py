"""Splice a shard of the browser index: an edit to a few papers re-indexes those papers.

A shard made again whole costs Pagefind ~1 ms a record and its canonical form
as much again (1,700 records: ~2 s). When a few of its records changed since
the shard on disk was made, ``splice_shard`` runs Pagefind on those records
only (and on their previous versions, to learn whose postings differ), decodes
the shard's canonical files (``canonical.read_bundle``; only the word-index
chunks the changed words fall in, when no paper came or went), takes the old
pages out of the postings, filters and sorts, puts the new ones in (pages are
numbered in key order: a paper added or removed renumbers the ones after it),
and writes the shard with ``canonical.write_bundle``, the same writer a clean
build's shard goes through. Pagefind indexes each page on its own (its words,
locations, filters, fragment), so the decoded shard is the one a clean build
decodes, and its files are the same bytes.

What it was made from is kept in the stage cache (``ShardState``, written after
``shards.json``): the records' digests in page order, the meta file, and a token
of every file of the shard (path, size, time). Anything unexpected makes
``splice_shard`` answer None and the shard is made again whole: no state, a
state of another shard digest, chunk size or meta file (a killed run), a file
added, missing or altered, a file not named after its content, another
Pagefind format, more than one record in 20 changed, a sort order that values
do not explain, a fragment name of more than 7 digits (Pagefind lengthens names
on a collision, in page order).
"""

from __future__ import annotations

import bisect
import gzip
import hashlib
import json
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from sitegen.cache import StageCache
from sitegen.digest import code_signature
from sitegen.search.canonical import ENTRY, HASH_DIGITS, Bundle, read_bundle, write_bundle
from sitegen.search.records import SearchRecord
from sitegen.search.sort_order import check_sorts, sort_order
from sitegen.yamlfile import read_regular

SHARE = 20
"""A shard is spliced when at most one record in ``SHARE`` changed."""
Files = dict[str, bytes | None]
"""A shard's files by path; None: kept as the folder holds it."""


@dataclass(frozen=True)
class ShardState:
    """What a shard on disk was made from (kept in the stage cache)."""

    digest: str
    """The shard digest ``shards.json`` gives it."""
    locations: int
    """Postings per word-index chunk."""
    meta: str
    """Its meta file's hash, as ``pagefind-entry.json`` names it."""
    records: tuple[tuple[str, str], ...]
    """Each page's paper key and record digest, in page order."""
    files: str = ""
    """A token of every file's path, size and time once written (``folder_token``)."""


def _stage(name: str) -> str:
    return f"search-shard-{name}"


def _listing(folder: Path) -> dict[str, os.stat_result]:
    """Every file of ``folder`` by path within it, with its status."""
    found = {}
    for root, _, names in os.walk(folder):
        prefix = root[len(str(folder)) + 1 :].replace(os.sep, "/")
        for name in names:
            found[f"{prefix}/{name}" if prefix else name] = os.stat(os.path.join(root, name))
    return found


def folder_token(folder: Path, listing: Mapping[str, os.stat_result] | None = None) -> str:
    """Changes when a file of ``folder`` is added, removed or written."""
    listing = _listing(folder) if listing is None else listing
    lines = sorted(f"{path}\0{st.st_size}\0{st.st_mtime_ns}" for path, st in listing.items())
    return hashlib.blake2b("\n".join(lines).encode(), digest_size=16).hexdigest()


def load_state(stages: StageCache, name: str) -> ShardState | None:
    """The state kept for shard ``name``, if any."""
    state = stages.get(_stage(name), code_signature())
    return state if isinstance(state, ShardState) else None


def save_state(stages: StageCache, name: str, state: ShardState, folder: Path) -> None:
    """Keep ``state`` for shard ``name``, just written in ``folder``."""
    stages.put(_stage(name), code_signature(), replace(state, files=folder_token(folder)))


def meta_of(files: Mapping[str, bytes | None]) -> str:
    """The meta file's hash a shard's entry file names."""
    entry = files[ENTRY]
    assert entry is not None
    (language,) = json.loads(entry)["languages"].values()
    return str(language["hash"])


class _Fallback(Exception):
    """The shard is to be made again whole."""


def splice_shard(
    folder: Path,
    state: ShardState,
    records: Sequence[SearchRecord],
    previous: Mapping[str, SearchRecord],
    locations: int,
    pagefind: Callable[[Sequence[SearchRecord]], dict[str, bytes]],
) -> Files | None:
    """The files of the shard of ``records`` spliced from the one in ``folder``, made
    from ``state`` (``previous``: records as last kept, by key; ``pagefind``: the raw
    bundle of some records), or None: make it whole."""
    try:
        return _splice(folder, state, records, previous, locations, pagefind)
    except Exception:  # _Fallback, or a damaged file, which can raise almost anything
        return None


def _read(folder: Path, path: str) -> bytes:
    return read_regular(folder / path)  # a FIFO put there would block a plain read


def _splice(
    folder: Path,
    state: ShardState,
    records: Sequence[SearchRecord],
    previous: Mapping[str, SearchRecord],
    locations: int,
    pagefind: Callable[[Sequence[SearchRecord]], dict[str, bytes]],
) -> Files:
    old_keys = [key for key, _ in state.records]
    digests = dict(state.records)
    changed = [record for record in records if digests.get(record.key) != record.digest]
    keys = {record.key for record in records}
    changed_set = {id(record) for record in changed}
    gone = [key for key in old_keys if key not in keys]
    if state.locations != locations or (not changed and not gone):
        raise _Fallback
    if len(changed) + len(gone) > max(1, len(old_keys) // SHARE):
        raise _Fallback
    listing = _listing(folder)
    if folder_token(folder, listing) != state.files:
        raise _Fallback  # a file added, removed or written since the shard was made
    files: dict[str, bytes | None] = {ENTRY: _read(folder, ENTRY)}
    if meta_of(files) != state.meta:
        raise _Fallback
    language = state.meta.rpartition("_")[0]
    files[f"pagefind.{state.meta}.pf_meta"] = _read(folder, f"pagefind.{state.meta}.pf_meta")
    for name in sorted(listing.keys() - files.keys()):
        read = name.startswith(("index/", "filter/")) or "/" not in name
        files[name] = _read(folder, name) if read else None
    old = read_bundle(files, verify=True)
    if len(old.pages) != len(old_keys):
        raise _Fallback
    same_keys = not gone and len(records) == len(old_keys)
    fresh = _bundle(pagefind(changed), old) if changed else None
    if same_keys and all(
        key in previous and previous[key].digest == digests[key]
        for key in (record.key for record in changed)
    ):
        # the words whose postings differ between the pages' old and new versions
        before = _bundle(pagefind([previous[record.key] for record in changed]), old)
        now = {word[0]: word for chunk in fresh.chunks for word in chunk.decoded()} if fresh else {}
        was = {word[0]: word for chunk in before.chunks for word in chunk.decoded()}
        touched: set[str] | None = {w for w in was.keys() | now.keys() if was.get(w) != now.get(w)}
    else:
        touched = None  # every chunk is decoded
    page_of = {record.key: number for number, record in enumerate(records)}
    for record in changed:
        page_of.pop(record.key)
    renumber = [page_of.get(key, -1) for key in old_keys]
    placed = [number for number, record in enumerate(records) if id(record) in changed_set]
    spliced = Bundle(
        entry=old.entry,
        language=language,
        meta_digits=old.meta_digits,
        pages=[],
        chunks=old.chunks,
        filters={},
        sorts=sort_order(records),
        meta_fields=old.meta_fields,
        files={p: d for p, d in old.files.items() if not p.startswith("fragment/")},
    )
    _pages(spliced, old, fresh, records, renumber, placed, folder)
    check_sorts(spliced.sorts, old.sorts, renumber, fresh.sorts if fresh else {}, placed)
    _filters(spliced, old, fresh, renumber, placed)
    _words(spliced, fresh, renumber, placed, touched)
    return write_bundle(spliced, locations)


def _bundle(files: dict[str, bytes], old: Bundle) -> Bundle:
    """A bundle Pagefind made of some records, checked to match ``old``'s format."""
    made = read_bundle(files)
    same = {p: d for p, d in made.files.items() if not p.startswith("fragment/")}
    kept = {p: d for p, d in old.files.items() if not p.startswith("fragment/")}
    entry = {key: value for key, value in made.entry.items() if key != "languages"}
    if same != kept or made.meta_fields != old.meta_fields or made.language != old.language:
        raise _Fallback  # another Pagefind, or the records have other metadata
    if entry != {key: value for key, value in old.entry.items() if key != "languages"}:
        raise _Fallback
    return made


def _pages(
    spliced: Bundle,
    old: Bundle,
    fresh: Bundle | None,
    records: Sequence[SearchRecord],
    renumber: list[int],
    placed: list[int],
    folder: Path,
) -> None:
    pages: list[list[Any] | None] = [None] * len(records)
    for number, page in enumerate(old.pages):
        if renumber[number] >= 0:
            pages[renumber[number]] = page
            path = f"fragment/{page[0]}.pf_fragment"
            spliced.files[path] = old.files[path]
    for number, page in enumerate(fresh.pages if fresh else ()):
        pages[placed[number]] = page
        path = f"fragment/{page[0]}.pf_fragment"
        assert fresh is not None
        data = fresh.files[path]
        assert data is not None
        if json.loads(gzip.decompress(data)[12:])["url"] != records[placed[number]].url:
            raise _Fallback
        spliced.files[path] = data
    names = [page[0] if page else "" for page in pages]
    digits = len(old.language) + 1 + HASH_DIGITS
    if any(len(name) != digits for name in names) or len(set(names)) != len(names):
        raise _Fallback  # Pagefind would have lengthened a name on a collision
    spliced.pages = [page for page in pages if page is not None]
    if fresh is None:  # only removals: each meta field must still be on a page
        missing = set(old.meta_fields)
        for name in names:
            if not missing:
                break
            data = _read(folder, f"fragment/{name}.pf_fragment")
            missing -= set(json.loads(gzip.decompress(data)[12:])["meta"])
        if missing:
            raise _Fallback


def _filters(
    spliced: Bundle, old: Bundle, fresh: Bundle | None, renumber: list[int], placed: list[int]
) -> None:
    filters: dict[str, dict[str, list[int]]] = {}
    for name, values in old.filters.items():
        for value, pages in values:
            moved = [renumber[page] for page in pages if renumber[page] >= 0]
            filters.setdefault(name, {}).setdefault(value, []).extend(moved)
    for name, values in (fresh.filters if fresh else {}).items():
        for value, pages in values:
            filters.setdefault(name, {}).setdefault(value, []).extend(placed[p] for p in pages)
    spliced.filters = {
        name: [[value, sorted(pages)] for value, pages in values.items() if pages]
        for name, values in filters.items()
        if any(values.values())
    }


def _absolute(pages: list[list[Any]]) -> list[list[Any]]:
    total = 0
    found = []
    for page in pages:
        total += page[0]
        found.append([total, page[1], page[2]])
    return found


def _relative(pages: list[list[Any]]) -> list[list[Any]]:
    pages.sort(key=lambda page: page[0])
    last = 0
    for page in pages:
        page[0], last = page[0] - last, page[0]
    return pages


def _moved(pages: list[list[Any]], renumber: list[int]) -> list[list[Any]]:
    return [[renumber[p], locs, meta] for p, locs, meta in _absolute(pages) if renumber[p] >= 0]


def _word(
    old: list[Any] | None, new: list[Any] | None, renumber: list[int], placed: list[int]
) -> list[Any] | None:
    """A word's entry with the old pages renumbered and the new pages' put in."""
    text = old[0] if old else new[0]  # type: ignore[index]
    pages = _moved(old[1], renumber) if old else []
    forms: dict[str, list[list[Any]]] = {}
    for form, form_pages in old[2] if old else ():
        forms[form] = _moved(form_pages, renumber)
    if new is not None:
        pages += [[placed[p], locs, meta] for p, locs, meta in _absolute(new[1])]
        for form, form_pages in new[2]:
            added = [[placed[p], locs, meta] for p, locs, meta in _absolute(form_pages)]
            forms.setdefault(form, []).extend(added)
    variants = [[form, _relative(found)] for form, found in forms.items() if found]
    variants.sort(key=lambda variant: (variant[1][0][0], variant[0]))
    if not pages and not variants:
        return None
    return [text, _relative(pages), variants]


def _words(
    spliced: Bundle,
    fresh: Bundle | None,
    renumber: list[int],
    placed: list[int],
    touched: set[str] | None,
) -> None:
    """Splice the word index: the chunks the changed words fall in (every chunk when
    ``touched`` is None: page numbers moved) are decoded and marked changed."""
    chunks = spliced.chunks
    ends = [chunk.bounds[1] for chunk in chunks]
    new_words = {word[0]: word for c in (fresh.chunks if fresh else ()) for word in c.decoded()}

    def home(word: str) -> int:
        return min(bisect.bisect_left(ends, word), len(chunks) - 1)

    arriving: dict[int, list[str]] = {}
    for word in new_words:
        if touched is None or word in touched:
            arriving.setdefault(home(word), []).append(word)
    if touched is None:
        chosen = set(range(len(chunks)))
    else:
        chosen = {home(word) for word in touched} | set(arriving)
    for number in sorted(chosen):
        chunk = chunks[number]
        words = {word[0]: word for word in chunk.decoded()}
        before = chunk.decoded()
        result = []
        for text in sorted(words.keys() | set(arriving.get(number, ()))):
            if touched is not None and text not in touched:
                result.append(words[text])  # the same postings: pages keep their numbers
                continue
            made = _word(words.get(text), new_words.get(text), renumber, placed)
            if made is not None:
                result.append(made)
        if result != before:
            chunk.words = result
            chunk.reusable = False
