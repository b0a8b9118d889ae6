"""Search indexes: Pagefind for the browser, Whoosh for the terminal.

The browser index is made from the catalogue: a search record per visible paper
(``records.py``), fed to Pagefind's service (``service.py``) shard by shard
(``pagefind.py``). ``sitegen build`` starts that as soon as pages are planned
(``start_indexing``): shards whose records changed are made in memory while
pages render, and written into the output once the pages are in place
(``IndexJob.finish``). The terminal index in ``.sitegen-cache/whoosh/`` is made
by the first ``sitegen search``; once it exists, builds keep it current too.

For ``sitegen serve``: build with ``build_site(..., index_search=False)`` so new
pages go live at once, then call ``index_site(..., background=True)``. It
returns a ``concurrent.futures.Future`` at once; the indexes are swapped in when
it completes (``future.result()`` re-raises ``SearchIndexError``). Keep at most
one reindex of an output folder running: wait for the previous future (or
chain the next one on it) before starting another.
"""

from __future__ import annotations

import threading
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, overload

from sitegen.model import Catalog
from sitegen.search.pagefind import (
    PagefindError,
    StagedIndex,
    install_index,
    remove_index,
    stage_index,
)
from sitegen.search.records import search_records
from sitegen.search.terminal import (
    IndexBusy,
    IndexUpdate,
    index_exists,
    input_fingerprint,
    update_index,
)
from sitegen.settings import Settings

__all__ = ["IndexJob", "IndexResult", "SearchIndexError", "index_site", "start_indexing"]


class SearchIndexError(Exception):
    """A search index could not be built; the message is one line for the user."""


@dataclass(frozen=True)
class IndexResult:
    """What indexing did."""

    browser: bool
    """Pagefind rewrote (part of) the browser index."""
    terminal: IndexUpdate = field(default_factory=IndexUpdate)
    """Changes to the terminal index (none when there is no terminal index yet)."""
    shards: tuple[str, ...] = ()
    """The browser index's shards that were rewritten."""


def _error(exc: BaseException) -> SearchIndexError:
    if isinstance(exc, OSError):
        return SearchIndexError(f"cannot write the search index: {exc}")
    return SearchIndexError(str(exc))


class IndexJob:
    """The browser index's changed shards being written in a thread (``start_indexing``)."""

    def __init__(self, catalog: Catalog, settings: Settings, output: Path, fresh: bool) -> None:
        self.catalog, self.settings, self.output = catalog, settings, output
        self._staged: StagedIndex | None = None
        self._failure: BaseException | None = None
        self._thread = threading.Thread(
            target=self._stage, args=(fresh,), name="sitegen-search-index", daemon=True
        )
        self._thread.start()

    def _stage(self, fresh: bool) -> None:
        if not self.catalog.papers:
            return
        try:
            records = search_records(self.catalog, self.settings.language)
            self._staged = stage_index(records, self.output, self.settings.language, fresh=fresh)
        except BaseException as exc:  # re-raised by finish()
            self._failure = exc

    def finish(self) -> IndexResult:
        """Wait for the shards, swap them in and update the terminal index if there is one."""
        self._thread.join()
        try:
            if self._failure is not None:
                raise self._failure
            if self._staged is None:
                remove_index(self.output)  # nothing to search: the search page says "no index"
                shards: tuple[str, ...] = ()
            else:
                shards = tuple(install_index(self._staged, self.output))
            terminal = IndexUpdate()
            if index_exists(self.settings):
                fingerprint = input_fingerprint(self.settings)
                terminal = update_index(self.catalog, self.settings, fingerprint=fingerprint)
        except (PagefindError, IndexBusy, OSError) as exc:
            raise _error(exc) from exc
        return IndexResult(bool(shards), terminal, shards)

    def abandon(self) -> None:
        """Wait for the thread and drop what it made (the build failed)."""
        self._thread.join()
        self._staged = None


def start_indexing(
    catalog: Catalog, settings: Settings, output: Path, *, fresh: bool = False
) -> IndexJob:
    """Start writing the browser index's changed shards (all of them if ``fresh``: the
    output is about to be replaced whole); ``finish()`` once the pages are in place."""
    return IndexJob(catalog, settings, output, fresh)


@overload
def index_site(
    catalog: Catalog,
    settings: Settings,
    output: Path,
    *,
    background: Literal[False] = False,
) -> IndexResult: ...


@overload
def index_site(
    catalog: Catalog,
    settings: Settings,
    output: Path,
    *,
    background: Literal[True],
) -> Future[IndexResult]: ...


def index_site(
    catalog: Catalog,
    settings: Settings,
    output: Path,
    *,
    background: bool = False,
) -> IndexResult | Future[IndexResult]:
    """Update both search indexes for a built site.

    The browser index rewrites the shards whose records differ from the ones it
    last indexed. Raises ``SearchIndexError``; with
    ``background=True`` returns a future instead, and the error comes from
    ``future.result()``.
    """
    if not background:
        return start_indexing(catalog, settings, output).finish()
    future: Future[IndexResult] = Future()

    def run() -> None:
        if not future.set_running_or_notify_cancel():
            return
        try:
            future.set_result(start_indexing(catalog, settings, output).finish())
        except BaseException as exc:
            future.set_exception(exc)

    threading.Thread(target=run, name="sitegen-search-reindex", daemon=True).start()
    return future
