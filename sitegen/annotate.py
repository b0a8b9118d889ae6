"""``sitegen annotate``: create or update one paper's annotation in place.

The paper must exist (hidden ones too); the file that already annotates it is
edited, else ``--file`` or ``content/annotations/annotations.yaml``. The edit
itself is ``sitegen.annotation_edit``'s; here the result is validated like
``sitegen check`` would, and only then atomically replaces the file.
"""

from __future__ import annotations

import difflib
import errno
import glob
import os
import tempfile
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from sitegen.annotation_edit import Change, EditError, edit_text, entry_path, key_line
from sitegen.cache import CACHE_DIR
from sitegen.catalog.annotations import SUFFIXES, annotation_files, load_annotations
from sitegen.locks import HolderStopped, exclusive
from sitegen.model import Problem, Severity
from sitegen.settings import Settings
from sitegen.sources import display_path
from sitegen.yamlfile import parse_yaml, read_regular

__all__ = ["ANNOTATIONS_FILE", "AnnotateError", "Change", "Outcome", "annotate"]

ANNOTATIONS_FILE = "annotations.yaml"
"""Where a new annotation goes when no file annotates the paper and no --file is given."""
LOCK_FILE = "annotate.lock"
"""In ``.sitegen-cache/``: held by ``sitegen annotate`` from reading a file to replacing it."""
ATTEMPTS = 5
"""Times the change is made again on a file saved by hand meanwhile, before giving up."""


@dataclass(frozen=True, slots=True)
class Outcome:
    """What ``annotate`` did."""

    file: str
    """The annotation file, relative to the project."""
    line: int
    """Line of the paper's key in it."""
    created: bool
    """True when the paper had no annotation before."""
    changed: bool
    """False when the file already said what was asked."""
    warnings: tuple[Problem, ...] = ()
    """Warnings in the annotation file (unknown field names and the like)."""

    def summary(self, key: str, change: Change) -> str:
        """One line for the terminal, ``file:line: what happened``."""
        where = f"{self.file}:{self.line}"
        if self.created:
            return f"{where}: annotated {key}"
        if not self.changed:
            return f"{where}: {key} already says that; nothing changed"
        return f"{where}: updated {key} ({', '.join(change.fields)})"


class AnnotateError(Exception):
    """The annotation could not be written; carries a message and/or located problems."""

    def __init__(self, message: str = "", problems: Sequence[Problem] = ()) -> None:
        self.message = message
        self.problems = list(problems)
        super().__init__(message or "\n".join(str(p) for p in self.problems))


def closest_keys(key: str, keys: Sequence[str]) -> list[str]:
    """Keys that look like ``key``: similar spelling first, then keys that contain it."""
    close = difflib.get_close_matches(key, keys, n=3, cutoff=0.6)
    containing = [k for k in keys if key and key.lower() in k and k not in close]
    return [*close, *containing][:5]


def _known(settings: Settings) -> tuple[list[str], list[str]]:
    """Every paper key (hidden ones too) and topic slug of the project."""
    from sitegen.catalog import load

    loaded = load(settings)
    if loaded.catalog is None:
        raise AnnotateError("fix these problems first, then annotate", loaded.errors)
    catalog = loaded.catalog
    keys = [paper.key for paper in catalog.papers] + sorted(catalog.hidden_keys)
    slugs = [topic.slug for topic in catalog.topics if topic.ref is not None]
    return keys, slugs


def annotating_file(settings: Settings, key: str) -> Path | None:
    """The annotation file that already annotates ``key``, if any."""
    for path in annotation_files(settings.content_dir):
        try:
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError):
            continue
        doc, _ = parse_yaml(text, path.name)
        if doc is not None and entry_path(doc.data, key) is not None:
            return path
    return None


def _target(settings: Settings, file: Path | None) -> Path:
    """Where a new annotation goes: ``--file`` (relative to the project) or the default file."""
    folder = settings.content_dir / "annotations"
    if file is None:
        return folder / ANNOTATIONS_FILE
    path = file if file.is_absolute() else settings.root / file
    try:
        inside = path.resolve().relative_to(folder.resolve())
    except ValueError:
        inside = None
    if inside is None or path.suffix.lower() not in SUFFIXES:
        raise AnnotateError(
            f"{file} is not an annotation file: use a .yaml file under "
            f"{display_path(folder, settings.root)}/"
        )
    if any(part.startswith(".") for part in inside.parts):
        raise AnnotateError(f"{file}: files whose names start with a dot are not read")
    return path


