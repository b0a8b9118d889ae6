"""``sitegen annotate``'s edit on generated hand-written files: any mix of styles is
edited exactly as asked, with every line outside the entry and every comment kept, or
refused with a reason; never damaged."""

from __future__ import annotations

import re
from typing import Any

import yaml
from hypothesis import event, given, settings
from hypothesis import strategies as st

from sitegen.annotation_edit import Change, EditError, edit_text
from sitegen.annotation_yaml import PLAIN_LOADER

KEYS = ["paper-one", "paper-two", "paper-three"]

TAGS = st.sampled_from(
    [
        "",
        "{i}tags: [a, b]{c}\n",
        "{i}tags: [a,\n{i}    b]{c}\n",
        "{i}tags:{c}\n{i}{i}- a\n{i}{i}- b\n",
        "{i}tags:{c}\n{i}- a\n",
        "{i}tags: solo{c}\n",
        "{i}tags:{c}\n",
    ]
)
NOTES = st.sampled_from(
    [
        "",
        "{i}notes: one line{c}\n",
        "{i}notes: |{c}\n{i}{i}First.\n\n{i}{i}- a point\n",
        "{i}notes: >-\n{i}{i}folded\n{i}{i}text\n",
        '{i}notes: "quoted: text"{c}\n',
        "{i}notes: |2\n{i}{i}{i}  indented\n{i}{i}base\n",
    ]
)
STATUS = st.sampled_from(["", "{i}status: queued{c}\n", "{i}status: 'reading'\n"])
RATING = st.sampled_from(["", "{i}rating: 2{c}\n", "{i}rating:   2\n"])
COMMENTS = st.sampled_from(["", "  # why", "\t# tab"])


@st.composite
def entry(draw: Any, key: str) -> str:
    indent = " " * draw(st.sampled_from([2, 3, 4]))
    parts = [draw(STATUS), draw(TAGS), draw(NOTES), draw(RATING)]
    body = "".join(
        part.replace("{i}", indent).replace("{c}", draw(COMMENTS)) for part in parts if part
    )
    head = f"{key}:{draw(COMMENTS)}\n"
    if draw(st.booleans()):
        body = body.replace("\n", "\n\n", 1)  # a blank line between fields
    return head + body if body else head


@st.composite
def annotation_file(draw: Any) -> str:
    text = "# reading list\n" + "".join(draw(entry(key)) + "\n" for key in KEYS)
    return text.replace("\n", "\r\n") if draw(st.booleans()) else text


def comments(text: str) -> list[str]:
    return sorted(re.findall(r"(?m)[ \t]#.*$|^#.*$", text.replace("\r", "")))


@settings(max_examples=150, deadline=None)
@given(
    text=annotation_file(),
    key=st.sampled_from(KEYS),
    change=st.builds(
        Change,
        status=st.sampled_from([None, "read"]),
        rating=st.sampled_from([None, 5]),
        tags=st.sampled_from([(), ("c",), ("yes", "a: b")]),
        note=st.sampled_from([None, "More.", "  code\nthen text"]),
    ),
)
def test_any_hand_written_style_is_edited_exactly_or_refused(
    text: str, key: str, change: Change
) -> None:
    try:
        new = edit_text(text, key, change)
    except EditError as exc:
        assert exc.message.endswith("by hand") and exc.line is not None
        event(f"refused: {exc.message.split(';')[0]}")
        return
    event("edited")
    old_data = yaml.load(text, Loader=PLAIN_LOADER)  # as `sitegen check` reads it
    new_data = yaml.load(new, Loader=PLAIN_LOADER)
    assert {k: v for k, v in new_data.items() if k != key} == {
        k: v for k, v in old_data.items() if k != key
    }
    fields, before = new_data[key] or {}, old_data[key] or {}
    assert fields.get("status") == (change.status or before.get("status"))
    assert fields.get("rating") == (change.rating or before.get("rating"))
    old_tags = before.get("tags")
    old_tags = [] if old_tags is None else [old_tags] if isinstance(old_tags, str) else old_tags
    if change.tags:
        assert fields["tags"] == old_tags + [t for t in change.tags if t not in old_tags]
    else:
        assert fields.get("tags") == before.get("tags")
    if change.note:
        assert fields["notes"].rstrip("\n").endswith(change.note)
    old_lines, new_lines = text.splitlines(True), new.splitlines(True)
    start = next(i for i, line in enumerate(old_lines) if line.startswith(f"{key}:"))
    end = next(
        (i for i, line in enumerate(old_lines) if i > start and line[:1].isalpha()),
        len(old_lines),
    )
    assert new_lines[:start] == old_lines[:start]
    assert new_lines[len(new_lines) - (len(old_lines) - end) :] == old_lines[end:]
    assert set(comments(text)) <= set(comments(new))
    assert ("\r\n" in text) == ("\r\n" in new)
