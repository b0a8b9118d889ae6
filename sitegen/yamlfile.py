"""Safe YAML reading with line numbers, for every YAML input sitegen takes.

PyYAML's safe loader turns a document into plain values but forgets where each
value was written. Inputs here must report problems as ``file:line``, so the
document is composed into nodes and converted by hand, keeping each node's line.
The conversion also refuses duplicate mapping keys (which PyYAML silently
accepts, losing data) and alias bombs (a few lines that expand to billions of
values).
"""

from __future__ import annotations

import datetime as dt
import difflib
import errno
import os
import stat
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import yaml
from yaml.constructor import SafeConstructor

from sitegen.model import Problem

MAX_NODES = 200_000
"""Most values the aliases of one YAML file may expand to; more means an alias bomb (a
few lines that expand to billions of values). Values written out count for nothing: an
honest file may be of any size."""
MAX_DEPTH = 64
"""Deepest nesting accepted."""

PathKey = tuple[Any, ...]
_MERGE = "tag:yaml.org,2002:merge"


@dataclass
class YamlDoc:
    """A parsed YAML document and the line of every value in it."""

    data: Any
    """The document as plain Python values (dict, list, str, int, date, ...)."""
    lines: dict[PathKey, int] = field(default_factory=dict)
    """1-based line of each value, keyed by its path of mapping keys and list indexes."""

    def line(self, *path: Any) -> int | None:
        """Line of the value at ``path``, or of its nearest ancestor that has one."""
        for end in range(len(path), -1, -1):
            found = self.lines.get(tuple(path[:end]))
            if found is not None:
                return found
        return None


class _Invalid(Exception):
    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


class _Converter:
    def __init__(self) -> None:
        self.constructor = SafeConstructor()
        self.count = 0
        self.seen: set[int] = set()
        """Collections converted once; converting one again is an alias's expansion."""
        self.lines: dict[PathKey, int] = {}
        self.duplicates: list[tuple[int, str]] = []

    def convert(
        self, node: yaml.Node, path: PathKey, depth: int = 0, expanding: bool = False
    ) -> Any:
        line = node.start_mark.line + 1
        if not expanding and isinstance(node, yaml.CollectionNode):
            expanding = id(node) in self.seen
            self.seen.add(id(node))
        if expanding:
            self.count += 1
            if self.count > MAX_NODES:
                raise _Invalid(
                    line,
                    f"aliases expand to more than {MAX_NODES:,} values (alias bomb?); "
                    "write the values out, or use fewer aliases of aliases",
                )
        if depth > MAX_DEPTH:
            raise _Invalid(line, f"nesting deeper than {MAX_DEPTH} levels")
        self.lines.setdefault(path, line)
        if isinstance(node, yaml.MappingNode):
            own = sum(1 for key_node, _ in node.value if key_node.tag != _MERGE)
            self.constructor.flatten_mapping(node)  # `<<: *base` pairs come first
            merged = len(node.value) - own
            result: dict[Any, Any] = {}
            from_merge: set[Any] = set()
            for position, (key_node, value_node) in enumerate(node.value):
                key = self.key(key_node)
                if not isinstance(key, (str, int, float, bool)) and key is not None:
                    raise _Invalid(
                        key_node.start_mark.line + 1, "mapping keys must be plain values"
                    )
                key_line = key_node.start_mark.line + 1
                if key in result and key not in from_merge:
                    self.duplicates.append((key_line, str(key)))
                    continue
                if position < merged:
                    if key in result:
                        continue  # the first mapping merged wins, as YAML says
                    from_merge.add(key)
                else:
                    from_merge.discard(key)  # a key of its own overrides a merged one
                child = (*path, key)
                self.lines[child] = key_line
                result[key] = self.convert(value_node, child, depth + 1, expanding)
                self.lines[child] = key_line
            return result
        if isinstance(node, yaml.SequenceNode):
            return [
                self.convert(child, (*path, index), depth + 1, expanding)
                for index, child in enumerate(node.value)
            ]
        return self.scalar(node)

    def key(self, node: yaml.Node) -> Any:
        """A mapping key; a plain one as written: a paper key, field or setting is a name,
        so `yes:`, `2024-01-01:` or `010:` must not become True, a date or 8."""
        if isinstance(node, yaml.ScalarNode) and not node.style and node.tag in _NAMES:
            return node.value
        return self.scalar(node)

    def scalar(self, node: yaml.Node) -> Any:
        try:
            return self.constructor.construct_object(node, deep=True)
        except (yaml.YAMLError, ValueError, TypeError, OverflowError) as exc:
            what = getattr(exc, "problem", None) or str(exc)
            raise _Invalid(
                node.start_mark.line + 1, f"invalid value {node.value!r}: {what}"
            ) from exc
        except (IndexError, KeyError, AttributeError) as exc:  # PyYAML on `!!int ''`, `!!bool x`
            tag = node.tag.replace("tag:yaml.org,2002:", "!!")
            raise _Invalid(
                node.start_mark.line + 1, f"invalid value {node.value!r} for {tag}"
            ) from exc


