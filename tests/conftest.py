"""Shared fixtures: the sample project, its catalogue, a built sample site, scratch projects."""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from sitegen.catalog import load_catalog
from sitegen.cli import cli
from sitegen.model import Catalog
from sitegen.settings import Settings, load_settings

REPO = Path(__file__).resolve().parent.parent
"""The sitegen repository, which is itself the sample project."""


def serve_process(root: Path) -> subprocess.Popen[str]:
    """``sitegen serve --port 0`` on the project ``root`` in a process of its own, its
    output piped as text (it prints ``serving http://127.0.0.1:PORT/`` once it answers)."""
    return subprocess.Popen(
        [sys.executable, "-m", "sitegen", "-C", str(root), "serve", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )


BASE = "/reading-list/"
"""The base path the sample site is built for under a GitHub Pages project path."""

TIMEOUT = 15_000
"""Browser tests' time limit for one step, in ms."""

FIRST_KEY = "sparse-progress-rewards-for-long-horizon-web-agents"
"""The sample project's first paper."""

BIBLIOGRAPHIES = Path(__file__).parent / "data" / "bibliographies"
"""BibTeX and CSL-JSON exports of several tools (``tests/data/bibliographies``)."""

MIRAGE = "mirage-an-audio-to-video-foundation-model"
"""A sample paper with an inferred title (its seed gives only an abstract) and no author."""

NOTES = Path("content/annotations/notes.yaml")
"""The annotation file of a served scratch project (``tests/test_serve.py``)."""


def annotation(summary: str) -> str:
    """An annotation file marking Mirage read, with this summary."""
    return f"{MIRAGE}:\n  status: read\n  summary: {summary}\n"


# The scratch project of ``sitegen annotate`` tests: two seeds, three papers, one topic.
ANNOTATE_SEEDS = {
    "seeds/000_dump.txt": (
        "Abstract:We introduce Mirage, an audio-to-video foundation model that turns speech "
        "into talking-head video.\n"
        "Abstract:We present Tulu 3, a family of open post-trained language models.\n"
    ),
    "seeds/lib.bib": (
        "@article{diffusion,\n"
        "  title = {Diffusion Forcing: Next-token Prediction Meets Full-Sequence Diffusion},\n"
        "  year = {2024},\n"
        "}\n"
        "@article{hidden, title = {A Paper Kept Out of the Site}}\n"
    ),
    "content/topics.yaml": "- slug: video\n  name: Video\n  keywords: [video]\n",
}

TULU = "tulu-3-a-family-of-open-post-trained-language-models"
DIFFUSION = "diffusion-forcing-next-token-prediction-meets-full-sequence"
HIDDEN = "a-paper-kept-out-of-the-site"

ANNOTATED = f"""\
# yaml-language-server: $schema=../../sitegen/schemas/annotations.schema.json
# Papers from the Thursday reading group.

{MIRAGE}:
  status: reading      # halfway through section 4
  rating: 3
  tags: [audio, "talking heads"]   # quoted on purpose
  topics: [video]
  summary: 'Speech in, talking-head video out.'
  notes: |
    Section 3 is the interesting part.

    - the *audio encoder* is frozen
  links: {{code: "https://github.com/example/mirage"}}
  read_on: 2024-11-02

# Not started yet.
{DIFFUSION}:
    status: queued
    tags:
        - diffusion
        - sequence-models
    quotes:
      - text: "Noise as a per-token variable."
        page: 2

{HIDDEN}:
  hidden: true
"""
"""``reading.yaml`` of an ``annotated_project``: comments, flow and block styles, odd indents."""


def annotated_project(make_project: Callable[..., Path], notes: str | None = ANNOTATED) -> Path:
    """A scratch project of ``ANNOTATE_SEEDS`` with ``notes`` as its ``reading.yaml``."""
    files = dict(ANNOTATE_SEEDS)
    if notes is not None:
        files["content/annotations/reading.yaml"] = notes
    return make_project(files)


def run_annotate(root: Path, *args: str) -> tuple[int, str, str]:
    """``sitegen annotate ARGS`` on ``root``: exit code, stdout, stderr."""
    result = CliRunner().invoke(cli, ["-C", str(root), "annotate", *args])
    return result.exit_code, result.stdout, result.stderr


def tree(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` by its relative path, with its bytes."""
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


# A one-line abstract dump entry, for projects made by hand, and its paper key.
ZEBRA = "Abstract:We introduce Zebra, a model of stripes.\n"
ZEBRA_KEY = "zebra-a-model-of-stripes"


def build(root: Path, *args: str) -> Result:
    """``sitegen -C root build ARGS``; never an internal error, never a traceback."""
    result = CliRunner().invoke(cli, ["-C", str(root), "build", *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"internal error: {result.exception!r}\n{result.output}"
    )
    assert "Traceback" not in result.output
    assert "internal error" not in result.output
    return result


def build_within(seconds: float, root: Path, *args: str) -> Result:
    """``build``, failing (instead of hanging the test run) if it takes over ``seconds``."""
    results: list[Result] = []
    worker = threading.Thread(target=lambda: results.append(build(root, *args)), daemon=True)
    worker.start()
    worker.join(seconds)
    assert not worker.is_alive(), f"the build still runs after {seconds} s"
    assert results, "the build failed: see the captured output"
    return results[0]


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


def wait_for(condition: Callable[[], object], timeout: float = 15.0) -> None:
    """Poll until ``condition()`` is true; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout} s waiting for {condition.__doc__ or condition}")
        time.sleep(0.05)


def pytest_runtest_setup(item: pytest.Item) -> None:
    """Browser tests skip without a ``chromium`` binary, except in CI, where that fails."""
    if item.get_closest_marker("browser") and shutil.which("chromium") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("no chromium on PATH with CI=true: .ci/run installs it with apt-get")
        pytest.skip("no chromium binary on PATH (install it: apt-get install chromium)")


@pytest.fixture(scope="session")
def sample_settings() -> Settings:
    """Settings of the sample project (this repository)."""
    settings, problems = load_settings(REPO)
    assert not problems
    return settings


@pytest.fixture(scope="session")
def sample_catalog(sample_settings: Settings) -> Catalog:
    """The sample reading list, loaded once per test session."""
    return load_catalog(sample_settings)


@pytest.fixture
def make_project(tmp_path: Path) -> Callable[..., Path]:
    """A scratch project: copies of the sample seeds (optional) and the files given."""

    def make(files: dict[str, str] | None = None, *, sample_seeds: bool = False) -> Path:
        root = tmp_path / "project"
        (root / "seeds").mkdir(parents=True, exist_ok=True)
        (root / "content" / "annotations").mkdir(parents=True, exist_ok=True)
        if sample_seeds:
            for seed in sorted((REPO / "seeds").iterdir()):
                shutil.copy(seed, root / "seeds" / seed.name)
        for name, text in (files or {}).items():
            path = root / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        return root

    return make


def build_into(settings: Settings, out: Path, **overrides: str) -> Path:
    """Build the project of ``settings`` into ``out`` (no search index) and return ``out``."""
    from sitegen.build import build_site

    build_site(settings.with_overrides(output_dir=str(out), **overrides), index_search=False)
    return out


@pytest.fixture(scope="session")
def sample_site(sample_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample project built once per session at the domain root (no search index)."""
    return build_into(sample_settings, tmp_path_factory.mktemp("site") / "out")


@pytest.fixture(scope="session")
def sample_site_under_base(
    sample_settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """The sample project built once per session for ``/reading-list/``."""
    out = tmp_path_factory.mktemp("site-base") / "out"
    return build_into(sample_settings, out, base_url="/reading-list/")


def copy_sample_project(root: Path) -> Path:
    """Copy the sample project's inputs (settings, seeds, content) into ``root``."""
    root.mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO / "sitegen.yaml", root / "sitegen.yaml")
    shutil.copytree(REPO / "seeds", root / "seeds")
    shutil.copytree(REPO / "content", root / "content")
    return root


@pytest.fixture(scope="session")
def searchable_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the sample project built with both search indexes for ``/reading-list/``.

    The output is ``<tmp>/www/reading-list/``: serve ``<tmp>/www`` to browse it under
    its base path. Returns the output folder; the project is ``<tmp>/project``.
    """
    from sitegen.build import build_site

    tmp = tmp_path_factory.mktemp("searchable")
    settings, _ = load_settings(copy_sample_project(tmp / "project"))
    out = tmp / "www" / "reading-list"
    build_site(settings.with_overrides(output_dir=str(out), base_url=BASE), jobs=1)
    return out


RESEARCHER = Path(__file__).parent / "data" / "researcher"
"""A small BibTeX project: authors written several ways, years, DOIs, arXiv ids, venues."""


def copy_researcher_project(root: Path) -> Path:
    """Copy the small BibTeX project's inputs into ``root``."""
    shutil.copytree(RESEARCHER, root, ignore=shutil.ignore_patterns(".sitegen-cache", "_site"))
    return root


@pytest.fixture
def researcher_project(tmp_path: Path) -> Path:
    """A copy of the small BibTeX project to edit (``base_url: /lab/``)."""
    return copy_researcher_project(tmp_path / "project")


@pytest.fixture(scope="session")
def researcher_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small BibTeX project built for ``/lab/`` into ``<tmp>/www/lab/`` (serve
    ``<tmp>/www`` to browse it under its base path); its output folder."""
    from sitegen.build import build_site

    tmp = tmp_path_factory.mktemp("researcher")
    root = copy_researcher_project(tmp / "project")
    settings, _ = load_settings(root)
    out = tmp / "www" / "lab"
    build_site(settings.with_overrides(output_dir=str(out)), jobs=1)
    return out


@pytest.fixture(scope="session")
def researcher_site_url(researcher_site: Path) -> Iterator[str]:
    """The BibTeX project's site served under its base path: ``http://.../lab/``."""
    with serve_folder(researcher_site.parent) as origin:
        yield f"{origin}/{researcher_site.name}/"


CHROMIUM_ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
)
"""How browser tests start Debian's Chromium (Playwright never downloads its own)."""


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """A headless Chromium for one test module (skipped without a chromium binary).

    Module scope, not session: Playwright's sync API keeps an event loop running
    while it is open, and other modules' tests call ``asyncio.run``.
    """
    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.skip("no chromium binary on PATH (install it: apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium, args=list(CHROMIUM_ARGS))
        try:
            yield launched
        finally:
            launched.close()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    """A static file handler that keeps the test output clean."""

    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def serve_folder(
    folder: Path, handler: type[http.server.SimpleHTTPRequestHandler] = QuietHandler
) -> Iterator[str]:
    """Serve a folder over HTTP on a free loopback port; yields ``http://127.0.0.1:PORT``."""
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(handler, directory=str(folder))
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="session")
def searchable_site_url(searchable_site: Path) -> Iterator[str]:
    """The searchable sample site served under its base path: ``http://.../reading-list/``."""
    with serve_folder(searchable_site.parent) as origin:
        yield f"{origin}/{searchable_site.name}/"
