"""Render pages into a folder, in worker processes when there are enough of them.

Workers write the files themselves, so page bytes never travel back nor pile up: only
a size and a stat token come back per page, and with each batch the references the
worker formatted (``sitegen.references``). How workers are kept from copying the main
process's memory (pickled batches, ``spawn`` on large sites, the collector frozen
before forking) is in docs/builds.md, "Memory"; a forked worker is sent the papers it
holds already by ``id`` (``_Batch``). Data pages (no template), which read
the whole catalogue, are written by the main process meanwhile. The output is
byte-identical whatever the number of workers.
"""

from __future__ import annotations

import contextlib
import gc
import io
import os
import pickle
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from multiprocessing import get_context
from pathlib import Path
from typing import BinaryIO

from sitegen.cache import stat_token, token_of
from sitegen.model import InputError, Paper, Problem
from sitegen.pages import Page
from sitegen.references import References
from sitegen.render import Renderer, TemplateError
from sitegen.yamlfile import open_regular

PARALLEL_THRESHOLD = 300
"""Fewer pages than this render in-process: starting workers would cost more."""
COPY_BYTES = 1 << 20
"""Block size for copying the unchanged start of an output."""
PR_SET_PDEATHSIG = 1
"""Linux ``prctl`` option: the signal a process gets when its parent dies."""
PARENT_CHECK_SECONDS = 1.0
"""How often a worker checks that the build that forked it still runs."""
BATCHES_PER_JOB = 8
"""Batches of pages per worker at least: enough to even out."""
SPAWN_PAGES = 20_000
"""Pages from which workers start afresh (``spawn``) instead of being forked: a forked
worker shares the main process's memory only until either of them touches it, and the
main process touches all of it as it pickles the batches (reference counts), so each
page of it would end up held twice. A fresh worker costs a second or two to start."""
MAX_JOBS_PER_CORE = 4
"""Render workers per core at most, whatever ``--jobs`` asks: more only compete."""
BATCH_PAGES = 200
"""Pages in a batch at most: a worker holds one batch's copy of their data at a time."""
WORKER_FRAGMENT_CHARS = 8_000_000
"""Characters of ``{% cache %}`` fragments a render worker keeps at most (~8 MB): at
10,000 papers about all its cards and rows (~16 MB in all)."""


INDEX_FIRST_PAPERS = 20_000
"""Papers from which the browser index is made before pages render rather than
meanwhile: Pagefind's peak of memory (about 16 KB a paper) then does not add to the
render workers'. It still runs while pages are planned."""


def index_first(papers: int, pages: int, jobs: int) -> bool:
    """Whether a build of ``papers`` papers that renders ``pages`` pages with ``jobs``
    processes waits for the browser index before rendering (only when it forks workers)."""
    return papers >= INDEX_FIRST_PAPERS and _forks(pages, jobs)


def _forks(pages: int, jobs: int) -> bool:
    """Whether rendering this many pages with this many processes forks workers."""
    return jobs > 1 and pages >= PARALLEL_THRESHOLD and sys.platform != "win32"


