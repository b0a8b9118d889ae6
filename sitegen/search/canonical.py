"""Make a bundle Pagefind wrote byte-identical for the same records.

Pagefind 1.5.2 keeps each filter's values in a Rust ``HashMap``, whose order is
seeded at random per process: the same records give ``filter/*.pf_filter``
files listing values in another order, hence other file hashes, another
``.pf_meta`` (which names them) and another ``pagefind-entry.json`` (which
names the meta file). Pages, words and fragments come out in the order the
records went in. ``canonicalize`` sorts what is unordered, then renames the
files it rewrote after their new content, as Pagefind names them (a prefix and
a hash of the same length) and mends the references to them.

It also cuts the word index into chunks again (``rechunk``), for two reasons.
The browser loads one chunk per query word from each shard it searches, so a
site split into ``n`` shards asks for chunks ``n`` times smaller to fetch about
the bytes one bundle would (docs/builds.md, "Smaller chunks in shards"). And
Pagefind cuts each chunk's upper bound to a prefix of its last word (``"b"`` for
a chunk ``behaviorclon``..``by``), so the browser, which takes the first chunk
whose bounds hold a word, looks for some words in the wrong chunk and misses
them; here the upper bound is the last word whole. And the browser loads, for each
query word, the chunk holding the word as typed and the one holding its stem
(``diffusion`` and ``diffus``): a chunk is not closed between a word and the words
that extend it (up to twice its size), so the two are one chunk, not two.
"""

from __future__ import annotations

import gzip
import hashlib
import itertools
import json
from typing import Any

import cbor2

SIGNATURE = b"pagefind_dcd"
"""What Pagefind's compressed files start with once decompressed."""
PAGEFIND_CHUNK = 20_000
"""Locations per word-index chunk Pagefind 1.5.2 aims at (``chunk_index``)."""
FAMILY_STEM = 5
"""Shortest word whose family (the words starting with it) a chunk keeps whole."""
FAMILY_LIMIT = 2
"""How many times its size a chunk may grow to keep a family whole."""


def _read(files: dict[str, bytes], name: str) -> Any:
    data = gzip.decompress(files[name])
    if not data.startswith(SIGNATURE):
        raise ValueError(f"{name} is not a Pagefind data file")
    return cbor2.loads(data[len(SIGNATURE) :])


def _rewrite(files: dict[str, bytes], old: str, value: Any) -> str:
    """Put ``value`` under a name made from its content instead of ``old``; the new name.

    Names are ``<folder/><prefix>_<hash>.<suffix>``: the hash keeps its length."""
    del files[old]
    return _add(files, old, value)


def _add(files: dict[str, bytes], like: str, value: Any) -> str:
    """Put ``value`` under a name shaped like ``like``'s, made from its content (longer
    if another file has it); the name without its suffix."""
    data = SIGNATURE + cbor2.dumps(value)
    stem, dot, suffix = like.rpartition(".")
    prefix, _, old_hash = stem.rpartition("_")
    digest = hashlib.blake2b(data, digest_size=16).hexdigest()
    length = len(old_hash)
    while f"{prefix}_{digest[:length]}{dot}{suffix}" in files and length < len(digest):
        length += 1
    new = f"{prefix}_{digest[:length]}"
    # zlib's default level: level 9 took 13% more of a shard's CPU for 0.8% fewer bytes
    files[f"{new}{dot}{suffix}"] = gzip.compress(data, compresslevel=6, mtime=0)
    return new


def _after(previous: str, word: str) -> str:
    """The shortest start of ``word`` that sorts after ``previous`` (a word before it)."""
    common = 0
    for a, b in zip(previous, word):
        if a != b:
            break
        common += 1
    return word[: common + 1]


def _add_chunk(files: dict[str, bytes], like: str, words: list[Any]) -> list[str]:
    """Write a chunk of ``words``; its ``[first word, last word, name]``."""
    return [words[0][0], words[-1][0], _add(files, like, [words]).removeprefix("index/")]


def rechunk(files: dict[str, bytes], meta: Any, locations: int) -> None:
    """Cut the word index ``meta`` lists into chunks of about ``locations`` postings
    (Pagefind's rule: a chunk closes once its words' pages and locations reach the
    size), in place: ``meta[2]`` is replaced and the chunk files with it. A full chunk
    stays open while the words that follow extend one of its words of ``FAMILY_STEM``
    letters or more, up to ``FAMILY_LIMIT`` times the size. A chunk's bounds are its
    first word cut to the shortest start that sorts after the chunk before, and its
    last word. One of Pagefind's chunks is decoded at a time."""
    old = [f"index/{name}.pf_index" for _, _, name in meta[2]]
    bounds: list[list[str]] = []
    chunk: list[Any] = []
    size = 0
    stems: list[str] = []  # words of the chunk that the words since all extend
    for name in old:
        words = _read(files, name)[0]
        del files[name]
        for word in words:
            # a word is [word, [[page, locations, meta locations], ...], variants]
            while stems and not word[0].startswith(stems[-1]):
                stems.pop()
            if size >= locations and (not stems or size >= FAMILY_LIMIT * locations):
                bounds.append(_add_chunk(files, name, chunk))
                chunk, size, stems = [], 0, []
            chunk.append(word)
            size += sum(len(page[1]) + len(page[2]) + 1 for page in word[1])
            if len(word[0]) >= FAMILY_STEM:
                stems.append(word[0])
    if chunk:
        bounds.append(_add_chunk(files, old[-1], chunk))
    for before, after in itertools.pairwise(bounds):
        after[0] = _after(before[1], after[0])
    meta[2] = bounds


def canonicalize(
    files: dict[str, bytes], chunk_locations: int = PAGEFIND_CHUNK
) -> dict[str, bytes]:
    """A bundle (path within it → bytes, as Pagefind made it) in its canonical form,
    its word index cut into chunks of ``chunk_locations`` postings."""
    files = dict(files)
    entry = json.loads(files["pagefind-entry.json"])
    for language in entry["languages"].values():
        meta_name = f"pagefind.{language['hash']}.pf_meta"
        meta = _read(files, meta_name)
        # [version, pages, index chunks, filters [name, hash], sorts [name, pages], meta fields]
        filters = sorted(meta[3], key=lambda item: item[0])
        for item in filters:
            name = f"filter/{item[1]}.pf_filter"
            content = _read(files, name)
            # [filter name, [[value, [page numbers]], ...]]
            content[1] = sorted(content[1], key=lambda value: value[0])
            item[1] = _rewrite(files, name, content).removeprefix("filter/")
        meta[3] = filters
        meta[4] = sorted(meta[4], key=lambda item: item[0])
        rechunk(files, meta, chunk_locations)
        language["hash"] = _rewrite(files, meta_name, meta).removeprefix("pagefind.")
    files["pagefind-entry.json"] = json.dumps(
        entry, ensure_ascii=False, separators=(",", ":")
    ).encode()
    return files
