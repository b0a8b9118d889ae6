"""``sitegen annotate``: create or update one paper's annotation in place.

Annotation files are the reader's own writing, so an edit must not reformat
them. ruamel.yaml's round-trip parser says where each field of the paper sits;
the edit then touches only those lines (a status value, one more tag in a flow
list, a paragraph appended to a ``|`` block) and leaves every other byte alone:
comments, key order, quoting, indentation and blank lines. Entries too unusual
for a line edit (a flow mapping, a multi-line tag list) are re-rendered by
ruamel.yaml, that entry only. Either way the new text must read back as the
old document plus exactly the requested change, and must validate, before it
atomically replaces the file.
"""

from __future__ import annotations

import difflib
import io
import json
import os
import re
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.scalarstring import DoubleQuotedScalarString, LiteralScalarString

from sitegen.annotations import SUFFIXES, annotation_files, load_annotations
from sitegen.model import Problem, Severity
from sitegen.settings import Settings
from sitegen.yamlfile import parse_yaml

ANNOTATIONS_FILE = "annotations.yaml"
"""Where a new annotation goes when no file annotates the paper and no --file is given."""

_NULL_KEY_LINE = re.compile(
    r"(?P<head>.*?:)(?P<gap>[ \t]*)(?P<null>~|null|Null|NULL)?(?P<space>[ \t]*)(?P<comment>#.*)?"
)
_LITERAL_HEADER = re.compile(r":[ \t]*\|[+-]?[ \t]*(?:#.*)?$")


@dataclass(frozen=True, slots=True)
class Change:
    """What to change in one paper's annotation."""

    status: str | None = None
    """New reading status."""
    rating: int | None = None
    """New rating, 1-5."""
    tags: tuple[str, ...] = ()
    """Tags to add (those already present are skipped)."""
    note: str | None = None
    """A paragraph to append to the notes."""

    @property
    def fields(self) -> tuple[str, ...]:
        """Names of the annotation fields this change touches."""
        named = (
            ("status", self.status is not None),
            ("rating", self.rating is not None),
            ("tags", bool(self.tags)),
            ("notes", self.note is not None),
        )
        return tuple(name for name, touched in named if touched)


@dataclass(frozen=True, slots=True)
class Outcome:
    """What ``annotate`` did."""

    file: str
    """The annotation file, relative to the project."""
    line: int
    """Line of the paper's key in it."""
    created: bool
    """True when the paper had no annotation before."""
    changed: bool
    """False when the file already said what was asked."""
    warnings: tuple[Problem, ...] = ()
    """Warnings in the annotation file (unknown field names and the like)."""

    def summary(self, key: str, change: Change) -> str:
        """One line for the terminal, ``file:line: what happened``."""
        where = f"{self.file}:{self.line}"
        if self.created:
            return f"{where}: annotated {key}"
        if not self.changed:
            return f"{where}: {key} already says that; nothing changed"
        return f"{where}: updated {key} ({', '.join(change.fields)})"


class AnnotateError(Exception):
    """The annotation could not be written; carries a message and/or located problems."""

    def __init__(self, message: str = "", problems: Sequence[Problem] = ()) -> None:
        self.message = message
        self.problems = list(problems)
        super().__init__(message or "\n".join(str(p) for p in self.problems))


class _EditError(Exception):
    """The text cannot be edited as asked (bad YAML, an entry that is not a mapping)."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


# --- locating a paper's entry ---------------------------------------------------------


@dataclass
class _Place:
    """Where a paper's entry sits in a round-trip-loaded document."""

    parent: Any
    """The mapping holding the paper key (the document, or a list item)."""
    key: Any
    """The key object as written (usually the key string)."""
    end: int
    """0-based line where the next sibling starts (or the number of lines)."""

    @property
    def value(self) -> Any:
        return self.parent[self.key]

    @property
    def line(self) -> int:
        return int(self.parent.lc.key(self.key)[0])

    @property
    def column(self) -> int:
        return int(self.parent.lc.key(self.key)[1])


