"""``sitegen search`` output: laid out for the terminal's width, tab-separated for scripts."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

from sitegen.search.command import tab_separated, terminal_lines
from sitegen.search.terminal import Hit

from .conftest import MIRAGE, copy_sample_project

HITS = [
    Hit(
        MIRAGE,
        "Mirage: an audio-to-video foundation model",
        3.2,
        ("video-generation", "talking-heads"),
        "papers/mirage/",
        "content/annotations/video.yaml:12",
    ),
    Hit(
        "a-very-long-paper-key-that-goes-on-and-on-for-sixty-characte",
        "A title so long that no terminal of eighty columns could show it on one line at all",
        1.0,
        ("reinforcement-learning", "llm-agents", "alignment"),
        "papers/x/",
        "seeds/002_3c7b7a09f6373a5e.txt:4",
    ),
]


def test_each_result_is_title_then_key_topics_and_file_within_the_width() -> None:
    for width in (40, 60, 80, 120):
        lines = terminal_lines(HITS, width)
        assert 2 * len(HITS) <= len(lines) <= 3 * len(HITS)
        assert all(len(line) <= width for line in lines), (width, lines)
    wide = terminal_lines(HITS, 120)
    assert wide[0] == "Mirage: an audio-to-video foundation model"
    assert wide[1] == (
        f"  {MIRAGE} · video-generation, talking-heads · content/annotations/video.yaml:12"
    )
    narrow = terminal_lines(HITS, 80)
    assert narrow[2].endswith("…") and narrow[2].startswith("A title so long")
    # Topics give way before the key and the file to open, which get a line each.
    assert narrow[3:] == [
        "  a-very-long-paper-key-that-goes-on-and-on-for-sixty-characte",
        "  seeds/002_3c7b7a09f6373a5e.txt:4",
    ]


def test_scripts_get_one_tab_separated_line_per_result() -> None:
    assert tab_separated(HITS)[0] == "\t".join(
        (
            MIRAGE,
            "Mirage: an audio-to-video foundation model",
            "video-generation,talking-heads",
            "content/annotations/video.yaml:12",
        )
    )


def test_a_terminal_of_80_columns_gets_lines_that_fit(tmp_path: Path) -> None:
    root = copy_sample_project(tmp_path / "project")
    leader, follower = pty.openpty()
    env = {**os.environ, "COLUMNS": "80", "LINES": "40"}
    env["PYTHONPATH"] = os.pathsep.join(
        filter(None, [str(Path(__file__).parent.parent), env.get("PYTHONPATH")])
    )
    process = subprocess.run(
        [sys.executable, "-m", "sitegen", "-C", str(root), "search", "video", "--limit", "5"],
        stdout=follower,
        stderr=subprocess.PIPE,
        env=env,
        timeout=300,
        check=False,
    )
    os.close(follower)
    output = b""
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:
            break
        if not chunk:
            break
        output += chunk
    os.close(leader)
    assert process.returncode == 0, process.stderr
    lines = output.decode("utf-8").replace("\r\n", "\n").splitlines()
    titles = [line for line in lines if not line.startswith("  ")]
    assert len(titles) == 5 and 10 <= len(lines) <= 15
    assert all(len(line) <= 80 for line in lines), lines
    assert "\t" not in output.decode("utf-8")
