"""Build a site: load, plan, render what changed, write atomically, index.

Safety: everything is rendered in memory before the output folder is touched,
so a failing build leaves the last good site as it was. A first (or ``--clean``)
build writes into a staging folder that is swapped in whole; later builds
replace only files whose bytes changed, each by an atomic rename, and remove
outputs no page produces any more. sitegen never writes into a non-empty folder
it did not create (it leaves a ``.sitegen`` marker in folders it builds). The phases,
and what each skips when its inputs are unchanged: docs/builds.md.
"""

from __future__ import annotations

import contextlib
import gc
import shutil
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import click

from sitegen.browse_pages import browse_pages
from sitegen.cache import RACY_SECONDS, BuildCache, Manifest
from sitegen.catalog import load
from sitegen.citation_styles import own_style_file
from sitegen.citations import citations
from sitegen.digest import blake, code_signature, file_signature
from sitegen.exports import publish_pages
from sitegen.memory import BuildMemory
from sitegen.model import Catalog, InputError, Problem, Severity
from sitegen.output import (
    MARKER,
    OutputRefused,
    changed_outputs,
    check_output_folder,
    put_in_place,
    static_files,
)
from sitegen.output_guard import guarded
from sitegen.pagedigest import page_digests
from sitegen.pages import Page, plan_pages
from sitegen.render import Renderer, kept_renderer, theme_dir
from sitegen.settings import INPUT_FOLDERS, SETTINGS_FILE, Settings
from sitegen.sources.folders import files_under, input_files
from sitegen.timing import PhaseTimer
from sitegen.workers import Destination, Rendered, default_jobs, index_first, render_pages

__all__ = ["MARKER", "BuildMemory", "BuildResult", "OutputRefused", "build_site", "check_outputs"]

SEARCH_BUNDLE = "pagefind/shards.json"
"""The browser index's list of shards (``search.pagefind.BUNDLE``), without the import."""


@dataclass
class BuildResult:
    """What a build did."""

    output: Path
    pages: int
    """Outputs the site has (pages, data files, static files)."""
    written: list[str] = field(default_factory=list)
    """Outputs whose bytes changed and were written."""
    removed: list[str] = field(default_factory=list)
    """Stale outputs deleted."""
    rendered: int = 0
    """Pages rendered (the rest were unchanged since the last build)."""
    seconds: float = 0.0
    timer: PhaseTimer = field(default_factory=PhaseTimer)
    problems: tuple[Problem, ...] = ()
    """Warnings found in the inputs."""
    unchanged: bool = False
    """Nothing was loaded: inputs and outputs were as the last build left them."""
    changed_papers: frozenset[str] | None = frozenset()
    """Keys of the papers whose catalogue value changed since the last build with the same
    ``BuildMemory`` (``sitegen serve``); None when every paper may have (a first build,
    or settings, topics or the visible papers changed)."""
    load_catalog: Callable[[], Catalog] | None = field(default=None, repr=False)
    _catalog: Catalog | None = field(default=None, repr=False)

    @property
    def catalog(self) -> Catalog:
        """The catalogue the site shows (loaded on first use after an unchanged build)."""
        if self._catalog is None:
            if self.load_catalog is None:
                raise RuntimeError("this build result has no catalogue")
            self._catalog = self.load_catalog()
        return self._catalog

    def summary(self) -> str:
        """The one-line report printed at the end of a build."""
        return (
            f"built {self.pages} files ({len(self.written)} written, "
            f"{len(self.removed)} removed, {self.pages - len(self.written)} unchanged) "
            f"in {self.seconds:.2f} s -> {self.output}"
        )


def _input_files(settings: Settings) -> Iterator[Path]:
    """Every file a build reads: settings (and a ``.csl`` style of the project's), seeds,
    content, site and theme templates and static."""
    yield settings.root / SETTINGS_FILE
    own_style = own_style_file(settings.citation_style, settings.root)
    if own_style is not None:
        yield own_style
    for name in INPUT_FOLDERS:
        yield from input_files(settings.root, name)
    theme = theme_dir()
    for folder in (theme / "templates", theme / "static"):
        yield from files_under(folder, follow=False)


def input_signature(settings: Settings, options: Iterable[object]) -> tuple[str, int]:
    """Digest of the build's options and inputs (names, sizes, mtimes) and the newest mtime."""
    files, newest = file_signature(_input_files(settings), settings.root)
    parts = (repr((settings, *options)), code_signature(), files)
    return blake(*(part.encode("utf-8", "surrogateescape") for part in parts)).hex(), newest


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cycle collector off while the main process builds.

    The catalogue holds millions of objects; the collector's passes over them took
    100-200 ms of each rebuild at 10,000 papers, and its data has no cycles to find.
    What it made is then frozen (``gc.freeze``) until ``build_site`` returns, so the
    collector's first pass after the pause (55-120 ms of a 10,000-paper edit) goes
    over only what the build makes after it; what cycles a build leaves are
    collected later.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()


