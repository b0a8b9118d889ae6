"""Terminal search: a Whoosh index of the catalogue, kept in the build cache.

The index lives in ``.sitegen-cache/whoosh/``, one document per paper keyed by
its paper key. Each document carries a digest of everything indexed about the
paper, so an update rewrites only papers whose content changed and deletes
papers that are gone (``update_index``). A state file beside the index records
a fingerprint of the inputs (``sitegen.yaml``, ``seeds/``, ``content/``); while
it matches, ``sitegen search`` opens the index without loading the catalogue.

Text fields use a light plural stemmer (``models`` finds ``model``) rather than
Porter's, so fuzzy terms still compare against near-surface words: ``~`` allows
one edit, with a transposition counting as one (``diffusoin~`` finds
``diffusion``). Ranking is BM25F with the title boosted over the summary and
both over abstract and notes, so a paper whose title is the query comes first.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import re
import shutil
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from whoosh import analysis, fields, index, qparser, query, scoring
from whoosh.support.levenshtein import damerau_levenshtein

from sitegen import __version__
from sitegen.cache import CACHE_DIR
from sitegen.model import Catalog, Paper, SourceRef
from sitegen.settings import SETTINGS_FILE, Settings

SCHEMA_VERSION = "1"
"""Bump when the schema or the digest changes: older indexes are rebuilt."""
STATE_FILE = "sitegen-state.json"
TEXT_FIELDS = ("title", "summary", "abstract", "notes")
"""Fields a query word searches when it names no field."""
FIELD_ALIASES = {"tags": ["tag"], "topics": ["topic"]}
"""``tag:x`` searches ``tags``, ``topic:x`` searches ``topics``."""
LOCK_TIMEOUT = 30.0
"""Seconds to wait for another process (a build, a search) to finish writing."""


class QuerySyntaxError(ValueError):
    """The query cannot be parsed or names a field the index does not have."""


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
    digest = hashlib.sha256(f"{SCHEMA_VERSION}\0{__version__}\0".encode())
    files = [settings.root / SETTINGS_FILE]
    for folder in (settings.seeds_dir, settings.content_dir):
        if folder.is_dir():
            files.extend(sorted(p for p in folder.rglob("*") if p.is_file()))
    for path in files:
        try:
            stat = path.stat()
        except OSError:
            continue
        digest.update(
            f"{path.relative_to(settings.root)}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode()
        )
    return digest.hexdigest()


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
    rebuilt: bool = False
    """The index was created from scratch (none, unreadable or older schema)."""

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
    gitignore = folder.parent / ".gitignore"
    if not gitignore.exists():
        gitignore.write_text("*\n")
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
    catalog: Catalog, settings: Settings, *, fingerprint: str | None = None
) -> IndexUpdate:
    """Bring the index in line with the catalogue, rewriting only changed papers."""
    folder = index_dir(settings.root)
    ix = _open_index(folder)
    rebuilt = ix is None
    if ix is None:
        ix = _create_index(folder)
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
            for key in added:
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
    return IndexUpdate(added, updated, removed, len(docs), rebuilt)


def index_is_current(settings: Settings, fingerprint: str) -> bool:
    """Whether the index was last updated from inputs with this fingerprint."""
    folder = index_dir(settings.root)
    state = _read_state(folder)
    return (
        state.get("schema") == SCHEMA_VERSION
        and state.get("fingerprint") == fingerprint
        and index.exists_in(str(folder))
    )


def ensure_index(settings: Settings) -> IndexUpdate | None:
    """Make the index current, loading the catalogue only if an input changed.

    Returns None when the index was already current; raises ``InputError``
    when the inputs hold errors.
    """
    fingerprint = input_fingerprint(settings)
    if index_is_current(settings, fingerprint):
        return None
    from sitegen.catalog import load_catalog

    # Related papers are not indexed: skip computing them.
    catalog = load_catalog(settings.with_overrides(related_count=0))
    return update_index(catalog, settings, fingerprint=fingerprint)


class TypoTerm(query.FuzzyTerm):  # type: ignore[misc]  # whoosh is untyped
    """A fuzzy term where swapping two neighbouring letters counts as one edit."""

    def _btexts(self, ixreader: Any) -> Iterator[str]:
        # Whoosh's automaton counts a transposition as two edits: widen by one,
        # then keep the words within the Damerau-Levenshtein distance asked for.
        for word in ixreader.terms_within(
            self.fieldname, self.text, self.maxdist + 1, prefix=self.prefixlength
        ):
            if damerau_levenshtein(word, self.text) <= self.maxdist:
                yield word


class TypoTermPlugin(qparser.FuzzyTermPlugin):  # type: ignore[misc]
    """``word~`` (one edit), ``word~2`` (two edits) with transpositions as one edit."""

    class FuzzyTermNode(qparser.FuzzyTermPlugin.FuzzyTermNode):  # type: ignore[misc]
        qclass = TypoTerm


def make_parser(schema: fields.Schema) -> qparser.QueryParser:
    """The query parser: all words must match, in any text field unless one is named."""
    parser = qparser.MultifieldParser(list(TEXT_FIELDS), schema, group=qparser.AndGroup)
    parser.add_plugin(TypoTermPlugin())
    parser.add_plugin(qparser.FieldAliasPlugin(FIELD_ALIASES))
    return parser


QUERY_FIELDS = ("title", "summary", "abstract", "notes", "tag", "topic", "status", "year")
"""Field names a query may use (``tags``/``topics`` work too)."""
_FIELD = re.compile(r'"[^"]*"|(?<![\w.:/-])([a-z_]+):(?=[^\s:/])')
"""A lowercase ``name:`` glued to a value is meant as a field (``Merlin:Empowering`` is not)."""
_QUESTION_MARK = re.compile(r"(?<=\w)\?+(?=[\s,.;:!)]|$)")


def parse_query(text: str, schema: fields.Schema | None = None) -> query.Query:
    """Parse a query; ``QuerySyntaxError`` if it cannot be used."""
    schema = schema or make_schema()
    for match in _FIELD.finditer(text):
        name = match.group(1)
        if name and name not in schema and name not in ("tag", "topic"):
            close = difflib.get_close_matches(name.lower(), QUERY_FIELDS, n=1)
            hint = f" (did you mean {close[0]}:?)" if close else ""
            raise QuerySyntaxError(
                f"unknown field {name}:{hint}; fields are {', '.join(QUERY_FIELDS)}"
            )
    # A question mark ending a word ends a question ("What is Essential?"), it is
    # not Whoosh's one-letter wildcard.
    text = _QUESTION_MARK.sub("", text)
    try:
        return make_parser(schema).parse(text)
    except Exception as exc:  # whoosh raises several types for bad syntax
        raise QuerySyntaxError(f"cannot parse query {text!r}: {exc}") from exc


@dataclass(frozen=True)
class Hit:
    """One search result."""

    key: str
    title: str
    score: float
    topics: tuple[str, ...]
    url: str
    """Site-relative URL (``papers/<key>/``)."""
    file: str
    """The annotation to edit (``file:line``), or the paper's first seed record."""


