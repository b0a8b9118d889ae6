"""Round-trip YAML for annotation edits: find a paper's entry, measure its lines, render values.

ruamel.yaml's round-trip loader says where each key and value of an annotation
file sits; the helpers here turn that into line spans (a field's first line and
the line after it) and render new values as the file's YAML reader will read
them back (quoted when a plain form would be misread).
"""

from __future__ import annotations

import io
import json
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import yaml
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.scalarstring import DoubleQuotedScalarString, LiteralScalarString


class EditError(Exception):
    """The text cannot be edited as asked; ``line`` is where, when known."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


# --- locating a paper's entry ---------------------------------------------------------


@dataclass
class Place:
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


def round_trip() -> YAML:
    rt = YAML(typ="rt")
    rt.width = 4096  # never fold a long line the reader wrote on one line
    rt.preserve_quotes = True
    return rt


PLAIN_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""The loader ``sitegen check`` reads annotations with (libyaml's, when PyYAML has it)."""


def newline_of(text: str) -> str:
    """The line ending a file uses: CRLF, a lone CR (old Mac files) or LF."""
    if "\r\n" in text:
        return "\r\n"
    return "\r" if "\r" in text and "\n" not in text else "\n"


def _spaced(text: str) -> str:
    """Tabs as spaces, one for one so every line and column stays put.

    libyaml (what ``sitegen check`` reads with) accepts a tab wherever YAML allows
    white space: ``status:<tab>read``, ``read<tab># comment``, ``a<tab>b`` inside a
    value, a trailing tab; ruamel.yaml refuses them all. Positions found in the spaced
    text hold in the original, so the line edits keep the tabs the file has; a value
    whose tabs ruamel.yaml saw as spaces cannot pass the read-back check unchanged.
    """
    return text.replace("\t", " ")


def load_document(text: str) -> Any:
    try:
        try:
            return round_trip().load(text)
        except MarkedYAMLError:
            spaced = _spaced(text)
            if spaced == text:
                raise
            return round_trip().load(spaced)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        raise EditError(
            f"not valid YAML: {exc.problem or exc.context}; fix it first", line
        ) from exc
    except YAMLError as exc:
        raise EditError(f"not valid YAML: {exc}; fix it first") from exc


_DOCUMENT_END = re.compile(r"\.\.\.(?:[ \t]|$)")


def document_end(lines: Sequence[str]) -> int:
    """Index of the line ``...`` that ends the document explicitly, or the number of lines.

    A document marker at the start of a line ends any scalar or block, so a line
    that begins with ``...`` is always one; what follows it is not the document.
    """
    for index, line in enumerate(lines):
        if _DOCUMENT_END.match(line):
            return index
    return len(lines)


def shared_anchor(text: str, start: int, end: int) -> tuple[str, int] | None:
    """An anchor set on lines ``start`` to ``end`` (0-based, end excluded) and used by an
    alias elsewhere, with the 1-based line of that use."""
    anchors: set[str] = set()
    try:
        events = [
            (event, event.start_mark.line if event.start_mark else -1)
            for event in yaml.parse(text, Loader=PLAIN_LOADER)
        ]
    except yaml.YAMLError:
        return None
    for event, line in events:
        anchor = getattr(event, "anchor", None)
        if anchor and not isinstance(event, yaml.AliasEvent) and start <= line < end:
            anchors.add(anchor)
    for event, line in events:
        anchor = getattr(event, "anchor", None)
        if isinstance(event, yaml.AliasEvent) and anchor in anchors and not start <= line < end:
            return str(anchor), line + 1
    return None


def _comment_lines(text: str) -> Counter[str]:
    """Each comment line of a YAML text, as ruamel.yaml's scanner finds them."""
    found: Counter[str] = Counter()
    for token in round_trip().scan(_spaced(text)):
        for part in getattr(token, "_comment", None) or ():
            for comment in part if isinstance(part, list) else [part]:
                value = comment if isinstance(comment, str) else getattr(comment, "value", "")
                found.update(line.strip() for line in value.splitlines() if line.strip())
    return found


def keeps_comments(old: str, new: str, place: Place) -> bool:
    """Every comment of the entry at ``place`` in ``old`` is still in the same lines of
    ``new``, which differs from ``old`` in those lines only."""
    old_lines, new_lines = old.splitlines(keepends=True), new.splitlines(keepends=True)
    end = place.end + len(new_lines) - len(old_lines)
    try:
        before = _comment_lines("".join(old_lines[place.line : place.end]))
        after = _comment_lines("".join(new_lines[place.line : end]))
    except YAMLError:  # the entry's lines alone do not scan: count the whole texts'
        before, after = _comment_lines(old), _comment_lines(new)
    return not before - after


def own_names(entry: CommentedMap) -> list[Any]:
    """An entry's field names written in it, in order; not those a ``<<: *base`` brings."""
    return [name for name, _ in entry.non_merged_items()]


def find_entry(doc: Any, key: str, text: str) -> Place | None:
    """The paper's entry in either file form: ``key: {...}`` or ``- key: {...}``."""
    total = document_end(text.splitlines())
    if isinstance(doc, CommentedMap):
        keys = list(doc)
        for index, name in enumerate(keys):
            if str(name).strip() == key:
                end = doc.lc.key(keys[index + 1])[0] if index + 1 < len(keys) else total
                return Place(doc, name, end)
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
                return Place(item, name, end)
    return None