@guarded  # one build per output folder at a time; OS errors as one line
def build_site(
    settings: Settings,
    *,
    strict: bool = False,
    clean: bool = False,
    jobs: int | None = None,
    index_search: bool = True,
    timer: PhaseTimer | None = None,
    progress: bool = False,
    memory: BuildMemory | None = None,
) -> BuildResult:
    """Build the site into ``settings.output_path``; raise ``InputError`` on bad input.

    One phase after another, each timed (``sitegen -v build``; docs/builds.md).
    ``memory`` keeps what a long-lived caller (``sitegen serve``) reuses from one build
    to the next; by default only the catalogue stages in ``.sitegen-cache/`` are.
    """
    start, started_ns = time.perf_counter(), time.time_ns()
    timer = timer or PhaseTimer()
    output = settings.output_path
    check_output_folder(output, settings.root)
    memory = memory or BuildMemory.for_project(settings.root, remember=False)
    stages = memory.stages
    stages.hits.clear()
    cleanup: threading.Thread | None = None
    try:  # the old site, when replaced whole, is deleted in the background meanwhile
        with _collector_paused():  # not while Whoosh updates the terminal index: it makes cycles
            with timer.phase("load"):
                cache = BuildCache.open(settings.root, output, memory.build_cache)
                inputs, newest = input_signature(settings, (strict, index_search))
                if not clean and _nothing_changed(cache, inputs, output, index_search):
                    return _unchanged(cache, settings, memory, strict, timer, start)
            full = clean or not (output / MARKER).exists() or not cache.records
            jobs = jobs or default_jobs()
            indexing = None  # runs while related papers are chosen and pages planned and render

            def start_index(unrelated: Catalog) -> None:  # made from the catalogue
                nonlocal indexing
                if strict and unrelated.problems:
                    return
                from sitegen.search import start_indexing  # not imported by a no-change build

                indexing = start_indexing(unrelated, settings, output, fresh=full, stages=stages)
                papers = len(unrelated.papers)
                if full and index_first(papers, papers, jobs):
                    with timer.phase("index"):  # a large cold build: Pagefind's peak first
                        indexing.wait()

            unrelated = start_index if index_search else None  # sitegen serve indexes apart
            catalog = load(settings, timer, stages, memory.catalog, unrelated).checked(strict)
            # a failure drops what indexing made, and the pages the plan keeps
            with indexing or contextlib.nullcontext(), memory.plan.planning():
                with timer.phase("plan"):
                    memory.plan.take_kept(stages, pages=not stages.remember)
                    cited = citations(catalog, settings, memory.plan)
                    pages = plan_pages(catalog, settings, memory.plan, cited=cited)
                    pages += browse_pages(catalog)
                    pages += publish_pages(catalog, settings, pages, cited, memory.plan)
                    renderer = _renderer(catalog, settings, memory)
                    statics = static_files(settings)
                with timer.phase("digest"):
                    replanned = memory.plan.replanned
                    digests = page_digests(
                        renderer, pages, settings, catalog, memory.plan.digests, replanned
                    )
                    todo = (
                        range(len(pages))
                        if full
                        else _stale_pages(pages, digests, cache, memory, output)
                    )
                folder = output.with_name(
                    output.name + (".sitegen-staging" if full else ".sitegen-pending")
                )
                with timer.phase("render"):
                    todo_pages = [pages[i] for i in todo]
                    if todo_pages:  # before workers fork: they inherit what is kept
                        renderer.references.load(stages)
                    if indexing and index_first(len(catalog.papers), len(todo_pages), jobs):
                        indexing.wait()  # Pagefind's peak before the workers'
                    rendered = _render(renderer, todo_pages, folder, full, output, jobs, progress)
            with timer.phase("write"):
                done = [(pages[i].output, digests[i], r) for i, r in zip(todo, rendered)]
                produced = [page.output for page in pages]
                placed = put_in_place(folder, output, full, done, statics, cache.records, produced)
                cleanup = placed.cleanup
                renderer.references.save(stages, {paper.key for paper in catalog.papers})
                # the pages are in place whatever happens to the index
                cache.save(placed.records, touched=None if full else placed.touched)
                memory.build_cache = cache
                memory.plan.finish()
                if not stages.remember:  # a one-off build: the next starts from its plan
                    memory.plan.keep(stages)  # while Pagefind works, if it still does
            if indexing is not None:  # the collector paused: it doubled the index's Python time
                with timer.phase("index"):
                    indexing.wait()
        result = BuildResult(
            output=output,
            pages=len(pages) + len(statics) + 1,
            written=placed.written,
            removed=placed.removed,
            rendered=len(todo),
            timer=timer,
            problems=catalog.problems,
            changed_papers=memory.plan.changed_papers,
            _catalog=catalog,
        )
        if indexing is not None:
            with timer.phase("index"):  # the part of indexing that waits for the pages
                indexing.finish()
        # An input modified during the last moments may change again unseen by mtime:
        # then the next build checks everything rather than trusting the signature.
        if newest < started_ns - int(RACY_SECONDS * 1e9):
            cache.save_manifest(Manifest(inputs, catalog.problems))
    finally:
        gc.unfreeze()  # frozen by _collector_paused
        if cleanup is not None:
            cleanup.join()
    result.seconds = time.perf_counter() - start
    return result