def _validate(
    settings: Settings, path: Path, text: str, keys: list[str], slugs: list[str]
) -> list[Problem]:
    """Problems of the new text, as ``sitegen check`` would report them for this file."""
    try:  # as named under the project: a symbolic link may lead out of it
        relative = path.relative_to(settings.content_dir)
    except ValueError:
        relative = path.resolve().relative_to(settings.content_dir.resolve())
    with tempfile.TemporaryDirectory(prefix="sitegen-annotate-") as scratch:
        root = Path(scratch)
        copy = root / settings.content_dir.name / relative
        copy.parent.mkdir(parents=True, exist_ok=True)
        copy.write_text(text, encoding="utf-8", newline="")
        _, problems = load_annotations(root / settings.content_dir.name, root, keys, slugs)
    shown = display_path(path, settings.root)
    return [Problem(shown, p.line, p.message, p.severity) for p in problems]


def _write(path: Path, text: str, bom: bool, unchanged: Callable[[], bool]) -> bool:
    """Replace the file atomically if ``unchanged()`` still holds just before; a reader
    sees the old or the new file, never half of one. False when it no longer holds.

    A symbolic link stays a link: the file it leads to is replaced. The new bytes reach
    the disk first, so a crash leaves the old file or the new one, and the check comes
    after that wait, right before the replace.

    A file with other hard links is rewritten in place instead, after the same check:
    a replace would leave the other names with the old text (Vim's ``backupcopy=auto``
    and Emacs' ``backup-by-copying-when-linked`` decide the same). Its old text is kept
    in ``.NAME.sitegen-backup`` beside it until the new text is on disk.
    """
    path = Path(os.path.realpath(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    data = ("\ufeff" if bom else "").encode() + text.encode("utf-8")
    if _links(path) > 1:
        if not unchanged():
            return False
        # The old text stays beside it until the new one is whole on disk, for a crash in
        # the middle of the write to leave something to take back.
        backup = path.with_name(f".{path.name}.sitegen-backup")
        _write_synced(backup, path.read_bytes(), "wb")
        _write_synced(path, data, "r+b")
        backup.unlink()
        return True
    _remove_stale_scratch(path)
    scratch = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        scratch.write_bytes(data)
        if path.exists():
            os.chmod(scratch, path.stat().st_mode & 0o7777)
        with open(scratch, "rb+") as written:
            os.fsync(written.fileno())
        if not unchanged():
            return False
        os.replace(scratch, path)
        return True
    finally:
        scratch.unlink(missing_ok=True)


def _write_synced(path: Path, data: bytes, mode: str) -> None:
    """Write ``data`` as the whole of the file (``wb`` makes it, ``r+b`` keeps its inode),
    and wait until it is on disk."""
    with open(path, mode) as file:
        file.write(data)
        file.truncate()
        file.flush()
        os.fsync(file.fileno())


def _links(path: Path) -> int:
    """How many names (hard links) the file has; 0 when it is not there yet."""
    try:
        return path.stat().st_nlink
    except FileNotFoundError:
        return 0


def _remove_stale_scratch(path: Path) -> None:
    """Scratch copies left by ``annotate`` runs killed before their replace."""
    for scratch in path.parent.glob(f".{glob.escape(path.name)}.*.tmp"):
        pid = scratch.name[len(path.name) + 2 : -len(".tmp")]
        if pid.isdigit() and not _alive(int(pid)):
            scratch.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # someone else's process
        return True
    return True


def _read_only(path: Path) -> bool:
    """True for a file its owner made read-only (``chmod a-w``), even when run as root."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return False
    return not mode & 0o222 or not os.access(path, os.W_OK)


def _control_character(text: str) -> str | None:
    """The first character of ``text`` an annotation cannot hold as typed, described: a
    control character other than a newline or tab, or a Unicode line or paragraph
    separator (YAML 1.1 readers break lines there)."""
    for char in text:
        category = unicodedata.category(char)
        if char not in "\n\t" and category == "Cc":
            return f"a control character (U+{ord(char):04X})"
        if category in ("Zl", "Zp"):
            return f"a Unicode line separator (U+{ord(char):04X}), which YAML reads as a line break"
    return None


def _check_change(change: Change) -> None:
    """Refuse what a note or tag cannot hold, blaming the option rather than the file."""
    if change.note is not None and not change.note.strip():
        raise AnnotateError("--note is empty")
    for option, values in (("--note", [change.note or ""]), ("--tag", change.tags)):
        for value in values:
            found = _control_character(value)
            if found is not None:
                raise AnnotateError(f"{option} holds {found}; remove it and run again")


def annotate(settings: Settings, key: str, change: Change, file: Path | None = None) -> Outcome:
    """Create or update ``key``'s annotation; the file changes only if the result validates.

    Other ``sitegen annotate`` runs wait on a lock (``LOCK_FILE``) from the read to the
    replace; an edit made meanwhile without the lock (an editor's save) is seen by
    comparing the file's bytes just before replacing it, and the change is made again
    on the new text, so neither edit is lost.
    """
    keys, slugs = _known(settings)
    if key not in keys:
        close = closest_keys(key, keys)
        hint = f"; did you mean {' or '.join(repr(k) for k in close)}?" if close else ""
        raise AnnotateError(f"unknown paper key {key!r}{hint}")
    if change.note is not None:  # a note pasted from a Windows clipboard ends lines in CR LF
        change = replace(change, note=change.note.replace("\r\n", "\n").replace("\r", "\n"))
    _check_change(change)
    lock = settings.root / CACHE_DIR / LOCK_FILE
    try:
        with exclusive(lock):
            for _ in range(ATTEMPTS):
                outcome = _annotate_once(settings, key, change, file, keys, slugs)
                if outcome is not None:
                    return outcome
    except HolderStopped as exc:
        raise AnnotateError(f"cannot annotate: {exc}") from exc
    except OSError as exc:  # disk full, read-only project: one line, nothing half-written
        where = display_path(Path(exc.filename), settings.root) if exc.filename else "annotate"
        space = exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM)
        advice = "free some space or make the project writable" if space else "fix that path"
        raise AnnotateError(
            f"{where}: {exc.strerror or exc}; nothing was changed ({advice}, then run again)"
        ) from exc
    raise AnnotateError(
        "the annotation file kept changing while annotating; nothing was written, run again"
    )


def _annotate_once(
    settings: Settings,
    key: str,
    change: Change,
    file: Path | None,
    keys: list[str],
    slugs: list[str],
) -> Outcome | None:
    """Read, edit, validate and replace once; None when the file changed meanwhile."""
    existing = annotating_file(settings, key)
    target = _target(settings, file)
    if existing is not None and file is not None and existing.resolve() != target.resolve():
        raise AnnotateError(
            f"{key!r} is already annotated in {display_path(existing, settings.root)}; "
            "leave out --file to update it there"
        )
    path = existing or target
    shown = display_path(path, settings.root)
    if _read_only(path):
        raise AnnotateError(f"{shown} is read-only; nothing was changed (make it writable first)")
    raw = _bytes(path)
    bom = raw.startswith(b"\xef\xbb\xbf")
    try:
        old = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise AnnotateError(f"{shown} is not UTF-8 text") from exc
    try:
        new = edit_text(old, key, change)
    except EditError as exc:
        if exc.line is None:
            raise AnnotateError(f"{shown}: {exc.message}") from exc
        raise AnnotateError(problems=[Problem(shown, exc.line, exc.message)]) from exc
    problems = _validate(settings, path, new, keys, slugs)
    errors = [p for p in problems if p.severity is Severity.ERROR]
    if errors:
        raise AnnotateError(f"{shown} left unchanged", errors)

    def unchanged() -> bool:  # not saved by hand since it was read
        return _bytes(path) == raw

    if not (_write(path, new, bom, unchanged) if new != old else unchanged()):
        return None  # make the change again on what was saved
    return Outcome(
        file=shown,
        line=key_line(new, key) or 1,
        created=existing is None,
        changed=new != old,
        warnings=tuple(p for p in problems if p.severity is not Severity.ERROR),
    )


def _bytes(path: Path) -> bytes:
    """The file's bytes; nothing for a file not there yet."""
    try:
        return read_regular(path)
    except FileNotFoundError:
        return b""
