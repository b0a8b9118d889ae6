"""Render pages into a folder, in worker processes when there are enough of them.

Workers are forked with the renderer and the pages already in memory (nothing is
pickled on the way in) and write the files themselves, so page bytes never travel
back nor pile up: only a sha256 and a stat token come back per page. Pages go out
in interleaved batches, so the costly topic pages and exports, planned last, spread
over every worker. The output is byte-identical whatever the number of workers.
"""

from __future__ import annotations

import gc
import hashlib
import os
import sys
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path

from sitegen.cache import Record, stat_token
from sitegen.model import InputError, Problem
from sitegen.pages import Page
from sitegen.render import Renderer, TemplateError

PARALLEL_THRESHOLD = 300
"""Fewer pages than this render in-process: starting workers would cost more."""
BATCHES_PER_JOB = 8
"""Batches of pages per worker: enough to even out, few enough to cost little to send."""


def default_jobs() -> int:
    """The cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


@dataclass(frozen=True)
class Destination:
    """Where rendered pages go before they are put in place, and what is in place now."""

    folder: Path
    """The staging folder (a full build, swapped in whole) or the pending folder (an
    incremental build: its files are renamed over the outputs once all pages rendered)."""
    full: bool
    previous: Mapping[str, Record]
    """Records of the last build."""
    on_disk: Mapping[str, str]
    """``stat_token`` of each output as it is now (incremental builds)."""


@dataclass(frozen=True, slots=True)
class Rendered:
    """A rendered page: its bytes' sha256 and, if it was written, the file's stat token."""

    sha: str
    stat: str
    """Empty when the bytes equal what is already in place (nothing written)."""


def _render_one(renderer: Renderer, page: Page, to: Destination) -> Rendered | Problem:
    """Render a page into ``to.folder``, streamed (exports run to hundreds of megabytes).

    When the output is in place as the last build left it, the bytes go to a
    temporary file first and are dropped if their sha256 equals the recorded one.
    """
    try:
        chunks = renderer.chunks(page)
    except TemplateError as exc:
        return exc.problem
    path = to.folder / page.output
    old = to.previous.get(page.output)
    if to.full or old is None or not old.stat or to.on_disk.get(page.output) != old.stat:
        path.parent.mkdir(parents=True, exist_ok=True)
        return Rendered(_write_chunks(path, chunks), stat_token(path))
    # One page at a time per process (and thread), so this name is never shared.
    temporary = to.folder / f".render-{os.getpid()}-{threading.get_ident()}.sitegen-tmp"
    try:
        sha = _write_chunks(temporary, chunks)
        if sha == old.sha:
            temporary.unlink()
            return Rendered(sha, "")  # the same bytes are in place: leave the file alone
        path.parent.mkdir(parents=True, exist_ok=True)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return Rendered(sha, stat_token(path))


def _write_chunks(path: Path, chunks: Iterable[bytes]) -> str:
    """Write chunks to a file; the sha256 of the bytes written."""
    digest = hashlib.sha256()
    with path.open("wb") as file:
        for chunk in chunks:
            digest.update(chunk)
            file.write(chunk)
    return digest.hexdigest()


# Worker state for parallel rendering: set once per worker process by the pool
# initializer (inherited through fork, never pickled), never touched by the parent.
_worker: tuple[Renderer, Sequence[Page], Destination] | None = None


def _init_worker(renderer: Renderer, pages: Sequence[Page], to: Destination) -> None:
    global _worker
    _worker = (renderer, pages, to)
    gc.enable()  # paused in the parent (``_collector_paused``); a worker renders for long
    renderer.fragments.enabled = False  # what a worker keeps dies with it


def _render_chunk(indexes: Sequence[int]) -> list[tuple[int, Rendered | Problem]]:
    assert _worker is not None
    renderer, pages, to = _worker
    return [(index, _render_one(renderer, pages[index], to)) for index in indexes]


def render_pages(
    renderer: Renderer,
    pages: Sequence[Page],
    to: Destination,
    jobs: int,
    progress: Callable[[int], None] | None = None,
) -> list[Rendered]:
    """Render pages (in parallel when worth it) into ``to.folder``, where their bytes changed.

    Workers write the files themselves, so page bytes never cross between
    processes nor pile up in memory. Raises ``InputError`` listing every
    template error; the caller then discards ``to.folder``.
    """
    results: list[Rendered | Problem | None] = [None] * len(pages)
    if jobs <= 1 or len(pages) < PARALLEL_THRESHOLD or sys.platform == "win32":
        for index, page in enumerate(pages):
            results[index] = _render_one(renderer, page, to)
            if progress:
                progress(1)
    else:
        renderer.env  # noqa: B018 -- build the environment once, before forking
        # Interleaved batches: the costly pages (topic pages, the big exports) come last
        # in plan order, and contiguous batches would leave one worker with all of them.
        count = min(len(pages) // 16 or 1, jobs * BATCHES_PER_JOB)
        batches = [list(range(first, len(pages), count)) for first in range(count)]
        with ProcessPoolExecutor(
            max_workers=jobs,
            mp_context=get_context("fork"),
            initializer=_init_worker,
            initargs=(renderer, pages, to),
        ) as pool:
            for batch in pool.map(_render_chunk, batches):
                for index, value in batch:
                    results[index] = value
                if progress:
                    progress(len(batch))
    problems = {str(r): r for r in results if isinstance(r, Problem)}
    if problems:
        raise InputError(list(problems.values()))
    return [r for r in results if isinstance(r, Rendered)]
