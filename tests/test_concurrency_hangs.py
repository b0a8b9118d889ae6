"""Whatever sitegen waits for ends the wait: a Pagefind that stops answering is ended
and the build fails saying so, the pages written; a lock whose holder is stopped is
a message naming the process, not a wait for ever."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

import sitegen.locks
import sitegen.search.service
from sitegen.annotate import LOCK_FILE
from sitegen.cache import CACHE_DIR
from sitegen.output_guard import lock_path

from .conftest import ZEBRA, ZEBRA_KEY, build_within, run_within, wait_for


@pytest.mark.parametrize("stuck", ["exec sleep 600", "exec 3>&1; exec cat > /dev/null"])
def test_a_pagefind_that_stops_answering_ends_the_build_with_a_message(
    make_project: Callable[..., Path], monkeypatch: pytest.MonkeyPatch, stuck: str
) -> None:
    root = make_project({"seeds/a.txt": ZEBRA})
    fake = root.parent / "pagefind"
    pid_file = root.parent / "pagefind.pid"
    fake.write_text(f"#!/bin/sh\necho $$ > '{pid_file}'\n{stuck}\n", encoding="utf-8")
    fake.chmod(0o755)
    monkeypatch.setenv("PAGEFIND_BINARY_PATH", str(fake))
    monkeypatch.setattr(sitegen.search.service, "STALL_SECONDS", 1.0)
    result = build_within(60, root)
    assert result.exit_code == 1
    assert "Pagefind could not index: it stopped answering" in result.output
    assert (root / "_site" / "index.html").is_file()  # the pages stay written
    pid = int(pid_file.read_text())
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def test_without_cpu_times_a_slow_pagefind_is_waited_for(
    make_project: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Where a process's CPU time cannot be read (macOS), silence is no sign of a hang: a
    # large shard keeps Pagefind from answering for minutes.
    root = make_project({"seeds/a.txt": ZEBRA})
    real = sitegen.search.service.pagefind_binary()
    slow = root.parent / "pagefind"
    slow.write_text(f"#!/bin/sh\nsleep 3\nexec '{real}' \"$@\"\n", encoding="utf-8")
    slow.chmod(0o755)
    monkeypatch.setenv("PAGEFIND_BINARY_PATH", str(slow))
    monkeypatch.setattr(sitegen.search.service, "STALL_SECONDS", 1.0)
    monkeypatch.setattr(sitegen.search.service, "process_state", lambda pid: None)
    result = build_within(60, root)
    assert result.exit_code == 0, result.output
    assert (root / "_site" / "pagefind" / "shards.json").is_file()


HOLD = """
import fcntl, os, signal, sys
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT)
fcntl.flock(fd, fcntl.LOCK_EX)
os.pwrite(fd, f"{os.getpid()}\\n".encode(), 0)
os.kill(os.getpid(), signal.SIGSTOP)
"""


def _stopped_holder(lock: Path) -> subprocess.Popen[bytes]:
    """A process that takes ``lock`` and stops itself (a build suspended with Ctrl-Z)."""
    lock.parent.mkdir(parents=True, exist_ok=True)
    process = subprocess.Popen([sys.executable, "-c", HOLD, str(lock)])

    def stopped() -> bool:
        stat = Path(f"/proc/{process.pid}/stat").read_bytes()
        return stat.rsplit(b")", 1)[1].split()[0] == b"T"

    wait_for(stopped, timeout=60)
    return process


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux's /proc")
@pytest.mark.parametrize("command", ["build", "annotate"])
def test_a_lock_held_by_a_stopped_process_is_a_message_not_a_wait_for_ever(
    make_project: Callable[..., Path], monkeypatch: pytest.MonkeyPatch, command: str
) -> None:
    root = make_project({"seeds/a.txt": ZEBRA})
    monkeypatch.setattr(sitegen.locks, "STOPPED_SECONDS", 0.5)
    if command == "build":
        lock = lock_path(root, root / "_site")
        args = ["build"]
    else:
        lock = root / CACHE_DIR / LOCK_FILE
        args = ["annotate", ZEBRA_KEY, "--status", "read"]
    holder = _stopped_holder(lock)
    try:
        result = run_within(60, root, *args)
    finally:
        holder.kill()
        holder.wait()
    assert result.exit_code == 1
    assert f"process {holder.pid} holds the lock and is stopped" in result.output
    assert f"kill -CONT {holder.pid}" in result.output


def test_fifos_in_the_build_cache_cost_time_not_a_hang(
    make_project: Callable[..., Path],
) -> None:
    notes = "content/annotations/notes.yaml"
    root = make_project({"seeds/a.txt": ZEBRA, notes: f"{ZEBRA_KEY}:\n  summary: First\n"})
    assert build_within(60, root).exit_code == 0
    stages = sorted((root / CACHE_DIR / "stages").glob("*.pickle"))
    assert stages
    for stage in stages:
        stage.unlink()
        os.mkfifo(stage)
    (root / notes).write_text(f"{ZEBRA_KEY}:\n  summary: Second\n", encoding="utf-8")
    assert build_within(60, root).exit_code == 0
    page = root / "_site" / "papers" / ZEBRA_KEY / "index.html"
    assert "Second" in page.read_text(encoding="utf-8")
