"""What counts as an edit: the watched folders, editor temp files, and watchdog's events.

``Preview`` watches the project root (for ``sitegen.yaml``) and each of
``INPUT_FOLDERS``; ``EditForwarder`` passes every created, modified, deleted
or moved path on, and ``is_editor_temp`` names the swap and backup files an
editor writes while saving, which must not trigger a rebuild.
"""

from __future__ import annotations

import contextlib
import functools
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer

from sitegen.settings import INPUT_FOLDERS, SETTINGS_FILE
from sitegen.sources.folders import LINKED_INPUT, folders_under, input_files

DEBOUNCE = 0.2
"""Seconds of quiet after the last change before rebuilding: one build per burst of saves."""


def is_editor_temp(name: str) -> bool:
    """Swap, backup and probe files editors write next to the file being saved."""
    return (
        name.startswith((".#", ".sitegen"))
        or name.endswith(("~", ".swp", ".swo", ".swx", ".swpx", "___jb_tmp___", "___jb_old___"))
        or name == "4913"  # vim's probe for a writable folder
        or (name.startswith(".") and name.endswith((".tmp", ".kate-swp")))
    )


class EditForwarder(FileSystemEventHandler):
    """Forward edits to the preview; reads (opened/closed events) are not edits."""

    def __init__(self, changed: Callable[[str], None]) -> None:
        self.changed = changed

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type not in ("created", "modified", "deleted", "moved"):
            return
        if event.is_directory and event.event_type == "modified":
            return
        paths = (
            [event.src_path, event.dest_path] if event.event_type == "moved" else [event.src_path]
        )
        for path in paths:
            if path:
                self.changed(os.fsdecode(path))


class Watcher:
    """Watchdog watching a project's root (for ``sitegen.yaml``) and its input folders,
    and the folders linked into ``content/`` (``watch_links``)."""

    def __init__(self, root: Path, changed: Callable[[str], None]) -> None:
        self.root = root
        self.changed = changed
        self._observer: Any = None
        self._watched: dict[str, Any] = {}
        self._links: dict[str, tuple[str, Any]] = {}
        """Link path → (the folder it leads to, its watch)."""

    def start(self) -> None:
        self._observer = Observer()
        self._observer.schedule(EditForwarder(self.changed), str(self.root), recursive=False)
        for name in INPUT_FOLDERS:
            self.watch_folder(name)
        self.watch_links()
        self._observer.start()

    def watch_links(self) -> None:
        """Watch each folder linked into ``content/`` (a shared folder of annotations,
        read by builds through its link): watchdog watches a link itself, not the
        folder it leads to, nor does it enter one. Each is watched where it leads, and
        its edits are passed on under the link's path. Call again when links may have
        come or gone."""
        if self._observer is None:
            return
        found: dict[str, str] = {}
        cut: list[Path] = []
        for _, entries in folders_under(self.root / LINKED_INPUT, cut=cut):
            for entry in entries:
                if entry.name[:1] != "." and entry.is_symlink() and os.path.isdir(entry.path):
                    found[entry.path] = os.path.realpath(entry.path)
        if cut:  # a link to a tree too big to walk (builds report it): watching it would be
            found = {}  # no better
        for link, (real, watch) in list(self._links.items()):
            if found.get(link) != real:
                del self._links[link]
                with contextlib.suppress(KeyError, ValueError):
                    self._observer.unschedule(watch)
        for link, real in found.items():
            if link not in self._links:
                forward = EditForwarder(functools.partial(self._through, link, real))
                watch = self._observer.schedule(forward, real, recursive=True)
                self._links[link] = (real, watch)

    def _through(self, link: str, real: str, path: str) -> None:
        """An edit in a linked folder, under the link's path."""
        if path == real or path.startswith(real + os.sep):
            self.changed(link + path[len(real) :])

    def watch_folder(self, name: str) -> None:
        """Watch an input folder (again, when it was created or replaced)."""
        folder = self.root / name
        if self._observer is None or not folder.is_dir():
            return
        old = self._watched.pop(name, None)
        if old is not None:
            with contextlib.suppress(KeyError, ValueError):
                self._observer.unschedule(old)
        self._watched[name] = self._observer.schedule(
            EditForwarder(self.changed), str(folder), recursive=True
        )

    def stop(self) -> None:
        if self._observer is not None:
            self._observer.stop()
            with contextlib.suppress(RuntimeError):  # never started
                self._observer.join(5)


Snapshot = dict[str, tuple[int, int, int]]


def snapshot(root: Path) -> Snapshot:
    """Size, modification and change time of every watched input, by path relative to
    ``root``.

    Taken before and after the first build: the watcher is started first, but an
    edit made while it was still setting up is found by comparing the two.
    """
    found: Snapshot = {}
    paths = [root / SETTINGS_FILE]
    for name in INPUT_FOLDERS:  # linked folders too, where builds read them
        paths.extend(input_files(root, name))
    for path in paths:
        with contextlib.suppress(OSError):
            stat = path.stat()
            found[path.relative_to(root).as_posix()] = (
                stat.st_size,
                stat.st_mtime_ns,
                stat.st_ctime_ns,  # a file replaced with its size and mtime kept
            )
    return found


def changed_since(before: Snapshot, after: Snapshot) -> list[str]:
    """Inputs added, removed or changed between two snapshots."""
    return sorted(
        name for name in before.keys() | after.keys() if before.get(name) != after.get(name)
    )
