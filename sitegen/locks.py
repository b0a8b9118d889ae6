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


def process_state(pid: int) -> tuple[bytes, int] | None:
    """A process's state letter (``T`` when stopped) and the CPU time it has used, in
    clock ticks, from Linux's ``/proc``; None where that cannot be read (another system,
    or no such process)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            fields = stat.read().rsplit(b")", 1)[1].split()
        return fields[0], int(fields[11]) + int(fields[12])  # state, utime + stime
    except (OSError, IndexError, ValueError):
        return None


def _stopped(pid: int | None) -> bool:
    """Whether process ``pid`` is stopped (elsewhere than Linux: never known)."""
    state = process_state(pid) if pid is not None else None
    return state is not None and state[0] in (b"T", b"t")


def _wait(fd: int, lock: Path, stop: threading.Event | None) -> bool:
    """Take the lock once its holder lets it go: True; False if ``stop`` is set first.
    ``HolderStopped`` if the holder stays stopped for ``STOPPED_SECONDS`` (a build
    suspended with Ctrl-Z and forgotten)."""
    stopped_since: float | None = None
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            pass
        pid = holder(lock)
        if not _stopped(pid):
            stopped_since = None
        elif stopped_since is None:
            stopped_since = time.monotonic()
        elif time.monotonic() - stopped_since > STOPPED_SECONDS:
            raise HolderStopped(pid or 0)
        if stop is None:
            time.sleep(POLL_SECONDS)
        elif stop.wait(POLL_SECONDS):
            return False


@contextlib.contextmanager
def exclusive(
    lock: Path,
    waiting: Callable[[int | None], None] | None = None,
    stop: threading.Event | None = None,
) -> Iterator[bool]:
    """Hold ``lock`` for the ``with`` block; if another process holds it, call
    ``waiting`` with its process id, then wait for it (``HolderStopped`` if it is
    stopped and stays so). With ``stop``, wait only until it is set (a thread that must
    not hold up its process's exit, such as ``sitegen serve``'s search indexing); yields
    whether the lock is held."""
    if sys.platform == "win32":  # no flock: compare-before-replace still guards edits
        yield stop is None or not stop.is_set()
        return
    lock.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            held = True
        except BlockingIOError:
            if waiting is not None:
                waiting(holder(lock))
            held = _wait(fd, lock, stop)
        if held:
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        yield held
    finally:
        os.close(fd)
