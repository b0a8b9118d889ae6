"""Topic patterns run with a time budget: a backtracking pattern is an error, never a hang."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest

from sitegen.catalog.topic_match import PatternTimeout, TopicMatcher
from sitegen.model import SourceRef, Topic

from .conftest import REPO, serve_process

SCREAM = "Aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaah!"
NESTED = "(a+)+$"
WORDS = r"(\w+\s?)+$"
EITHER = "(a|a)+$"  # backtracks exponentially on the regex package too


def topics_yaml(pattern: str) -> str:
    return (
        "- slug: video\n  name: Video\n  keywords: [video]\n"
        f"- slug: screams\n  name: Screams\n  patterns: ['{pattern}']\n"
    )


def sitegen(root: Path, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sitegen", "-C", str(root), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )


def test_a_backtracking_pattern_is_stopped_and_named() -> None:
    topic = Topic("screams", "Screams", "", (), (EITHER,), None, SourceRef("t.yaml", 4))
    matcher = TopicMatcher([topic])
    assert matcher.match("aaa", "") == ("screams",)
    with pytest.raises(PatternTimeout) as raised:
        matcher.match("A title", SCREAM, "the-paper")
    problem = raised.value.problem()
    assert (problem.file, problem.line) == ("t.yaml", 4)
    assert f"pattern '{EITHER}' of topic 'screams' took longer than" in problem.message
    assert "on paper 'the-paper'" in problem.message


@pytest.mark.parametrize("command", ["check", "build"])
def test_check_and_build_fail_with_the_pattern_named(
    make_project: Callable[..., Path], command: str
) -> None:
    root = make_project(
        {
            "seeds/000.txt": f"Abstract:A paper about video.\nAbstract:{SCREAM}\n",
            "content/topics.yaml": topics_yaml(EITHER),
        }
    )
    result = sitegen(root, command)
    assert result.returncode == 1, result.stderr
    assert (
        f"content/topics.yaml:4: error: pattern '{EITHER}' of topic 'screams' took longer than"
        in result.stderr
    )
    assert "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaah" in result.stderr  # the paper's key


def test_the_patterns_that_hung_check_now_finish(make_project: Callable[..., Path]) -> None:
    topics = (
        f"- slug: screams\n  name: Screams\n  patterns: ['{NESTED}']\n"
        f"- slug: words\n  name: Words\n  patterns: ['{WORDS}']\n"
    )
    root = make_project(
        {"seeds/zzz.txt": f"Abstract:{SCREAM}\n", "content/topics.yaml": topics},
        sample_seeds=True,
    )
    result = sitegen(root, "check")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("ok: 173 entries, 170 papers, 3 topics")


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_serve_answers_and_stops_whatever_the_patterns(
    make_project: Callable[..., Path], stop: signal.Signals
) -> None:
    root = make_project(
        {"seeds/zzz.txt": f"Abstract:{SCREAM}\n", "content/topics.yaml": topics_yaml(EITHER)},
        sample_seeds=True,
    )
    process = serve_process(root)
    try:
        assert process.stdout is not None
        shown = []
        for line in process.stdout:
            shown.append(line)
            if line.startswith("serving http://"):
                break
        else:
            pytest.fail("the server did not print its URL")
        assert any(f"pattern '{EITHER}'" in line for line in shown), shown
        try:
            with urllib.request.urlopen(line.split()[1], timeout=30) as response:
                status = response.status
        except urllib.error.HTTPError as exc:
            status = exc.code
        assert status in (200, 404)
        process.send_signal(stop)
        _, stderr = process.communicate(timeout=30)
    finally:
        process.kill()
    assert process.returncode == 0, stderr
