"""Edit one paper's entry in an annotation file's text without reformatting the rest.

Annotation files are the reader's own writing. ruamel.yaml's round-trip parser
says where each field of the paper sits; the edit then touches only those lines
(a status value, one more tag in a flow list, a paragraph appended to a ``|``
block) and leaves every other byte alone: comments, key order, quoting,
indentation and blank lines. Entries too unusual for a line edit (a flow
mapping, a multi-line tag list) are re-rendered by ruamel.yaml, that entry
only. Either way the new text must read back, with PyYAML as the annotation
validator reads it, as the old document plus exactly the requested change.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import yaml
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.scalarstring import DoubleQuotedScalarString, LiteralScalarString

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


class EditError(Exception):
    """The text cannot be edited as asked; ``line`` is where, when known."""

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
        raise EditError(
            f"not valid YAML: {exc.problem or exc.context}; fix it first", line
        ) from exc
    except YAMLError as exc:
        raise EditError(f"not valid YAML: {exc}; fix it first") from exc


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
            raise EditError("entry moved while editing")
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
        raise EditError(
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
            raise EditError("unexpected key line")
        if not fields:
            return text
        lines[place.line] = body[: place.column] + _filled(match, "") + (ending or newline)
        column = place.column + step
        new = [" " * column + line if line else "" for line in _dump(fields, step)]
        _insert(lines, place.line + 1, new, newline)
        return "".join(lines)
    if not isinstance(value, CommentedMap) or not value or value.fa.flow_style():
        raise EditError("not a block mapping")
    if place.line == value.lc.key(next(iter(value)))[0]:
        raise EditError("fields on the key line")
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
        raise EditError(
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
        raise EditError(f"not valid YAML: {exc}; fix it first") from exc


def entry_path(data: Any, key: str) -> tuple[Any, ...] | None:
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
    path = entry_path(data, key)
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
    path = entry_path(data, key)
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


def edit_text(text: str, key: str, change: Change) -> str:
    """The annotation file's text with ``change`` made to ``key``'s entry (added if missing).

    Raises ``EditError`` when the file is not valid YAML, the entry is not a
    mapping of fields, or no edit reads back as exactly the requested change.
    """
    doc = _load(text)
    if change.note is not None:
        change = Change(change.status, change.rating, change.tags, change.note.strip("\n"))
    place = _find(doc, key, _line_count(text))
    if place is None:
        new = _append_entry(text, doc, key, change)
        if not _appended_as_asked(_plain(text), _plain(new), key, change):
            raise EditError(f"could not add {key!r} to this file; add it by hand")
        return new
    if not change.fields:
        return text
    value = place.value
    if value is not None and not isinstance(value, CommentedMap):
        raise EditError(
            f"the annotation of {key!r} is not a mapping of fields; fix it by hand", place.line + 1
        )
    notes = value.get("notes") if isinstance(value, CommentedMap) else None
    if change.note is not None and notes is not None and not isinstance(notes, str):
        line = place.value.lc.key("notes")[0] + 1
        raise EditError(f"the notes of {key!r} are not text; fix them by hand", line)
    step = _step(doc)
    wanted = _as_found(_expected(_plain(text), key, change), key)
    for attempt in (_line_edit, _rerendered):
        try:
            new = attempt(text, key, change, step)
            if _as_found(_plain(new), key) == wanted:
                return new
        except EditError:
            continue
    raise EditError(
        f"could not change {key!r} without disturbing the rest of the file; edit it by hand"
    )


def key_line(text: str, key: str) -> int | None:
    """1-based line of ``key``'s entry in an annotation file's text."""
    place = _find(_load(text), key, _line_count(text))
    return place.line + 1 if place else None