def _round_trip() -> YAML:
    rt = YAML(typ="rt")
    rt.width = 4096  # never fold a long line the reader wrote on one line
    rt.preserve_quotes = True
    return rt


def _load(text: str) -> Any:
    try:
        return _round_trip().load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        raise _EditError(
            f"not valid YAML: {exc.problem or exc.context}; fix it first", line
        ) from exc
    except YAMLError as exc:
        raise _EditError(f"not valid YAML: {exc}; fix it first") from exc


def _line_count(text: str) -> int:
    return len(text.splitlines())


def _find(doc: Any, key: str, total: int) -> _Place | None:
    """The paper's entry in either file form: ``key: {...}`` or ``- key: {...}``."""
    if isinstance(doc, CommentedMap):
        keys = list(doc)
        for index, name in enumerate(keys):
            if str(name).strip() == key:
                end = doc.lc.key(keys[index + 1])[0] if index + 1 < len(keys) else total
                return _Place(doc, name, end)
    elif isinstance(doc, CommentedSeq):
        for position, item in enumerate(doc):
            if not isinstance(item, CommentedMap):
                continue
            names = list(item)
            for index, name in enumerate(names):
                if str(name).strip() != key:
                    continue
                if index + 1 < len(names):
                    end = item.lc.key(names[index + 1])[0]
                elif position + 1 < len(doc):
                    end = doc.lc.item(position + 1)[0]
                else:
                    end = total
                return _Place(item, name, end)
    return None


# --- line arithmetic ---------------------------------------------------------------------


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _body(line: str) -> tuple[str, str]:
    """A line split into its text and its line ending."""
    stripped = line.rstrip("\r\n")
    return stripped, line[len(stripped) :]


def _trim(lines: list[str], start: int, end: int, column: int) -> int:
    """End of a block without the blank lines and shallower comments that trail it."""
    while end > start:
        text = lines[end - 1].strip()
        if text and not (text.startswith("#") and _indent(lines[end - 1]) <= column):
            break
        end -= 1
    return end


def _field_span(lines: list[str], entry: Any, name: str, entry_end: int) -> tuple[int, int]:
    """First line and end line (exclusive) of one field of a block mapping."""
    names = list(entry)
    start, column = entry.lc.key(name)
    index = names.index(name)
    following = entry.lc.key(names[index + 1])[0] if index + 1 < len(names) else entry_end
    return start, max(start + 1, _trim(lines, start + 1, following, column))


def _entry_end(lines: list[str], place: _Place) -> int:
    """Line after the last field of a block-mapping entry: where a new field goes."""
    entry = place.value
    last = list(entry)[-1]
    return _field_span(lines, entry, last, place.end)[1]


def _insert(lines: list[str], at: int, new: list[str], newline: str) -> None:
    if at > 0 and at == len(lines) and not lines[-1].endswith(("\n", "\r")):
        lines[-1] += newline
    lines[at:at] = [text + newline for text in new]


# --- rendering new values ---------------------------------------------------------------


def _dump(data: Any, step: int) -> list[str]:
    """Lines ruamel.yaml writes for ``data``, as YAML 1.1 so PyYAML reads it back the same."""
    out = _round_trip()
    out.version = (1, 1)  # quote 'yes', 'on', '010': the annotation reader is YAML 1.1
    out.indent(mapping=step, sequence=step + 2, offset=step)
    stream = io.StringIO()
    out.dump(data, stream)
    lines = stream.getvalue().splitlines()
    while lines and lines[0].startswith("%"):  # the %YAML directive
        lines.pop(0)
    if lines and lines[0].startswith("---"):  # the document start, maybe with a flow value
        rest = lines.pop(0)[3:].lstrip()
        if rest:
            lines.insert(0, rest)
    return lines


def _flow(items: Sequence[Any]) -> CommentedSeq:
    seq = CommentedSeq(_scalar(item) for item in items)
    seq.fa.set_flow_style()
    return seq


