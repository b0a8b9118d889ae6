"""Line edits inside one paper's block-mapping entry: a value, a tag, a notes paragraph.

Each step re-reads the text, finds the field's lines and rewrites only those,
keeping comments, quoting and spacing; what a line edit cannot do well is left
to the caller, which re-renders the entry instead.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
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
    own_names,
    split_ending,
)

NULL_KEY_LINE = re.compile(
    r"(?P<head>.*?:)(?P<gap>[ \t]*)(?P<null>~|null|Null|NULL)?(?P<space>[ \t]*)(?P<comment>#.*)?"
)
_LITERAL_HEADER = re.compile(r":[ \t]*\|(?:[+-]?(?P<indent>[1-9])[+-]?|[+-])?[ \t]*(?:#.*)?$")
_KEY_END = re.compile(r"[ \t]*:(?=[ \t]|$)")

# --- one field at a time, as a line edit --------------------------------------------------


@dataclass
class LineEditor:
    """Applies a change to one paper's block-mapping entry, re-reading the text after each step."""

    text: str
    key: str
    step: int
    newline: str = ""
    """The file's line ending (by default the text's own)."""

    def __post_init__(self) -> None:
        self.newline = self.newline or newline_of(self.text)

    def _state(self) -> tuple[list[str], Place]:
        lines = self.text.splitlines(keepends=True)
        place = find_entry(load_document(self.text), self.key, self.text)
        if place is None or not isinstance(place.value, CommentedMap):
            raise EditError("entry moved while editing")
        return lines, place

    def _replace(self, lines: list[str], start: int, end: int, new: list[str]) -> None:
        ending = split_ending(lines[end - 1])[1]
        lines[start:end] = [text + self.newline for text in new[:-1]] + [new[-1] + ending]
        self.text = "".join(lines)

    def _put_field(self, name: str, value: Any) -> None:
        """Replace a field's lines with a fresh rendering, the comment ending its first line
        kept; or add the field at the end."""
        lines, place = self._state()
        entry = place.value
        names = own_names(entry)
        column = entry.lc.key(names[0])[1]
        new = field_lines(name, value, column, self.step)
        if name in names:
            start, end = field_span(lines, entry, name, place.end)
            new[0] += key_line_comment(split_ending(lines[start])[0], entry.lc.key(name)[1])
            self._replace(lines, start, end, new)
        else:
            insert_lines(lines, fields_end(lines, place), new, self.newline)
            self.text = "".join(lines)

    def set_scalar(self, name: str, value: str | int) -> None:
        lines, place = self._state()
        entry = place.value
        own = name in own_names(entry)
        if own and entry[name] is None:
            start, end = field_span(lines, entry, name, place.end)
            row, column = entry.lc.key(name)
            body, ending = split_ending(lines[start])
            match = NULL_KEY_LINE.fullmatch(body[column:])
            if match and end == start + 1:
                lines[start] = body[:column] + filled_key_line(match, flow_token(value)) + ending
                self.text = "".join(lines)
                return
        elif own and not isinstance(entry[name], (CommentedMap, CommentedSeq)):
            start, end = field_span(lines, entry, name, place.end)
            row, column = entry.lc.value(name)
            body, ending = split_ending(lines[start])
            stop = _scalar_end(body, column) if row == start and end == start + 1 else None
            if stop is not None and body[column] not in "&!*":
                quote = body[column] if body[column] in "'\"" and isinstance(value, str) else ""
                token = f"{quote}{value}{quote}" if quote else flow_token(value)
                rest = body[stop:]
                gap = len(rest) - len(rest.lstrip())
                if rest.strip().startswith("#") and "\t" not in rest[:gap]:
                    # Keep a trailing comment in its column when the new value allows it
                    # (a tab before it aligns it already).
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
        if "tags" in own_names(entry) and isinstance(old, CommentedSeq):
            start, end = field_span(lines, entry, "tags", place.end)
            row, column = entry.lc.value("tags")
            column = _after_properties(lines[row], column) if start <= row < end else column
            if start <= row < end and lines[row].startswith("[", column):  # a flow list
                if self._extend_flow(lines, row, column, end, added):
                    return
            elif old and start <= old.lc.item(len(old) - 1)[0] < end:
                # A block list (not an alias of one elsewhere): one more "- tag" line,
                # placed like the last item.
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

    def _extend_flow(
        self, lines: list[str], row: int, column: int, end: int, added: list[str]
    ) -> bool:
        """``tags: [a, b]`` becomes ``tags: [a, b, c]``, on one line or several, spacing,
        trailing comma and comments kept."""
        found = _flow_scan(lines, row, column, end)
        if found is None:
            return False
        at_row, at = found[1]
        body, ending = split_ending(lines[at_row])
        items = ", ".join(flow_token(tag) for tag in added)
        before = body[at - 1]
        if before == "[":
            insert = items
        elif before == ",":
            insert = f" {items},"
        else:
            insert = f", {items}"
        lines[at_row] = body[:at] + insert + body[at:] + ending
        self.text = "".join(lines)
        return True

    def append_note(self, paragraph: str) -> None:
        lines, place = self._state()
        entry = place.value
        old = entry.get("notes")
        if "notes" in own_names(entry) and isinstance(old, LiteralScalarString) and old.strip():
            start, end = field_span(lines, entry, "notes", place.end)
            header = _LITERAL_HEADER.search(split_ending(lines[start])[0])
            if header:
                content = [i for i in range(start + 1, end) if lines[i].strip()]
                if content:
                    width = header["indent"]
                    key_column = entry.lc.key("notes")[1]
                    indent = " " * (
                        key_column + int(width) if width else indent_of(lines[content[0]])
                    )
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
    """Index after the ``]`` or ``}`` closing the flow collection that opens at ``start``."""
    if body[start : start + 1] not in ("[", "{"):
        return None
    found = _flow_scan([body], 0, start, 1)
    return found[0][1] if found else None


