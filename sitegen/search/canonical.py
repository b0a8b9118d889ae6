"""Make a bundle Pagefind wrote byte-identical for the same records.

Pagefind 1.5.2 keeps each filter's values in a Rust ``HashMap``, whose order is
seeded at random per process: the same records give ``filter/*.pf_filter``
files listing values in another order, hence other file hashes, another
``.pf_meta`` (which names them) and another ``pagefind-entry.json`` (which
names the meta file). Pages, words and fragments come out in the order the
records went in. ``canonicalize`` decodes a bundle (``read_bundle``: a
``Bundle``) and writes it again (``write_bundle``) with what is unordered
sorted, the files it wrote named after their content, as Pagefind names them (a
prefix and a hash of the same length). A shard spliced from the one on disk
(``splice.py``) is written by the same ``write_bundle``, so it has the bytes a
clean build would give.

It also cuts the word index into chunks again (``write_bundle``), for two reasons.
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

The data files are gzip of ``pagefind_dcd`` and CBOR. The meta file is ``[version,
pages [fragment name, word count], index chunks [from, to, name], filters [name,
file], sorts [name, pages in order], meta field names]``; a chunk is ``[[word,
[[page, locations, meta locations], ...], [[variant form, pages], ...]], ...]``
with each word's page numbers given as differences from the one before; a filter
file is ``[name, [[value, [pages]], ...]]``.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import itertools
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
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
HASH_DIGITS = 7
"""Hex digits of the hash Pagefind names chunk, filter and fragment files with."""
ENTRY = "pagefind-entry.json"
VERSION = "1.5.2"
"""The only Pagefind format this module reads."""


def _decompressed(data: bytes) -> bytes:
    data = gzip.decompress(data)
    if not data.startswith(SIGNATURE):
        raise ValueError("not a Pagefind data file")
    return data


def decode(data: bytes) -> Any:
    """The value of a Pagefind data file's bytes; ``ValueError`` if it is not one."""
    return cbor2.loads(_decompressed(data)[len(SIGNATURE) :])


def content_hash(data: bytes) -> str:
    """The hash a canonical file is named after (``data``: decompressed)."""
    return hashlib.blake2b(data, digest_size=16).hexdigest()


@dataclass
class Chunk:
    """A chunk file of the word index, as read, and its words once decoded."""

    bounds: list[str]
    """The first and last word the meta file gives it (the first maybe cut short)."""
    name: str
    """Its name, without ``index/`` and suffix."""
    data: bytes
    reusable: bool
    """Canonical, cut with the chunk size being written and not changed since (a
    splice marks the ones it changes): written again as it is when its neighbours
    leave it whole."""
    words: list[list[Any]] | None = None
    """Its words, once ``decoded``."""
    encoded: dict[int, tuple[list[Any], bytes]] = field(default_factory=dict)
    """The CBOR of each word as decoded, by ``id`` of the word: a word is written
    again as these bytes unless it changed (Pagefind encodes a word as ``cbor2`` does,
    and re-encoding was a third of making a shard canonical)."""

    def decoded(self) -> list[list[Any]]:
        """Its words (decoded once; checked against its name if ``reusable``)."""
        if self.words is None:
            path = f"index/{self.name}.pf_index"
            data = _verified(self.data, path) if self.reusable else _decompressed(self.data)
            self.words = _words_and_bytes(data, self.encoded)
            for word in self.words:
                if len(word[2]) > 1:  # forms first found on one page: in no set order
                    forms = [variant[0] for variant in word[2]]
                    word[2].sort(key=lambda variant: (variant[1][0][0], variant[0]))
                    if forms != [variant[0] for variant in word[2]]:
                        self.encoded.pop(id(word), None)
        return self.words


def _array(count: int) -> bytes:
    """The CBOR head of an array of ``count`` items, as ``cbor2`` writes it."""
    if count < 24:
        return bytes([0x80 | count])
    for code, size in ((24, 1), (25, 2), (26, 4), (27, 8)):
        if count < 1 << (8 * size):
            return bytes([0x80 | code]) + count.to_bytes(size, "big")
    raise ValueError("too many words")


def _words_and_bytes(data: bytes, encoded: dict[int, tuple[list[Any], bytes]]) -> list[Any]:
    """The words of a chunk's decompressed ``data`` (``[[word, ...]]``), each word's
    own CBOR put in ``encoded``."""
    body = data[len(SIGNATURE) :]
    if body[:1] != b"\x81" or body[1] >> 5 != 4:
        raise ValueError("not a word-index chunk")
    info = body[1] & 31
    size = {24: 1, 25: 2, 26: 4, 27: 8}.get(info, 0)
    count = int.from_bytes(body[2 : 2 + size], "big") if size else info
    start = 2 + size
    if info > 27 or body[1:start] != _array(count):
        raise ValueError("not a word-index chunk")
    stream = io.BytesIO(body[start:])
    decoder = cbor2.CBORDecoder(stream)
    words = []
    last = 0
    for _ in range(count):
        word = decoder.decode()
        words.append(word)
        encoded[id(word)] = (word, body[start + last : start + stream.tell()])
        last = stream.tell()
    if start + last != len(body):
        raise ValueError("not a word-index chunk")
    return words


