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
from dataclasses import dataclass
from typing import Any

import yaml
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from sitegen.annotation_lines import NULL_KEY_LINE, LineEditor, filled_key_line
from sitegen.annotation_yaml import (
    PLAIN_LOADER,
    EditError,
    Place,
    document_end,
    dump_lines,
    find_entry,
    flow_list,
    insert_lines,
    joined_notes,
    keeps_comments,
    key_line,
    literal_block,
    load_document,
    new_tags,
    newline_of,
    own_names,
    quoted_if_needed,
    round_trip,
    shared_anchor,
    split_ending,
    trim_block,
)

__all__ = ["Change", "EditError", "edit_text", "entry_path", "key_line"]


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
            if value.merge:  # a merged field has no line of its own
                continue
            step = int(value.lc.key(next(iter(value)))[1]) - int(parent.lc.key(name)[1])
            if step > 0:
                return step
    return 2


def _fields(change: Change, fields: CommentedMap | None = None) -> CommentedMap:
    """``fields`` (by default a fresh mapping) with the change made, as ruamel.yaml will
    write it; new fields in SPEC order."""
    fields = CommentedMap() if fields is None else fields
    if change.status is not None:
        fields["status"] = change.status
    if change.rating is not None:
        fields["rating"] = change.rating
    if change.tags:
        old = fields.get("tags")
        present, added = new_tags(old, change.tags)
        # Extend the list in place only when it is the entry's own: one brought by
        # `<<: *base` or anchored for use elsewhere must stay as it is there.
        if "tags" in own_names(fields) and isinstance(old, CommentedSeq) and not old.anchor.value:
            old.extend(quoted_if_needed(tag) for tag in added)
        else:
            fields["tags"] = flow_list([*present, *added])
    if change.note is not None:
        fields["notes"] = literal_block(joined_notes(fields.get("notes"), change.note))
    return fields


def _append_entry(text: str, doc: Any, key: str, change: Change) -> str:
    """A new paper entry at the end of the file's document (before a closing ``...``), in
    the file's form (mapping or list)."""
    lines = text.splitlines(keepends=True)
    end = document_end(lines)
    text, after = "".join(lines[:end]), "".join(lines[end:])
    if isinstance(doc, (CommentedMap, CommentedSeq)) and doc.fa.flow_style():
        raise EditError(
            f"the file is written as one `{'{...}' if isinstance(doc, dict) else '[...]'}`; "
            f"add {key!r} to it by hand, or put it in another file with --file",
            doc.lc.line + 1,
        )
    newline = newline_of(text)
    step = _step(doc)
    fields = _fields(change)
    if doc is None or isinstance(doc, CommentedMap):
        mapping = CommentedMap()
        mapping[key] = fields or None
        new = dump_lines(mapping, step)
    elif isinstance(doc, CommentedSeq):
        dash = int(doc.lc.item(0)[1]) - 2 if len(doc) else 0
        body = dump_lines(CommentedMap([(key, fields or None)]), step)
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
        lead += "" if text.endswith(("\n\n", "\r\r", "\r\n\r\n")) else newline
    return text + lead + newline.join(line.rstrip() for line in new) + newline + after


def _line_edit(text: str, key: str, change: Change, step: int, place: Place) -> str:
    """The change made as line edits inside a block-mapping (or empty) entry.

    Each step reads the entry again; it reads the entry's lines alone, as a document
    of their own, so a long file is not parsed once a step (an entry whose aliases
    need the rest of the file is edited within the whole text).
    """
    lines = text.splitlines(keepends=True)
    newline = newline_of(text)
    if place.end - place.line < len(lines):
        try:
            piece = "".join(lines[place.line : place.end])
            edited = _edit_lines(piece, key, change, step, newline)
            return "".join(lines[: place.line]) + edited + "".join(lines[place.end :])
        except EditError:
            pass
    return _edit_lines(text, key, change, step, newline)


def _edit_lines(text: str, key: str, change: Change, step: int, newline: str) -> str:
    lines = text.splitlines(keepends=True)
    place = find_entry(load_document(text), key, text)
    if place is None:
        raise EditError("entry not found")
    value = place.value
    if value is None:
        body, ending = split_ending(lines[place.line])
        match = NULL_KEY_LINE.fullmatch(body[place.column :])
        fields = _fields(change)
        if match is None:
            raise EditError("unexpected key line")
        if not fields:
            return text
        lines[place.line] = body[: place.column] + filled_key_line(match, "") + (ending or newline)
        column = place.column + step
        new = [" " * column + line if line else "" for line in dump_lines(fields, step)]
        insert_lines(lines, place.line + 1, new, newline)
        return "".join(lines)
    names = own_names(value) if isinstance(value, CommentedMap) else []
    if not names or value.fa.flow_style():
        raise EditError("not a block mapping")
    if value.merge and value.merge.merge_pos != 0:  # fields after `<<: *base` only
        raise EditError("merge key between fields")
    if place.line == value.lc.key(names[0])[0]:
        raise EditError("fields on the key line")
    own_step = int(value.lc.key(names[0])[1]) - place.column
    editor = LineEditor(text, key, own_step if own_step > 0 else step, newline)
    if change.status is not None:
        editor.set_scalar("status", change.status)
    if change.rating is not None:
        editor.set_scalar("rating", change.rating)
    if change.tags:
        editor.add_tags(change.tags)
    if change.note is not None:
        editor.append_note(change.note)
    return editor.text