def default_jobs() -> int:
    """The cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


@dataclass(frozen=True)
class Destination:
    """Where rendered pages go before they are put in place, and where they go then."""

    folder: Path
    """The staging folder (a full build, swapped in whole) or the pending folder (an
    incremental build: its files are renamed over the outputs once all pages rendered)."""
    full: bool
    output: Path
    """The output folder; in an incremental build a page whose bytes equal its output's
    is not written at all."""


@dataclass(frozen=True, slots=True)
class Rendered:
    """A rendered page: whether it was written (into the destination's folder), its
    size and the ``stat_token`` of the file that now holds its bytes."""

    written: bool
    """False when the output already holds these bytes (nothing was written)."""
    size: int
    stat: str


def _render_one(renderer: Renderer, page: Page, to: Destination) -> Rendered | Problem:
    """Render a page into ``to.folder``, streamed (exports run to hundreds of megabytes).

    In an incremental build the bytes are compared with the output's as they come:
    nothing is written while they are the same, and a page whose bytes are all the
    same leaves its output alone.
    """
    try:
        chunks = renderer.chunks(page)
    except TemplateError as exc:
        return exc.problem
    path = to.folder / page.output
    current = None if to.full else _in_place(to.output / page.output)
    if current is not None:
        with current:
            return _write_if_changed(path, chunks, current, to.folder)
    path.parent.mkdir(parents=True, exist_ok=True)
    size = _write_chunks(path, chunks)
    return Rendered(True, size, stat_token(path))


def _in_place(path: Path) -> BinaryIO | None:
    """The output's file open for reading, or None when it is not there or not a regular
    file: a FIFO put where a page belongs would block the read for ever (the page is
    written, and renamed over it)."""
    try:
        return open_regular(path)
    except OSError:
        return None


def _write_if_changed(
    path: Path, chunks: Iterable[bytes], current: BinaryIO, folder: Path
) -> Rendered:
    """Write the chunks to ``path`` unless they equal ``current``'s bytes.

    Nothing is written while they match; at the first difference the matching part
    is copied from ``current`` into a temporary file, which then takes the rest.
    """
    # One page at a time per process (and thread), so this name is never shared.
    temporary = folder / f".render-{os.getpid()}-{threading.get_ident()}.sitegen-tmp"
    size = 0
    file: BinaryIO | None = None
    try:
        for chunk in chunks:
            if file is None and current.read(len(chunk)) != chunk:
                file = _diverged(temporary, current, size)
            if file is not None:
                file.write(chunk)
            size += len(chunk)
        if file is None:
            if not current.read(1):
                return Rendered(False, size, token_of(os.fstat(current.fileno())))
            file = _diverged(temporary, current, size)  # the output was longer
        file.close()
        path.parent.mkdir(parents=True, exist_ok=True)
        os.replace(temporary, path)
    except BaseException:
        if file is not None:
            file.close()
        temporary.unlink(missing_ok=True)
        raise
    return Rendered(True, size, stat_token(path))


def _diverged(temporary: Path, current: BinaryIO, matched: int) -> BinaryIO:
    """A new temporary file holding the first ``matched`` bytes of ``current``."""
    file = temporary.open("wb")
    current.seek(0)
    while matched:
        block = current.read(min(matched, COPY_BYTES))
        file.write(block)
        matched -= len(block)
    return file


def _write_chunks(path: Path, chunks: Iterable[bytes]) -> int:
    """Write chunks to a file; the number of bytes written."""
    size = 0
    with path.open("wb") as file:
        for chunk in chunks:
            file.write(chunk)
            size += len(chunk)
    return size


# Worker state for parallel rendering: set once per worker process by the pool
# initializer (inherited when forked, pickled when started afresh), never touched by
# the parent.
_worker: tuple[Renderer, Destination, dict[int, Paper]] | None = None


def _shown_papers(pages: Sequence[Page]) -> dict[int, Paper]:
    """The papers the pages' contexts show, by themselves or in a list, by ``id``."""
    found: dict[int, Paper] = {}
    for page in pages:
        for value in page.context.values():
            for item in value if isinstance(value, (list, tuple)) else (value,):
                if isinstance(item, Paper):
                    found[id(item)] = item
    return found


class _Batch:
    """Numbered pages for a worker. Pickled (when the pool sends it) with the papers a
    forked worker has already (it was forked holding ``papers``) sent as their ``id``:
    a paper page shows seven papers, and pickling them with every batch, and unpickling
    them, took a third of the CPU of rendering (10,000 papers: 146 MB of batches, now
    18 MB)."""

    def __init__(self, pages: list[tuple[int, Page]], papers: dict[int, Paper]) -> None:
        self.pages = pages
        self.papers = papers

    def __reduce__(self) -> tuple[Callable[[bytes], _Batch], tuple[bytes]]:
        file = io.BytesIO()
        if self.papers:
            _BatchPickler(file, self.papers).dump(self.pages)
        else:  # a worker started afresh: the plain pickler, no call per object
            pickle.Pickler(file, pickle.HIGHEST_PROTOCOL).dump(self.pages)
        return _unpickled, (file.getvalue(),)


def _unpickled(data: bytes) -> _Batch:
    """A batch as the worker receives it, with its own papers."""
    assert _worker is not None
    return _Batch(_BatchUnpickler(data, _worker[2]).load(), {})


class _BatchPickler(pickle.Pickler):
    """Pickles pages with the papers in ``papers`` as their ``id``."""

    def __init__(self, file: io.BytesIO, papers: dict[int, Paper]) -> None:
        super().__init__(file, pickle.HIGHEST_PROTOCOL)
        self.papers = papers

    def persistent_id(self, obj: object) -> int | None:
        """A paper the worker holds is sent as its ``id``; anything else as it is."""
        key = id(obj)
        return key if key in self.papers else None


class _BatchUnpickler(pickle.Unpickler):
    """Unpickles a batch from ``_BatchPickler``, in the worker holding ``papers``."""

    def __init__(self, data: bytes, papers: dict[int, Paper]) -> None:
        super().__init__(io.BytesIO(data))
        self.papers = papers

    def persistent_load(self, pid: int) -> Paper:
        """The worker's own paper (the parent's, inherited when forked)."""
        return self.papers[pid]


def _die_with_parent(parent: int) -> None:
    """End this worker when the build that forked it ends, even by ``kill -9``.

    A forked worker inherits the write end of its own task pipe, so it never sees
    the pipe close and would wait on it for ever. On Linux the kernel kills it
    (``PR_SET_PDEATHSIG``); elsewhere, and should the parent be gone already, a
    thread notices the parent's process id change and exits.
    """
    if sys.platform == "linux":
        import ctypes
        import signal

        with contextlib.suppress(OSError, AttributeError):
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_CHECK_SECONDS)
        os._exit(1)

    if os.getppid() != parent:
        os._exit(1)
    threading.Thread(target=watch, name="sitegen-parent-watch", daemon=True).start()


