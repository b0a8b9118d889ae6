"""What sitegen keeps between builds in ``.sitegen-cache/`` (docs/builds.md, "What is kept
between builds"): per output folder, what each output was built from and the last
build's input signature (``BuildCache``); derived results by stage, each under a digest
of its inputs (``StageCache``: pickles written by this sitegen for this project, private
to it like ``__pycache__``). A cache of another ``CACHE_VERSION``, or one that cannot be
read or written, is ignored (the work is done again) and never fails a build.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import sqlite3
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from sitegen.model import Problem, Severity
from sitegen.yamlfile import open_regular

CACHE_DIR = ".sitegen-cache"
CACHE_VERSION = "4"
"""Bump when the meaning of digests or stored values changes, so old caches are dropped."""
RACY_SECONDS = 2.0
"""Inputs modified this recently may change again within the file system's timestamp
resolution unseen, so their names, sizes and mtimes do not vouch for their contents."""
TIMEOUT = 30.0
"""Seconds to wait for another build holding the cache's lock."""

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Record:
    """What an output was last built from (``digest``) and looks like on disk (``stat``)."""

    digest: str
    stat: str = ""
    """``size:mtime_ns`` after the build wrote or kept it; empty when unknown."""


def stat_token(path: Path | str) -> str:
    """``size:mtime_ns`` of a file, or empty when it does not exist."""
    try:
        stat = os.stat(path)
    except OSError:
        return ""
    return token_of(stat)


def token_of(stat: os.stat_result) -> str:
    """``size:mtime_ns`` of a file's stat."""
    return f"{stat.st_size}:{stat.st_mtime_ns}"


@dataclass(frozen=True)
class Manifest:
    """The inputs of the last build and the warnings it reported."""

    inputs: str
    """Digest of the build's options, settings, code and input files' names, sizes and mtimes."""
    problems: tuple[Problem, ...] = ()


