"""The catalogue's expensive steps, each cached under a digest of exactly its inputs.

At 10,000 papers, cleaning and merging the seeds, matching topics, parsing the
annotations and computing related papers take seconds; an edit usually touches
one of their inputs at most. Each step here looks its result up in the
``StageCache`` first:

- ``seeds``: read, clean, dedupe and key every seed entry. Inputs: the seed
  files' names and bytes.
- ``topics``: rule-assigned topics per paper. Inputs: the seeds and ``topics.yaml``.
- ``annotations``: parsed and validated annotations. Inputs: the annotation
  files, the paper keys and the topic slugs.
- ``related``: TF-IDF neighbours. Inputs: every paper's title, abstract and
  notes, and the count. scikit-learn is imported only when this must be computed.

Every key also holds the running code's signature and the project folder (which
appears in ``file:line`` references), so nothing stale survives an upgrade.
"""

from __future__ import annotations

import os
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from sitegen.cache import StageCache
from sitegen.catalog.annotations import (
    AnnotationFile,
    annotation_files,
    load_annotations,
    merge_annotation_files,
    read_annotation_file,
)
from sitegen.catalog.authors import People
from sitegen.catalog.dedupe import CleanEntry, MergedPaper, find_duplicates, merge, merge_warnings
from sitegen.catalog.keys import assign_keys
from sitegen.catalog.titles import infer_title
from sitegen.catalog.topic_match import PatternTimeout, TopicMatcher
from sitegen.clean import clean_text
from sitegen.digest import blake, code_signature
from sitegen.model import Annotation, Paper, Problem, SourceEntry, Topic
from sitegen.sources import read_seeds, seed_files
from sitegen.yamlfile import read_regular


@dataclass
class CatalogMemory:
    """What loading keeps from one build to the next in one process (``sitegen serve``).

    Each entry is checked against what it was made from (digests and values, never
    object identity), so a stale one is made again, not trusted.
    """

    annotation_files: dict[bytes, AnnotationFile] = field(default_factory=dict)
    """Each annotation file's parse, by the digest of its name, bytes, keys and slugs."""
    papers: dict[str, MadePaper] = field(default_factory=dict)
    """Each paper by key, with what it was made from."""
    related: dict[str, RelatedPaper] = field(default_factory=dict)
    related_for: tuple[tuple[str, ...], int] = ((), 0)
    """The visible keys and related count ``related`` holds results for."""
    people: tuple[tuple[tuple[str, ...], ...], People] = ((), ())
    """The visible papers' authors, and the people ``find_people`` found in them."""


@dataclass(frozen=True, slots=True)
class MadePaper:
    """A paper before related papers are chosen, and what it was made from."""

    record: str
    """Digest of its merged seed record (``Seeds.digests``)."""
    note: Annotation | None
    assigned: tuple[str, ...]
    """Rule-assigned topic slugs."""
    paper: Paper
    digest: str
    """Digest of ``paper``."""


@dataclass(frozen=True, slots=True)
class RelatedPaper:
    """A paper with related papers chosen, and what they were chosen from."""

    base: str
    """Digest of the paper before (``MadePaper.digest``)."""
    similar: tuple[int, ...]
    """Indexes of the most similar papers."""
    paper: Paper


@dataclass(frozen=True, slots=True)
class Seeds:
    """The seeds stage: merged papers with their keys."""

    key: str
    """Digest of the seed files (the stages after this one build on it)."""
    entry_count: int
    problems: tuple[Problem, ...]
    merged: tuple[MergedPaper, ...]
    keys: tuple[str, ...]
    digests: tuple[str, ...]
    """Digest of each merged record: a paper made from the same one is the same paper."""


def clean_entry(entry: SourceEntry) -> CleanEntry:
    """Clean an entry's title and abstract."""
    title = clean_text(entry.title) if entry.title else None
    return CleanEntry(entry, title if title and title.plain else None, clean_text(entry.abstract))


def _files_digest(paths: Sequence[Path], root: Path, *extra: bytes) -> str | None:
    parts = [code_signature().encode(), os.fsencode(root), *extra]
    try:
        for path in paths:
            parts += [os.fsencode(path.relative_to(root).as_posix()), path.read_bytes()]
    except (OSError, ValueError):
        return None  # unreadable: let the stage run and report it, and cache nothing
    return blake(*parts).hex()


