"""The terminal search index: a Whoosh index of the catalogue, kept in the build cache.

The index lives in ``.sitegen-cache/whoosh/``, one document per paper keyed by
its paper key. Each document carries a digest of everything indexed about the
paper, so an update rewrites only papers whose content changed and deletes
papers that are gone (``update_index``). A state file beside the index records
a fingerprint of the inputs (``sitegen.yaml``, ``seeds/``, ``content/``); while
it matches, ``sitegen search`` opens the index without loading the catalogue.

The index is made by the first ``sitegen search`` (``ensure_index``, with a
progress bar on a terminal), not by ``sitegen build``: a build keeps it current
only once it exists, so a site that is never searched from the terminal never
pays for it.

Text fields use a light plural stemmer (``models`` finds ``model``) rather than
Porter's. Ranking (``terminal.py``) is BM25F with the title boosted over the
summary and both over abstract and notes.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sys
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click
from whoosh import analysis, fields, index

from sitegen import __version__
from sitegen.cache import CACHE_DIR, ignore_folder
from sitegen.digest import file_signature
from sitegen.model import Catalog, Paper, SourceRef
from sitegen.settings import SETTINGS_FILE, Settings
from sitegen.sources.folders import input_files

SCHEMA_VERSION = "1"
"""Bump when the schema or the digest changes: older indexes are rebuilt."""
STATE_FILE = "sitegen-state.json"
LOCK_TIMEOUT = 30.0
"""Seconds to wait for another process (a build, a search) to finish writing."""
PROGRESS_FROM = 500
"""Papers to add from which ``ensure_index`` shows a progress bar."""


class IndexBusy(RuntimeError):
    """Another process held the index's write lock for too long."""


def plural_stem(word: str) -> str:
    """Harman's S-stemmer: strip English plural endings, nothing more."""
    if len(word) > 3 and word.endswith("ies") and not word.endswith(("eies", "aies")):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("es") and not word.endswith(("aes", "ees", "oes")):
        return word[:-1]
    if len(word) > 2 and word.endswith("s") and not word.endswith(("us", "ss")):
        return word[:-1]
    return word


def make_schema() -> fields.Schema:
    """The index schema: what each paper document holds."""
    text = analysis.StandardAnalyzer() | analysis.StemFilter(stemfn=plural_stem)
    return fields.Schema(
        key=fields.ID(stored=True, unique=True, sortable=True),
        digest=fields.ID(sortable=True),
        title=fields.TEXT(analyzer=text, stored=True, field_boost=4.0, multitoken_query="phrase"),
        summary=fields.TEXT(analyzer=text, field_boost=2.0, multitoken_query="phrase"),
        abstract=fields.TEXT(analyzer=text, multitoken_query="phrase"),
        notes=fields.TEXT(analyzer=text, multitoken_query="phrase"),
        tags=fields.KEYWORD(commas=True, lowercase=True, scorable=True),
        topics=fields.KEYWORD(stored=True, commas=True, lowercase=True, scorable=True),
        status=fields.ID(stored=True),
        year=fields.NUMERIC(int),
        file=fields.STORED(),
        url=fields.STORED(),
    )


def index_dir(root: Path) -> Path:
    """Where a project's terminal search index lives."""
    return root / CACHE_DIR / "whoosh"


def input_fingerprint(settings: Settings) -> str:
    """Hash of every input's path, size and modification time (not contents: fast)."""
    files = [settings.root / SETTINGS_FILE]
    for name in ("seeds", "content"):
        files.extend(input_files(settings.root, name))
    return f"{SCHEMA_VERSION}:{__version__}:{file_signature(files, settings.root)[0]}"


def _source(paper: Paper, annotation: SourceRef | None) -> str:
    ref = annotation or (paper.sources[0] if paper.sources else None)
    return str(ref) if ref else ""


def paper_document(paper: Paper, annotation: SourceRef | None = None) -> dict[str, Any]:
    """A paper as a Whoosh document, with the digest of its indexed content.

    ``annotation``: where the paper's annotation starts (``Catalog.annotation_ref``).
    """
    doc: dict[str, Any] = {
        "key": paper.key,
        "title": paper.title.plain,
        "summary": paper.summary or "",
        "abstract": paper.abstract.plain,
        "notes": paper.notes or "",
        "tags": ",".join(tag.replace(",", " ") for tag in paper.tags),
        "topics": ",".join(paper.topics),
        "status": paper.status,
        "file": _source(paper, annotation),
        "url": f"papers/{paper.key}/",
    }
    if paper.year is not None:
        doc["year"] = paper.year
    doc["digest"] = hashlib.sha256(
        json.dumps(doc, sort_keys=True, ensure_ascii=False).encode()
    ).hexdigest()
    return doc


@dataclass(frozen=True)
class IndexUpdate:
    """What an update of the terminal index did."""

    added: tuple[str, ...] = ()
    """Keys of papers indexed for the first time."""
    updated: tuple[str, ...] = ()
    """Keys of papers whose content changed and were reindexed."""
    removed: tuple[str, ...] = ()
    """Keys of papers no longer in the catalogue, deleted."""
    total: int = 0
    """Papers in the index afterwards."""

    @property
    def changed(self) -> int:
        """Documents written or deleted."""
        return len(self.added) + len(self.updated) + len(self.removed)

    def summary(self) -> str:
        """One line for ``--verbose`` output."""
        return (
            f"terminal search index: {len(self.added)} added, {len(self.updated)} updated, "
            f"{len(self.removed)} removed, {self.total} papers"
        )


