"""Curated reading lists from ``content/lists/<slug>.yaml``.

A list file is a mapping::

    title: "Start here: RLHF and alignment"
    intro: |
      Markdown intro.
    sections:
      - title: Week 1 — Foundations
        intro: optional Markdown
        papers:
          - key: some-paper-key
            comment: Markdown comment on why to read it
          - other-paper-key          # a bare key: no comment

A list without sections may give ``papers:`` at the top level instead, which
makes one untitled section. The file stem is the list's slug and URL.

Validation reports every problem with ``file:line`` and never raises. A file
with errors yields no list (errors stop the build anyway); warnings (unknown
fields, a paper listed twice) leave the list as written.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sitegen.model import ListItem, ListSection, Problem, ReadingList, Severity, SourceRef
from sitegen.sources import display_path
from sitegen.yamlfile import YamlDoc, describe_value, load_yaml, quote_hint, suggest

LISTS_DIR = "lists"
"""Folder under ``content/`` holding list files."""
SUFFIXES = (".yaml", ".yml")

LIST_FIELDS = ("title", "intro", "sections", "papers")
SECTION_FIELDS = ("title", "intro", "papers")
ITEM_FIELDS = ("key", "comment")

_SLUG = re.compile(r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?")
_NOT_SLUG = re.compile(r"[^a-z0-9]+")


@dataclass
class _ListReader:
    """Validates one parsed list file, collecting problems as it goes."""

    doc: YamlDoc
    display: str
    keys: Collection[str]
    key_list: Sequence[str]
    problems: list[Problem] = field(default_factory=list)
    seen: dict[str, int] = field(default_factory=dict)
    """Paper key -> line where the list first names it."""

    def report(
        self, message: str, path: tuple[Any, ...], severity: Severity = Severity.ERROR
    ) -> None:
        self.problems.append(Problem(self.display, self.doc.line(*path), message, severity))

    def check_fields(
        self, data: dict[Any, Any], allowed: Sequence[str], path: tuple[Any, ...], what: str
    ) -> None:
        for name in data:
            if name not in allowed:
                hint = suggest(str(name), allowed) or "; allowed: " + ", ".join(allowed)
                self.report(
                    f"unknown field {str(name)!r} in {what} (ignored){hint}",
                    (*path, name),
                    Severity.WARNING,
                )

    def text(self, data: dict[Any, Any], name: str, path: tuple[Any, ...]) -> str:
        """An optional text field, stripped; wrong types are reported and read as empty."""
        value = data.get(name)
        if value is None:
            return ""
        if isinstance(value, str):
            return value.strip()
        where = (*path, name)
        self.report(
            f"{_label(where)}: expected text, got {describe_value(value)}{quote_hint(value)}", where
        )
        return ""

    def title(self, data: dict[Any, Any], path: tuple[Any, ...], what: str) -> str | None:
        """A required title; None (and an error) when missing, not text or empty."""
        if data.get("title") is None:
            self.report(f"{what} has no title: add `title: ...`", path)
            return None
        title = self.text(data, "title", path)  # reports a title that is not text
        if not title and isinstance(data["title"], str):
            self.report(f"{_label((*path, 'title'))} is empty", (*path, "title"))
        return title or None

    def read_list(self, slug: str) -> ReadingList | None:
        data = self.doc.data
        if data is None:
            self.report("empty list file: give it a `title:` and `sections:` (or `papers:`)", ())
            return None
        if not isinstance(data, dict):
            self.report(
                f"expected a mapping with `title:` and `sections:`, got {describe_value(data)}", ()
            )
            return None
        self.check_fields(data, LIST_FIELDS, (), "the list")
        title = self.title(data, (), "the list")
        intro = self.text(data, "intro", ())
        if "sections" in data and "papers" in data:
            self.report(
                "give either `sections:` or top-level `papers:`, not both "
                "(the top-level papers are ignored)",
                ("papers",),
            )
        if "sections" in data:
            sections = self.sections(data["sections"])
        elif "papers" in data:
            sections = [ListSection(title="", items=self.items(data["papers"], ("papers",)))]
        else:
            self.report("the list has no `sections:` (or top-level `papers:`)", ())
            sections = []
        if title is None:
            return None
        ref = SourceRef(self.display, self.doc.line("title") or 1)
        return ReadingList(slug=slug, title=title, intro=intro, sections=tuple(sections), ref=ref)

    def sections(self, value: Any) -> list[ListSection]:
        path: tuple[Any, ...] = ("sections",)
        if not isinstance(value, list):
            self.report(f"sections: expected a list of sections, got {describe_value(value)}", path)
            return []
        if not value:
            self.report("sections: the list is empty", path, Severity.WARNING)
        sections = []
        for index, section in enumerate(value):
            where = (*path, index)
            if not isinstance(section, dict):
                self.report(
                    f"sections[{index}]: expected a mapping with `title:` and `papers:`, "
                    f"got {describe_value(section)}",
                    where,
                )
                continue
            self.check_fields(section, SECTION_FIELDS, where, f"sections[{index}]")
            title = self.title(section, where, f"sections[{index}]")
            intro = self.text(section, "intro", where)
            if section.get("papers") is None:
                self.report(
                    f"sections[{index}] has no papers: add `papers:` with paper keys",
                    where,
                    Severity.WARNING,
                )
                items: tuple[ListItem, ...] = ()
            else:
                items = self.items(section["papers"], (*where, "papers"))
            sections.append(ListSection(title=title or "", items=items, intro=intro))
        return sections

    def items(self, value: Any, path: tuple[Any, ...]) -> tuple[ListItem, ...]:
        label = _label(path)
        if not isinstance(value, list):
            self.report(
                f"{label}: expected a list of paper keys, got {describe_value(value)}", path
            )
            return ()
        items = []
        for index, entry in enumerate(value):
            item = self.item(entry, (*path, index), f"{label}[{index}]")
            if item is not None:
                items.append(item)
        return tuple(items)

    def item(self, entry: Any, path: tuple[Any, ...], label: str) -> ListItem | None:
        comment = ""
        key_path = path
        if isinstance(entry, dict):
            self.check_fields(entry, ITEM_FIELDS, path, label)
            if "key" not in entry:
                self.report(f"{label}: no `key:` naming the paper", path)
                return None
            key_path = (*path, "key")
            key = entry["key"]
            comment = self.text(entry, "comment", path)
        else:
            key = entry
        if isinstance(key, int) and not isinstance(key, bool):
            key = str(key)
        if not isinstance(key, str) or not key.strip():
            self.report(
                f"{label}: expected a paper key or `key:` and `comment:`, got {describe_value(key)}",
                key_path,
            )
            return None
        key = key.strip()
        line = self.doc.line(*key_path) or 1
        if key not in self.keys:
            self.report(
                f"{label}: unknown paper key {key!r}{suggest(key, self.key_list)}", key_path
            )
            return None
        if key in self.seen:
            self.report(
                f"{label}: {key!r} is already in this list (line {self.seen[key]})",
                key_path,
                Severity.WARNING,
            )
        else:
            self.seen[key] = line
        return ListItem(key=key, comment=comment, ref=SourceRef(self.display, line))


def _label(path: tuple[Any, ...]) -> str:
    """``sections[0].papers`` for a document path."""
    label = ""
    for part in path:
        label += f"[{part}]" if isinstance(part, int) else ("." if label else "") + str(part)
    return label


def list_files(lists_dir: Path) -> list[Path]:
    """List files in name order (dot-files and editor backups skipped)."""
    if not lists_dir.is_dir():
        return []
    return sorted(
        p
        for p in lists_dir.iterdir()
        if p.is_file() and p.suffix.lower() in SUFFIXES and not p.name.startswith((".", "#"))
    )


def load_list(
    path: Path, display: str, keys: Collection[str], key_list: Sequence[str] = ()
) -> tuple[ReadingList | None, list[Problem]]:
    """Read and validate one list file; the list is None when the file has errors."""
    doc, problems = load_yaml(path, display)
    if doc is None:
        return None, problems
    reader = _ListReader(doc, display, keys, key_list or sorted(keys))
    slug = path.stem
    if not _SLUG.fullmatch(slug):
        fixed = _NOT_SLUG.sub("-", slug.lower()).strip("-") or "my-list"
        reader.problems.append(
            Problem(
                display,
                None,
                f"list file name {path.name!r} is not a valid slug (lowercase ASCII letters, "
                f"digits and hyphens); rename it to {fixed + path.suffix.lower()!r}",
            )
        )
    reading_list = reader.read_list(slug)
    problems.extend(reader.problems)
    if any(p.severity is Severity.ERROR for p in problems):
        return None, problems
    return reading_list, problems


def load_lists(
    content_dir: Path, root: Path, keys: Sequence[str]
) -> tuple[list[ReadingList], list[Problem]]:
    """Every list under ``content_dir/lists``, in file-name order, and every problem found."""
    known = frozenset(keys)
    key_list = list(dict.fromkeys(keys))
    lists: list[ReadingList] = []
    problems: list[Problem] = []
    slugs: dict[str, str] = {}
    for path in list_files(content_dir / LISTS_DIR):
        display = display_path(path, root)
        if path.stem in slugs:
            problems.append(
                Problem(
                    display,
                    None,
                    f"another list file, {slugs[path.stem]}, has the same slug {path.stem!r}; "
                    "rename or remove one",
                )
            )
            continue
        slugs[path.stem] = display
        reading_list, found = load_list(path, display, known, key_list)
        problems.extend(found)
        if reading_list is not None:
            lists.append(reading_list)
    return lists, problems
