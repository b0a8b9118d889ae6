"""Build a site: load, plan, render what changed, write atomically, index.

Safety: everything is rendered in memory before the output folder is touched,
so a failing build leaves the last good site as it was. A first (or ``--clean``)
build writes into a staging folder that is swapped in whole; later builds
replace only files whose bytes changed, each by an atomic rename, and remove
outputs no page produces any more. sitegen never writes into a non-empty folder
it did not create (it leaves a ``.sitegen`` marker in folders it builds).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path

import click

from sitegen.cache import BuildCache, Record
from sitegen.catalog import load
from sitegen.model import Catalog, InputError, Problem, Severity
from sitegen.pages import Page, plan_pages
from sitegen.render import Renderer, TemplateError, context_digest, renderer_for, theme_dir
from sitegen.settings import Settings
from sitegen.timing import PhaseTimer

MARKER = ".sitegen"
"""File sitegen leaves in every output folder it builds."""
PARALLEL_THRESHOLD = 300
"""Fewer pages than this render in-process: starting workers would cost more."""


@dataclass
class BuildResult:
    """What a build did."""

    output: Path
    catalog: Catalog
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

    def summary(self) -> str:
        """The one-line report printed at the end of a build."""
        return (
            f"built {self.pages} files ({len(self.written)} written, "
            f"{len(self.removed)} removed, {self.pages - len(self.written)} unchanged) "
            f"in {self.seconds:.2f} s -> {self.output}"
        )


class OutputRefused(Exception):
    """The output folder is not one sitegen may write into."""


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def static_files(settings: Settings) -> dict[str, Path]:
    """Output path → source file for the theme's and the site's ``static/`` (site wins)."""
    found: dict[str, Path] = {}
    for folder in (theme_dir() / "static", settings.root / "static"):
        if not folder.is_dir():
            continue
        for path in sorted(folder.rglob("*")):
            if path.is_file() and not path.name.startswith(".") and not path.name.endswith("~"):
                found["static/" + path.relative_to(folder).as_posix()] = path
    return found


def check_output_folder(output: Path, root: Path) -> None:
    """Refuse output folders that would put user files at risk."""
    resolved = output.resolve()
    if resolved == root.resolve() or resolved in root.resolve().parents:
        raise OutputRefused(f"refusing to build into {output}: it holds the project itself")
    if resolved.exists() and not resolved.is_dir():
        raise OutputRefused(f"refusing to build into {output}: it is a file")
    if resolved.is_dir() and any(resolved.iterdir()) and not (resolved / MARKER).exists():
        raise OutputRefused(
            f"refusing to write into {output}: it is not empty and sitegen did not create it "
            f"(no {MARKER} file); choose another --out or empty it yourself"
        )


# Worker state for parallel rendering: set once per worker process by the pool
# initializer (inherited through fork), never touched by the parent.
_worker: tuple[Renderer, Sequence[Page]] | None = None


def _init_worker(renderer: Renderer, pages: Sequence[Page]) -> None:
    global _worker
    _worker = (renderer, pages)


def _render_chunk(indexes: Sequence[int]) -> list[tuple[int, bytes | Problem]]:
    assert _worker is not None
    renderer, pages = _worker
    out: list[tuple[int, bytes | Problem]] = []
    for index in indexes:
        try:
            out.append((index, renderer.render(pages[index])))
        except TemplateError as exc:
            out.append((index, exc.problem))
    return out


def render_pages(
    renderer: Renderer,
    pages: Sequence[Page],
    jobs: int,
    progress: Callable[[int], None] | None = None,
) -> list[bytes]:
    """Render pages (in parallel when worth it); raise ``InputError`` on template errors."""
    results: list[bytes | Problem | None] = [None] * len(pages)
    if jobs <= 1 or len(pages) < PARALLEL_THRESHOLD or sys.platform == "win32":
        for index, page in enumerate(pages):
            try:
                results[index] = renderer.render(page)
            except TemplateError as exc:
                results[index] = exc.problem
            if progress:
                progress(1)
    else:
        renderer.env  # noqa: B018 -- build the environment once, before forking
        chunk = max(16, len(pages) // (jobs * 8))
        batches = [list(range(i, min(i + chunk, len(pages)))) for i in range(0, len(pages), chunk)]
        with ProcessPoolExecutor(
            max_workers=jobs,
            mp_context=get_context("fork"),
            initializer=_init_worker,
            initargs=(renderer, pages),
        ) as pool:
            for batch in pool.map(_render_chunk, batches):
                for index, value in batch:
                    results[index] = value
                if progress:
                    progress(len(batch))
    problems = {str(r): r for r in results if isinstance(r, Problem)}
    if problems:
        raise InputError(list(problems.values()))
    return [r for r in results if isinstance(r, bytes)]


def page_digest(renderer: Renderer, page: Page, extra_head: str) -> str:
    """What a page is made from: its context, its templates and serve-mode extras."""
    templates = renderer.template_digest(page.template) if page.template else ""
    return _sha(f"{context_digest(page)}\0{templates}\0{extra_head}".encode())


def _atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.sitegen-tmp")
    temporary.write_bytes(data)
    os.replace(temporary, path)


@contextmanager
def _null() -> Iterator[None]:
    yield None


@contextmanager
def _progress_bar(total: int) -> Iterator[Callable[[int], None]]:
    """A progress bar on stderr for interactive terminals."""
    with click.progressbar(length=total, label="Rendering", file=sys.stderr) as bar:
        yield bar.update


def build_site(
    settings: Settings,
    *,
    strict: bool = False,
    clean: bool = False,
    jobs: int | None = None,
    extra_head: str = "",
    index_search: bool = False,
    timer: PhaseTimer | None = None,
    progress: bool = False,
) -> BuildResult:
    """Build the site into ``settings.output_path``; raise ``InputError`` on bad input."""
    start = time.perf_counter()
    timer = timer or PhaseTimer()
    output = settings.output_path
    check_output_folder(output, settings.root)
    loaded = load(settings, timer)
    failing = [p for p in loaded.problems if p.severity is Severity.ERROR or strict]
    if loaded.catalog is None or failing:
        raise InputError(failing or list(loaded.problems))
    catalog = loaded.catalog

    with timer.phase("plan"):
        pages = plan_pages(catalog, settings)
        renderer = renderer_for(catalog, settings, extra_head)
        statics = static_files(settings)

    cache = BuildCache.open(settings.root, output)
    full = clean or not (output / MARKER).exists() or not cache.records
    with timer.phase("render"):
        digests = [page_digest(renderer, page, extra_head) for page in pages]
        todo = [
            i
            for i, page in enumerate(pages)
            if full
            or cache.records.get(page.output, Record("", "")).digest != digests[i]
            or not (output / page.output).exists()
        ]
        bar = _progress_bar(len(todo)) if progress and todo else None
        with bar or _null() as tick:
            rendered = render_pages(
                renderer, [pages[i] for i in todo], jobs or os.cpu_count() or 1, tick
            )

    result = BuildResult(
        output=output, catalog=catalog, pages=len(pages) + len(statics) + 1, timer=timer
    )
    result.rendered = len(todo)
    outputs: dict[str, Record] = {}
    with timer.phase("write"):
        staging = output.with_name(output.name + ".sitegen-staging") if full else output
        if full:
            if staging.exists():
                shutil.rmtree(staging)
            staging.mkdir(parents=True)
        for i, data in zip(todo, rendered):
            page = pages[i]
            sha = _sha(data)
            old = cache.records.get(page.output)
            outputs[page.output] = Record(digests[i], sha)
            if full or old is None or old.sha != sha or not (output / page.output).exists():
                _atomic_write(staging / page.output, data)
                result.written.append(page.output)
        for page in pages:
            if page.output not in outputs:
                outputs[page.output] = cache.records[page.output]
        for name, source in statics.items():
            stat = source.stat()
            digest = f"{source}:{stat.st_size}:{stat.st_mtime_ns}"
            old = cache.records.get(name)
            if full or old is None or old.digest != digest or not (output / name).exists():
                data = source.read_bytes()
                sha = _sha(data)
                if full or old is None or old.sha != sha or not (output / name).exists():
                    _atomic_write(staging / name, data)
                    result.written.append(name)
                outputs[name] = Record(digest, sha)
            else:
                outputs[name] = old
        if full:
            (staging / MARKER).write_text(
                "This folder is built by sitegen; it may be replaced whole.\n"
            )
            _swap(staging, output)
        else:
            for stale in sorted(set(cache.records) - set(outputs)):
                target = output / stale
                if target.is_file():
                    target.unlink()
                    result.removed.append(stale)
                    _prune_empty(target.parent, output)

    if index_search:
        with timer.phase("index"):
            from sitegen.search import index_site

            index_site(catalog, settings, output, changed=result.written, full=full)

    cache.save(outputs)
    result.seconds = time.perf_counter() - start
    return result


def _swap(staging: Path, output: Path) -> None:
    """Put the staging folder in place of the output folder."""
    if output.exists():
        old = output.with_name(output.name + ".sitegen-old")
        if old.exists():
            shutil.rmtree(old)
        os.replace(output, old)
        os.replace(staging, output)
        shutil.rmtree(old, ignore_errors=True)
    else:
        output.parent.mkdir(parents=True, exist_ok=True)
        os.replace(staging, output)


def _prune_empty(folder: Path, output: Path) -> None:
    while folder != output and folder.is_dir() and not any(folder.iterdir()):
        folder.rmdir()
        folder = folder.parent
