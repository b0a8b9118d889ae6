"""Digests of what pages are made from, cheap enough to take for every page of every build.

A page's context holds the catalogue's own objects (a topic page lists a
thousand ``Paper`` values, each paper page shows its related papers), so
hashing ``repr(context)`` page by page would re-serialise the same papers many
times over. A ``Digester`` hashes each dataclass instance once per build and
lets pages refer to it by its 16-byte digest; the result is the same for the
same data in any process, so digests can be stored between builds.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import hashlib
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

_SIZE = 16
_PRIMITIVES = frozenset({int, float, bool, type(None), bytes, dt.date, dt.datetime})


def blake(*parts: bytes) -> bytes:
    """A 16-byte BLAKE2b digest of the parts, each length-prefixed so joins cannot collide."""
    digest = hashlib.blake2b(digest_size=_SIZE)
    for part in parts:
        digest.update(len(part).to_bytes(8, "little"))
        digest.update(part)
    return digest.digest()


class Digester:
    """Stable digests of page contexts; each dataclass instance is hashed once.

    A value that carries its own digest (``Paper.digest``, made when the catalogue
    created it) is known by it. Other dataclass instances are hashed once per digester
    (one per build) and looked up by identity meanwhile: the digester holds them, so an
    identity is never reused for another object.
    """

    def __init__(self) -> None:
        self._memo: dict[int, tuple[object, bytes]] = {}
        self._fields: dict[type, tuple[bytes, tuple[str, ...]] | None] = {}

    def _dataclass_fields(self, kind: type) -> tuple[bytes, tuple[str, ...]] | None:
        if kind not in self._fields:
            found = None
            if dataclasses.is_dataclass(kind):
                # Fields left out of equality (indexes, caches) are not data.
                names = tuple(f.name for f in dataclasses.fields(kind) if f.compare)
                found = (kind.__qualname__.encode(), names)
            self._fields[kind] = found
        return self._fields[kind]

    def token(self, value: Any) -> bytes:
        """Bytes that stand for ``value``: equal data gives equal bytes, in any process.

        Every token can be told apart from its neighbours when joined (strings are
        length-prefixed, dataclass digests have a fixed length), so different
        contexts cannot join up to the same bytes.
        """
        kind = type(value)
        if kind is str:
            data: bytes = value.encode("utf-8", "surrogatepass")
            return b"'" + str(len(data)).encode() + b":" + data
        if kind in _PRIMITIVES:
            return repr(value).encode()
        token = self.token
        if kind is list or kind is tuple:
            own = self._digests(value)
            return own or b"[" + b"\x1f".join([token(item) for item in value]) + b"]"
        if kind is dict:
            items = [token(k) + b"\x1e" + token(v) for k, v in value.items()]
            return b"{" + b"\x1f".join(items) + b"}"
        if isinstance(value, Mapping):  # a context made when first read: as the dict
            return token(dict(value))
        own = getattr(value, "digest", None)
        if type(own) is str and own:
            return b"D" + own.encode()
        found = self._memo.get(id(value))
        if found is not None:
            return found[1]
        shape = self._dataclass_fields(kind)
        if shape is not None:
            name, names = shape
            digest = b"D" + blake(name, *[token(getattr(value, n)) for n in names])
            self._memo[id(value)] = (value, digest)
            return digest
        # Anything else (no page context holds one) by its type and repr, unless the repr
        # shows only the object's address (which a later object may reuse), as a function's
        # does: then a token that matches no other build.
        text = repr(value)
        if " at 0x" in text:
            return b"?" + os.urandom(16)
        return kind.__qualname__.encode() + b"!" + token(text)

    @staticmethod
    def _digests(value: list[Any] | tuple[Any, ...]) -> bytes | None:
        """A list of values that carry digests (a topic's papers): the bytes ``token``
        makes of it, in one pass; None if an item carries none."""
        try:
            own = [item.digest for item in value]
        except AttributeError:
            return None
        if not own or not all(type(digest) is str and digest for digest in own):
            return None
        return b"[D" + "\x1fD".join(own).encode() + b"]"

    def digest(self, *values: Any) -> str:
        """Hex digest of several values."""
        return blake(*(self.token(value) for value in values)).hex()


def file_signature(paths: Iterable[Path], root: Path) -> tuple[str, int]:
    """Hex digest of files' names, sizes and modification and change times (contents
    unread), and the newest modification time.

    The change time (``st_ctime``) as well: a file replaced by one of the same size with
    its modification time kept (``cp -p``, ``rsync -a``, ``tar x``, ``touch -r``) has a
    new one, which no program can set back."""
    digest = hashlib.blake2b(digest_size=_SIZE)
    newest = 0
    for path in paths:
        name = path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)
        try:
            stat = path.stat()
        except OSError:  # a link to nothing: still there, for a build to report
            digest.update(os.fsencode(name) + b"\0?\n")
            continue
        newest = max(newest, stat.st_mtime_ns)
        times = f"{stat.st_mtime_ns}\0{stat.st_ctime_ns}"
        digest.update(os.fsencode(name) + f"\0{stat.st_size}\0{times}\n".encode())
    return digest.hexdigest(), newest


@functools.cache
def code_signature() -> str:
    """Which sitegen code is running: its version and its modules' names and bytes.

    Part of every page digest and cache key, so editing sitegen itself (a filter,
    the Markdown setup, cleaning rules) never leaves stale pages or cached data.
    Bytes, not modification times: pip writes an installed package's files with the
    time of the install, so a fresh install of the same version (a CI job restoring
    ``.sitegen-cache/``) would otherwise find nothing in the cache. Taken once per
    process (~2 ms): the code a process runs is what it imported.
    """
    import sitegen

    package = Path(sitegen.__file__).parent
    modules = sorted(package.rglob("*.py"))
    parts = [sitegen.__version__.encode()]
    for path in modules:
        parts += [path.relative_to(package).as_posix().encode(), path.read_bytes()]
    return blake(*parts).hex()
