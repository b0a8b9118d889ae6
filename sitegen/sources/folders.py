"""Input folders walked as a user sees them: symlinked subfolders followed, loops refused.

A user may link a shared folder of annotations into ``content/annotations/``; Python's
``rglob`` (3.11) and ``os.walk`` do not enter linked folders, so its files were left out
without a word, and the build's input signature missed edits there. Following links
needs a guard: a link back to a folder that holds it would be walked for ever, and
links that fan out (``a/x``, ``a/y`` both to ``b``, and so on down) would be walked an
exponential number of times. So each real folder is listed once, and a link leading back
to a folder that holds it is a loop, reported by ``unreadable_names`` and not entered.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

Listing = tuple[Path, list[os.DirEntry[str]]]
"""A folder (as reached from the top, through links) and its entries, sorted by name."""
LINKED_INPUT = "content"
"""The one input folder read through folder links (a shared folder of annotations
linked in); the others are read as ``os.walk`` walks them."""
FOLLOWED_FOLDERS = 2_000
"""Folders a walk through links enters at most: a link to ``/`` or a home folder among
the annotations would otherwise walk the whole disk (a build that never ends)."""


def folders_under(
    top: Path,
    loops: list[Path] | None = None,
    *,
    follow: bool = True,
    cut: list[Path] | None = None,
) -> Iterator[Listing]:
    """``top`` and every folder under it, depth first in name order, with its entries.

    A symlinked folder is entered like any other, under its link's name, and a hidden
    one (``.git`` of a linked notes repository) is not, as no reader of ``content/``
    reads one; without ``follow``, as ``os.walk``, every folder but a linked one is
    entered. A folder reached a second time through another link is not listed again.
    A link to a folder that holds it (a loop) is added to ``loops`` and not entered. An
    unreadable folder, or ``top`` not being one, gives nothing: the readers report that.
    Following links, the walk stops after ``FOLLOWED_FOLDERS`` folders, adding ``top``
    to ``cut``.
    """

    def enter(entry: os.DirEntry[str]) -> bool:
        if not _is_folder(entry):
            return False
        return entry.name[:1] != "." if follow else not entry.is_symlink()

    seen: set[tuple[int, int]] = set()
    stack: list[tuple[Path, frozenset[tuple[int, int]]]] = [(top, frozenset())]
    while stack:
        folder, holders = stack.pop()
        try:
            info = os.stat(folder)
            with os.scandir(folder) as listing:
                entries = sorted(listing, key=lambda entry: entry.name)
        except (OSError, ValueError):
            continue
        real = (info.st_dev, info.st_ino)
        if real in holders:
            if loops is not None:
                loops.append(folder)
            continue
        if real in seen:
            continue
        if follow and len(seen) == FOLLOWED_FOLDERS:
            if cut is not None:
                cut.append(top)
            return
        seen.add(real)
        yield folder, entries
        inner = holders | {real}
        stack.extend((Path(entry.path), inner) for entry in reversed(entries) if enter(entry))


def input_files(root: Path, name: str) -> Iterator[Path]:
    """Every file of the input folder ``name`` as builds read it (``files_under``,
    through links only for ``LINKED_INPUT``)."""
    return files_under(root / name, follow=name == LINKED_INPUT)


def _is_folder(entry: os.DirEntry[str], follow: bool = True) -> bool:
    try:
        return entry.is_dir(follow_symlinks=follow)
    except OSError:
        return False


def files_under(top: Path, *, follow: bool = True) -> Iterator[Path]:
    """Every file under ``top`` (``folders_under``), a folder's files before its
    subfolders' in name order; without ``follow``, a link to a folder is listed as a
    file, as ``os.walk`` lists it among the folders it does not enter."""
    for folder, entries in folders_under(top, follow=follow):
        for entry in entries:
            if not _is_folder(entry, follow):
                yield folder / entry.name
