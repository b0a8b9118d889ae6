"""Build a site: load, plan, render what changed, write atomically, index.

Safety: everything is rendered in memory before the output folder is touched,
so a failing build leaves the last good site as it was. A first (or ``--clean``)
build writes into a staging folder that is swapped in whole; later builds
replace only files whose bytes changed, each by an atomic rename, and remove
outputs no page produces any more. sitegen never writes into a non-empty folder
it did not create (it leaves a ``.sitegen`` marker in folders it builds).

Speed (docs/builds.md): a build whose inputs (names, sizes and mtimes of every
input file, settings, options, sitegen's own code) and outputs are all as the
last build left them stops after checking that; otherwise the catalogue's
expensive stages come from ``.sitegen-cache/`` when their inputs are unchanged,
and only pages whose digest changed are rendered.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import itertools
import operator
import os
import shutil
import sys
import threading
import time
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import click

from sitegen.cache import RACY_SECONDS, BuildCache, Manifest, Record, StageCache, stat_token
from sitegen.catalog import Loaded, load
from sitegen.digest import Digester, blake, code_signature
from sitegen.exports import publish_pages
from sitegen.model import STATUSES, Catalog, InputError, Problem, Severity
from sitegen.pages import Page, plan_pages
from sitegen.planmemo import PlanMemo
from sitegen.render import Renderer, renderer_for, theme_dir
from sitegen.settings import SETTINGS_FILE, Settings
from sitegen.timing import PhaseTimer
from sitegen.workers import Destination, default_jobs, render_pages

MARKER = ".sitegen"
"""File sitegen leaves in every output folder it builds."""
INPUT_FOLDERS = ("seeds", "content", "templates", "static")
"""Project folders whose files are inputs (besides ``sitegen.yaml``)."""
LARGE_OUTPUT = 1 << 20
"""Outputs of this many bytes are replaced in two renames (``_move_into_place``)."""
CHECKED = "outputs-checked"
"""What ``check_outputs`` keeps: the build cache generation it checked, and what changed."""
SEARCH_BUNDLE = "pagefind/pagefind.js"
"""The browser index a build with search leaves (``sitegen.search.pagefind.BUNDLE``); named
here so a no-change check need not import the search package."""


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


class OutputRefused(Exception):
    """The output folder is not one sitegen may write into."""


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


def site_digest(settings: Settings, catalog: Catalog, extra_head: str) -> bytes:
    """What every page is made from besides its own context and templates.

    Templates see the settings (``site``), every topic's name and the statuses;
    filters and Markdown rendering are sitegen's code. A change to any of these
    renders every page again.
    """
    topics = "\0".join(f"{t.slug}\1{t.name}" for t in catalog.topics)
    return blake(
        repr(settings).encode(),
        topics.encode(),
        repr(STATUSES).encode(),
        extra_head.encode(),
        code_signature().encode(),
    )


@dataclass(frozen=True)
class _Digested:
    """One build's page digests, kept for the next build in ``sitegen serve``."""

    site: bytes
    templates: dict[str | None, str]
    pages: Sequence[Page]
    digests: list[str]


def page_digests(
    renderer: Renderer,
    pages: Sequence[Page],
    settings: Settings,
    catalog: Catalog,
    stages: StageCache | None = None,
) -> list[str]:
    """What each page is made from: site-wide inputs, its context and its templates.

    With a ``stages`` cache that remembers (``sitegen serve``), a page that is the
    very ``Page`` object of the previous build (``PlanMemo``) keeps its digest when
    the site-wide inputs and its templates are unchanged, and immutable objects of
    the previous build (unchanged papers) keep their hashes.
    """
    site = site_digest(settings, catalog, renderer.extra_head)
    # A few templates, 10,000 pages: each template's digest is looked up once.
    templates: dict[str | None, str] = {None: ""}
    for page in pages:
        if page.template not in templates:
            templates[page.template] = renderer.template_digest(page.template or "")
    last: _Digested | None = stages.recall("page-digests") if stages else None
    if last is not None and (last.site != site or last.templates != templates):
        last = None
    remember = stages is not None and stages.remember
    digester = Digester(stages.recall("digester") if stages else None, for_next=remember)
    old_pages = last.pages if last is not None else ()
    old_digests = last.digests if last is not None else []
    count = len(pages)
    digests = old_digests[:count] + [""] * (count - len(old_digests))
    # The same page object at the same place keeps its digest; others are looked up by URL
    # (pages move when a paper comes or goes), else digested.
    others = itertools.chain(
        itertools.compress(range(count), map(operator.is_not, pages, old_pages)),
        range(len(old_pages), count),
    )
    by_url: dict[str, int] | None = None
    for index in others:
        page = pages[index]
        if old_pages and (index >= len(old_pages) or old_pages[index].url != page.url):
            if by_url is None:
                by_url = {old.url: i for i, old in enumerate(old_pages)}
            moved = by_url.get(page.url)
            if moved is not None and old_pages[moved] is page:
                digests[index] = old_digests[moved]
                continue
        what = (page.url, page.template, page.title, page.description, page.kind, page.feeds)
        shown = page.context if page.inputs is None else page.inputs
        digests[index] = digester.digest(site, what, shown, templates[page.template])
    if stages is not None:
        stages.keep("digester", digester)
        stages.keep("page-digests", _Digested(site, templates, pages, digests))
    return digests


