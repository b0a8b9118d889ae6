"""Search indexes: Pagefind for the browser, Whoosh for the terminal.

The browser index is made from the catalogue: a search record per visible paper
(``records.py``), fed to Pagefind's service (``service.py``) shard by shard
(``pagefind.py``). ``sitegen build`` starts that as soon as the papers are
loaded, before related papers are chosen (``start_indexing``): shards whose records
changed are made in memory while related papers are chosen and pages planned and
rendered, and written into the output once the pages are in place
(``IndexJob.finish``). The terminal index in ``.sitegen-cache/whoosh/`` is made
by the first ``sitegen search``; once it exists, builds keep it current too.

For ``sitegen serve``: build with ``build_site(..., index_search=False)`` so new
pages go live at once, then call ``index_site(..., preview=memory)`` in a thread,
one at a time for an output folder, with the same ``RecordMemory`` each time. A
preview index has shards of 250 papers, so an edit re-indexes few; the next
``sitegen build`` makes the deployed layout again.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sitegen.cache import StageCache
from sitegen.model import Catalog, SearchIndexError
from sitegen.search.pagefind import (
    PagefindError,
    StagedIndex,
    discard_written,
    install_index,
    remember_shards,
    remove_index,
    stage_index,
)
from sitegen.search.records import RecordMemory, SearchRecord, kept_records, search_records
from sitegen.search.whoosh_index import (
    IndexBusy,
    IndexUpdate,
    index_exists,
    input_fingerprint,
    update_index,
)
from sitegen.settings import Settings

__all__ = ["IndexJob", "IndexResult", "SearchIndexError", "index_site", "start_indexing"]


@dataclass(frozen=True)
class IndexResult:
    """What indexing did."""

    browser: bool
    """Pagefind rewrote (part of) the browser index."""
    terminal: IndexUpdate = field(default_factory=IndexUpdate)
    """Changes to the terminal index (none when there is no terminal index yet)."""
    shards: tuple[str, ...] = ()
    """The browser index's shards that were rewritten."""
    spliced: tuple[str, ...] = ()
    """Those of them spliced from the shard on disk rather than made whole."""


def _error(exc: BaseException) -> SearchIndexError:
    if isinstance(exc, OSError):
        return SearchIndexError(f"cannot write the search index: {exc}")
    return SearchIndexError(str(exc))


class IndexJob:
    """The browser index's changed shards being written in a thread (``start_indexing``)."""

    def __init__(
        self,
        catalog: Catalog,
        settings: Settings,
        output: Path,
        fresh: bool,
        preview: RecordMemory | None,
        stages: StageCache | None,
    ) -> None:
        self.catalog, self.settings, self.output = catalog, settings, output
        self.preview, self.stages = preview, stages
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
            language = self.settings.language
            papers = {paper.key: paper for paper in self.catalog.papers}
            stages = self.stages if self.preview is None else None
            previous: dict[str, dict[str, SearchRecord]] = {}

            def records_of(shard: str, keys: Sequence[str]) -> list[SearchRecord]:
                chosen = [papers[key] for key in keys]
                if stages is not None:
                    kept = previous.setdefault(shard, {})
                    return kept_records(self.catalog, language, chosen, stages, shard, kept)
                return search_records(self.catalog, language, self.preview, chosen)

            self._staged = stage_index(
                papers,
                records_of,
                self.output,
                language,
                fresh=fresh,
                preview=self.preview is not None,
                stages=stages,
                previous=previous,
            )
            if self.preview is not None:  # papers no longer shown
                for key in self.preview.keys() - papers.keys():
                    del self.preview[key]
        except BaseException as exc:  # re-raised by finish()
            self._failure = exc

    def finish(self) -> IndexResult:
        """Wait for the shards, swap them in and update the terminal index if there is one."""
        self._thread.join()
        try:
            if self._failure is not None:
                discard_written(self.output)
                raise self._failure
            if self._staged is None:
                remove_index(self.output)  # nothing to search: the search page says "no index"
                shards: tuple[str, ...] = ()
            else:
                shards = tuple(install_index(self._staged, self.output))
                if self.stages is not None and self.preview is None:
                    remember_shards(self._staged, self.output, self.stages)
            terminal = IndexUpdate()
            if index_exists(self.settings):
                fingerprint = input_fingerprint(self.settings)
                terminal = update_index(self.catalog, self.settings, fingerprint=fingerprint)
        except (PagefindError, IndexBusy, OSError) as exc:
            raise _error(exc) from exc
        spliced = self._staged.spliced if self._staged is not None else ()
        return IndexResult(bool(shards), terminal, shards, spliced)

    def wait(self) -> None:
        """Wait until the changed shards are made (in memory; ``finish`` puts them in
        place): a large build waits before forking render workers, so that Pagefind's
        peak of memory does not add to theirs."""
        self._thread.join()

    def abandon(self) -> None:
        """Wait for the thread and drop what it made (the build failed)."""
        self._thread.join()
        self._staged = None
        discard_written(self.output)

    def __enter__(self) -> IndexJob:
        return self

    def __exit__(self, failure: type[BaseException] | None, *_: object) -> None:
        """Leaving the pages' part of a build: ``abandon`` if it failed."""
        if failure is not None:
            self.abandon()


def start_indexing(
    catalog: Catalog,
    settings: Settings,
    output: Path,
    *,
    fresh: bool = False,
    preview: RecordMemory | None = None,
    stages: StageCache | None = None,
) -> IndexJob:
    """Start writing the browser index's changed shards (all of them if ``fresh``: the
    output is about to be replaced whole; with a ``preview`` memory of records,
    ``sitegen serve``'s layout; else with ``stages``, records kept there from the last
    build: ``kept_records``); ``finish()`` once the pages are in place."""
    return IndexJob(catalog, settings, output, fresh, preview, stages)


def index_site(
    catalog: Catalog, settings: Settings, output: Path, *, preview: RecordMemory | None = None
) -> IndexResult:
    """Update both search indexes for a built site (with a ``preview`` memory of records
    kept between calls: as ``sitegen serve`` keeps it). The browser index rewrites the
    shards whose records differ from the ones it last indexed. Raises
    ``SearchIndexError``."""
    return start_indexing(catalog, settings, output, preview=preview).finish()
