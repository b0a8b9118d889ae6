"""Builds under faults: killed, concurrent, out of disk, aimed at an input folder."""

from __future__ import annotations

import contextlib
import errno
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import sitegen.workers
from sitegen.cli import cli
from sitegen.locks import exclusive
from sitegen.output_guard import lock_path

from .conftest import MIRAGE, REPO, tree

ENV = {**os.environ, "PYTHONPATH": str(REPO)}
SEEDS = {
    "seeds/000_dump.txt": (
        "Abstract:We introduce Mirage, an audio-to-video foundation model that turns speech "
        "into talking-head video.\n"
        "Abstract:We present Tulu 3, a family of open post-trained language models.\n"
        "Abstract:We study diffusion forcing for video generation with causal models.\n"
    ),
    "content/topics.yaml": "- slug: video\n  name: Video\n  keywords: [video]\n",
    "content/annotations/notes.yaml": (f"{MIRAGE}:\n  status: read\n  rating: 4\n"),
}


def build(root: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["-C", str(root), "build", *args])
    return result.exit_code, result.stderr


def leftovers(out: Path) -> list[str]:
    return sorted(p.name for p in out.parent.iterdir() if p.name.startswith(out.name + "."))


@pytest.mark.parametrize("inside", ["static/site", "seeds/out", "content", "templates/x/y"])
def test_an_output_inside_an_input_folder_is_refused(
    make_project: Callable[..., Path], inside: str
) -> None:
    root = make_project(SEEDS)
    (root / "static").mkdir()
    code, err = build(root, "--out", str(root / inside))
    assert code == 1
    assert f"it is inside {inside.split('/')[0]}/, an input folder" in err
    assert not (root / inside / "index.html").exists()


def test_an_output_folder_in_the_project_root_is_fine(make_project: Callable[..., Path]) -> None:
    root = make_project(SEEDS)
    code, err = build(root, "--out", str(root / "public"))
    assert code == 0, err
    assert (root / "public" / "index.html").is_file()


def test_a_second_build_names_the_process_building_and_waits(
    make_project: Callable[..., Path],
) -> None:
    root = make_project(SEEDS)
    out = root / "_site"
    with exclusive(lock_path(root, out)):
        second = subprocess.Popen(
            [sys.executable, "-m", "sitegen", "-C", str(root), "build"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=ENV,
        )
        assert second.stderr is not None
        first_line = second.stderr.readline()
        assert first_line == f"waiting for process {os.getpid()}, which is building {out}\n"
        assert not out.exists()  # it waits for the lock before touching anything
    stdout, stderr = second.communicate(timeout=300)
    assert second.returncode == 0, stderr
    assert "built" in stdout and (out / "index.html").is_file()


def test_leftovers_of_a_killed_build_are_removed_by_the_next(
    make_project: Callable[..., Path],
) -> None:
    root = make_project(SEEDS)
    out = root / "_site"
    assert build(root)[0] == 0
    for suffix in (".sitegen-staging", ".sitegen-pending", ".sitegen-old", ".sitegen-index"):
        (out.with_name(out.name + suffix) / "papers").mkdir(parents=True)
        (out.with_name(out.name + suffix) / "papers" / "half.html").write_text("<p>half")
    (out / ".pagefind-staging").mkdir()
    (out / ".pagefind-staging" / "pagefind.js").write_text("half")
    code, err = build(root)  # nothing changed: the build stops early, and still tidies up
    assert code == 0, err
    assert leftovers(out) == []
    assert not (out / ".pagefind-staging").exists()


@pytest.mark.parametrize(
    ("number", "advice"),
    [
        (errno.ENOSPC, "the disk is full: free some space and build again"),
        (errno.EROFS, "the file system is read-only: choose another --out"),
        (errno.EACCES, "permission denied: make the folder writable or choose another --out"),
    ],
)
def test_os_errors_are_one_line_naming_the_path(
    make_project: Callable[..., Path], monkeypatch: pytest.MonkeyPatch, number: int, advice: str
) -> None:
    root = make_project(SEEDS)
    out = root / "_site"
    assert build(root)[0] == 0
    before = tree(out)

    def refuse(path: Path, chunks: Any) -> int:
        raise OSError(number, os.strerror(number), str(path))

    monkeypatch.setattr(sitegen.workers, "_write_chunks", refuse)
    code, err = build(root, "--clean")
    assert code == 1
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith(f"error: {out}.sitegen-staging/") and lines[0].endswith(advice)
    assert tree(out) == before  # the last good site is untouched
    assert leftovers(out) == []


def test_a_file_where_the_output_folder_belongs(make_project: Callable[..., Path]) -> None:
    root = make_project(SEEDS)
    (root / "blocked").write_text("a file, not a folder")
    code, err = build(root, "--out", str(root / "blocked" / "site"))
    assert code == 1
    assert err.splitlines() == [
        f"error: {root / 'blocked' / 'site.sitegen-staging'}: "
        "a file stands where a folder belongs: move it away and build again"
    ]


def many_papers(count: int) -> dict[str, str]:
    """A project of ``count`` papers: enough pages to render in worker processes."""
    lines = "".join(
        f"Abstract:We study problem number {n} of video generation with method {n * 7919}.\n"
        for n in range(count)
    )
    return {"seeds/000_many.txt": lines, "content/topics.yaml": SEEDS["content/topics.yaml"]}


def children(pid: int) -> set[int]:
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):
            found.update(int(c) for c in (task / "children").read_text().split())
    return found