@dataclass
class Bundle:
    """A shard's index decoded: what its canonical files are written from."""

    entry: dict[str, Any]
    """``pagefind-entry.json``, whose one language's ``hash`` names the meta file."""
    language: str
    """The language the files are named with (``en``)."""
    meta_digits: int
    """Hex digits of the meta file's hash."""
    pages: list[list[Any]]
    """Each page's ``[fragment name, word count]``, in page order (key order)."""
    chunks: list[Chunk]
    """The word index's chunks, in word order."""
    filters: dict[str, list[list[Any]]]
    """Each filter's ``[value, [pages]]`` lists (in any order)."""
    sorts: dict[str, list[int]]
    """Each sort's pages, in its order."""
    meta_fields: list[str]
    files: dict[str, bytes | None]
    """The bundle's other files (fragments, scripts, WASM) by path; None: kept as the
    folder it is written to holds it."""


def read_bundle(files: Mapping[str, bytes | None], *, verify: bool = False) -> Bundle:
    """Decode a bundle (as Pagefind made it; or canonical, then ``verify`` checks each
    file decoded is named after its content and its chunks are ``reusable``); its
    fragments and other files are passed on as they are. ``ValueError``, ``KeyError``
    on anything else."""
    entry = json.loads(_bytes(files, ENTRY))
    if entry.get("version") != VERSION or len(entry["languages"]) != 1:
        raise ValueError("not a Pagefind 1.5.2 bundle of one language")
    (key,) = entry["languages"]
    language, _, meta_hash = str(entry["languages"][key]["hash"]).rpartition("_")
    meta = _load(files, f"pagefind.{language}_{meta_hash}.pf_meta", verify)
    if (
        meta[0] != VERSION
        or len(meta) != 6
        or entry["languages"][key]["page_count"] != len(meta[1])
    ):
        raise ValueError("unknown Pagefind meta file")
    chunks = [
        Chunk([start, end], name, _bytes(files, f"index/{name}.pf_index"), verify)
        for start, end, name in meta[2]
    ]
    filters = {}
    for name, file in meta[3]:
        filters[str(name)] = _load(files, f"filter/{file}.pf_filter", verify)[1]
    kept = {
        path: data
        for path, data in files.items()
        if path != ENTRY
        and not path.endswith(".pf_meta")
        and not path.startswith(("index/", "filter/", "fragment/"))
    }
    for name, _ in meta[1]:
        path = f"fragment/{name}.pf_fragment"
        kept[path] = files[path]
    return Bundle(
        entry=entry,
        language=language,
        meta_digits=len(meta_hash),
        pages=meta[1],
        chunks=chunks,
        filters=filters,
        sorts={str(name): pages for name, pages in meta[4]},
        meta_fields=meta[5],
        files=kept,
    )


def _bytes(files: Mapping[str, bytes | None], path: str) -> bytes:
    data = files[path]
    if data is None:
        raise ValueError(f"{path} was not read")
    return data


def _load(files: Mapping[str, bytes | None], path: str, verify: bool) -> Any:
    if not verify:
        return decode(_bytes(files, path))
    return cbor2.loads(_verified(_bytes(files, path), path)[len(SIGNATURE) :])


def _verified(compressed: bytes, path: str) -> bytes:
    """A canonical file's data, decompressed, checked against its name."""
    data = gzip.decompress(compressed)
    digits = path.rpartition(".")[0].rpartition("_")[2]
    if not data.startswith(SIGNATURE) or content_hash(data)[: len(digits)] != digits:
        raise ValueError(f"{path} does not hold what its name says")
    return data


def _add(
    files: dict[str, bytes | None],
    folder: str,
    language: str,
    value: Any,
    digits: int,
    encoded: bytes | None = None,
) -> str:
    """Put ``value`` (or its CBOR, ``encoded``) in ``folder`` under a name made from its
    content (longer if another file has it); the name without its folder and suffix."""
    data = SIGNATURE + (cbor2.dumps(value) if encoded is None else encoded)
    digest = content_hash(data)
    suffix = {"index/": ".pf_index", "filter/": ".pf_filter"}.get(folder, ".pf_meta")
    while f"{folder}{language}_{digest[:digits]}{suffix}" in files and digits < len(digest):
        digits += 1
    name = f"{language}_{digest[:digits]}"
    # zlib's default level: level 9 took 13% more of a shard's CPU for 0.8% fewer bytes
    files[f"{folder}{name}{suffix}"] = gzip.compress(data, compresslevel=6, mtime=0)
    return name


def _after(previous: str, word: str) -> str:
    """The shortest start of ``word`` that sorts after ``previous`` (a word before it)."""
    common = 0
    for a, b in zip(previous, word):
        if a != b:
            break
        common += 1
    return word[: common + 1]