def _rendered(value: Any) -> str:
    seq = CommentedSeq([value])
    seq.fa.set_flow_style()
    return "".join(_dump(seq, 2)).strip()[1:-1].strip()


def _reads_back(token: str, value: Any) -> bool:
    try:
        return bool(yaml.safe_load(f"[{token}]") == [value])
    except yaml.YAMLError:
        return False


def _scalar(value: Any) -> Any:
    """A text double-quoted when ruamel.yaml's plain or single-quoted form would be misread."""
    if isinstance(value, str) and not _reads_back(_rendered(value), str(value)):
        return DoubleQuotedScalarString(value)
    return value


def _token(value: Any) -> str:
    """One scalar as it appears in a flow list, quoted when YAML would misread it."""
    token = _rendered(_scalar(value))
    return token if _reads_back(token, value) else json.dumps(value)


def _field_lines(name: str, value: Any, column: int, step: int) -> list[str]:
    mapping = CommentedMap()
    mapping[name] = value
    return [" " * column + text if text else "" for text in _dump(mapping, step)]


def _literal(text: str) -> Any:
    return LiteralScalarString(text.rstrip("\n") + "\n")


def _joined_notes(old: Any, paragraph: str) -> str:
    if isinstance(old, str) and old.strip():
        return old.rstrip("\n") + "\n\n" + paragraph
    return paragraph


def _new_tags(old: Any, tags: Sequence[str]) -> tuple[list[Any], list[str]]:
    """Existing tags (a lone text counts as one) and the requested ones not among them."""
    present: list[Any] = [] if old is None else [old] if isinstance(old, str) else list(old)
    seen = {str(tag) for tag in present}
    added = [tag for tag in dict.fromkeys(tags) if tag not in seen]
    return present, added


# --- one field at a time, as a line edit --------------------------------------------------


