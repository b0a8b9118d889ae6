"""Putting a build's files in place: the output folder's safety checks, atomic renames,
static files, stale outputs, and the on-disk check ``sitegen serve`` runs between builds.

sitegen never writes into a non-empty folder it did not create (it leaves a
``.sitegen`` marker in folders it builds); a first (or ``--clean``) build swaps
a staging folder in whole, later ones rename each changed file over its output.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import threading
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sitegen.cache import Record, stat_token
from sitegen.model import InputError, Problem
from sitegen.render import theme_dir
from sitegen.settings import Settings
from sitegen.workers import Rendered

MARKER = ".sitegen"
"""File sitegen leaves in every output folder it builds."""
LARGE_OUTPUT = 1 << 20
"""Outputs of this many bytes are replaced in two renames (``_move_into_place``)."""


class OutputRefused(Exception):
    """The output folder is not one sitegen may write into."""


def static_files(settings: Settings) -> dict[str, Path]:
    """Output path → source file for the theme's and the site's ``static/`` (site wins)."""
    found: dict[str, Path] = {}
    for folder in (theme_dir() / "static", settings.root / "static"):
        if not folder.is_dir():
            continue
        for path in sorted(folder.rglob("*")):
            if path.is_file() and not path.name.startswith(".") and not path.name.endswith("~"):
                found["static/" + path.relative_to(folder).as_posix()] = path
    clashes: dict[str, Problem] = {}
    for name in found:  # a file and a folder of one name: the output can hold only one
        for parent in (p for p in _parents(name) if p in found):
            mine = found[parent].is_relative_to(settings.root / "static")
            what = (
                "a file where the theme has a folder"
                if mine
                else "a folder where the theme has a file"
            )
            clashes[parent] = Problem(parent, None, f"{what} of that name: rename it")
    if clashes:
        raise InputError(list(clashes.values()))
    return found


def _parents(name: str) -> list[str]:
    parts = name.split("/")
    return ["/".join(parts[:end]) for end in range(2, len(parts))]


def check_output_folder(output: Path, root: Path) -> None:
    """Refuse output folders that would put user files at risk."""
    resolved = output.resolve()
    if resolved == root.resolve() or resolved in root.resolve().parents:
        raise OutputRefused(f"refusing to build into {output}: it holds the project itself")
    if resolved.exists() and not resolved.is_dir():
        raise OutputRefused(f"refusing to build into {output}: it is a file")
    if resolved.is_dir() and any(resolved.iterdir()) and not (resolved / MARKER).exists():
        raise OutputRefused(
            f"refusing to write into {output}: it is not empty and sitegen did not create it "
            f"(no {MARKER} file); choose another --out or empty it yourself"
        )


def _move_into_place(source: Path, target: Path, aside: Path | None = None) -> str:
    """Rename a rendered file over its output (atomic); copy if on another file system.

    With ``aside``, the old output is first renamed there: ext4 flushes a file renamed
    over another to disk then and there (``auto_da_alloc``), 15 ms for a 20 MB
    export; the output is missing for the instant between the two renames.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        if aside is not None:
            with contextlib.suppress(FileNotFoundError):
                os.replace(target, aside)
        os.replace(source, target)
    except OSError as exc:
        if exc.errno != errno.EXDEV:  # a folder where the page belongs, say: name the page
            raise OSError(exc.errno, exc.strerror, str(target)) from exc
        _atomic_write(target, source.read_bytes())
    return stat_token(target)


