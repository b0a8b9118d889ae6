"""Annotations: a reader's status, notes, tags and ratings from ``content/annotations``.

Every file under ``content/annotations`` (``*.yaml`` or ``*.yml``, dot-files
skipped) holds a mapping ``key: {fields}`` per paper, or a list of such
mappings. Validation never stops at the first mistake: every problem in every
file comes back with its ``file:line`` so ``sitegen check`` can list them all.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sitegen.catalog.annotation_fields import Known, unknown_key, validate_annotation
from sitegen.model import Annotation, Problem
from sitegen.sources import display_path
from sitegen.sources.folders import files_under
from sitegen.yamlfile import (
    YamlDoc,
    describe_value,
    parse_yaml,
    read_text,
)

SUFFIXES = (".yaml", ".yml")


def _entries(
    doc: YamlDoc, display: str, problems: list[Problem]
) -> Iterator[tuple[Any, Any, tuple[Any, ...]]]:
    """(key, fields, path of fields) for each paper in either file form."""
    data = doc.data
    if data is None:
        return
    if isinstance(data, dict):
        for key, value in data.items():
            yield key, value, (key,)
        return
    if isinstance(data, list):
        for index, item in enumerate(data):
            if isinstance(item, dict):
                for key, value in item.items():
                    yield key, value, (index, key)
            elif item is not None:
                problems.append(
                    Problem(
                        display,
                        doc.line(index),
                        f"list item {index + 1}: expected a mapping `key: {{fields}}`, "
                        f"got {describe_value(item)}",
                    )
                )
        return
    problems.append(
        Problem(
            display,
            doc.line(),
            "expected a mapping of paper keys to their fields (`key: {fields}`) "
            f"or a list of such mappings, got {describe_value(data)}",
        )
    )


def annotation_files(content_dir: Path) -> list[Path]:
    """Annotation files in sorted order, symlinked subfolders' too (a shared folder of
    notes linked in); dot-files and dot-folders (editor droppings) skipped, and a folder
    link that loops is not entered (``unreadable_names`` reports it)."""
    folder = content_dir / "annotations"
    found = [
        path
        for path in files_under(folder)
        if path.suffix.lower() in SUFFIXES
        and not any(part.startswith(".") for part in path.relative_to(folder).parts)
        and path.is_file()
    ]
    return sorted(found, key=lambda path: path.relative_to(folder).parts)


def _duplicate_paper_problems(
    problems: list[Problem], doc: YamlDoc, text: str, display: str
) -> list[Problem]:
    """Name the first place when a paper key repeats at the top of one file.

    The YAML reader reports repeated mapping keys generically; a repeated
    top-level key (written at column 0) is a paper annotated twice.
    """
    if not isinstance(doc.data, dict):
        return problems
    lines = text.splitlines()
    result: list[Problem] = []
    for problem in problems:
        match = re.match(r"duplicate key '(.*)':", problem.message)
        line = problem.line
        if match and line is not None and 0 < line <= len(lines):
            key = match.group(1)
            source = lines[line - 1]
            first = doc.line(key)
            if key in doc.data and first is not None and source[:1] not in ("", " ", "\t", "-"):
                problem = Problem(
                    display,
                    line,
                    f"{key!r} is annotated twice; first at {display}:{first}; "
                    "merge the two into one",
                )
        result.append(problem)
    return result


@dataclass(frozen=True, slots=True)
class AnnotatedEntry:
    """One paper's entry in an annotation file, validated on its own."""

    key: str
    line: int | None
    annotation: Annotation | None
    """None when no field validated."""
    problems: tuple[Problem, ...]
    """The entry's own problems (an unknown key among them); repeats across files are
    found when files are merged."""


@dataclass(frozen=True, slots=True)
class AnnotationFile:
    """An annotation file read and validated: its entries in file order."""

    display: str
    """The file as messages name it."""
    problems: tuple[Problem, ...]
    """Problems of the file as a whole (unreadable, not YAML, repeated keys)."""
    entries: tuple[AnnotatedEntry, ...]


def read_annotation_file(
    path: Path, root: Path, keys: Sequence[str], topic_slugs: Collection[str]
) -> AnnotationFile:
    """Read and validate one annotation file against the paper keys and topic slugs."""
    return _read_file(path, root, Known(frozenset(keys), tuple(keys), frozenset(topic_slugs)))


def _read_file(path: Path, root: Path, known: Known) -> AnnotationFile:
    """Read and validate a whole file as one YAML document."""
    display = display_path(path, root)
    text, problems = read_text(path, display)
    if text is None:
        return AnnotationFile(display, tuple(problems), ())
    doc, problems = parse_yaml(text, display)
    if doc is None:
        return AnnotationFile(display, tuple(problems), ())
    problems = _duplicate_paper_problems(problems, doc, text, display)
    entries = [
        _entry(raw_key, fields, field_path, doc, display, known)
        for raw_key, fields, field_path in _entries(doc, display, problems)
    ]
    return AnnotationFile(display, tuple(problems), tuple(entries))


def _entry(
    raw_key: Any, fields: Any, path: tuple[Any, ...], doc: YamlDoc, display: str, known: Known
) -> AnnotatedEntry:
    key = str(raw_key).strip()
    line = doc.line(*path)
    found: list[Problem] = []
    if key not in known.keys:
        found.append(Problem(display, line, unknown_key(key, known)))
    annotation = validate_annotation(key, fields, path, doc, display, known, found)
    return AnnotatedEntry(key, line, annotation, tuple(found))


def merge_annotation_files(
    files: Iterable[AnnotationFile], keys: Collection[str]
) -> tuple[dict[str, Annotation], list[Problem]]:
    """Annotations by known paper key (the first, when a key is annotated twice) and every
    problem, in file order."""
    annotations: dict[str, Annotation] = {}
    problems: list[Problem] = []
    for file in files:
        problems.extend(file.problems)
        for entry in file.entries:
            key = entry.key
            if key in annotations:
                first = annotations[key].ref
                problems.append(
                    Problem(
                        file.display,
                        entry.line,
                        f"{key!r} is annotated twice; first at {first}; merge the two into one",
                    )
                )
            problems.extend(entry.problems)
            if entry.annotation is not None and key in keys and key not in annotations:
                annotations[key] = entry.annotation
    return annotations, problems


def load_annotations(
    content_dir: Path, root: Path, keys: Sequence[str], topic_slugs: Collection[str]
) -> tuple[dict[str, Annotation], list[Problem]]:
    """Read and validate every annotation file; return annotations by key and all problems.

    The dict holds one annotation per known paper key (the first, when a key is
    annotated twice), with every field that validated. Unknown keys and repeats
    are checked too, so their problems are reported, but they are not returned.
    """
    known = Known(frozenset(keys), tuple(keys), frozenset(topic_slugs))
    files = [_read_file(path, root, known) for path in annotation_files(content_dir)]
    return merge_annotation_files(files, known.keys)
