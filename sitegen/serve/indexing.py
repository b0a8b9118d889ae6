"""The preview's search index: made beside the rebuilds, written under the output's lock.

``sitegen serve`` updates the search indexes in a thread after each rebuild, so
new pages go live at once. The shards are made in memory without the lock (a
rebuild meanwhile must not wait for Pagefind) and written into the output under
the lock every build of that output holds (``sitegen.output_guard``): a ``sitegen
build`` run beside the server never writes the index's files at the same time
(each deletes the files its own shards do not name). Under the lock, nothing is
written into an output folder that is gone or not sitegen's any more (deleted by
hand meanwhile: the index's files alone would make a folder without the marker,
which every later build refuses), and shards made against an index another build
has rewritten since are made again.
"""

from __future__ import annotations

import threading

from sitegen.locks import exclusive
from sitegen.model import Catalog
from sitegen.output import MARKER
from sitegen.output_guard import lock_path
from sitegen.search import IndexResult, start_indexing
from sitegen.search.pagefind import indexed
from sitegen.search.records import RecordMemory
from sitegen.settings import Settings


def index_preview(
    catalog: Catalog,
    settings: Settings,
    records: RecordMemory,
    writing: threading.Lock,
    stop: threading.Event,
) -> IndexResult | None:
    """Update both search indexes of a served site (``records``: the search records kept
    between runs), written holding ``writing`` (which the server's rebuilds hold) and the
    output's lock, waited for until ``stop`` is set. None when nothing was written: the
    server stopped first, or the output is gone."""
    output = settings.output_path
    lock = lock_path(settings.root, output)
    while True:
        seen = indexed(output)
        job = start_indexing(catalog, settings, output, preview=records)
        job.wait()
        with writing, exclusive(lock, stop=stop) as held:
            if not held or not (output / MARKER).is_file():
                job.abandon()
                return None
            if indexed(output) == seen:
                return job.finish()
        job.abandon()  # another build rewrote the index meanwhile: make the shards against it