def load_seeds(seeds_dir: Path, root: Path, stages: StageCache) -> Seeds:
    """Every seed entry read, cleaned, merged with its duplicates and keyed.

    Once merged, an entry is needed only for its source reference (``file:line``):
    the stage keeps nothing else of it, a third of its size at 100,000 papers.
    """
    key = _files_digest(seed_files(seeds_dir), root)

    def compute() -> Seeds:
        entries, problems = read_seeds(seeds_dir, root)
        cleaned = [clean_entry(entry) for entry in entries]
        groups = find_duplicates(cleaned)
        merged = tuple(_sources_only(merge(group, joins)) for group, joins in groups)
        problems.extend(merge_warnings([join for _, joins in groups for join in joins]))
        titles = [
            m.title.plain if m.title is not None else infer_title(m.abstract.plain) for m in merged
        ]
        keys = tuple(assign_keys(titles))
        digests = tuple(blake(repr(m).encode("utf-8", "surrogatepass")).hex() for m in merged)
        return Seeds(key or "", len(entries), tuple(problems), merged, keys, digests)

    if key is None:
        return compute()
    return stages.compute("seeds", key, compute)


def _sources_only(paper: MergedPaper) -> MergedPaper:
    """The merged paper with each entry reduced to its source reference."""
    slim = tuple(
        CleanEntry(SourceEntry(item.entry.ref, item.entry.format, None, ""), None, _EMPTY)
        for item in paper.entries
    )
    return replace(paper, entries=slim)


_EMPTY = clean_text("")


def assign_topics(
    seeds: Seeds, topics: Sequence[Topic], topics_path: Path, stages: StageCache
) -> tuple[tuple[tuple[str, ...], ...], list[Problem]]:
    """Rule-assigned topics of each merged paper, before annotations change them; a
    pattern over its time budget is an error (and no paper gets a rule-assigned topic)."""

    def compute() -> tuple[tuple[str, ...], ...]:
        matcher = TopicMatcher(list(topics))
        return tuple(
            tuple(matcher.match(m.title.plain if m.title else "", m.abstract.plain, key))
            for m, key in zip(seeds.merged, seeds.keys)
        )

    try:
        try:
            rules = read_regular(topics_path)
        except FileNotFoundError:
            rules = b""
        except OSError:
            return compute(), []
        return stages.compute("topics", blake(seeds.key.encode(), rules).hex(), compute), []
    except PatternTimeout as exc:  # raised inside compute(), so nothing is kept
        return tuple(() for _ in seeds.merged), [exc.problem()]


def load_notes(
    content_dir: Path,
    root: Path,
    keys: Sequence[str],
    slugs: Sequence[str],
    stages: StageCache,
    memory: CatalogMemory,
) -> tuple[dict[str, Annotation], list[Problem]]:
    """Annotations by paper key and their problems (see ``load_annotations``).

    Within one process each file's parse is kept too, so after an edit only the
    edited file is read again.
    """
    paths = annotation_files(content_dir)
    names = blake("\0".join(keys).encode(), "\0".join(slugs).encode())
    try:
        files = [
            blake(os.fsencode(path.relative_to(root).as_posix()), path.read_bytes(), names)
            for path in paths
        ]
    except (OSError, ValueError):
        return load_annotations(content_dir, root, keys, slugs)  # reports what is unreadable
    key = blake(code_signature().encode(), os.fsencode(root), os.fsencode(content_dir), *files)

    def compute() -> tuple[dict[str, Annotation], list[Problem]]:
        earlier = memory.annotation_files
        parsed = {
            digest: earlier.get(digest) or read_annotation_file(path, root, keys, slugs)
            for path, digest in zip(paths, files)
        }
        memory.annotation_files = parsed
        return merge_annotation_files(parsed.values(), frozenset(keys))

    return stages.compute("annotations", key.hex(), compute)


def related_texts(papers: Sequence[Paper]) -> list[str]:
    """What related papers are computed from: what each paper says, its title and
    abstract; not the reader's notes (README, "Related papers")."""
    return [f"{p.title.plain}\n{p.abstract.plain}" for p in papers]


def related_indexes(
    papers: Sequence[Paper],
    seeds_key: str,
    count: int,
    retitled: Collection[str],
    stages: StageCache,
) -> list[tuple[int, ...]]:
    """For each paper, the indexes of the most similar other papers (``related_papers``).

    ``seeds_key`` stands for every abstract and every title the seeds give, so the
    key hashes only the visible keys and the titles annotations give (``retitled``:
    those papers' keys): annotating a paper otherwise leaves the key as it was.
    """

    def compute() -> list[tuple[int, ...]]:
        from sitegen.related import related_papers  # scikit-learn: slow to import

        return related_papers(related_texts(papers), count)

    if not seeds_key:
        return compute()
    # Titles differ from what the seeds say only where an annotation gives one.
    own = "\0".join(p.key for p in papers) + "\2"
    own += "\0".join(f"{p.key}\1{p.title.plain}" for p in papers if p.key in retitled)
    parts = (code_signature(), seeds_key, str(count), own)
    key = blake(*(part.encode("utf-8", "surrogatepass") for part in parts)).hex()
    return stages.compute("related", key, compute)