def _nothing_changed(cache: BuildCache, inputs: str, output: Path, index_search: bool) -> bool:
    """Whether the inputs and every output are as the last build left them (step 0)."""
    return (
        cache.manifest is not None
        and cache.manifest.inputs == inputs
        and (output / MARKER).exists()
        and bool(cache.records)
        and not changed_outputs(cache.records, output)
        and (not index_search or (output / SEARCH_BUNDLE).is_file())
    )


def _unchanged(
    cache: BuildCache,
    settings: Settings,
    memory: BuildMemory,
    strict: bool,
    timer: PhaseTimer,
    start: float,
) -> BuildResult:
    """The result of a build that found nothing to do: the last build's warnings."""
    assert cache.manifest is not None
    problems = cache.manifest.problems
    failing = [p for p in problems if p.severity is Severity.ERROR or strict]
    if failing:
        raise InputError(failing)
    return BuildResult(
        output=settings.output_path,
        pages=len(cache.records) + 1,
        seconds=time.perf_counter() - start,
        timer=timer,
        problems=problems,
        unchanged=True,
        load_catalog=lambda: load(settings, None, memory.stages, memory.catalog).checked(),
    )


def _render(
    renderer: Renderer,
    pages: Sequence[Page],
    folder: Path,
    full: bool,
    output: Path,
    jobs: int | None,
    progress: bool,
) -> list[Rendered]:
    """Render pages into ``folder`` (made empty first); a failure deletes it again."""
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    bar = click.progressbar(length=len(pages), label="Rendering", file=sys.stderr)
    try:
        with bar if progress and pages else contextlib.nullcontext() as shown:
            destination = Destination(folder, full, output)
            tick = shown.update if shown is not None else None
            return render_pages(renderer, pages, destination, jobs or default_jobs(), tick)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise


def _renderer(catalog: Catalog, settings: Settings, memory: BuildMemory) -> Renderer:
    """The last build's renderer if what it depends on is unchanged (``kept_renderer``)."""
    made_for, renderer = kept_renderer(catalog, settings, memory.renderer)
    if memory.stages.remember:
        memory.renderer = (made_for, renderer)
        renderer.fragments.enabled = True  # {% cache %} blocks pay off in a long-lived process
        renderer.fragments.new_build()
    return renderer


def _stale_pages(
    pages: Sequence[Page],
    digests: Sequence[str],
    cache: BuildCache,
    memory: BuildMemory,
    output: Path,
) -> list[int]:
    """Indexes of the pages to make again: new inputs, or output not as the last build left it.

    ``sitegen serve`` checked the outputs since the last build (``check_outputs``): that
    check is trusted while the build records are the ones it checked.
    """
    checked = memory.checked
    if cache.stored and checked and checked[0] == cache.generation:
        changed = checked[1]
    else:
        changed = changed_outputs(cache.records, output)
    return [
        index
        for index, page in enumerate(pages)
        if (old := cache.records.get(page.output)) is None
        or old.digest != digests[index]
        or page.output in changed
    ]


def check_outputs(settings: Settings, memory: BuildMemory) -> None:
    """Note which outputs are no longer as the last build left them (``sitegen serve``).

    Run between builds, in the background: the next build then makes those pages
    again and trusts the others without a stat of each (at 10,000 pages that stat
    was a fifth of an in-process rebuild). What changes on disk after this check is
    made good by the build after next.
    """
    cache = memory.build_cache
    if cache is None or not cache.stored:
        return
    memory.checked = (cache.generation, changed_outputs(cache.records, settings.output_path))
