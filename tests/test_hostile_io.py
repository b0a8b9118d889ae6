"""Hostile files and folders where inputs and outputs belong: a clear one-line error
naming the path, never a hang, a traceback or a damaged last good site."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from sitegen.cli import cli
from tests.conftest import REPO
from tests.test_hostile import ZEBRA, ZEBRA_KEY, build, build_within, files

Project = Callable[..., Path]


def run_within(seconds: float, root: Path, *args: str) -> Result:
    """``sitegen -C root ARGS`` in a thread, failing if it runs over ``seconds``."""
    results: list[Result] = []
    worker = threading.Thread(
        target=lambda: results.append(CliRunner().invoke(cli, ["-C", str(root), *args])),
        daemon=True,
    )
    worker.start()
    worker.join(seconds)
    assert not worker.is_alive(), f"sitegen {args[0]} still runs after {seconds} s"
    assert "Traceback" not in results[0].output
    return results[0]


@pytest.mark.parametrize("name", ["sitegen.yaml", "content/topics.yaml"])
def test_a_fifo_where_an_input_file_belongs_is_an_error_not_a_hang(
    make_project: Project, name: str
) -> None:
    root = make_project({"seeds/a.txt": ZEBRA, "sitegen.yaml": "title: Z\n"})
    assert build(root).exit_code == 0
    before = files(root / "_site")
    (root / name).unlink(missing_ok=True)
    os.mkfifo(root / name)
    result = build_within(60, root)
    assert result.exit_code == 1, result.output
    assert f"{name}: error: cannot read file: not a regular file" in result.output
    assert files(root / "_site") == before


def test_annotate_into_a_fifo_is_an_error_not_a_hang(make_project: Project) -> None:
    root = make_project({"seeds/a.txt": ZEBRA})
    os.mkfifo(root / "content" / "annotations" / "a.yaml")
    result = run_within(
        60, root, "annotate", ZEBRA_KEY, "--status", "read", "--file", "content/annotations/a.yaml"
    )
    assert result.exit_code == 1, result.output
    assert "content/annotations/a.yaml: not a regular file" in result.output
    assert "free some space" not in result.output


@pytest.mark.parametrize("out", ["/", "."])
def test_an_output_dir_holding_the_project_is_refused_before_anything_is_touched(
    make_project: Project, out: str
) -> None:
    root = make_project({"seeds/a.txt": ZEBRA, "sitegen.yaml": f"output_dir: {out}\n"})
    beside = root.with_name(root.name + ".sitegen-staging")  # as a build's leftovers are named
    beside.mkdir()
    (beside / "thesis.tex").write_text("years of work")
    result = build(root)
    assert result.exit_code == 1, result.output
    assert "it holds the project itself" in result.output
    assert (beside / "thesis.tex").read_text() == "years of work"


def test_a_build_killed_mid_swap_leaves_the_last_good_site_to_a_failing_next_build(
    make_project: Project,
) -> None:
    root = make_project({"seeds/a.txt": ZEBRA})
    assert build(root).exit_code == 0
    before = files(root / "_site")
    killed = subprocess.run(
        [sys.executable, "-m", "tests.killpoints", "swap", "-C", str(root), "build", "--clean"],
        capture_output=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        cwd=REPO,
        timeout=300,
    )
    assert killed.returncode == -signal.SIGKILL
    (root / "content" / "annotations" / "a.yaml").write_text(f"{ZEBRA_KEY}:\n  rating: [\n")
    result = build(root)
    assert result.exit_code == 1
    assert "content/annotations/a.yaml:3: error:" in result.output
    assert files(root / "_site") == before
    assert sorted(p.name for p in root.iterdir() if p.name.startswith("_site")) == ["_site"]
