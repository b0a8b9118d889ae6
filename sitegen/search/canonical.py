"""Make a bundle Pagefind wrote byte-identical for the same records.

Pagefind 1.5.2 keeps each filter's values in a Rust ``HashMap``, whose order is
seeded at random per process: the same records give ``filter/*.pf_filter``
files listing values in another order, hence other file hashes, another
``.pf_meta`` (which names them) and another ``pagefind-entry.json`` (which
names the meta file). Pages, words and fragments come out in the order the
records went in. ``canonicalize`` sorts what is unordered, then renames the
files it rewrote after their new content, as Pagefind names them (a prefix and
a hash of the same length) and mends the references to them.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from typing import Any

import cbor2

SIGNATURE = b"pagefind_dcd"
"""What Pagefind's compressed files start with once decompressed."""


def _read(files: dict[str, bytes], name: str) -> Any:
    data = gzip.decompress(files[name])
    if not data.startswith(SIGNATURE):
        raise ValueError(f"{name} is not a Pagefind data file")
    return cbor2.loads(data[len(SIGNATURE) :])


def _rewrite(files: dict[str, bytes], old: str, value: Any) -> str:
    """Put ``value`` under a name made from its content instead of ``old``; the new name.

    Names are ``<folder/><prefix>_<hash>.<suffix>``: the hash keeps its length."""
    data = SIGNATURE + cbor2.dumps(value)
    stem, dot, suffix = old.rpartition(".")
    prefix, _, old_hash = stem.rpartition("_")
    new = f"{prefix}_{hashlib.blake2b(data, digest_size=16).hexdigest()[: len(old_hash)]}"
    del files[old]
    files[f"{new}{dot}{suffix}"] = gzip.compress(data, mtime=0)
    return new


def canonicalize(files: dict[str, bytes]) -> dict[str, bytes]:
    """A bundle (path within it → bytes, as Pagefind made it) in its canonical form."""
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
        language["hash"] = _rewrite(files, meta_name, meta).removeprefix("pagefind.")
    files["pagefind-entry.json"] = json.dumps(
        entry, ensure_ascii=False, separators=(",", ":")
    ).encode()
    return files
