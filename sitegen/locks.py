"""Exclusive locks between sitegen processes: ``flock`` on a small lock file.

The lock file holds the process id of its holder, so a process that must wait
can say whom it waits for. The lock goes with its holder: a process killed with
``kill -9`` releases it (the kernel closes its files), so there is no stale lock
to clean up, and the lock file itself stays (unlinking it would let two
processes lock two different files of the same name).
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

if sys.platform != "win32":
    import fcntl


def holder(lock: Path) -> int | None:
    """The process id written in a lock file, if any."""
    try:
        return int(lock.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


STOPPED_SECONDS = 5.0
"""A holder stopped (suspended) this long is not waited for: it may never go on."""
POLL_SECONDS = 0.1


class HolderStopped(Exception):
    """The process holding a lock is stopped, so waiting for it could last for ever."""

    def __init__(self, pid: int) -> None:
        super().__init__(
            f"process {pid} holds the lock and is stopped (suspended, as by Ctrl-Z): "
            f"resume it (fg, or kill -CONT {pid}) or end it, then run this again"
        )
        self.pid = pid


def _stopped(pid: int | None) -> bool:
    """Whether process ``pid`` is stopped (Linux's /proc; elsewhere never known)."""
    if pid is None:
        return False
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            return stat.read().rsplit(b")", 1)[1].split()[0] in (b"T", b"t")
    except (OSError, IndexError):
        return False


def _wait(fd: int, lock: Path) -> None:
    """Take the lock once its holder lets it go; ``HolderStopped`` if the holder stays
    stopped for ``STOPPED_SECONDS`` (a build suspended with Ctrl-Z and forgotten)."""
    stopped_since: float | None = None
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            pass
        pid = holder(lock)
        if not _stopped(pid):
            stopped_since = None
        elif stopped_since is None:
            stopped_since = time.monotonic()
        elif time.monotonic() - stopped_since > STOPPED_SECONDS:
            raise HolderStopped(pid or 0)
        time.sleep(POLL_SECONDS)


@contextlib.contextmanager
def exclusive(lock: Path, waiting: Callable[[int | None], None] | None = None) -> Iterator[None]:
    """Hold ``lock`` for the ``with`` block; if another process holds it, call
    ``waiting`` with its process id, then wait for it (``HolderStopped`` if it is
    stopped and stays so)."""
    if sys.platform == "win32":  # no flock: compare-before-replace still guards edits
        yield
        return
    lock.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if waiting is not None:
                waiting(holder(lock))
            _wait(fd, lock)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        yield
    finally:
        os.close(fd)


@contextlib.contextmanager
def exclusive_unless(lock: Path, stop: threading.Event, poll: float = 0.1) -> Iterator[bool]:
    """Hold ``lock`` for the ``with`` block, waiting for it until ``stop`` is set; yields
    whether it is held (a thread that must not hold up its process's exit, such as
    ``sitegen serve``'s search indexing, waits this way rather than for ever)."""
    if sys.platform == "win32":
        yield not stop.is_set()
        return
    lock.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                if stop.wait(poll):
                    break
                continue
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
            yield True
            return
        yield False
    finally:
        os.close(fd)