@dataclass
class _Editor:
    """Applies a change to one paper's block-mapping entry, re-reading the text after each step."""

    text: str
    key: str
    step: int
    newline: str = field(init=False)

    def __post_init__(self) -> None:
        self.newline = "\r\n" if "\r\n" in self.text else "\n"

    def _state(self) -> tuple[list[str], _Place]:
        lines = self.text.splitlines(keepends=True)
        place = _find(_load(self.text), self.key, len(lines))
        if place is None or not isinstance(place.value, CommentedMap):
            raise _EditError("entry moved while editing")
        return lines, place

    def _replace(self, lines: list[str], start: int, end: int, new: list[str]) -> None:
        ending = _body(lines[end - 1])[1]
        lines[start:end] = [text + self.newline for text in new[:-1]] + [new[-1] + ending]
        self.text = "".join(lines)

    def _put_field(self, name: str, value: Any) -> None:
        """Replace a field's lines with a fresh rendering, or add the field at the end."""
        lines, place = self._state()
        entry = place.value
        column = entry.lc.key(next(iter(entry)))[1]
        if name in entry:
            start, end = _field_span(lines, entry, name, place.end)
            self._replace(lines, start, end, _field_lines(name, value, column, self.step))
        else:
            _insert(
                lines,
                _entry_end(lines, place),
                _field_lines(name, value, column, self.step),
                self.newline,
            )
            self.text = "".join(lines)

    def set_scalar(self, name: str, value: str | int) -> None:
        lines, place = self._state()
        entry = place.value
        if name in entry and entry[name] is None:
            start, end = _field_span(lines, entry, name, place.end)
            row, column = entry.lc.key(name)
            body, ending = _body(lines[start])
            match = _NULL_KEY_LINE.fullmatch(body[column:])
            if match and end == start + 1:
                lines[start] = body[:column] + _filled(match, _token(value)) + ending
                self.text = "".join(lines)
                return
        elif name in entry and not isinstance(entry[name], (CommentedMap, CommentedSeq)):
            start, end = _field_span(lines, entry, name, place.end)
            row, column = entry.lc.value(name)
            body, ending = _body(lines[start])
            stop = _scalar_end(body, column) if row == start and end == start + 1 else None
            if stop is not None:
                quote = body[column] if body[column] in "'\"" and isinstance(value, str) else ""
                token = f"{quote}{value}{quote}" if quote else _token(value)
                rest = body[stop:]
                if rest.strip().startswith("#"):
                    # Keep a trailing comment in its column when the new value allows it.
                    gap = len(rest) - len(rest.lstrip())
                    room = max(1, gap - (len(token) - (stop - column)))
                    rest = " " * room + rest.lstrip()
                lines[start] = body[:column] + token + rest + ending
                self.text = "".join(lines)
                return
        self._put_field(name, value)

    def add_tags(self, tags: Sequence[str]) -> None:
        lines, place = self._state()
        entry = place.value
        old = entry.get("tags")
        present, added = _new_tags(old, tags)
        if not added:
            return
        if isinstance(old, CommentedSeq):
            start, end = _field_span(lines, entry, "tags", place.end)
            row, column = entry.lc.value("tags")
            if _body_starts(lines, row, column, "["):
                if end == start + 1 and self._extend_flow(lines, entry, start, added):
                    return
            elif old:
                # A block list: one more "- tag" line, placed like the last item.
                row, column = old.lc.item(len(old) - 1)
                dash = lines[row].rfind("-", 0, column)
                if dash >= 0:
                    new = [" " * dash + "-" + " " * (column - dash - 1) + _token(t) for t in added]
                    _insert(lines, end, new, self.newline)
                    self.text = "".join(lines)
                    return
        self._put_field("tags", _flow([*present, *added]))

    def _extend_flow(self, lines: list[str], entry: Any, row: int, added: list[str]) -> bool:
        """``tags: [a, b]`` becomes ``tags: [a, b, c]``, spacing and comment kept."""
        _, column = entry.lc.value("tags")
        body, ending = _body(lines[row])
        close = _flow_end(body, column)
        if close is None:
            return False
        inside = body[column + 1 : close - 1]
        items = ", ".join(_token(tag) for tag in added)
        at = column + 1 + len(inside.rstrip())
        if not inside.strip():
            separator = ""
        elif inside.rstrip().endswith(","):
            separator = " "
        else:
            separator = ", "
        lines[row] = body[:at] + separator + items + body[at:] + ending
        self.text = "".join(lines)
        return True

    def append_note(self, paragraph: str) -> None:
        lines, place = self._state()
        entry = place.value
        old = entry.get("notes")
        if isinstance(old, LiteralScalarString) and old.strip():
            start, end = _field_span(lines, entry, "notes", place.end)
            if _LITERAL_HEADER.search(_body(lines[start])[0]):
                content = [i for i in range(start + 1, end) if lines[i].strip()]
                if content:
                    indent = " " * _indent(lines[content[0]])
                    new = [""] + [indent + text if text else "" for text in paragraph.split("\n")]
                    _insert(lines, content[-1] + 1, new, self.newline)
                    self.text = "".join(lines)
                    return
        self._put_field("notes", _literal(_joined_notes(old, paragraph)))


def _body_starts(lines: list[str], row: int, column: int, text: str) -> bool:
    """Whether the text at a ruamel.yaml position starts with ``text``."""
    return 0 <= row < len(lines) and lines[row].startswith(text, column)


def _filled(match: re.Match[str], token: str) -> str:
    """A ``name:`` line whose empty or null value becomes ``token``, its comment kept in place."""
    comment = match["comment"] or ""
    if not token:
        gap = (match["gap"] + match["space"]) if comment else ""
        return match["head"] + gap + comment
    gap = (match["space"] or match["gap"] or " ") if comment else ""
    return f"{match['head']} {token}{gap}{comment}"