def alive(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return "\nState:\tZ" not in status


@pytest.mark.skipif(sys.platform != "linux", reason="reads /proc")
def test_render_workers_end_with_a_killed_build(make_project: Callable[..., Path]) -> None:
    root = make_project(many_papers(400))
    build_process = subprocess.Popen(
        [sys.executable, "-m", "sitegen", "-C", str(root), "build", "--jobs", "2"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=ENV,
    )
    workers: set[int] = set()
    try:
        for _ in range(12_000):  # until the workers are rendering (bounded: ~10 minutes)
            workers = children(build_process.pid)
            if len(workers) >= 2 or build_process.poll() is not None:
                break
            time.sleep(0.05)
        assert len(workers) >= 2, "the build ended without starting render workers"
    finally:
        build_process.send_signal(signal.SIGKILL)
        build_process.wait()
    for _ in range(600):  # the kernel ends them at once; allow a loaded machine 30 s
        if not any(alive(pid) for pid in workers):
            break
        time.sleep(0.05)
    survivors = [pid for pid in workers if alive(pid)]
    for pid in survivors:
        os.kill(pid, signal.SIGKILL)
    assert survivors == []


@pytest.mark.parametrize("point", ["render", "write", "swap", "index"])
def test_a_build_killed_midway_is_made_good_by_the_next(
    make_project: Callable[..., Path], point: str
) -> None:
    root = make_project(SEEDS)
    out = root / "_site"
    if point == "write":  # an incremental build, after an edit that changes several pages
        assert build(root)[0] == 0
        notes = root / "content" / "annotations" / "notes.yaml"
        notes.write_text(notes.read_text().replace("rating: 4", "rating: 2"))
    elif point in ("swap", "index"):
        assert build(root)[0] == 0
        args = ["--clean"] if point == "swap" else []
        (root / "seeds" / "001_more.txt").write_text("Abstract:We add one more video paper.\n")
    killed = subprocess.run(
        [sys.executable, "-m", "tests.killpoints", point, "-C", str(root), "build"]
        + (args if point in ("swap", "index") else []),
        capture_output=True,
        text=True,
        env=ENV,
        cwd=REPO,
        timeout=300,
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    code, err = build(root)
    assert code == 0, err
    assert leftovers(out) == []
    recovered = tree(out)
    assert build(root, "--clean")[0] == 0  # a clean build at the same place
    assert recovered == tree(out)  # every byte, the search index's bundle included