def _atomic_write(path: Path, data: bytes) -> None:
    """Write ``path`` whole or not at all; a failure names ``path`` and leaves no
    temporary file in the output."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.sitegen-tmp")
    try:
        temporary.write_bytes(data)
        os.replace(temporary, path)
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        raise OSError(exc.errno, exc.strerror, str(path)) from exc


def _copy_static(
    source: Path, name: str, into: Path, old: Record | None, output: Path, written: list[str]
) -> Record:
    """Copy a static file unless the same bytes are in place; its new record."""
    stat = source.stat()
    digest = f"{source}:{stat.st_size}:{stat.st_mtime_ns}:{stat.st_ctime_ns}"
    target = into / name
    in_place = into == output
    if in_place and old is not None and old.digest == digest:
        token = stat_token(target)
        if token and token == old.stat:
            return old
    data = source.read_bytes()
    if in_place and target.is_file() and target.read_bytes() == data:
        return Record(digest, stat_token(target))  # touched, not changed
    _atomic_write(target, data)
    written.append(name)
    return Record(digest, stat_token(target))


def changed_outputs(records: Mapping[str, Record], output: Path) -> frozenset[str]:
    """The recorded outputs that are not on disk as the last build left them."""
    where = str(output) + os.sep  # string paths: 10,000 Path joins cost more than the stats
    return frozenset(
        name
        for name, record in records.items()
        if not record.stat or stat_token(where + name) != record.stat
    )


def _swap(staging: Path, output: Path) -> threading.Thread | None:
    """Put the staging folder in place of the output folder.

    The old site is deleted by a thread the caller joins: deleting ten thousand
    files takes a second that the search index can use meanwhile.
    """
    if not output.exists():
        output.parent.mkdir(parents=True, exist_ok=True)
        os.replace(staging, output)
        return None
    old = output.with_name(output.name + ".sitegen-old")
    if old.exists():
        shutil.rmtree(old)
    os.replace(output, old)
    os.replace(staging, output)
    return _remove_later(old)


def _remove_later(folder: Path) -> threading.Thread:
    """Delete a folder in a thread the caller joins (replaced exports take milliseconds)."""
    thread = threading.Thread(target=shutil.rmtree, args=(folder, True), name="sitegen-cleanup")
    thread.start()
    return thread


def _prune_empty(folder: Path, output: Path) -> None:
    while folder != output and folder.is_dir() and not any(folder.iterdir()):
        folder.rmdir()
        folder = folder.parent


@dataclass
class Placed:
    """What putting a build's files in place did."""

    records: dict[str, Record]
    """Every output's record after the build."""
    touched: list[str] = field(default_factory=list)
    """Records set or removed by this build."""
    written: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    cleanup: threading.Thread | None = None
    """Deletes what was replaced; the caller joins it."""


def put_in_place(
    folder: Path,
    output: Path,
    full: bool,
    done: Sequence[tuple[str, str, Rendered]],
    statics: Mapping[str, Path],
    records: Mapping[str, Record],
    pages: Collection[str],
) -> Placed:
    """Move rendered files (``done``: output name, digest, result) and static files into
    ``output``, drop outputs no page produces any more (``records``: the last build's).

    ``pages``: every page's output. ``folder`` holds what was rendered: the whole new site when ``full`` (swapped in
    whole), else only the files whose bytes changed.
    """
    placed = Placed({} if full else dict(records))
    for number, (name, digest, rendered) in enumerate(done):
        token = rendered.stat
        if rendered.written:
            if not full:
                aside = folder / f".replaced-{number}" if rendered.size >= LARGE_OUTPUT else None
                token = _move_into_place(folder / name, output / name, aside)
            placed.written.append(name)
        placed.records[name] = Record(digest, token)
        placed.touched.append(name)
    into = folder if full else output
    for name, source in statics.items():
        old = records.get(name)
        placed.records[name] = _copy_static(source, name, into, old, output, placed.written)
        placed.touched.append(name)
    if full:
        (folder / MARKER).write_text("This folder is built by sitegen; it may be replaced whole.\n")
        placed.cleanup = _swap(folder, output)
        return placed
    produced = {*pages, *statics}
    for stale in sorted(name for name in records if name not in produced):
        del placed.records[stale]
        placed.touched.append(stale)
        target = output / stale
        if target.is_file():
            target.unlink()
            placed.removed.append(stale)
            _prune_empty(target.parent, output)
    placed.cleanup = _remove_later(folder)
    return placed