def _scalar_end(body: str, start: int) -> int | None:
    """End of a one-line scalar starting at ``start`` (before any trailing comment)."""
    if start >= len(body):
        return None
    quote = body[start]
    if quote == '"':
        index = start + 1
        while index < len(body):
            if body[index] == "\\":
                index += 2
                continue
            if body[index] == '"':
                return index + 1
            index += 1
        return None
    if quote == "'":
        index = start + 1
        while index < len(body):
            if body[index] == "'":
                if body[index + 1 : index + 2] == "'":
                    index += 2
                    continue
                return index + 1
            index += 1
        return None
    comment = re.search(r"[ \t]#", body[start:])
    text = body[start : start + comment.start()] if comment else body[start:]
    return start + len(text.rstrip())


def _flow_end(body: str, start: int) -> int | None:
    """Index after the ``]`` closing the flow sequence that opens at ``start``."""
    if body[start : start + 1] != "[":
        return None
    depth = 0
    index = start
    while index < len(body):
        char = body[index]
        if char in "'\"":
            stop = _scalar_end(body, index)
            if stop is None:
                return None
            index = stop
            continue
        if char in "[{":
            depth += 1
        elif char in "]}":
            depth -= 1
            if depth == 0:
                return index + 1
        index += 1
    return None


# --- whole edits ---------------------------------------------------------------------------


def _step(doc: Any) -> int:
    """Indentation of fields under a paper key, as the file already does it (default 2)."""
    entries: list[Any] = []
    if isinstance(doc, CommentedMap):
        entries = [(doc, name) for name in doc]
    elif isinstance(doc, CommentedSeq):
        entries = [(item, name) for item in doc if isinstance(item, CommentedMap) for name in item]
    for parent, name in entries:
        value = parent[name]
        if isinstance(value, CommentedMap) and value and not value.fa.flow_style():
            step = int(value.lc.key(next(iter(value)))[1]) - int(parent.lc.key(name)[1])
            if step > 0:
                return step
    return 2


def _fields(change: Change) -> CommentedMap:
    """The requested fields as a fresh mapping, in SPEC order."""
    fields = CommentedMap()
    if change.status is not None:
        fields["status"] = change.status
    if change.rating is not None:
        fields["rating"] = change.rating
    if change.tags:
        fields["tags"] = _flow(list(dict.fromkeys(change.tags)))
    if change.note is not None:
        fields["notes"] = _literal(change.note)
    return fields


def _append_entry(text: str, doc: Any, key: str, change: Change) -> str:
    """A new paper entry at the end of the file, in the file's form (mapping or list)."""
    newline = "\r\n" if "\r\n" in text else "\n"
    step = _step(doc)
    fields = _fields(change)
    if doc is None or isinstance(doc, CommentedMap):
        mapping = CommentedMap()
        mapping[key] = fields or None
        new = _dump(mapping, step)
    elif isinstance(doc, CommentedSeq):
        dash = int(doc.lc.item(0)[1]) - 2 if len(doc) else 0
        body = _dump(CommentedMap([(key, fields or None)]), step)
        new = [
            " " * max(dash, 0) + ("- " if i == 0 else "  ") + line for i, line in enumerate(body)
        ]
    else:
        raise _EditError(
            "the file is not a mapping of paper keys (`key: {fields}`) or a list of them", 1
        )
    lead = ""
    if text.strip():
        lead = "" if text.endswith(("\n", "\r")) else newline
        lead += "" if text.endswith(("\n\n", "\r\n\r\n")) else newline
    return text + lead + newline.join(line.rstrip() for line in new) + newline


