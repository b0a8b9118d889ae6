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


@contextlib.contextmanager
def exclusive(lock: Path, waiting: Callable[[int | None], None] | None = None) -> Iterator[None]:
    """Hold ``lock`` for the ``with`` block; if another process holds it, call
    ``waiting`` with its process id, then wait for it."""
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
            fcntl.flock(fd, fcntl.LOCK_EX)
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