_NAMES = {f"tag:yaml.org,2002:{name}" for name in ("bool", "int", "float", "null", "timestamp")}
"""Types YAML gives plain scalars that are read as text when they are mapping keys."""
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's parser when PyYAML was built with it (ten times faster), else PyYAML's own."""


def parse_yaml(text: str, display: str) -> tuple[YamlDoc | None, list[Problem]]:
    """Parse YAML text; problems name ``display`` (the file as the user knows it)."""
    try:
        node = yaml.compose(text, Loader=_LOADER)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        what = exc.problem or exc.context or "invalid YAML"
        if "nesting depth" in what:  # PyYAML 6.0.4 and later stop at a depth of their own
            return None, [Problem(display, line, f"nesting deeper than {MAX_DEPTH} levels")]
        return None, [Problem(display, line, f"YAML syntax error: {what}")]
    except yaml.YAMLError as exc:
        return None, [Problem(display, None, f"YAML error: {exc}")]
    except RecursionError:  # PyYAML composes nested collections recursively
        message = f"nesting deeper than {MAX_DEPTH} levels"
        return None, [Problem(display, _too_deep(text), message)]
    if node is None:
        return YamlDoc(None), []
    converter = _Converter()
    try:
        data = converter.convert(node, ())
    except _Invalid as exc:
        return None, [Problem(display, exc.line, exc.message)]
    except (yaml.YAMLError, ValueError, TypeError, RecursionError) as exc:
        return None, [Problem(display, node.start_mark.line + 1, f"YAML error: {exc}")]
    problems = [
        Problem(display, line, f"duplicate key {key!r}: each key may appear once in a mapping")
        for line, key in converter.duplicates
    ]
    return YamlDoc(data, converter.lines), problems


def _too_deep(text: str) -> int | None:
    """The line where nesting first goes deeper than ``MAX_DEPTH``, found without recursion."""
    depth = 0
    try:
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                depth += 1
                if depth > MAX_DEPTH:
                    return event.start_mark.line + 1 if event.start_mark else None
            elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                depth -= 1
    except yaml.YAMLError:
        pass
    return None


NOT_REGULAR = "not a regular file (a FIFO, socket or device)"
"""Why a FIFO (reading it would wait for ever) or a device is not read."""


def open_regular(path: Path) -> BinaryIO:
    """``path`` open for reading if it is a regular file, else ``OSError``: a FIFO would
    block a read for ever, a device could give bytes for ever. It is opened without
    blocking, for no more than a stat, then read as any file."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(errno.EINVAL, NOT_REGULAR, str(path))
        os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    return os.fdopen(fd, "rb")


def read_regular(path: Path) -> bytes:
    """A regular file's bytes (``open_regular``)."""
    with open_regular(path) as file:
        return file.read()


def read_text(path: Path, display: str) -> tuple[str | None, list[Problem]]:
    """Read a UTF-8 text file (BOM allowed); undecodable bytes are a problem, not a crash."""
    try:
        raw = read_regular(path)
    except OSError as exc:
        return None, [Problem(display, None, f"cannot read file: {exc.strerror or exc}")]
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return None, [Problem(display, line, "not valid UTF-8 text; save the file as UTF-8")]
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        return None, [Problem(display, line, "file holds binary data (NUL bytes), not text")]
    return text, []


def load_yaml(path: Path, display: str) -> tuple[YamlDoc | None, list[Problem]]:
    """Read and parse a YAML file."""
    text, problems = read_text(path, display)
    if text is None:
        return None, problems
    return parse_yaml(text, display)


def load_yaml_mapping(
    path: Path, display: str
) -> tuple[dict[Any, Any] | None, dict[Any, int], list[Problem]]:
    """Read a YAML file whose top level must be a mapping; lines keyed by top-level key."""
    doc, problems = load_yaml(path, display)
    if doc is None:
        return None, {}, problems
    if doc.data is None:
        return {}, {}, problems
    if not isinstance(doc.data, dict):
        problems.append(Problem(display, doc.line(), "expected a mapping of `name: value` lines"))
        return None, {}, problems
    lines = {key[0]: line for key, line in doc.lines.items() if len(key) == 1}
    return doc.data, lines, problems


def suggest(word: str, choices: Iterable[str]) -> str:
    """A did-you-mean hint naming the closest choices, or an empty string."""
    close = difflib.get_close_matches(word, list(choices), n=3, cutoff=0.6)
    if not close:
        return ""
    return "; did you mean " + " or ".join(repr(c) for c in close) + "?"


def lookalike(word: str, choices: Iterable[str]) -> str | None:
    """If ``word`` is one of ``choices`` spelled with look-alike letters (a Cyrillic ``а``
    for a Latin ``a``), a message saying which letter; else None."""
    if word.isascii():
        return None
    from confusable_homoglyphs import confusables

    found = confusables.is_confusable(word, preferred_aliases=["latin"], greedy=True) or []
    latin = {item["character"]: item["homoglyphs"][0]["c"] for item in found if item["homoglyphs"]}
    meant = "".join(latin.get(char, char) for char in word)
    if meant not in set(choices):
        return None
    odd = next(char for char in word if char in latin)
    name = unicodedata.name(odd, f"U+{ord(odd):04X}").lower()
    return (
        f"field {word!r} is spelled with a look-alike letter {odd!r} ({name}), so it is not "
        f"{meant!r} and would be ignored; retype it"
    )


def describe_value(value: Any) -> str:
    """How a value reads in a message: ``text 'x'``, ``the number 3``, ``a list``."""
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (int, float)):
        return f"the number {value}"
    if isinstance(value, str):
        shown = value if len(value) <= 70 else value[:67] + "..."
        return f"text {shown!r}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, dt.date):
        return f"the date {value.isoformat()}"
    return type(value).__name__


def quote_hint(value: Any) -> str:
    """Scalars YAML read as something else become text once quoted."""
    if isinstance(value, (bool, int, float, dt.date)):
        return "; put it in quotes to make it text"
    return ""
