"""Line edits inside one paper's block-mapping entry: a value, a tag, a notes paragraph.

Each step re-reads the text, finds the field's lines and rewrites only those,
keeping comments, quoting and spacing; what a line edit cannot do well is left
to the caller, which re-renders the entry instead.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import LiteralScalarString

from sitegen.annotation_yaml import (
    EditError,
    Place,
    field_lines,
    field_span,
    fields_end,
    find_entry,
    flow_list,
    flow_token,
    indent_of,
    insert_lines,
    joined_notes,
    literal_block,
    load_document,
    new_tags,
    newline_of,
    split_ending,
)

NULL_KEY_LINE = re.compile(
    r"(?P<head>.*?:)(?P<gap>[ \t]*)(?P<null>~|null|Null|NULL)?(?P<space>[ \t]*)(?P<comment>#.*)?"
)
_LITERAL_HEADER = re.compile(r":[ \t]*\|[+-]?[ \t]*(?:#.*)?$")

# --- one field at a time, as a line edit --------------------------------------------------


@dataclass
class LineEditor:
    """Applies a change to one paper's block-mapping entry, re-reading the text after each step."""

    text: str
    key: str
    step: int
    newline: str = field(init=False)

    def __post_init__(self) -> None:
        self.newline = newline_of(self.text)

    def _state(self) -> tuple[list[str], Place]:
        lines = self.text.splitlines(keepends=True)
        place = find_entry(load_document(self.text), self.key, len(lines))
        if place is None or not isinstance(place.value, CommentedMap):
            raise EditError("entry moved while editing")
        return lines, place

    def _replace(self, lines: list[str], start: int, end: int, new: list[str]) -> None:
        ending = split_ending(lines[end - 1])[1]
        lines[start:end] = [text + self.newline for text in new[:-1]] + [new[-1] + ending]
        self.text = "".join(lines)

    def _put_field(self, name: str, value: Any) -> None:
        """Replace a field's lines with a fresh rendering, or add the field at the end."""
        lines, place = self._state()
        entry = place.value
        column = entry.lc.key(next(iter(entry)))[1]
        if name in entry:
            start, end = field_span(lines, entry, name, place.end)
            self._replace(lines, start, end, field_lines(name, value, column, self.step))
        else:
            insert_lines(
                lines,
                fields_end(lines, place),
                field_lines(name, value, column, self.step),
                self.newline,
            )
            self.text = "".join(lines)

    def set_scalar(self, name: str, value: str | int) -> None:
        lines, place = self._state()
        entry = place.value
        if name in entry and entry[name] is None:
            start, end = field_span(lines, entry, name, place.end)
            row, column = entry.lc.key(name)
            body, ending = split_ending(lines[start])
            match = NULL_KEY_LINE.fullmatch(body[column:])
            if match and end == start + 1:
                lines[start] = body[:column] + filled_key_line(match, flow_token(value)) + ending
                self.text = "".join(lines)
                return
        elif name in entry and not isinstance(entry[name], (CommentedMap, CommentedSeq)):
            start, end = field_span(lines, entry, name, place.end)
            row, column = entry.lc.value(name)
            body, ending = split_ending(lines[start])
            stop = _scalar_end(body, column) if row == start and end == start + 1 else None
            if stop is not None:
                quote = body[column] if body[column] in "'\"" and isinstance(value, str) else ""
                token = f"{quote}{value}{quote}" if quote else flow_token(value)
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
        present, added = new_tags(old, tags)
        if not added:
            return
        if isinstance(old, CommentedSeq):
            start, end = field_span(lines, entry, "tags", place.end)
            row, column = entry.lc.value("tags")
            if 0 <= row < len(lines) and lines[row].startswith("[", column):  # a flow list
                if end == start + 1 and self._extend_flow(lines, entry, start, added):
                    return
            elif old:
                # A block list: one more "- tag" line, placed like the last item.
                row, column = old.lc.item(len(old) - 1)
                dash = lines[row].rfind("-", 0, column)
                if dash >= 0:
                    new = [
                        " " * dash + "-" + " " * (column - dash - 1) + flow_token(t) for t in added
                    ]
                    insert_lines(lines, end, new, self.newline)
                    self.text = "".join(lines)
                    return
        self._put_field("tags", flow_list([*present, *added]))

    def _extend_flow(self, lines: list[str], entry: Any, row: int, added: list[str]) -> bool:
        """``tags: [a, b]`` becomes ``tags: [a, b, c]``, spacing and comment kept."""
        _, column = entry.lc.value("tags")
        body, ending = split_ending(lines[row])
        close = _flow_end(body, column)
        if close is None:
            return False
        inside = body[column + 1 : close - 1]
        items = ", ".join(flow_token(tag) for tag in added)
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
            start, end = field_span(lines, entry, "notes", place.end)
            if _LITERAL_HEADER.search(split_ending(lines[start])[0]):
                content = [i for i in range(start + 1, end) if lines[i].strip()]
                if content:
                    indent = " " * indent_of(lines[content[0]])
                    new = [""] + [indent + text if text else "" for text in paragraph.split("\n")]
                    insert_lines(lines, content[-1] + 1, new, self.newline)
                    self.text = "".join(lines)
                    return
        self._put_field("notes", literal_block(joined_notes(old, paragraph)))


def filled_key_line(match: re.Match[str], token: str) -> str:
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
