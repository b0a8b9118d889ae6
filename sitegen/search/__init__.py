"""Search indexes: Pagefind for the browser, Whoosh for the terminal.

``index_site`` is the build's last phase. It makes a search record of every
visible paper from the catalogue (``records.py``), rewrites the browser
index's shards whose records changed (``pagefind.py``, through Pagefind's
service: ``service.py``) and brings the terminal index in
``.sitegen-cache/whoosh/`` up to date for the papers whose content changed.

For ``sitegen serve``: build with ``build_site(..., index_search=False)`` so new
pages go live at once, then call ``index_site(..., background=True)``. It
returns a ``concurrent.futures.Future`` at once; the indexes are swapped in when
it completes (``future.result()`` re-raises ``SearchIndexError``). Keep at most
one reindex of an output folder running: wait for the previous future (or
chain the next one on it) before starting another.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, overload

from sitegen.model import Catalog
from sitegen.search.pagefind import PagefindError, remove_index, write_index
from sitegen.search.records import search_records
from sitegen.search.terminal import IndexBusy, IndexUpdate, input_fingerprint, update_index
from sitegen.settings import Settings

__all__ = ["IndexResult", "SearchIndexError", "index_site"]


class SearchIndexError(Exception):
    """A search index could not be built; the message is one line for the user."""


@dataclass(frozen=True)
class IndexResult:
    """What ``index_site`` did."""

    browser: bool
    """Pagefind rewrote (part of) the browser index."""
    terminal: IndexUpdate = field(default_factory=IndexUpdate)
    """Changes to the terminal index."""
    shards: tuple[str, ...] = ()
    """The browser index's shards that were rewritten."""


def _index(
    catalog: Catalog,
    settings: Settings,
    output: Path,
    changed: Iterable[str],
    full: bool,
    verbose: bool,
) -> IndexResult:
    del changed, full, verbose  # the index compares its records itself
    try:
        if catalog.papers:
            records = search_records(catalog, settings.language)
            shards = tuple(write_index(records, output, settings.language))
        else:
            remove_index(output)  # nothing to search: the search page says "no index"
            shards = ()
        fingerprint = input_fingerprint(settings)
        terminal = update_index(catalog, settings, fingerprint=fingerprint)
    except (PagefindError, IndexBusy) as exc:
        raise SearchIndexError(str(exc)) from exc
    except OSError as exc:
        raise SearchIndexError(f"cannot write the search index: {exc}") from exc
    return IndexResult(bool(shards), terminal, shards)


@overload
def index_site(
    catalog: Catalog,
    settings: Settings,
    output: Path,
    *,
    changed: Iterable[str] = (),
    full: bool = False,
    verbose: bool = False,
    background: Literal[False] = False,
) -> IndexResult: ...


@overload
def index_site(
    catalog: Catalog,
    settings: Settings,
    output: Path,
    *,
    changed: Iterable[str] = (),
    full: bool = False,
    verbose: bool = False,
    background: Literal[True],
) -> Future[IndexResult]: ...


def index_site(
    catalog: Catalog,
    settings: Settings,
    output: Path,
    *,
    changed: Iterable[str] = (),
    full: bool = False,
    verbose: bool = False,
    background: bool = False,
) -> IndexResult | Future[IndexResult]:
    """Update both search indexes for a built site.

    ``changed`` and ``full`` are accepted for callers that pass what the build did;
    the browser index rewrites the shards whose records differ from the ones it
    last indexed, whatever the build wrote. Raises ``SearchIndexError``; with ``background=True`` returns a
    future instead, and the error comes from ``future.result()``.
    """
    changed = list(changed)
    if not background:
        return _index(catalog, settings, output, changed, full, verbose)
    future: Future[IndexResult] = Future()

    def run() -> None:
        if not future.set_running_or_notify_cancel():
            return
        try:
            future.set_result(_index(catalog, settings, output, changed, full, verbose))
        except BaseException as exc:
            future.set_exception(exc)

    threading.Thread(target=run, name="sitegen-search-index", daemon=True).start()
    return future
