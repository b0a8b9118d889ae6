"""``crossref`` and ``xdata`` across a project's BibTeX seed files, as BibTeX reads them.

BibTeX resolves a ``crossref`` over every file given to ``\\bibliography{...}``: users
keep their volumes in a ``proceedings.bib`` and cite them from ``papers.bib``. So the
records of all BibTeX seed files are resolved together; a child takes the entry of its
own file first, else the first in name order of the other files. Every warning names
the file and line of the entry it is about.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from sitegen.model import Problem, Severity
from sitegen.sources.bibtex_records import Record, same_entry

_CONTAINERS = frozenset(
    {
        "proceedings",
        "mvproceedings",
        "book",
        "mvbook",
        "collection",
        "mvcollection",
        "reference",
        "mvreference",
        "periodical",
    }
)
"""Entry types that are volumes: when another entry crossrefs one, it is not a paper itself."""
_INHERITED = ("booktitle", "year", "date", "journal", "journaltitle", "publisher", "series")
"""Fields a ``crossref`` child takes from its parent when it lacks them."""
_NOT_PAPERS = frozenset({"xdata", "set"})
"""biblatex's field containers (``@xdata``) and groups of entries (``@set``): not papers."""
_VENUES = ("booktitle", "journal", "journaltitle")
_PROCEEDINGS = frozenset({"proceedings", "mvproceedings"})
"""Volumes that are never read as a work of their own: a book may be, as well as its chapters."""


class _Keys:
    """Entries by case-folded key, across files, in file then line order."""

    def __init__(self, records: Sequence[Record]) -> None:
        self.by_key: dict[str, list[Record]] = {}
        self.by_file: dict[tuple[str, str], list[Record]] = {}
        for record in records:
            folded = record.key.casefold()
            self.by_key.setdefault(folded, []).append(record)
            self.by_file.setdefault((record.file, folded), []).append(record)
        self.copies: dict[int, list[Record]] = {}

    def named(self, record: Record, target: str) -> tuple[Record | None, Record | None]:
        """The entry ``target`` names for ``record`` (the first of its own file, else of
        the other files; never ``record`` itself), and another entry it may mean."""
        folded = target.strip().casefold()
        for found in (self.by_file.get((record.file, folded), []), self.by_key.get(folded, [])):
            others = (r for r in found if r is not record)
            first = next(others, None)
            if first is not None:
                # A file holds no two entries alike (``read_records``): this ends soon.
                return first, next((r for r in others if not same_entry(r, first)), None)
        return None, None

    def copies_of(self, record: Record) -> list[Record]:
        """``record`` and every entry of another file that is it written again."""
        if id(record) not in self.copies:
            found = self.by_key.get(record.key.casefold(), [])
            self.copies[id(record)] = [r for r in found if same_entry(r, record)] or [record]
        return self.copies[id(record)]


def _parent(
    record: Record, field: str, target: str, keys: _Keys, problems: list[Problem]
) -> Record | None:
    """The entry ``field`` (``crossref`` or ``xdata``) names: the first of that key, with a
    warning when two different entries have it; a warning when none has it and that
    loses data."""
    parent, other = keys.named(record, target)
    if parent is None:
        _dangling(record, field, target, problems)
        return None
    if other is not None:
        if other.file == parent.file == record.file:
            where = f"in this file (lines {parent.line} and {other.line})"
        else:
            where = f"({parent.file}:{parent.line} and {other.file}:{other.line})"
        said = (
            f"{record.label}: {field} {target.strip()!r} names two entries {where}; "
            "the first is read: give one another key"
        )
        problems.append(Problem(record.file, record.line, said, Severity.WARNING))
    return parent


def _dangling(record: Record, field: str, target: str, problems: list[Problem]) -> None:
    """A warning for a ``crossref`` or ``xdata`` that names no entry, when it loses something.

    DBLP's entries, pasted one by one from its site or from a paper's README, carry
    their own ``booktitle`` and ``year`` beside a ``crossref`` to a volume that is not
    in the file: nothing is missing then, and there is nothing to fix.
    """
    fields = record.fields
    said = f"{record.label}: {field} {target.strip()!r} names no entry in any BibTeX seed file"
    if field == "crossref":
        if any(name in fields for name in _VENUES) and ("year" in fields or "date" in fields):
            return
        said += ", and the entry has no venue or year of its own: add the volume's entry"
    problems.append(Problem(record.file, record.line, said, Severity.WARNING))


def _volume_titles(records: Sequence[Record]) -> set[str]:
    """The ``booktitle`` of every paper, as ``_title_key`` compares volume titles."""
    found = (
        _title_key(r.fields.get("booktitle", "")) for r in records if r.type not in _CONTAINERS
    )
    return {title for title in found if title}


def _title_key(title: str) -> str:
    return " ".join(re.sub(r"[{}]", "", title).casefold().split())


def _is_volume_of(record: Record, booktitles: set[str]) -> bool:
    """Whether ``record`` is a volume whose title other entries give as their ``booktitle``:
    the ACL Anthology's volume files and ACM's proceedings exports hold the
    ``@proceedings`` without any ``crossref`` to it (ACM's title adds ``KDD '19: ``)."""
    title = record.fields.get("title", "")
    if record.type not in _PROCEEDINGS or not title:
        return False
    key = _title_key(title)
    return key in booktitles or key.partition(": ")[2] in booktitles


def with_crossrefs(records: Sequence[Record], problems: list[Problem]) -> list[Record]:
    """The records that are works, children having taken missing venue and year fields
    from their ``crossref`` parent, and any missing field from the ``@xdata`` they name.

    A volume (``@proceedings``, ``@book``) that some entry crossrefs, or whose title
    some entry gives as its ``booktitle``, is those entries' venue, not a paper: DBLP,
    the ACL Anthology and ACM export them beside the papers. Nor are ``@xdata`` and
    ``@set`` entries papers.
    """
    keys = _Keys(records)
    volumes: set[int] = set()
    for record in records:
        for target in filter(str.strip, record.fields.get("xdata", "").split(",")):
            source = _parent(record, "xdata", target, keys, problems)
            for name, value in source.fields.items() if source else ():
                record.fields.setdefault(name, value)
        target = record.fields.get("crossref", "").strip()
        parent = _parent(record, "crossref", target, keys, problems) if target else None
        if parent is None:
            continue
        if parent.type in _CONTAINERS:
            volumes.update(id(copy) for copy in keys.copies_of(parent))
        for name in _INHERITED:
            if name not in record.fields and name in parent.fields:
                record.fields[name] = parent.fields[name]
        # A volume's title is its papers' booktitle; a paper's title is no one's venue.
        title = parent.fields.get("title") if parent.type in _CONTAINERS else None
        if title is not None:
            record.fields.setdefault("booktitle", title)
    booktitles = _volume_titles(records)
    works = [
        r
        for r in records
        if id(r) not in volumes and r.type not in _NOT_PAPERS and not _is_volume_of(r, booktitles)
    ]
    return works
