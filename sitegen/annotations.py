"""Annotations: a reader's status, notes, tags and ratings from ``content/annotations``.

Every file under ``content/annotations`` (``*.yaml`` or ``*.yml``, dot-files
skipped) holds a mapping ``key: {fields}`` per paper, or a list of such
mappings. Validation never stops at the first mistake: every problem in every
file comes back with its ``file:line`` so ``sitegen check`` can list them all.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from sitegen.model import STATUSES, Annotation, Problem, Quote, Severity, SourceRef
from sitegen.sources import display_path
from sitegen.yamlfile import (
    MAX_NODES,
    YamlDoc,
    describe_value,
    lookalike,
    parse_yaml,
    quote_hint,
    read_text,
    suggest,
)

SCHEMA_PATH = Path(__file__).parent / "schemas" / "annotations.schema.json"
"""JSON Schema (draft 2020-12) for annotation files, for editors' autocompletion."""

SUFFIXES = (".yaml", ".yml")

_NEW_ARXIV = re.compile(r"\d{4}\.\d{4,5}(v\d+)?")
_OLD_ARXIV = re.compile(r"[a-z][a-z-]*(\.[A-Z]{2})?/\d{7}(v\d+)?")
_DOI = re.compile(r"10\.\d{3,9}/\S+")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_QUOTE_FIELDS = ("text", "page")


@dataclass(frozen=True)
class _Known:
    """What annotations may refer to: paper keys and topic slugs."""

    keys: frozenset[str]
    key_list: tuple[str, ...]
    topics: frozenset[str]


@dataclass
class _Field:
    """One field being checked: its place in the document and where problems go."""

    name: str
    path: tuple[Any, ...]
    """Path of the field's value in the document."""
    paper: str
    doc: YamlDoc
    display: str
    known: _Known
    problems: list[Problem]

    def report(self, message: str, *sub: Any, severity: Severity = Severity.ERROR) -> None:
        label = self.name + "".join(f"[{s}]" if isinstance(s, int) else f".{s}" for s in sub)
        line = self.doc.line(*self.path, *sub)
        self.problems.append(Problem(self.display, line, f"{label}: {message}", severity))


def _text(f: _Field, value: Any, *sub: Any) -> str | None:
    if isinstance(value, str):
        return value.strip() or None
    f.report(f"expected text, got {describe_value(value)}{quote_hint(value)}", *sub)
    return None


def _texts(f: _Field, value: Any) -> Iterator[tuple[int | None, str]]:
    """Items of a list-of-text field; a single text counts as a one-item list."""
    if isinstance(value, str):
        if value.strip():
            yield None, value.strip()
        return
    if not isinstance(value, list):
        f.report(f"expected a list of text, got {describe_value(value)}")
        return
    for index, item in enumerate(value):
        text = _text(f, item, index) if item is not None else None
        if text is not None:
            yield index, text