def _connect(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(path, timeout=TIMEOUT)


def _generation(db: sqlite3.Connection) -> str:
    row = db.execute("SELECT value FROM meta WHERE name='generation'").fetchone()
    return str(row[0]) if row else ""


def _new_generation(db: sqlite3.Connection) -> str:
    generation = os.urandom(8).hex()
    db.execute("INSERT OR REPLACE INTO meta VALUES ('generation', ?)", (generation,))
    return generation


def _version_ok(db: sqlite3.Connection) -> bool:
    row = db.execute("SELECT value FROM meta WHERE name='version'").fetchone()
    return bool(row) and row[0] == CACHE_VERSION


@dataclass
class BuildCache:
    """Records of the last build into one output folder."""

    path: Path
    records: dict[str, Record]
    manifest: Manifest | None = None
    stored: bool = False
    """The file holds exactly ``records``: a save need only write what changed."""
    generation: str = ""
    """Changed by every save; a process holding this object with the file's generation
    holds what the file holds (``sitegen serve`` skips reading 10,000 rows)."""

    @classmethod
    def open(cls, root: Path, output: Path, held: BuildCache | None = None) -> BuildCache:
        """The cache for builds of ``root`` into ``output`` (empty if none is usable).

        ``held`` is the one this process saved last; it is used if the file is as it left it.
        """
        name = hashlib.sha256(os.fsencode(output.resolve())).hexdigest()[:16]
        path = root / CACHE_DIR / f"build-{name}.sqlite"
        records: dict[str, Record] = {}
        manifest = None
        stored = False
        generation = ""
        if path.exists():
            try:
                with _connect(path) as db:
                    if _version_ok(db):
                        generation = _generation(db)
                        if (
                            held is not None
                            and held.path == path
                            and held.stored
                            and generation
                            and held.generation == generation
                        ):
                            records = held.records  # as this process saved them
                        else:
                            rows = db.execute("SELECT output, digest, stat FROM outputs")
                            records = {row[0]: Record(row[1], row[2]) for row in rows}
                        row = db.execute("SELECT inputs, problems FROM manifest").fetchone()
                        if row:
                            manifest = Manifest(row[0], _problems_from_json(row[1]))
                        stored = True
                db.close()
            except (sqlite3.Error, ValueError, TypeError, KeyError):
                records, manifest, stored, generation = {}, None, False, ""
        return cls(path, records, manifest, stored, generation)

    def save(self, records: dict[str, Record], *, touched: Collection[str] | None = None) -> None:
        """Replace the stored records with this build's, and drop the manifest
        (``save_manifest`` records the new one once the build is done).

        When the file holds the previous build's records, only the rows that
        changed are written (one transaction): an edit at 10,000 pages changes a few.
        ``touched`` names the only records that may differ from the previous ones
        (set or removed); without it every record is compared.
        """
        if self.stored and self._update(records, touched):
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            ignore_folder(self.path.parent)
            temporary = self.path.with_suffix(f".{id(self)}.tmp")
            temporary.unlink(missing_ok=True)
            with _connect(temporary) as db:
                db.execute("CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT)")
                db.execute("CREATE TABLE outputs (output TEXT PRIMARY KEY, digest TEXT, stat TEXT)")
                db.execute("CREATE TABLE manifest (inputs TEXT, problems TEXT)")
                db.execute("INSERT INTO meta VALUES ('version', ?)", (CACHE_VERSION,))
                generation = _new_generation(db)
                db.executemany(
                    "INSERT INTO outputs VALUES (?, ?, ?)",
                    ((name, r.digest, r.stat) for name, r in sorted(records.items())),
                )
            db.close()
            temporary.replace(self.path)
            self.stored, self.generation = True, generation
        except (OSError, sqlite3.Error):
            self.stored = False  # a cache that cannot be written only costs the next build time
        self.records = dict(records)
        self.manifest = None

    def _update(self, records: dict[str, Record], touched: Collection[str] | None) -> bool:
        """Write the rows that differ from the stored ones; False if the file could not be."""
        names = records if touched is None else [n for n in touched if n in records]
        changed = [
            (name, r.digest, r.stat)
            for name in names
            if self.records.get(name) != (r := records[name])
        ]
        gone = self.records if touched is None else touched
        removed = [(name,) for name in gone if name not in records and name in self.records]
        try:
            with _connect(self.path) as db:
                db.executemany("INSERT OR REPLACE INTO outputs VALUES (?, ?, ?)", changed)
                db.executemany("DELETE FROM outputs WHERE output = ?", removed)
                db.execute("DELETE FROM manifest")
                generation = _new_generation(db)
            db.close()
        except sqlite3.Error:
            self.stored = False
            return False
        self.generation = generation
        self.records = dict(records)
        self.manifest = None
        return True

    def save_manifest(self, manifest: Manifest) -> None:
        """Record the inputs of the build whose records were just saved."""
        try:
            with _connect(self.path) as db:
                db.execute("DELETE FROM manifest")
                db.execute(
                    "INSERT INTO manifest VALUES (?, ?)",
                    (manifest.inputs, _problems_to_json(manifest.problems)),
                )
                generation = _new_generation(db)
            db.close()
        except sqlite3.Error:
            return
        self.manifest, self.generation = manifest, generation


def _problems_to_json(problems: tuple[Problem, ...]) -> str:
    return json.dumps([[p.file, p.line, p.message, p.severity.value] for p in problems])


def _problems_from_json(text: str) -> tuple[Problem, ...]:
    return tuple(Problem(f, line, m, Severity(s)) for f, line, m, s in json.loads(text))


def ignore_folder(folder: Path) -> None:
    """Keep ``folder`` out of git: a ``.gitignore`` of ``*`` in it."""
    gitignore = folder / ".gitignore"
    if not gitignore.exists():
        gitignore.write_text("*\n")


@dataclass
class StageCache:
    """Derived catalogue results by stage name, each valid for one digest of its inputs.

    Each stage is a file ``stages/<name>.pickle``: a header line naming the cache
    version and the inputs' digest, then the pickled value, streamed so a large
    value is never held twice. With ``remember``, values also stay in memory, so
    a long-lived process (``sitegen serve``) that passes the same ``StageCache``
    to every build skips reading and unpickling what it already holds.
    """

    folder: Path | None
    """Where stage files live, or None for a cache held only in memory."""
    remember: bool = True
    """Keep values in memory for later builds in this process."""
    memory: dict[str, tuple[str, Any]] = field(default_factory=dict)
    """Stage name → (digest of its inputs, value), as last read or computed."""
    hits: list[str] = field(default_factory=list)
    """Stages answered from the cache in the current build (for ``--verbose`` and tests)."""

    @classmethod
    def for_project(cls, root: Path, *, remember: bool = True) -> StageCache:
        """The stage cache of a project."""
        return cls(root / CACHE_DIR / "stages", remember)

    def _header(self, key: str) -> bytes:
        return f"sitegen-stage {CACHE_VERSION} {key}\n".encode()

    def get(self, stage: str, key: str) -> Any | None:
        """The stored value of ``stage`` if it was computed from inputs with digest ``key``."""
        held = self.memory.get(stage)
        if held is not None and held[0] == key:
            self.hits.append(stage)
            return held[1]
        if self.folder is None:
            return None
        try:
            with open_regular(self.folder / f"{stage}.pickle") as handle:
                if handle.readline() != self._header(key):
                    return None
                value = pickle.load(handle)
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError):
            return None
        except Exception:  # a damaged pickle can raise almost anything: recompute
            return None
        if self.remember:
            self.memory[stage] = (key, value)
        self.hits.append(stage)
        return value

    def put(self, stage: str, key: str, value: Any) -> None:
        """Store ``value`` as ``stage``'s result for inputs with digest ``key``."""
        if self.remember:
            self.memory[stage] = (key, value)
        if self.folder is None:
            return
        temporary = self.folder / f".{stage}.{os.getpid()}.tmp"
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            ignore_folder(self.folder.parent)
            with temporary.open("wb") as handle:
                handle.write(self._header(key))
                pickle.dump(value, handle, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(temporary, self.folder / f"{stage}.pickle")
        except (OSError, pickle.PicklingError, TypeError, AttributeError):
            temporary.unlink(missing_ok=True)  # a cache that cannot be written costs time only

    def compute(self, stage: str, key: str, make: Callable[[], T]) -> T:
        """The cached value of ``stage`` for ``key``, or ``make()`` stored for next time."""
        found = self.get(stage, key)
        if found is not None:
            return found  # type: ignore[no-any-return]
        value = make()
        self.put(stage, key, value)
        return value