def _init_worker(
    renderer: Renderer, to: Destination, parent: int, papers: dict[int, Paper]
) -> None:
    global _worker
    _die_with_parent(parent)
    _worker = (renderer, to, papers)
    # Paused in the parent (``_collector_paused``); a worker renders for long. What it
    # inherited is frozen (``render_pages``): the collector passes over its own objects.
    gc.enable()
    renderer.fragments.enabled = True  # a related paper's card made once, not ~5 times
    renderer.fragments.room = WORKER_FRAGMENT_CHARS


def _render_chunk(batch: _Batch) -> tuple[list[tuple[int, Rendered | Problem]], References]:
    """Render some pages (numbered); with the references made meanwhile, for the parent."""
    assert _worker is not None
    renderer, to, _ = _worker
    done = [(index, _render_one(renderer, page, to)) for index, page in batch.pages]
    return done, renderer.references.take_made()


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
    jobs = min(jobs, MAX_JOBS_PER_CORE * default_jobs())  # --jobs 100000 forks no swarm
    if not _forks(len(pages), jobs):
        for index, page in enumerate(pages):
            results[index] = _render_one(renderer, page, to)
            if progress:
                progress(1)
    else:
        fresh = len(pages) >= SPAWN_PAGES
        if not fresh:
            renderer.env  # noqa: B018 -- build the environment once, before forking
        sent = [index for index, page in enumerate(pages) if page.template is not None]
        local = [index for index, page in enumerate(pages) if page.template is None]
        # A forked worker has every paper already; one started afresh gets them pickled.
        papers = {} if fresh else _shown_papers([pages[index] for index in sent])
        gc.freeze()  # what the workers inherit: their collector leaves it alone
        try:
            with ProcessPoolExecutor(
                max_workers=jobs,
                mp_context=get_context("spawn" if fresh else "fork"),
                initializer=_init_worker,
                initargs=(renderer, to, os.getpid(), papers),
            ) as pool:
                try:
                    batches = (_Batch(batch, papers) for batch in _batches(pages, sent, jobs))
                    done = pool.map(_render_chunk, batches)
                    for index in local:  # while the workers render
                        results[index] = _render_one(renderer, pages[index], to)
                        if progress:
                            progress(1)
                    for batch, references in done:
                        renderer.references.add(references)
                        for index, value in batch:
                            results[index] = value
                        if progress:
                            progress(len(batch))
                except BaseException:
                    pool.shutdown(cancel_futures=True)  # not the batches still queued
                    raise
        finally:
            gc.unfreeze()
    problems = [r for r in results if isinstance(r, Problem)]
    if problems:
        raise InputError(_once_each(problems))
    return [r for r in results if isinstance(r, Rendered)]


def _batches(
    pages: Sequence[Page], indexes: Sequence[int], jobs: int
) -> Iterator[list[tuple[int, Page]]]:
    """The pages at ``indexes`` in interleaved batches of at most ``BATCH_PAGES``, at
    least ``BATCHES_PER_JOB`` per worker: the costly pages (topic pages) come last in
    plan order, and contiguous batches would leave one worker with all of them."""
    count = min(len(indexes), max(jobs * BATCHES_PER_JOB, -(-len(indexes) // BATCH_PAGES)))
    for first in range(count):
        yield [(index, pages[index]) for index in indexes[first::count]]


def _once_each(problems: list[Problem]) -> list[Problem]:
    """One problem per template line and error: a broken ``paper.html`` fails the same way
    on every paper page, which is one thing to fix, not thousands of lines to read."""
    pages: dict[Problem, list[str]] = {}
    for problem in problems:
        pages.setdefault(replace(problem, pages=()), []).extend(problem.pages)
    return [replace(problem, pages=tuple(dict.fromkeys(urls))) for problem, urls in pages.items()]