def _unique(items: Iterator[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


def _status(f: _Field, value: Any) -> str | None:
    allowed = ", ".join(STATUSES)
    if not isinstance(value, str):
        f.report(f"expected one of {allowed}; got {describe_value(value)}")
        return None
    status = value.strip().lower()
    if status in STATUSES:
        return status
    f.report(f"{value!r} is not a status; use one of {allowed}" + _closest(status, STATUSES))
    return None


def _rating(f: _Field, value: Any) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 5:
        return value
    f.report(f"expected a whole number from 1 to 5, got {describe_value(value)}")
    return None


def _year(f: _Field, value: Any) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool) and 1000 <= value <= 9999:
        return value
    hint = "; remove the quotes" if isinstance(value, str) and value.strip().isdigit() else ""
    f.report(f"expected a four-digit year such as 2024, got {describe_value(value)}{hint}")
    return None


def _tags(f: _Field, value: Any) -> tuple[str, ...]:
    return _unique(text for _, text in _texts(f, value))


def _topics(f: _Field, value: Any) -> tuple[tuple[str, ...], tuple[str, ...]]:
    added: list[str] = []
    removed: list[str] = []
    for index, text in _texts(f, value):
        remove = text.startswith("-")
        slug = text[1:].strip() if remove else text
        if slug not in f.known.topics:
            where = () if index is None else (index,)
            hint = suggest(slug, sorted(f.known.topics)) or "; topics are in content/topics.yaml"
            f.report(f"unknown topic {slug!r}{hint}", *where)
            continue
        (removed if remove else added).append(slug)
    return _unique(iter(added)), _unique(iter(removed))


def _quotes(f: _Field, value: Any) -> tuple[Quote, ...]:
    items = value if isinstance(value, list) else [value]
    if not isinstance(value, (list, str, dict)):
        f.report(f"expected a list of quotes (text, or text and page), got {describe_value(value)}")
        return ()
    quotes: list[Quote] = []
    for index, item in enumerate(items):
        sub = (index,) if isinstance(value, list) else ()
        if isinstance(item, str):
            if item.strip():
                quotes.append(Quote(item.strip()))
        elif isinstance(item, dict):
            quote = _quote_mapping(f, item, sub)
            if quote is not None:
                quotes.append(quote)
        elif item is not None:
            f.report(
                f"expected a quote as text or {{text, page}}, got {describe_value(item)}", *sub
            )
    return tuple(quotes)


def _quote_mapping(f: _Field, item: dict[Any, Any], sub: tuple[Any, ...]) -> Quote | None:
    for name in item:
        if name not in _QUOTE_FIELDS:
            hint = _closest(str(name), _QUOTE_FIELDS) or "; a quote has text and page"
            f.report(f"unknown quote field {name!r}{hint}", *sub, name, severity=Severity.WARNING)
    text = _text(f, item["text"], *sub, "text") if "text" in item else None
    if "text" not in item:
        f.report("a quote needs text: the passage itself", *sub)
    page = item.get("page")
    if isinstance(page, int) and not isinstance(page, bool):
        page = str(page)
    elif page is not None:
        page = _text(f, page, *sub, "page")
    return Quote(text, page) if text else None


def _links(f: _Field, value: Any) -> tuple[tuple[str, str], ...]:
    if not isinstance(value, dict):
        f.report(
            f"expected a mapping of name: URL (code: https://...), got {describe_value(value)}"
        )
        return ()
    links: list[tuple[str, str]] = []
    for name, url in value.items():
        if url is None:
            continue
        text = _text(f, url, name)
        if text is None:
            continue
        if not _is_web_url(text):
            shown = describe_value(text).removeprefix("text ")
            f.report(f"{shown} is not a web address; only http/https links are allowed", name)
            continue
        links.append((str(name).strip(), text))
    return tuple(links)


def _is_web_url(url: str) -> bool:
    if any(ch.isspace() or not ch.isprintable() for ch in url):
        return False
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(host)


def _arxiv(f: _Field, value: Any) -> str | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        f.report(f"write the identifier in quotes, e.g. '{value}'; YAML reads it as a number")
        return None
    text = _text(f, value)
    if text is None:
        return None
    ident = re.sub(r"^(arxiv:|https?://arxiv\.org/(abs|pdf)/)", "", text, flags=re.IGNORECASE)
    ident = ident.removesuffix(".pdf")
    if _NEW_ARXIV.fullmatch(ident) or _OLD_ARXIV.fullmatch(ident):
        return ident
    f.report(f"{text!r} is not an arXiv identifier such as 2406.01234 or cs/0101001")
    return None


def _doi(f: _Field, value: Any) -> str | None:
    text = _text(f, value)
    if text is None:
        return None
    doi = re.sub(r"^(doi:|https?://(dx\.)?doi\.org/)", "", text, flags=re.IGNORECASE).strip()
    if _DOI.fullmatch(doi):
        return doi
    f.report(f"{text!r} is not a DOI; expected one such as 10.1145/3290605.3300857")
    return None


def _read_on(f: _Field, value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and _ISO_DATE.fullmatch(value.strip()):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    f.report(f"expected a date written YYYY-MM-DD, got {describe_value(value)}")
    return None


def _related(f: _Field, value: Any) -> tuple[str, ...]:
    related: list[str] = []
    for index, key in _texts(f, value):
        where = () if index is None else (index,)
        if key == f.paper:
            f.report("a paper cannot be related to itself", *where, severity=Severity.WARNING)
        elif key in f.known.keys:
            related.append(key)
        else:
            f.report(_unknown_key(key, f.known), *where)
    return _unique(iter(related))


def _hidden(f: _Field, value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    f.report(f"expected true or false, got {describe_value(value)}")
    return None


_FIELDS: dict[str, Callable[[_Field, Any], Any]] = {
    "title": _text,
    "status": _status,
    "rating": _rating,
    "tags": _tags,
    "topics": _topics,
    "summary": _text,
    "notes": _text,
    "quotes": _quotes,
    "authors": _tags,
    "year": _year,
    "venue": _text,
    "links": _links,
    "arxiv": _arxiv,
    "doi": _doi,
    "read_on": _read_on,
    "related": _related,
    "hidden": _hidden,
}

ANNOTATION_FIELDS: tuple[str, ...] = tuple(_FIELDS)
"""Every field an annotation may set, in the order SPEC §3 lists them."""


def _closest(word: str, choices: Sequence[str]) -> str:
    """A did-you-mean naming only the best match, for short fixed vocabularies."""
    return suggest(word, difflib.get_close_matches(word, choices, n=1, cutoff=0.6))


def _unknown_key(key: str, known: _Known) -> str:
    hint = (
        suggest(key, known.key_list) or "; a key is the last part of a paper's URL, /papers/<key>/"
    )
    return f"unknown paper key {key!r}{hint}"


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


def _annotation(
    key: str,
    fields: Any,
    path: tuple[Any, ...],
    doc: YamlDoc,
    display: str,
    known: _Known,
    problems: list[Problem],
) -> Annotation | None:
    """Validate one paper's fields; the annotation keeps every valid field."""
    ref = SourceRef(display, doc.line(*path) or 1)
    if fields is None:
        return Annotation(key=key, ref=ref)
    if not isinstance(fields, dict):
        problems.append(
            Problem(
                display,
                ref.line,
                f"expected the fields of {key!r} as a mapping (status: read, ...), "
                f"got {describe_value(fields)}",
            )
        )
        return None
    values: dict[str, Any] = {}
    for name, value in fields.items():
        check = _FIELDS.get(name) if isinstance(name, str) else None
        if check is None and (confusable := lookalike(str(name), ANNOTATION_FIELDS)):
            problems.append(Problem(display, doc.line(*path, name), confusable))
            continue
        if check is None:
            hint = _closest(str(name), ANNOTATION_FIELDS) or "; fields are " + ", ".join(
                ANNOTATION_FIELDS
            )
            line = doc.line(*path, name)
            problems.append(
                Problem(display, line, f"unknown field {name!r}{hint}", Severity.WARNING)
            )
            continue
        if value is None:
            continue
        field = _Field(name, (*path, name), key, doc, display, known, problems)
        result = check(field, value)
        if name == "topics":
            values["topics_add"], values["topics_remove"] = result
        elif result is not None:
            values[name] = result
    return Annotation(key=key, ref=ref, **values)


def annotation_files(content_dir: Path) -> list[Path]:
    """Annotation files in sorted order; dot-files and dot-folders (editor droppings) skipped."""
    folder = content_dir / "annotations"
    try:
        found = [
            path
            for path in folder.rglob("*")
            if path.suffix.lower() in SUFFIXES
            and not any(part.startswith(".") for part in path.relative_to(folder).parts)
            and path.is_file()
        ]
    except OSError:
        return []
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
    return _read_file(path, root, _Known(frozenset(keys), tuple(keys), frozenset(topic_slugs)))


def _read_file(path: Path, root: Path, known: _Known) -> AnnotationFile:
    display = display_path(path, root)
    text, read_problems = read_text(path, display)
    if text is None:
        return AnnotationFile(display, tuple(read_problems), ())
    return _parse_file(text, display, known)


def _parse_file(text: str, display: str, known: _Known) -> AnnotationFile:
    """Validate a whole file's text as one YAML document."""
    doc, yaml_problems = parse_yaml(text, display)
    if doc is None:
        return AnnotationFile(display, tuple(yaml_problems), ())
    problems = _duplicate_paper_problems(yaml_problems, doc, text, display)
    entries = [
        _entry(raw_key, fields, field_path, doc, display, known)
        for raw_key, fields, field_path in _entries(doc, display, problems)
    ]
    return AnnotationFile(display, tuple(problems), tuple(entries))


def _entry(
    raw_key: Any, fields: Any, path: tuple[Any, ...], doc: YamlDoc, display: str, known: _Known
) -> AnnotatedEntry:
    key = str(raw_key).strip()
    line = doc.line(*path)
    found: list[Problem] = []
    if key not in known.keys:
        found.append(Problem(display, line, _unknown_key(key, known)))
    annotation = _annotation(key, fields, path, doc, display, known, found)
    return AnnotatedEntry(key, line, annotation, tuple(found))


_BLOCK_START = re.compile(r"\n(?=[^ \t\r\n#])")
"""The break before a line at column 0 that is neither blank nor a comment."""
_KEY_LINE = re.compile(r"([A-Za-z0-9_][\w.\-]*):(?:[ \t]+(?:#[^\n]*)?)?\r?(?:\n|\Z)", re.ASCII)
"""A plain paper key alone on its line (a comment may follow): where a block starts."""
_BLANK_LINES = re.compile(r"(?:[ \t]*(?:#[^\n]*)?\r?\n)*")
"""Blank and comment lines."""
_ANCHOR = re.compile(r"(?:^|(?<=[\s\[{,:]))&([^\s\[\]{},]+)")
"""Every anchor (``&name``) in YAML text, and some text that only looks like one."""


@dataclass(frozen=True, slots=True)
class _Block:
    """One block of a file, validated on its own."""

    start: int
    """0-based index of its first line in the file."""
    values: int
    """Values its document expanded to (``YamlDoc.values``)."""
    anchors: frozenset[str]
    """Names it may define as anchors: a document may define a name once."""
    entry: AnnotatedEntry


@dataclass
class AnnotationMemo:
    """Annotation files' entries block by block, so that an edit is parsed again alone.

    A file in the common shape (each paper's key alone on a line at column 0, its
    fields indented below it) is a run of blocks, one per paper, and each block is
    parsed and validated on its own, at its lines in the file: a block whose text the
    memo saw in the last read of the file is not parsed again (only moved, when lines
    were added or removed above it). Anything the blocks cannot settle alone (a file of
    another shape, a block that is not valid YAML by itself, such as one holding an
    alias to another block's anchor; a key written twice; one anchor name defined in
    two blocks; more values than ``MAX_NODES``) sends the whole file through the YAML
    reader as one document, which is how a file is read without a memo; both give the
    same ``AnnotationFile``. ``sitegen serve`` keeps one memo between builds.
    """

    known: _Known
    """The paper keys and topic slugs every held entry was validated against."""
    files: dict[str, dict[str, _Block]] = field(default_factory=dict)
    """By file (as messages name it), its blocks of the last read by text."""

    @classmethod
    def for_names(cls, keys: Sequence[str], topic_slugs: Collection[str]) -> AnnotationMemo:
        """An empty memo for these paper keys and topic slugs."""
        return cls(_Known(frozenset(keys), tuple(keys), frozenset(topic_slugs)))

    def read(self, path: Path, root: Path) -> AnnotationFile:
        """``read_annotation_file`` for the memo's keys and slugs, reusing unchanged blocks."""
        display = display_path(path, root)
        text, read_problems = read_text(path, display)
        if text is None:
            return AnnotationFile(display, tuple(read_problems), ())
        file = self._blocks(text, display)
        return file if file is not None else _parse_file(text, display, self.known)

    def keep_only(self, displays: Collection[str]) -> None:
        """Forget the files not among ``displays`` (files as messages name them)."""
        for display in [d for d in self.files if d not in displays]:
            del self.files[display]

    def _blocks(self, text: str, display: str) -> AnnotationFile | None:
        """The file validated block by block, or None when it needs a whole-file parse."""
        split = _split_blocks(text)
        if not split:
            return None
        earlier = self.files.get(display, {})
        blocks: dict[str, _Block] = {}
        keys: set[str] = set()
        anchors: set[str] = set()
        values = 1  # the top-level mapping
        complete = True
        for line, key, chunk in split:
            block = earlier.get(chunk)
            if block is None:
                block = self._parse_block(key, chunk, line, display)
            elif block.start != line:
                moved = _moved(block.entry, line - block.start)
                block = _Block(line, block.values, block.anchors, moved)
            if block is None:
                complete = False  # the whole-file parse reports it; the other blocks are kept
                continue
            blocks[chunk] = block
            if key in keys or not anchors.isdisjoint(block.anchors):
                complete = False
            keys.add(key)
            anchors |= block.anchors
            values += block.values - 1
        self.files[display] = blocks
        if not complete or values > MAX_NODES:
            return None
        return AnnotationFile(display, (), tuple(block.entry for block in blocks.values()))

    def _parse_block(self, key: str, chunk: str, line: int, display: str) -> _Block | None:
        """The block parsed alone at its place in the file, or None if it cannot stand alone."""
        doc, problems = parse_yaml("\n" * line + chunk, display)
        if doc is None or problems or not isinstance(doc.data, dict) or list(doc.data) != [key]:
            return None
        entry = _entry(key, doc.data[key], (key,), doc, display, self.known)
        names = frozenset(_ANCHOR.findall(chunk)) if "&" in chunk else frozenset()
        return _Block(line, doc.values, names, entry)


def _split_blocks(text: str) -> list[tuple[int, str, str]]:
    """(0-based index of its first line, paper key, text) of each top-level block, or
    nothing when the text is not a run of blocks.

    A block runs from its key's line to the next; the first also holds the blank and
    comment lines before it (only those may come first), so that every character of
    the file is parsed as written. Lines must break where both ``str.count("\\n")``
    and the YAML reader see a break (no lone CR, NEL or Unicode separators).
    """
    if "\r" in text and text.count("\r") != text.count("\r\n"):
        return []
    if not text.isascii() and any(mark in text for mark in ("\x85", "\u2028", "\u2029")):
        return []
    starts = [match.end() for match in _BLOCK_START.finditer(text)]
    if text[:1] not in ("", " ", "\t", "\r", "\n", "#"):
        starts.insert(0, 0)
    if not starts or _BLANK_LINES.fullmatch(text, 0, starts[0]) is None:
        return []
    blocks = []
    line = 0
    for index, (start, end) in enumerate(zip(starts, [*starts[1:], len(text)])):
        match = _KEY_LINE.match(text, start)
        if match is None:
            return []
        chunk = text[0 if index == 0 else start : end]
        blocks.append((line, match.group(1), chunk))
        line += chunk.count("\n")
    return blocks


def _moved(entry: AnnotatedEntry, lines: int) -> AnnotatedEntry:
    """The entry its block gives when written ``lines`` lines further down the file."""
    annotation = entry.annotation
    if annotation is not None:
        ref = annotation.ref
        annotation = replace(annotation, ref=SourceRef(ref.file, ref.line + lines))
    problems = tuple(
        Problem(p.file, p.line + lines, p.message, p.severity) if p.line is not None else p
        for p in entry.problems
    )
    line = entry.line + lines if entry.line is not None else None
    return AnnotatedEntry(entry.key, line, annotation, problems)


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
    known = _Known(frozenset(keys), tuple(keys), frozenset(topic_slugs))
    files = [_read_file(path, root, known) for path in annotation_files(content_dir)]
    return merge_annotation_files(files, known.keys)
