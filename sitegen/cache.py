"""The build cache: what each output was made from, so rebuilds redo only what changed.

Kept in ``.sitegen-cache/`` (one SQLite file per output folder). A cache of
another version, or one that cannot be read, is ignored and rebuilt.
"""

from __future__ import annotations

import hashlib
import sqlite3
from dataclasses import dataclass
from pathlib import Path

CACHE_DIR = ".sitegen-cache"
CACHE_VERSION = "1"
"""Bump when the meaning of digests changes, so old caches are dropped."""


@dataclass(frozen=True, slots=True)
class Record:
    """What an output was last built from (``digest``) and what it holds (``sha``)."""

    digest: str
    sha: str


@dataclass
class BuildCache:
    """Records of the last build into one output folder."""

    path: Path
    records: dict[str, Record]

    @classmethod
    def open(cls, root: Path, output: Path) -> BuildCache:
        """The cache for builds of ``root`` into ``output`` (empty if none is usable)."""
        name = hashlib.sha256(str(output.resolve()).encode()).hexdigest()[:16]
        path = root / CACHE_DIR / f"build-{name}.sqlite"
        records: dict[str, Record] = {}
        if path.exists():
            try:
                with sqlite3.connect(path) as db:
                    version = db.execute("SELECT value FROM meta WHERE name='version'").fetchone()
                    if version and version[0] == CACHE_VERSION:
                        records = {
                            row[0]: Record(row[1], row[2])
                            for row in db.execute("SELECT output, digest, sha FROM outputs")
                        }
            except sqlite3.Error:
                records = {}
        return cls(path, records)

    def save(self, records: dict[str, Record]) -> None:
        """Replace the stored records with this build's."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_suffix(".tmp")
        temporary.unlink(missing_ok=True)
        with sqlite3.connect(temporary) as db:
            db.execute("CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT)")
            db.execute("CREATE TABLE outputs (output TEXT PRIMARY KEY, digest TEXT, sha TEXT)")
            db.execute("INSERT INTO meta VALUES ('version', ?)", (CACHE_VERSION,))
            db.executemany(
                "INSERT INTO outputs VALUES (?, ?, ?)",
                ((name, r.digest, r.sha) for name, r in sorted(records.items())),
            )
        db.close()
        temporary.replace(self.path)
        self.records = dict(records)
        gitignore = self.path.parent / ".gitignore"
        if not gitignore.exists():
            gitignore.write_text("*\n")