def _read_state(folder: Path) -> dict[str, Any]:
    try:
        data = json.loads((folder / STATE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _write_state(folder: Path, fingerprint: str | None) -> None:
    state = {"schema": SCHEMA_VERSION, "fingerprint": fingerprint}
    temporary = folder / (STATE_FILE + ".tmp")
    temporary.write_text(json.dumps(state) + "\n", encoding="utf-8")
    temporary.replace(folder / STATE_FILE)


def _open_index(folder: Path) -> index.Index | None:
    """The existing index, or None if there is none usable (missing, unreadable, old)."""
    if _read_state(folder).get("schema") != SCHEMA_VERSION or not index.exists_in(str(folder)):
        return None
    try:
        return index.open_dir(str(folder))
    except Exception:  # a damaged or foreign index is rebuilt, never fatal
        return None


def _create_index(folder: Path) -> index.Index:
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    ignore_folder(folder.parent)
    return index.create_in(str(folder), make_schema())


def _indexed_digests(reader: Any) -> dict[str, str]:
    """Paper key → content digest of every live document."""
    if reader.doc_count() == 0:
        return {}
    keys = reader.column_reader("key")
    digests = reader.column_reader("digest")
    return {keys[n]: digests[n] for n in reader.all_doc_ids()}


def _writer(ix: index.Index, folder: Path) -> Any:
    try:
        # A larger pool than Whoosh's 128 MB default: indexing 10,000 papers runs 2x faster.
        return ix.writer(timeout=LOCK_TIMEOUT, delay=0.05, limitmb=256)
    except index.LockError as exc:
        raise IndexBusy(
            f"{folder} is locked by another sitegen process; try again when it has finished"
        ) from exc


def update_index(
    catalog: Catalog,
    settings: Settings,
    *,
    fingerprint: str | None = None,
    progress: bool = False,
) -> IndexUpdate:
    """Bring the index in line with the catalogue, rewriting only changed papers
    (with ``progress``, a progress bar on stderr while papers are added)."""
    folder = index_dir(settings.root)
    ix = _open_index(folder) or _create_index(folder)
    docs = {
        paper.key: paper_document(paper, catalog.annotation_ref(paper.key))
        for paper in catalog.papers
    }
    try:
        # Compare under the write lock, so two processes updating at once
        # (a build and a search) never both add the same paper.
        writer = _writer(ix, folder)
        try:
            with writer.reader() as reader:
                existing = _indexed_digests(reader)
            added = tuple(key for key in docs if key not in existing)
            updated = tuple(
                key
                for key, doc in docs.items()
                if existing.get(key, doc["digest"]) != doc["digest"]
            )
            removed = tuple(sorted(key for key in existing if key not in docs))
            for key in removed:
                writer.delete_by_term("key", key)
            for key in updated:
                writer.update_document(**docs[key])
            with _progress(added, progress and len(added) > PROGRESS_FROM) as keys:
                for key in keys:
                    writer.add_document(**docs[key])
        except BaseException:
            writer.cancel()
            raise
        if added or updated or removed:
            writer.commit()
        else:
            writer.cancel()
    finally:
        ix.close()
    _write_state(folder, fingerprint)
    return IndexUpdate(added, updated, removed, len(docs))


def index_is_current(settings: Settings, fingerprint: str) -> bool:
    """Whether the index was last updated from inputs with this fingerprint."""
    folder = index_dir(settings.root)
    state = _read_state(folder)
    return (
        state.get("schema") == SCHEMA_VERSION
        and state.get("fingerprint") == fingerprint
        and index.exists_in(str(folder))
    )


def ensure_index(settings: Settings, *, progress: bool | None = None) -> IndexUpdate | None:
    """Make the index current, loading the catalogue only if an input changed.

    Returns None when the index was already current; raises ``InputError``
    when the inputs hold errors. ``progress`` (default: stderr is a terminal)
    shows a progress bar while many papers are indexed: the first search of a
    large site indexes them all.
    """
    if progress is None:
        progress = sys.stderr.isatty()
    fingerprint = input_fingerprint(settings)
    if index_is_current(settings, fingerprint):
        return None
    from sitegen.catalog import load_catalog

    # Related papers are not indexed: skip computing them.
    catalog = load_catalog(settings.with_overrides(related_count=0))
    return update_index(catalog, settings, fingerprint=fingerprint, progress=progress)


def index_exists(settings: Settings) -> bool:
    """Whether the project has a terminal index (builds keep it current only then)."""
    return bool(index.exists_in(str(index_dir(settings.root))))


@contextmanager
def _progress(keys: Sequence[str], show: bool) -> Iterator[Iterable[str]]:
    if not show:
        yield keys
        return
    with click.progressbar(keys, label="Indexing papers for search", file=sys.stderr) as bar:
        yield bar
