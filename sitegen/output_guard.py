"""One build at a time per output folder, never into an input folder, OS errors in one line.

``guarded`` wraps ``build_site``: before anything is read it refuses an output
folder inside an input folder (the site would copy itself into itself on every
build), then takes an exclusive lock on the output folder (a second ``sitegen
build``, or one started while ``sitegen serve`` is building, says which process
holds it and waits), removes the staging, pending and old folders a killed build
left, makes the build after a killed one a clean one (the pages, records and
search index a killed build leaves are not to be trusted), and turns an
operating-system error (disk full, read-only file system, permission denied)
into ``OutputError``: one line naming the path and what to do.

The lock file is ``.sitegen-cache/output-<hash of the output path>.lock``
(``sitegen.locks``): outside the output folder, which a full build swaps whole.
Beside it, ``.unfinished`` exists while a build runs.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import hashlib
import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Concatenate, ParamSpec, TypeVar

import click

from sitegen.cache import CACHE_DIR
from sitegen.locks import HolderStopped, exclusive
from sitegen.model import InputError
from sitegen.output import MARKER, OutputRefused, check_output_folder
from sitegen.settings import INPUT_FOLDERS, Settings

LEFTOVERS = (".sitegen-staging", ".sitegen-pending", ".sitegen-old", ".sitegen-index")
"""Folders a build makes beside the output (``<out>.sitegen-staging``, ...)."""

_ADVICE = {
    errno.ENOSPC: "the disk is full: free some space and build again",
    errno.EDQUOT: "the disk quota is used up: free some space and build again",
    errno.EROFS: "the file system is read-only: choose another --out",
    errno.EACCES: "permission denied: make the folder writable or choose another --out",
    errno.EPERM: "not permitted: make the folder writable or choose another --out",
    errno.ENOTDIR: "a file stands where a folder belongs: move it away and build again",
    errno.EEXIST: "a file stands where a folder belongs: move it away and build again",
    errno.EISDIR: "a folder stands where a file belongs: move it away and build again",
    errno.ENAMETOOLONG: "a name is too long for this file system: choose a shorter --out",
}

P = ParamSpec("P")
R = TypeVar("R")


class OutputError(OutputRefused):
    """The operating system refused a write (or read) of the build: one line, exit 1."""


def refuse_inside_inputs(output: Path, root: Path) -> None:
    """Refuse an output folder inside one of the project's input folders."""
    resolved = output.resolve()
    for name in INPUT_FOLDERS:
        folder = (root / name).resolve()
        if resolved == folder or folder in resolved.parents:
            raise OutputRefused(
                f"refusing to build into {output}: it is inside {name}/, an input folder, "
                "so the site would copy itself into itself on every build; choose an output "
                f"outside {', '.join(f + '/' for f in INPUT_FOLDERS)}"
            )


def lock_path(root: Path, output: Path) -> Path:
    """The lock file of an output folder."""
    digest = hashlib.blake2b(os.fsencode(output.resolve()), digest_size=8).hexdigest()
    return root / CACHE_DIR / f"output-{digest}.lock"


def remove_leftovers(output: Path) -> None:
    """Delete what a killed or failed build left beside the output folder, and the
    scratch folders of its steps inside it (``.pagefind-staging``: hidden, ending in
    ``-staging`` or ``-old``).

    A build killed between moving the old site aside and moving the new one in left
    no output, and the old site as ``<out>.sitegen-old``: that is the last good site,
    put back rather than deleted (the next build may well fail on its inputs).
    """
    old = output.with_name(output.name + ".sitegen-old")
    if not output.exists() and (old / MARKER).is_file():
        old.rename(output)
    for suffix in LEFTOVERS:
        shutil.rmtree(output.with_name(output.name + suffix), ignore_errors=True)
    if (output / MARKER).is_file():
        for folder in output.glob(".*"):
            if folder.name.endswith(("-staging", "-old")) and folder.is_dir():
                shutil.rmtree(folder, ignore_errors=True)


def os_error(exc: OSError, output: Path) -> OutputError:
    """An OS error as one line: the path, what happened, what to do."""
    path = exc.filename or output
    what = _ADVICE.get(exc.errno or 0) or f"{exc.strerror or exc}: check the path and build again"
    return OutputError(f"{path}: {what}")


def _waiting(output: Path) -> Callable[[int | None], None]:
    def say(pid: int | None) -> None:
        holder = f"process {pid}" if pid else "another process"
        click.echo(f"waiting for {holder}, which is building {output}", err=True)

    return say


@contextlib.contextmanager
def _locked(lock: Path, output: Path) -> Iterator[None]:
    """The output's lock, waited for while its holder builds (not while it is stopped)."""
    try:
        with exclusive(lock, _waiting(output)):
            yield
    except HolderStopped as exc:
        raise OutputRefused(f"cannot build {output}: {exc}") from exc


def guarded(
    build: Callable[Concatenate[Settings, P], R],
) -> Callable[Concatenate[Settings, P], R]:
    """``build`` run under the output folder's lock, with leftovers removed first and OS
    errors as ``OutputError``."""

    @functools.wraps(build)
    def run(settings: Settings, /, *args: P.args, **kwargs: P.kwargs) -> R:
        output = settings.output_path
        try:
            refuse_inside_inputs(output, settings.root)
            check_output_folder(output, settings.root)  # before anything beside it is deleted
            lock = lock_path(settings.root, output)
            with _locked(lock, output):
                remove_leftovers(output)
                unfinished = lock.with_suffix(".unfinished")
                if unfinished.exists():  # the last build was killed: trust none of it
                    kwargs["clean"] = True
                unfinished.touch()
                try:
                    result = build(settings, *args, **kwargs)
                except (InputError, OutputRefused):  # nothing was written
                    unfinished.unlink()
                    raise
                except OSError as exc:
                    remove_leftovers(output)
                    raise os_error(exc, output) from exc
                unfinished.unlink()
                return result
        except OSError as exc:  # the lock itself: a read-only project, say
            raise os_error(exc, output) from exc

    return run