def _line_edit(text: str, key: str, change: Change, step: int) -> str:
    """The change made as line edits inside a block-mapping (or empty) entry."""
    lines = text.splitlines(keepends=True)
    place = _find(_load(text), key, len(lines))
    assert place is not None
    value = place.value
    newline = "\r\n" if "\r\n" in text else "\n"
    if value is None:
        body, ending = _body(lines[place.line])
        match = _NULL_KEY_LINE.fullmatch(body[place.column :])
        fields = _fields(change)
        if match is None:
            raise _EditError("unexpected key line")
        if not fields:
            return text
        lines[place.line] = body[: place.column] + _filled(match, "") + (ending or newline)
        column = place.column + step
        new = [" " * column + line if line else "" for line in _dump(fields, step)]
        _insert(lines, place.line + 1, new, newline)
        return "".join(lines)
    if not isinstance(value, CommentedMap) or not value or value.fa.flow_style():
        raise _EditError("not a block mapping")
    if place.line == value.lc.key(next(iter(value)))[0]:
        raise _EditError("fields on the key line")
    own_step = int(value.lc.key(next(iter(value)))[1]) - place.column
    editor = _Editor(text, key, own_step if own_step > 0 else step)
    if change.status is not None:
        editor.set_scalar("status", change.status)
    if change.rating is not None:
        editor.set_scalar("rating", change.rating)
    if change.tags:
        editor.add_tags(change.tags)
    if change.note is not None:
        editor.append_note(change.note)
    return editor.text


def _rerendered(text: str, key: str, change: Change, step: int) -> str:
    """The change made by ruamel.yaml on the entry, whose lines alone are replaced."""
    doc = _load(text)
    lines = text.splitlines(keepends=True)
    place = _find(doc, key, len(lines))
    assert place is not None
    entry = place.value
    if entry is None or entry == {}:
        entry = CommentedMap()
    if not isinstance(entry, CommentedMap):
        raise _EditError(
            f"the annotation of {key!r} is not a mapping of fields; fix it by hand", place.line + 1
        )
    if change.status is not None:
        entry["status"] = change.status
    if change.rating is not None:
        entry["rating"] = change.rating
    if change.tags:
        present, added = _new_tags(entry.get("tags"), change.tags)
        if isinstance(entry.get("tags"), CommentedSeq):
            entry["tags"].extend(_scalar(tag) for tag in added)
        else:
            entry["tags"] = _flow([*present, *added])
    if change.note is not None:
        entry["notes"] = _literal(_joined_notes(entry.get("notes"), change.note))
        entry.fa.set_block_style()
    place.parent[place.key] = entry
    out = _round_trip()
    out.indent(mapping=step, sequence=step + 2, offset=step)
    stream = io.StringIO()
    out.dump(doc, stream)
    dumped = stream.getvalue()
    new_lines = dumped.splitlines(keepends=True)
    new_place = _find(_load(dumped), key, len(new_lines))
    assert new_place is not None
    old_end = _trim(lines, place.line + 1, place.end, place.column)
    new_end = _trim(new_lines, new_place.line + 1, new_place.end, new_place.column)
    newline = "\r\n" if "\r\n" in text else "\n"
    replacement = [_body(line)[0] + newline for line in new_lines[new_place.line : new_end]]
    if old_end == len(lines) and not lines[-1].endswith(("\n", "\r")):
        replacement[-1] = replacement[-1].rstrip("\r\n")
    return "".join(lines[: place.line] + replacement + lines[old_end:])


def _plain(text: str) -> Any:
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise _EditError(f"not valid YAML: {exc}; fix it first") from exc


def _entry_path(data: Any, key: str) -> tuple[Any, ...] | None:
    if isinstance(data, dict):
        found = [name for name in data if str(name).strip() == key]
        return (found[0],) if found else None
    if isinstance(data, list):
        for index, item in enumerate(data):
            if isinstance(item, dict):
                found = [name for name in item if str(name).strip() == key]
                if found:
                    return (index, found[0])
    return None


def _expected(data: Any, key: str, change: Change) -> Any:
    """The old document, as plain values, with the change applied."""
    path = _entry_path(data, key)
    assert path is not None
    holder = data if len(path) == 1 else data[path[0]]
    fields = dict(holder[path[-1]] or {})
    if change.status is not None:
        fields["status"] = change.status
    if change.rating is not None:
        fields["rating"] = change.rating
    if change.tags:
        present, added = _new_tags(fields.get("tags"), change.tags)
        fields["tags"] = [*present, *added]
    if change.note is not None:
        fields["notes"] = _joined_notes(fields.get("notes"), change.note).rstrip("\n")
    holder[path[-1]] = fields
    return data