@dataclass(frozen=True)
class SearchResult:
    """Ranked hits, and whether the query had to be loosened to find any."""

    hits: list[Hit] = field(default_factory=list)
    loosened: bool = False
    """No paper matched every word, so papers matching some words are shown."""


def search_index(
    settings: Settings,
    text: str,
    *,
    topic: str | None = None,
    status: str | None = None,
    limit: int = 20,
) -> SearchResult:
    """Search the existing index (see ``ensure_index``), best first."""
    ix = index.open_dir(str(index_dir(settings.root)))
    try:
        parsed = parse_query(text, ix.schema)
        filters: list[query.Query] = []
        if topic:
            filters.append(query.Term("topics", topic.lower()))
        if status:
            filters.append(query.Term("status", status))
        only = query.And(filters) if filters else None
        with ix.searcher(weighting=scoring.BM25F()) as searcher:
            found = searcher.search(parsed, limit=limit, filter=only)
            loosened = False
            if found.is_empty() and _plain_words(text) and isinstance(parsed, query.And):
                loose = query.Or(parsed.subqueries, scale=0.9)
                found = searcher.search(loose, limit=limit, filter=only)
                loosened = not found.is_empty()
            hits = [
                Hit(
                    key=hit["key"],
                    title=hit["title"],
                    score=round(float(hit.score or 0.0), 4),
                    topics=tuple(t for t in hit.get("topics", "").split(",") if t),
                    url=hit.get("url", f"papers/{hit['key']}/"),
                    file=hit.get("file", ""),
                )
                for hit in found
            ]
    finally:
        ix.close()
    return SearchResult(hits, loosened)


def _plain_words(text: str) -> bool:
    """Whether a query is just words: no fields, phrases, groups or operators to honour."""
    return not re.search(r'["()]|\b(AND|OR|NOT)\b|\w:\S', text)


def topics_in_index(settings: Settings) -> list[str]:
    """Every topic slug some indexed paper has (for did-you-mean messages)."""
    ix = index.open_dir(str(index_dir(settings.root)))
    try:
        with ix.reader() as reader:
            return sorted(
                t.decode() if isinstance(t, bytes) else t for t in reader.lexicon("topics")
            )
    finally:
        ix.close()


def format_hits(hits: Sequence[Hit], width: int | None) -> list[str]:
    """Aligned ``key  title  [topics]  file`` lines, cut to ``width`` columns if given."""
    if not hits:
        return []
    rows = [(h.key, h.title, f"[{', '.join(h.topics)}]" if h.topics else "", h.file) for h in hits]
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    if width is not None:
        widths[0] = min(widths[0], 40)
        widths[2] = min(widths[2], 40)
        # The title gives way first (down to 20 columns), then the line is cut.
        others = sum(w + 2 for i, w in enumerate(widths) if i != 1 and w)
        widths[1] = max(min(widths[1], width - others), 20)
    lines = []
    for row in rows:
        cells = [_cut(cell, w).ljust(w) for cell, w in zip(row, widths) if w]
        line = "  ".join(cells).rstrip()
        lines.append(_cut(line, width) if width is not None else line)
    return lines


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: max(width - 1, 0)] + "…"