def _input_files(settings: Settings) -> Iterator[Path]:
    """Every file a build reads: settings, seeds, content, site and theme templates and static."""
    yield settings.root / SETTINGS_FILE
    theme = theme_dir()
    folders = [settings.root / name for name in INPUT_FOLDERS]
    folders += [theme / "templates", theme / "static"]
    for folder in folders:
        for base, dirs, files in os.walk(folder):
            dirs.sort()
            for name in sorted(files):
                yield Path(base, name)


def input_signature(settings: Settings, options: Iterable[object]) -> tuple[str, int]:
    """Digest of the build's options and inputs (names, sizes, mtimes) and the newest mtime."""
    digest = hashlib.blake2b(digest_size=16)
    digest.update(repr((settings, *options)).encode())
    digest.update(code_signature().encode())
    newest = 0
    for path in _input_files(settings):
        try:
            stat = path.stat()
        except OSError:
            continue
        newest = max(newest, stat.st_mtime_ns)
        digest.update(f"{path}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest(), newest


def _move_into_place(source: Path, target: Path, aside: Path | None = None) -> str:
    """Rename a rendered file over its output (atomic); copy if on another file system.

    With ``aside``, the old output is first renamed there: ext4 flushes a file renamed
    over another to disk then and there (``auto_da_alloc``), 15 ms for a 20 MB
    export; the output is missing for the instant between the two renames.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        if aside is not None:
            with contextlib.suppress(FileNotFoundError):
                os.replace(target, aside)
        os.replace(source, target)
    except OSError:
        _atomic_write(target, source.read_bytes())
    return stat_token(target)


def _atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.sitegen-tmp")
    temporary.write_bytes(data)
    os.replace(temporary, path)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cycle collector off while the main process builds.

    The catalogue holds millions of objects; the collector's passes over them took
    100-200 ms of each rebuild at 10,000 papers, and its data has no cycles to find.
    What cycles a build leaves are collected once it is enabled again.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


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
    index_search: bool = True,
    timer: PhaseTimer | None = None,
    progress: bool = False,
    stages: StageCache | None = None,
) -> BuildResult:
    """Build the site into ``settings.output_path``; raise ``InputError`` on bad input.

    ``stages`` keeps the catalogue's derived results between builds; a
    long-lived caller (``sitegen serve``) passes the same one to every build so
    they stay in memory. By default they are read from ``.sitegen-cache/``.
    """
    start = time.perf_counter()
    started_ns = time.time_ns()
    timer = timer or PhaseTimer()
    output = settings.output_path
    check_output_folder(output, settings.root)
    if stages is None:
        stages = StageCache.for_project(settings.root, remember=False)
    stages.hits.clear()

    with _collector_paused():  # not while indexing: Whoosh makes cycles
        with timer.phase("load"):
            cache = BuildCache.open(settings.root, output, stages.recall("build-cache"))
            inputs, newest = input_signature(settings, (strict, extra_head, index_search))
            unchanged = (
                not clean
                and cache.manifest is not None
                and cache.manifest.inputs == inputs
                and (output / MARKER).exists()
                and bool(cache.records)
                and not changed_outputs(cache.records, output)
                and (not index_search or (output / SEARCH_BUNDLE).is_file())
            )
        if unchanged:
            assert cache.manifest is not None
            problems = cache.manifest.problems
            failing = [p for p in problems if p.severity is Severity.ERROR or strict]
            if failing:
                raise InputError(failing)
            return BuildResult(
                output=output,
                pages=len(cache.records) + 1,
                seconds=time.perf_counter() - start,
                timer=timer,
                problems=problems,
                unchanged=True,
                load_catalog=lambda: _catalog_of(load(settings, stages=stages)),
            )

        loaded = load(settings, timer, stages)
        failing = [p for p in loaded.problems if p.severity is Severity.ERROR or strict]
        if loaded.catalog is None or failing:
            raise InputError(failing or list(loaded.problems))
        catalog = loaded.catalog

        with timer.phase("plan"):
            memo = stages.recall("plan") or PlanMemo()
            pages = plan_pages(catalog, settings, memo)
            pages += publish_pages(catalog, settings, pages, memo)
            stages.keep("plan", memo)
            renderer = _renderer(catalog, settings, extra_head, stages)
            statics = static_files(settings)

        full = clean or not (output / MARKER).exists() or not cache.records
        cleanup: threading.Thread | None = None
        folder = output.with_name(
            output.name + (".sitegen-staging" if full else ".sitegen-pending")
        )
        with timer.phase("digest"):
            digests = page_digests(renderer, pages, settings, catalog, stages)
            if full:
                todo = list(range(len(pages)))
            else:
                # sitegen serve checked the outputs since the last build: trust that
                checked = stages.recall(CHECKED)
                if cache.stored and checked and checked[0] == cache.generation:
                    changed = checked[1]
                else:
                    changed = changed_outputs(cache.records, output)
                todo = _stale_pages(pages, digests, cache.records, changed)
        with timer.phase("render"):
            to = Destination(folder, full, output)
            if folder.exists():
                shutil.rmtree(folder)
            folder.mkdir(parents=True)
            bar = _progress_bar(len(todo)) if progress and todo else None
            try:
                with bar or _null() as tick:
                    rendered = render_pages(
                        renderer, [pages[i] for i in todo], to, jobs or default_jobs(), tick
                    )
            except BaseException:
                shutil.rmtree(folder, ignore_errors=True)
                raise

        result = BuildResult(
            output=output,
            pages=len(pages) + len(statics) + 1,
            timer=timer,
            problems=catalog.problems,
            _catalog=catalog,
        )
        result.rendered = len(todo)
        # The last build's records, updated: 10,000 of them, a handful of which change.
        outputs: dict[str, Record] = {} if full else dict(cache.records)
        touched: list[str] = []
        with timer.phase("write"):
            for i, done in zip(todo, rendered):
                name = pages[i].output
                token = done.stat
                if done.written:
                    if not full:
                        aside = folder / f".replaced-{i}" if done.size >= LARGE_OUTPUT else None
                        token = _move_into_place(folder / name, output / name, aside)
                    result.written.append(name)
                outputs[name] = Record(digests[i], token)
                touched.append(name)
            for name, source in statics.items():
                outputs[name] = _copy_static(
                    source, name, folder if full else output, cache, result
                )
                touched.append(name)
            if full:
                (folder / MARKER).write_text(
                    "This folder is built by sitegen; it may be replaced whole.\n"
                )
                cleanup = _swap(folder, output)
            else:
                produced = {page.output for page in pages}
                produced.update(statics)
                for stale in sorted(name for name in cache.records if name not in produced):
                    del outputs[stale]
                    touched.append(stale)
                    target = output / stale
                    if target.is_file():
                        target.unlink()
                        result.removed.append(stale)
                        _prune_empty(target.parent, output)
                cleanup = _remove_later(folder)

    try:
        # the pages are in place whatever happens to the index
        cache.save(outputs, touched=None if full else touched)
        stages.keep("build-cache", cache)
        if index_search:
            with timer.phase("index"):
                from sitegen.search import index_site

                changed = [*result.written, *result.removed]
                index_site(catalog, settings, output, changed=changed, full=full)
        # An input modified during the last moments may change again unseen by mtime:
        # then the next build checks everything rather than trusting the signature.
        if newest < started_ns - int(RACY_SECONDS * 1e9):
            cache.save_manifest(Manifest(inputs, catalog.problems))
    finally:
        if cleanup is not None:
            cleanup.join()
    result.seconds = time.perf_counter() - start
    return result


def _renderer(
    catalog: Catalog, settings: Settings, extra_head: str, stages: StageCache
) -> Renderer:
    """The previous build's renderer (templates compiled, digests taken) if nothing it
    depends on changed, else a new one (kept for the next build in ``sitegen serve``)."""
    fresh = renderer_for(catalog, settings, extra_head)
    # Contents, not modification times: a template saved twice within the file system's
    # timestamp resolution must not leave the first version compiled. They are small.
    templates = blake(
        *(
            part
            for folder in fresh.template_dirs
            for path in sorted(folder.rglob("*"))
            if path.is_file()
            for part in (str(path).encode(), path.read_bytes())
        )
    )
    key = (templates, settings, dict(fresh.topic_names), extra_head)
    held = stages.recall("renderer")
    renderer: Renderer = held[1] if held is not None and held[0] == key else fresh
    if stages.remember:
        stages.keep("renderer", (key, renderer))
        renderer.fragments.enabled = True  # {% cache %} blocks pay off in a long-lived process
        renderer.fragments.new_build()
    return renderer


def _copy_static(
    source: Path, name: str, into: Path, cache: BuildCache, result: BuildResult
) -> Record:
    """Copy a static file unless the same bytes are in place; its new record."""
    stat = source.stat()
    digest = f"{source}:{stat.st_size}:{stat.st_mtime_ns}"
    target = into / name
    old = cache.records.get(name)
    in_place = into == result.output
    if in_place and old is not None and old.digest == digest:
        token = stat_token(target)
        if token and token == old.stat:
            return old
    data = source.read_bytes()
    if in_place and target.is_file() and target.read_bytes() == data:
        return Record(digest, stat_token(target))  # touched, not changed
    _atomic_write(target, data)
    result.written.append(name)
    return Record(digest, stat_token(target))


def _stale_pages(
    pages: Sequence[Page],
    digests: Sequence[str],
    records: Mapping[str, Record],
    changed: Collection[str],
) -> list[int]:
    """Indexes of the pages to make again: new inputs, or output ``changed`` on disk."""
    return [
        index
        for index, page in enumerate(pages)
        if (old := records.get(page.output)) is None
        or old.digest != digests[index]
        or page.output in changed
    ]


def changed_outputs(records: Mapping[str, Record], output: Path) -> frozenset[str]:
    """The recorded outputs that are not on disk as the last build left them."""
    where = str(output) + os.sep  # string paths: 10,000 Path joins cost more than the stats
    return frozenset(
        name
        for name, record in records.items()
        if not record.stat or stat_token(where + name) != record.stat
    )


def check_outputs(settings: Settings, stages: StageCache) -> None:
    """Note which outputs are no longer as the last build left them (``sitegen serve``).

    Run between builds, in the background: the next build then makes those pages
    again and trusts the others without a stat of each (at 10,000 pages that stat
    was a fifth of an in-process rebuild). What changes on disk after this check is
    made good by the build after next.
    """
    cache: BuildCache | None = stages.recall("build-cache")
    if cache is None or not cache.stored:
        return
    stages.keep(CHECKED, (cache.generation, changed_outputs(cache.records, settings.output_path)))


def _catalog_of(loaded: Loaded) -> Catalog:
    if loaded.catalog is None:
        raise InputError(list(loaded.problems))
    return loaded.catalog


def _swap(staging: Path, output: Path) -> threading.Thread | None:
    """Put the staging folder in place of the output folder.

    The old site is deleted by a thread the caller joins: deleting ten thousand
    files takes a second that the search index can use meanwhile.
    """
    if not output.exists():
        output.parent.mkdir(parents=True, exist_ok=True)
        os.replace(staging, output)
        return None
    old = output.with_name(output.name + ".sitegen-old")
    if old.exists():
        shutil.rmtree(old)
    os.replace(output, old)
    os.replace(staging, output)
    return _remove_later(old)


def _remove_later(folder: Path) -> threading.Thread:
    """Delete a folder in a thread the caller joins (replaced exports take milliseconds)."""
    thread = threading.Thread(target=shutil.rmtree, args=(folder, True), name="sitegen-cleanup")
    thread.start()
    return thread


def _prune_empty(folder: Path, output: Path) -> None:
    while folder != output and folder.is_dir() and not any(folder.iterdir()):
        folder.rmdir()
        folder = folder.parent