def _as_found(data: Any, key: str) -> Any:
    """Notes compared without trailing newlines: ``|`` and ``|-`` blocks differ only there."""
    path = _entry_path(data, key)
    if path is None:
        return data
    holder = data if len(path) == 1 else data[path[0]]
    fields = holder[path[-1]]
    if isinstance(fields, dict) and isinstance(fields.get("notes"), str):
        fields["notes"] = fields["notes"].rstrip("\n")
    return data


def _appended_as_asked(old: Any, new: Any, key: str, change: Change) -> bool:
    """The new document is the old one plus exactly the requested entry, at the end."""
    fields = _expected({key: None}, key, change)[key] if change.fields else None
    if isinstance(new, dict) and isinstance(old, (dict, type(None))):
        rest = {name: value for name, value in new.items() if name != key}
        return rest == (old or {}) and _as_found({key: new.get(key)}, key) == {key: fields}
    if isinstance(new, list) and isinstance(old, list) and new[:-1] == old:
        return bool(_as_found(new[-1], key) == {key: fields})
    return False


def edit_text(text: str, key: str, change: Change, display: str = "") -> str:
    """The annotation file's text with ``change`` made to ``key``'s entry (added if missing).

    Raises ``AnnotateError`` when the file is not valid YAML or the entry is not
    a mapping of fields; ``display`` names the file in its problems.
    """
    try:
        return _edit_text(text, key, change)
    except _EditError as exc:
        if exc.line is None:
            raise AnnotateError(f"{display}: {exc.message}" if display else exc.message) from exc
        raise AnnotateError(problems=[Problem(display, exc.line, exc.message)]) from exc


def _edit_text(text: str, key: str, change: Change) -> str:
    doc = _load(text)
    if change.note is not None:
        change = Change(change.status, change.rating, change.tags, change.note.strip("\n"))
    place = _find(doc, key, _line_count(text))
    if place is None:
        new = _append_entry(text, doc, key, change)
        if not _appended_as_asked(_plain(text), _plain(new), key, change):
            raise _EditError(f"could not add {key!r} to this file; add it by hand")
        return new
    if not change.fields:
        return text
    value = place.value
    if value is not None and not isinstance(value, CommentedMap):
        raise _EditError(
            f"the annotation of {key!r} is not a mapping of fields; fix it by hand", place.line + 1
        )
    notes = value.get("notes") if isinstance(value, CommentedMap) else None
    if change.note is not None and notes is not None and not isinstance(notes, str):
        line = place.value.lc.key("notes")[0] + 1
        raise _EditError(f"the notes of {key!r} are not text; fix them by hand", line)
    step = _step(doc)
    wanted = _as_found(_expected(_plain(text), key, change), key)
    for attempt in (_line_edit, _rerendered):
        try:
            new = attempt(text, key, change, step)
            if _as_found(_plain(new), key) == wanted:
                return new
        except _EditError:
            continue
    raise _EditError(
        f"could not change {key!r} without disturbing the rest of the file; edit it by hand"
    )


# --- the command -----------------------------------------------------------------------------


def closest_keys(key: str, keys: Sequence[str]) -> list[str]:
    """Keys that look like ``key``: similar spelling first, then keys that contain it."""
    close = difflib.get_close_matches(key, keys, n=3, cutoff=0.6)
    containing = [k for k in keys if key and key.lower() in k and k not in close]
    return [*close, *containing][:5]


def _known(settings: Settings) -> tuple[list[str], list[str]]:
    """Every paper key (hidden ones too) and topic slug of the project."""
    from sitegen.catalog import load

    loaded = load(settings)
    if loaded.catalog is None:
        raise AnnotateError("fix these problems first, then annotate", loaded.errors)
    catalog = loaded.catalog
    keys = [paper.key for paper in catalog.papers] + sorted(catalog.hidden_keys)
    slugs = [topic.slug for topic in catalog.topics if topic.ref is not None]
    return keys, slugs