def _rerendered(text: str, key: str, change: Change, step: int, _: Place) -> str:
    """The change made by ruamel.yaml on the entry, whose lines alone are replaced."""
    doc = load_document(text)
    lines = text.splitlines(keepends=True)
    place = find_entry(doc, key, text)
    assert place is not None
    entry = place.value
    if entry is None or entry == {}:
        entry = CommentedMap()
    if not isinstance(entry, CommentedMap):
        raise EditError(
            f"the annotation of {key!r} is not a mapping of fields; fix it by hand", place.line + 1
        )
    _fields(change, entry)
    if change.note is not None:
        entry.fa.set_block_style()
    place.parent[place.key] = entry
    out = round_trip()
    out.indent(mapping=step, sequence=step + 2, offset=step)
    stream = io.StringIO()
    out.dump(doc, stream)
    dumped = stream.getvalue()
    new_lines = dumped.splitlines(keepends=True)
    new_place = find_entry(load_document(dumped), key, dumped)
    assert new_place is not None
    old_end = trim_block(lines, place.line + 1, place.end, place.column)
    new_end = trim_block(new_lines, new_place.line + 1, new_place.end, new_place.column)
    newline = newline_of(text)
    # The entry's lines as dumped, moved to where it stands in the file (a list item's
    # dash may sit elsewhere in ruamel.yaml's layout); its key line keeps what precedes it.
    bodies = [split_ending(line)[0] for line in new_lines[new_place.line : new_end]]
    shift = place.column - new_place.column
    head = split_ending(lines[place.line])[0][: place.column]
    replacement = [head + bodies[0][new_place.column :] + newline]
    for body in bodies[1:]:
        if shift < 0 and body[:-shift].strip():
            raise EditError("entry dumped shallower than its key")
        moved = body[-shift:] if shift < 0 else " " * shift + body if body else body
        replacement.append(moved + newline)
    if old_end == len(lines) and not lines[-1].endswith(("\n", "\r")):
        replacement[-1] = replacement[-1].rstrip("\r\n")
    return "".join(lines[: place.line] + replacement + lines[old_end:])


def _plain(text: str) -> Any:
    try:
        return yaml.load(text, Loader=PLAIN_LOADER)
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


def _holder(data: Any, key: str) -> Any:
    """The mapping that holds ``key``'s entry: the document, or its list item."""
    path = entry_path(data, key)
    assert path is not None
    return data if len(path) == 1 else data[path[0]]


def _expected(data: Any, key: str, change: Change) -> Any:
    """The old document, as plain values, with the change applied."""
    path = entry_path(data, key)
    assert path is not None
    holder = _holder(data, key)
    fields = dict(holder[path[-1]] or {})
    if change.status is not None:
        fields["status"] = change.status
    if change.rating is not None:
        fields["rating"] = change.rating
    if change.tags:
        present, added = new_tags(fields.get("tags"), change.tags)
        fields["tags"] = [*present, *added]
    if change.note is not None:
        fields["notes"] = joined_notes(fields.get("notes"), change.note).rstrip("\n")
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
    doc = load_document(text)
    if change.note is not None:
        change = Change(change.status, change.rating, change.tags, change.note.strip("\n"))
    place = find_entry(doc, key, text)
    if place is None:
        new = _append_entry(text, doc, key, change)
        try:
            appended = _appended_as_asked(_plain(text), _plain(new), key, change)
        except EditError:
            appended = False
        if not appended:
            raise EditError(f"could not add {key!r} to this file; add it by hand")
        return new
    old = _plain(text)
    # Tags already there, as `sitegen check` reads them (`0o17` is text to it, not 15).
    fields = _holder(old, key)[entry_path(old, key)[-1]]  # type: ignore[index]
    added = new_tags(fields.get("tags") if isinstance(fields, dict) else None, change.tags)[1]
    change = Change(change.status, change.rating, tuple(added), change.note)
    if not change.fields:
        return text
    value = place.value
    where = place.line + 1
    if value is not None and not isinstance(value, CommentedMap):
        raise EditError(
            f"the annotation of {key!r} is not a mapping of fields; fix it by hand", where
        )
    if isinstance(value, CommentedMap) and not place.line <= value.lc.line < place.end:
        raise EditError(
            f"the annotation of {key!r} is an alias (*{value.anchor.value}) of another "
            "paper's: changing it would change both; edit it by hand",
            where,
        )
    notes = value.get("notes") if isinstance(value, CommentedMap) else None
    if change.note is not None and notes is not None and not isinstance(notes, str):
        own = place.value.lc.data.get("notes")  # None when `<<: *base` brings them
        line = own[0] + 1 if own else where
        raise EditError(f"the notes of {key!r} are not text; fix them by hand", line)
    step = _step(doc)
    wanted = _as_found(_expected(old, key, change), key)
    lost = ""
    for attempt in (_line_edit, _rerendered):
        try:
            new = attempt(text, key, change, step, place)
            if _as_found(_plain(new), key) == wanted:
                if keeps_comments(text, new, place):
                    return new
                lost = " without losing one of its comments"
        except EditError:
            continue
    shared = shared_anchor(text, place.line, place.end)
    if shared is not None:
        anchor, line = shared
        raise EditError(
            f"the annotation of {key!r} is shared through the anchor &{anchor} with line "
            f"{line}: changing it would change both; edit it by hand",
            where,
        )
    raise EditError(
        f"could not change {key!r}{lost or ' without disturbing the rest of the file'}; "
        "edit it by hand",
        where,
    )