def key_line_comment(body: str, column: int) -> str:
    """The comment ending a field's first line (``tags: solo   # why``), with the blanks
    before it; "" when there is none or its value goes on to the next lines."""
    if body[column : column + 1] in ("'", '"'):
        key_end = _scalar_end(body, column)
        match = _KEY_END.match(body, key_end) if key_end is not None else None
    else:
        match = _KEY_END.search(body, column)
    if match is None:
        return ""
    end = _value_end(body, match.end())
    rest = body[end:] if end is not None else ""
    return rest if rest.strip().startswith("#") else ""


_PROPERTIES = re.compile(r"[ \t]*(?:[&!][^ \t]*[ \t]+)*")


def _after_properties(body: str, start: int) -> int:
    """Where a value starts after the blanks, anchor (``&name``) and tag (``!!str``) before it."""
    match = _PROPERTIES.match(body, start)
    return match.end() if match else start


def _value_end(body: str, start: int) -> int | None:
    """End of the value starting after ``start`` on a field's first line (before a comment);
    None when it goes on to the next lines."""
    index = _after_properties(body, start)
    if index >= len(body) or body[index] == "#":
        return start
    if body[index] in "[{":
        return _flow_end(body, index)
    block = re.compile(r"[|>][0-9+-]*").match(body, index)
    if block:
        return block.end()
    if body[index] == "*":
        return re.compile(r"[^ \t]*").match(body, index).end()  # type: ignore[union-attr]
    return _scalar_end(body, index)


def _flow_scan(
    lines: list[str], row: int, column: int, end: int
) -> tuple[tuple[int, int], tuple[int, int]] | None:
    """Where the flow collection opening at ``row``, ``column`` closes, on a line before
    ``end``, and where its last item ends: two (line, index) places, just after the ``]``
    or ``}`` and just after the item (where a new item goes). None when it does not close
    there, or its shape is not understood (a quoted item over several lines)."""
    depth = 0
    last = (row, column + 1)
    for number in range(row, end):
        body = split_ending(lines[number])[0]
        index = column if number == row else 0
        while index < len(body):
            char = body[index]
            if char == "#" and (index == 0 or body[index - 1] in " \t"):
                break  # a comment runs to the end of the line
            if char in "'\"" and (index == 0 or body[index - 1] in " \t[{,:"):
                stop = _scalar_end(body, index)
                if stop is None:
                    return None
                index, last = stop, (number, stop)
                continue
            if char in "[{":
                depth += 1
            elif char in "]}":
                depth -= 1
                if depth == 0:
                    return (number, index + 1), last
            if char not in " \t" and depth >= 1 and not (depth == 1 and char == "["):
                last = (number, index + 1)
            index += 1
    return None