def _display(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def annotating_file(settings: Settings, key: str) -> Path | None:
    """The annotation file that already annotates ``key``, if any."""
    for path in annotation_files(settings.content_dir):
        try:
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError):
            continue
        doc, _ = parse_yaml(text, path.name)
        if doc is not None and _entry_path(doc.data, key) is not None:
            return path
    return None


def _target(settings: Settings, file: Path | None) -> Path:
    """Where a new annotation goes: ``--file`` (relative to the project) or the default file."""
    folder = settings.content_dir / "annotations"
    if file is None:
        return folder / ANNOTATIONS_FILE
    path = file if file.is_absolute() else settings.root / file
    try:
        inside = path.resolve().relative_to(folder.resolve())
    except ValueError:
        inside = None
    if inside is None or path.suffix.lower() not in SUFFIXES:
        raise AnnotateError(
            f"{file} is not an annotation file: use a .yaml file under "
            f"{_display(folder, settings.root)}/"
        )
    if any(part.startswith(".") for part in inside.parts):
        raise AnnotateError(f"{file}: files whose names start with a dot are not read")
    return path


def _validate(
    settings: Settings, path: Path, text: str, keys: list[str], slugs: list[str]
) -> list[Problem]:
    """Problems of the new text, as ``sitegen check`` would report them for this file."""
    relative = path.resolve().relative_to(settings.content_dir.resolve())
    with tempfile.TemporaryDirectory(prefix="sitegen-annotate-") as scratch:
        root = Path(scratch)
        copy = root / settings.content_dir.name / relative
        copy.parent.mkdir(parents=True, exist_ok=True)
        copy.write_text(text, encoding="utf-8", newline="")
        _, problems = load_annotations(root / settings.content_dir.name, root, keys, slugs)
    shown = _display(path, settings.root)
    return [Problem(shown, p.line, p.message, p.severity) for p in problems]


def _write(path: Path, text: str, bom: bool) -> None:
    """Replace the file atomically; a reader sees the old or the new file, never half of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    scratch = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    data = ("\ufeff" if bom else "").encode() + text.encode("utf-8")
    try:
        scratch.write_bytes(data)
        if path.exists():
            os.chmod(scratch, path.stat().st_mode & 0o7777)
        os.replace(scratch, path)
    finally:
        scratch.unlink(missing_ok=True)


def annotate(settings: Settings, key: str, change: Change, file: Path | None = None) -> Outcome:
    """Create or update ``key``'s annotation; the file changes only if the result validates."""
    keys, slugs = _known(settings)
    if key not in keys:
        close = closest_keys(key, keys)
        hint = f"; did you mean {' or '.join(repr(k) for k in close)}?" if close else ""
        raise AnnotateError(f"unknown paper key {key!r}{hint}")
    if change.note is not None and not change.note.strip():
        raise AnnotateError("--note is empty")
    existing = annotating_file(settings, key)
    target = _target(settings, file)
    if existing is not None and file is not None and existing.resolve() != target.resolve():
        raise AnnotateError(
            f"{key!r} is already annotated in {_display(existing, settings.root)}; "
            "leave out --file to update it there"
        )
    path = existing or target
    shown = _display(path, settings.root)
    raw = path.read_bytes() if path.exists() else b""
    bom = raw.startswith(b"\xef\xbb\xbf")
    try:
        old = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise AnnotateError(f"{shown} is not UTF-8 text") from exc
    new = edit_text(old, key, change, shown)
    problems = _validate(settings, path, new, keys, slugs)
    errors = [p for p in problems if p.severity is Severity.ERROR]
    if errors:
        raise AnnotateError(f"{shown} left unchanged", errors)
    if new != old:
        _write(path, new, bom)
    place = _find(_load(new), key, _line_count(new))
    return Outcome(
        file=shown,
        line=place.line + 1 if place else 1,
        created=existing is None,
        changed=new != old,
        warnings=tuple(p for p in problems if p.severity is not Severity.ERROR),
    )