def key_line(text: str, key: str) -> int | None:
    """1-based line of ``key``'s entry in an annotation file's text."""
    try:
        node = yaml.compose(text, Loader=PLAIN_LOADER)
    except yaml.YAMLError:
        return None
    mappings = [node] if isinstance(node, yaml.MappingNode) else []
    if isinstance(node, yaml.SequenceNode):
        mappings = [item for item in node.value if isinstance(item, yaml.MappingNode)]
    for mapping in mappings:
        for name, _ in mapping.value:
            if isinstance(name, yaml.ScalarNode) and name.value.strip() == key:
                return int(name.start_mark.line) + 1
    return None


# --- line arithmetic ---------------------------------------------------------------------


def indent_of(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def split_ending(line: str) -> tuple[str, str]:
    """A line split into its text and its line ending."""
    stripped = line.rstrip("\r\n")
    return stripped, line[len(stripped) :]


def trim_block(lines: list[str], start: int, end: int, column: int) -> int:
    """End of a block without the blank lines and shallower comments that trail it."""
    while end > start:
        text = lines[end - 1].strip()
        if text and not (text.startswith("#") and indent_of(lines[end - 1]) <= column):
            break
        end -= 1
    return end


def field_span(lines: list[str], entry: Any, name: str, entry_end: int) -> tuple[int, int]:
    """First line and end line (exclusive) of one field of a block mapping."""
    names = own_names(entry)
    start, column = entry.lc.key(name)
    index = names.index(name)
    following = entry.lc.key(names[index + 1])[0] if index + 1 < len(names) else entry_end
    return start, max(start + 1, trim_block(lines, start + 1, following, column))


def fields_end(lines: list[str], place: Place) -> int:
    """Line after the last field of a block-mapping entry: where a new field goes."""
    entry = place.value
    last = own_names(entry)[-1]
    return field_span(lines, entry, last, place.end)[1]


def insert_lines(lines: list[str], at: int, new: list[str], newline: str) -> None:
    if at > 0 and at == len(lines) and not lines[-1].endswith(("\n", "\r")):
        lines[-1] += newline
    lines[at:at] = [text + newline for text in new]


# --- rendering new values ---------------------------------------------------------------


def dump_lines(data: Any, step: int) -> list[str]:
    """Lines ruamel.yaml writes for ``data``, as YAML 1.1 so PyYAML reads it back the same."""
    out = round_trip()
    out.version = (1, 1)  # quote 'yes', 'on', '010': the annotation reader is YAML 1.1
    out.indent(mapping=step, sequence=step + 2, offset=step)
    stream = io.StringIO()
    out.dump(data, stream)
    lines = _block_hints(stream.getvalue().splitlines(), step)
    while lines and lines[0].startswith("%"):  # the %YAML directive
        lines.pop(0)
    if lines and lines[0].startswith("---"):  # the document start, maybe with a flow value
        rest = lines.pop(0)[3:].lstrip()
        if rest:
            lines.insert(0, rest)
    return lines


_BLOCK_HEADER = re.compile(r":[ ]+[|>](?P<hint>[0-9]?)[+-]?$")


def _block_hints(lines: list[str], step: int) -> list[str]:
    """ruamel.yaml gives a block scalar whose text starts with a space the indentation
    hint 2 whatever indentation it writes the text at; the hint must be that one."""
    fixed: list[str] = []
    inside: int | None = None  # the header's indentation, while in a block's text
    for line in lines:
        indent = indent_of(line)
        if inside is not None and (not line.strip() or indent > inside):
            fixed.append(line)
            continue
        inside = None
        header = _BLOCK_HEADER.search(line)
        if header:
            inside = indent
            if header["hint"]:
                line = line[: header.start("hint")] + str(step) + line[header.end("hint") :]
        fixed.append(line)
    return fixed


def flow_list(items: Sequence[Any]) -> CommentedSeq:
    seq = CommentedSeq(quoted_if_needed(item) for item in items)
    seq.fa.set_flow_style()
    return seq


def _rendered(value: Any) -> str:
    seq = CommentedSeq([value])
    seq.fa.set_flow_style()
    return "".join(dump_lines(seq, 2)).strip()[1:-1].strip()


def _reads_back(token: str, value: Any) -> bool:
    try:
        return bool(yaml.safe_load(f"[{token}]") == [value])
    except yaml.YAMLError:
        return False


def quoted_if_needed(value: Any) -> Any:
    """A text double-quoted when ruamel.yaml's plain or single-quoted form would be misread."""
    if isinstance(value, str) and not _reads_back(_rendered(value), str(value)):
        return DoubleQuotedScalarString(value)
    return value


def flow_token(value: Any) -> str:
    """One scalar as it appears in a flow list, quoted when YAML would misread it."""
    token = _rendered(quoted_if_needed(value))
    return token if _reads_back(token, value) else json.dumps(value)


def field_lines(name: str, value: Any, column: int, step: int) -> list[str]:
    mapping = CommentedMap()
    mapping[name] = value
    return [" " * column + text if text else "" for text in dump_lines(mapping, step)]


def literal_block(text: str) -> Any:
    return LiteralScalarString(text.rstrip("\n") + "\n")


def joined_notes(old: Any, paragraph: str) -> str:
    if isinstance(old, str) and old.strip():
        return old.rstrip("\n") + "\n\n" + paragraph
    return paragraph


def new_tags(old: Any, tags: Sequence[str]) -> tuple[list[Any], list[str]]:
    """Existing tags (a lone text counts as one) and the requested ones not among them."""
    present: list[Any] = [] if old is None else [old] if isinstance(old, str) else list(old)
    seen = {str(tag) for tag in present}
    added = [tag for tag in dict.fromkeys(tags) if tag not in seen]
    return present, added
