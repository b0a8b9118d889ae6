"""Whatever sitegen waits for ends the wait: a Pagefind that stops answering is ended
and the build fails saying so, the pages written."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

import sitegen.search.service

from .conftest import ZEBRA, build_within


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
    monkeypatch.setattr(sitegen.search.service, "_cpu_ticks", lambda pid: None)
    result = build_within(60, root)
    assert result.exit_code == 0, result.output
    assert (root / "_site" / "pagefind" / "shards.json").is_file()