class _Cutter:
    """Cuts the word index into chunks of about ``locations`` postings (Pagefind's rule:
    a chunk closes once its words' pages and locations reach the size). A full chunk
    stays open while the words that follow extend one of its words of ``FAMILY_STEM``
    letters or more, up to ``FAMILY_LIMIT`` times the size."""

    def __init__(self, locations: int) -> None:
        self.locations = locations
        self.chunk: list[list[Any]] = []
        self.size = 0
        self.stems: list[str] = []  # words of the chunk that the words since all extend

    def cuts_before(self, word: str) -> bool:
        """Whether the open chunk closes before ``word`` (the next word)."""
        stems = self.stems
        while stems and not word.startswith(stems[-1]):
            stems.pop()
        full = self.size >= self.locations
        return (
            bool(self.chunk) and full and (not stems or self.size >= FAMILY_LIMIT * self.locations)
        )

    def close(self) -> list[list[Any]]:
        """The open chunk, closed."""
        chunk = self.chunk
        self.chunk, self.size, self.stems = [], 0, []
        return chunk

    def add(self, word: list[Any]) -> list[list[Any]] | None:
        """Put ``word`` in the open chunk; the chunk it closed first, if it did."""
        closed = self.close() if self.cuts_before(word[0]) else None
        self.chunk.append(word)
        self.size += sum(len(page[1]) + len(page[2]) + 1 for page in word[1])
        if len(word[0]) >= FAMILY_STEM:
            self.stems.append(word[0])
        return closed


def _index(bundle: Bundle, files: dict[str, bytes | None], locations: int) -> list[list[str]]:
    """Write the word index's chunks into ``files``; their ``[from, to, name]``. A
    ``reusable`` chunk followed by one is written as it is if the chunks before close
    where it starts: cutting its words again would give it whole."""
    language = bundle.language
    bounds: list[list[str]] = []
    cutter = _Cutter(locations)

    # the CBOR of the words not yet written: one chunk's words are decoded at a time
    known: dict[int, tuple[list[Any], bytes]] = {}

    def cbor(word: list[Any]) -> bytes:
        held = known.pop(id(word), None)
        return held[1] if held is not None and held[0] is word else cbor2.dumps(word)

    def written(words: list[list[Any]]) -> None:
        encoded = b"\x81" + _array(len(words)) + b"".join(cbor(word) for word in words)
        name = _add(files, "index/", language, [words], HASH_DIGITS, encoded)
        bounds.append([words[0][0], words[-1][0], name])

    chunks = bundle.chunks
    for number, chunk in enumerate(chunks):
        path = f"index/{chunk.name}.pf_index"
        whole = (
            chunk.reusable
            and (number + 1 == len(chunks) or chunks[number + 1].reusable)
            and path not in files
            and len(chunk.name) == len(language) + 1 + HASH_DIGITS
        )
        if whole and cutter.chunk and cutter.cuts_before(chunk.decoded()[0][0]):
            written(cutter.close())
        if whole and not cutter.chunk:
            files[path] = chunk.data
            last = bounds[-1][1] if bounds else None
            if (last is None and number == 0) or (number and last == chunks[number - 1].bounds[1]):
                start = chunk.bounds[0]  # the same words on either side as when it was cut
            else:
                start = chunk.decoded()[0][0]
            bounds.append([start, chunk.bounds[1], chunk.name])
        else:
            words = chunk.decoded()
            known.update(chunk.encoded)
            for word in words:
                closed = cutter.add(word)
                if closed:
                    written(closed)
        chunk.words, chunk.encoded = None, {}  # written, or held by the cutter and known
    if cutter.chunk:
        written(cutter.close())
    for before, after in itertools.pairwise(bounds):
        after[0] = _after(before[1], after[0])
    return bounds


def write_bundle(bundle: Bundle, locations: int) -> dict[str, bytes | None]:
    """The canonical files of ``bundle`` (None: a file kept as it is), its word index
    cut into chunks of about ``locations`` postings. A chunk's bounds are its first
    word cut to the shortest start that sorts after the chunk before, and its last."""
    files = dict(bundle.files)
    bounds = _index(bundle, files, locations)
    language = bundle.language
    filters = []
    for filter_name, values in sorted(bundle.filters.items()):
        content = [filter_name, sorted(values, key=lambda value: value[0])]
        filters.append([filter_name, _add(files, "filter/", language, content, HASH_DIGITS)])
    sorts = [[name, pages] for name, pages in sorted(bundle.sorts.items())]
    meta = [VERSION, bundle.pages, bounds, filters, sorts, bundle.meta_fields]
    meta_hash = _add(files, "pagefind.", language, meta, bundle.meta_digits)
    entry = json.loads(json.dumps(bundle.entry))
    (key,) = entry["languages"]
    entry["languages"][key]["hash"] = meta_hash
    entry["languages"][key]["page_count"] = len(bundle.pages)
    files[ENTRY] = json.dumps(entry, ensure_ascii=False, separators=(",", ":")).encode()
    return files


def canonicalize(
    files: dict[str, bytes], chunk_locations: int = PAGEFIND_CHUNK
) -> dict[str, bytes]:
    """A bundle (path within it → bytes, as Pagefind made it) in its canonical form,
    its word index cut into chunks of ``chunk_locations`` postings."""
    made = write_bundle(read_bundle(files), chunk_locations)
    return {path: data for path, data in made.items() if data is not None}
