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
from pathlib import Path
from typing import Any

import cbor2

SIGNATURE = b"pagefind_dcd"
"""What Pagefind's compressed files start with once decompressed."""


def _read(path: Path) -> Any:
    data = gzip.decompress(path.read_bytes())
    if not data.startswith(SIGNATURE):
        raise ValueError(f"{path} is not a Pagefind data file")
    return cbor2.loads(data[len(SIGNATURE) :])


def _write(folder: Path, old_name: str, value: Any, suffix: str) -> str:
    """Write ``value`` under a name made from its content; return the new hash part."""
    data = SIGNATURE + cbor2.dumps(value)
    prefix, _, old_hash = old_name.rpartition("_")
    digest = hashlib.blake2b(data, digest_size=16).hexdigest()[: len(old_hash)]
    new_name = f"{prefix}_{digest}"
    (folder / f"{old_name}{suffix}").unlink()
    (folder / f"{new_name}{suffix}").write_bytes(gzip.compress(data, mtime=0))
    return new_name


def canonicalize(bundle: Path) -> None:
    """Rewrite ``bundle`` (a folder Pagefind wrote) into its canonical form, in place."""
    entry_path = bundle / "pagefind-entry.json"
    entry = json.loads(entry_path.read_text(encoding="utf-8"))
    for language in entry["languages"].values():
        meta_name = f"pagefind.{language['hash']}"
        meta = _read(bundle / f"{meta_name}.pf_meta")
        # [version, pages, index chunks, filters [name, hash], sorts [name, pages]]
        filters = sorted(meta[3], key=lambda item: item[0])
        for item in filters:
            name = item[1]
            content = _read(bundle / "filter" / f"{name}.pf_filter")
            # [filter name, [[value, [page numbers]], ...]]
            content[1] = sorted(content[1], key=lambda value: value[0])
            item[1] = _write(bundle / "filter", name, content, ".pf_filter")
        meta[3] = filters
        meta[4] = sorted(meta[4], key=lambda item: item[0])
        new_meta = _write(bundle, meta_name, meta, ".pf_meta")
        language["hash"] = new_meta.removeprefix("pagefind.")
    entry_path.write_text(
        json.dumps(entry, ensure_ascii=False, separators=(",", ":")), encoding="utf-8"
    )
