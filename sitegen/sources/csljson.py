"""CSL-JSON, as Zotero and Better BibTeX export it: a JSON array of items (or ``{"items": [...]}``).

JSON keeps no line numbers, so the reader finds where each item's ``{`` starts
by walking the top-level array with ``json.JSONDecoder.raw_decode``; problems
and sources then name ``file:line`` like every other format.
"""

from __future__ import annotations

import bisect
import html
import json
import re
from collections.abc import Iterator
from typing import Any

from sitegen.clean import clean_plain
from sitegen.model import Problem, Severity, SourceEntry, SourceRef
from sitegen.sources import bibtex_fields
from sitegen.sources.identifiers import arxiv_in_text, clean_doi, split_keywords, year_in
from sitegen.sources.skipped import first_line, skipped

NAME = "csl-json"
DESCRIPTION = "a CSL-JSON file (a JSON array of items with 'title' and 'type', as Zotero exports)"


def _number(text: str) -> int | str:
    """A JSON integer; one too long for Python's int() (4,300 digits) is kept as text, so a
    hostile number in one field cannot reject the whole file."""
    return int(text) if len(text) <= 100 else text


_DECODER = json.JSONDecoder(parse_int=_number)
_SPACE = re.compile(r"\s*")
_INTEGER = re.compile(r"[-+]?\d{1,4}")
# CSL's rich-text markup in titles (https://citeproc-js.readthedocs.io/en/latest/csl-json/markup.html)
_CSL_MARKUP = re.compile(
    r"</?(?:i|b|sup|sub|sc|scp|span(?:\s+(?:class|style)=\"[^\"]*\")?)>"
    r"|</?mml:[A-Za-z]+(?:\s[^>]*)?/?>"  # MathML in Crossref's titles: its text is kept
)
# Crossref's abstracts (doi.org's CSL-JSON) are JATS XML: a heading, then paragraphs.
_JATS_HEADING = re.compile(r"<jats:title>[^<]*</jats:title>")
_JATS_BLOCK = re.compile(r"</?jats:(?:p|sec|list|list-item|label)(?:\s[^>]*)?>")
_JATS_INLINE = re.compile(r"</?jats:[A-Za-z-]+(?:\s[^>]*)?/?>")


def _items_of(data: Any) -> Any:
    """The items: an array, an ``{"items": [...]}`` wrapper, or one item on its own (what
    doi.org answers for ``Accept: application/vnd.citationstyles.csl+json``)."""
    if not isinstance(data, dict):
        return data
    if "items" in data:
        return data["items"]
    if "title" in data and "type" in data:
        return [data]
    items = list(data.values())
    # citeproc-js's items keyed by id: {"smith2020": {"id": "smith2020", ...}, ...}
    return items if items and all(isinstance(item, dict) for item in items) else None


def _looks_like_items(items: Any) -> bool:
    return isinstance(items, list) and (
        not items
        or any(
            isinstance(item, dict) and ("title" in item or "type" in item) for item in items[:20]
        )
    )


def sniff(text: str, suffix: str) -> bool:
    """A JSON array of objects with ``title`` or ``type`` keys, or a broken ``.json`` file."""
    head = text.lstrip()[:1]
    if head not in ("[", "{"):
        return False
    try:
        data = _DECODER.decode(text)
    except (ValueError, RecursionError):
        # Broken JSON is still meant as JSON: say where it breaks rather than "no format".
        return suffix == ".json" or '"title"' in text or '"type"' in text
    return _looks_like_items(_items_of(data))


def _skip_space(text: str, position: int) -> int:
    match = _SPACE.match(text, position)
    return match.end() if match else position


def _array_offsets(text: str, position: int) -> Iterator[int]:
    """Offset where each element of the array opening at ``position`` starts."""
    position = _skip_space(text, position + 1)
    if text.startswith("]", position):
        return
    while position < len(text):
        yield position
        _, position = _DECODER.raw_decode(text, position)
        position = _skip_space(text, position)
        if not text.startswith(",", position):
            return
        position = _skip_space(text, position + 1)


def _member_offsets(text: str, position: int) -> Iterator[tuple[str, int]]:
    """Each member's name and the offset of its value, in the object opening at ``position``."""
    position = _skip_space(text, position + 1)
    while text.startswith('"', position):
        name, position = _DECODER.raw_decode(text, position)
        position = _skip_space(text, position)
        position = _skip_space(text, position + 1)  # the colon
        yield name, position
        _, position = _DECODER.raw_decode(text, position)
        position = _skip_space(text, position)
        if not text.startswith(",", position):
            return
        position = _skip_space(text, position + 1)


def _item_offsets(text: str) -> list[int]:
    """Offsets of every item's ``{``; empty when the layout is not the expected one."""
    start = _skip_space(text, 0)
    try:
        if text.startswith("{", start):
            members = dict(_member_offsets(text, start))
            if "items" in members:
                start = members["items"]
            elif "title" in members and "type" in members:
                return [start]  # one item on its own
            else:
                return list(members.values())  # items keyed by id
        return list(_array_offsets(text, start)) if text.startswith("[", start) else []
    except (ValueError, RecursionError):
        return []


def _string(item: dict[str, Any], name: str, warn: list[str]) -> str:
    value = item.get(name)
    if value is None:
        return ""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        # Crossref's API gives texts as lists: of one, none, or more (a chapter's
        # container-title holds its book and its series): the first text is the one.
        value = next((v for v in value if v.strip()), "")
    if not isinstance(value, str):
        warn.append(f"{name!r} should be text, not {type(value).__name__}; ignored")
        return ""
    return value.strip()


def _rich(text: str) -> str:
    """CSL rich text without its HTML-like markup (``<i>``, ``<span class="nocase">``),
    Crossref's JATS (``<jats:title>Abstract</jats:title><jats:p>...``), ``<scp>`` small
    capitals and MathML tags, and with HTML entities (``&amp;``) read."""
    if "<jats:" in text:
        text = _JATS_HEADING.sub(" ", text)
        text = _JATS_INLINE.sub("", _JATS_BLOCK.sub(" ", text)).strip()
    text = _CSL_MARKUP.sub("", text)
    return html.unescape(text) if "&" in text else text  # Crossref's "&amp;"


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _person(person: Any) -> str | None:
    if isinstance(person, str):
        return clean_plain(person) or None
    if not isinstance(person, dict):
        return None
    literal = person.get("literal")
    if isinstance(literal, str) and literal.strip():
        return clean_plain(literal) or None
    family = _text(person.get("family"))
    # Some exporters give the particle again inside the family name ("van der Berg").
    particles = [
        word
        for part in ("dropping-particle", "non-dropping-particle")
        if (word := _text(person.get(part)))
        and not family.casefold().startswith(word.casefold() + " ")
    ]
    words = [w for w in (_text(person.get("given")), *particles, family) if w]
    name = " ".join(words)
    suffix = person.get("suffix")
    if isinstance(suffix, str) and suffix.strip() and name:
        name += ", " + suffix.strip()
    return clean_plain(name) or None


def _authors(item: dict[str, Any], warn: list[str]) -> tuple[str, ...]:
    people = item.get("author")
    if people is None:
        return ()
    if isinstance(people, str):  # "Smith, John and Doe, Jane", as some tools write it
        return bibtex_fields.authors(people, clean_plain)
    if not isinstance(people, list):
        warn.append("'author' should be a list of names; ignored")
        return ()
    found = (_person(person) for person in people)
    return tuple(name for name in found if name)  # two people may share a short name


def _year(item: dict[str, Any]) -> int | None:
    issued = item.get("issued")
    if isinstance(issued, dict):
        # Older Zotero and citeproc-js exports spell it "date_parts".
        parts = issued.get("date-parts", issued.get("date_parts"))
        if isinstance(parts, list) and parts:
            # The year is the first part, whatever follows it (a month, or a season as
            # 21-24); it may be negative (BCE) or have fewer than four digits. Some tools
            # write one flat list ([2020, 5]) where CSL nests it ([[2020, 5]]).
            first = parts[0][0] if isinstance(parts[0], list) and parts[0] else parts[0]
            year = _date_part(first)
            if year:
                return year
        for name in ("raw", "literal"):
            value = issued.get(name)
            if isinstance(value, str) and (year := year_in(value)):
                return year
        if isinstance(parts, (str, int)) and not isinstance(parts, bool):
            return year_in(str(parts))  # "date-parts": "2020", as some tools write it
    elif isinstance(issued, (str, int)) and not isinstance(issued, bool):
        return year_in(str(issued))
    elif isinstance(issued, list) and issued and isinstance(issued[0], dict):
        # pandoc-citeproc's older form: "issued": [{"year": 2020, "month": 5}]
        year = issued[0].get("year")
        return _date_part(year) if isinstance(year, (str, int)) else None
    return None


def _date_part(value: Any) -> int | None:
    """A ``date-parts`` year: an integer, or a text of one (``"2019"``, ``"-50"``), or a
    whole date some tools write there (``"2019-05-01"``)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        value = int(value) if _INTEGER.fullmatch(value.strip()) else year_in(value)
    return value if isinstance(value, int) and value != 0 and abs(value) < 10_000 else None


def _tags(item: dict[str, Any]) -> tuple[str, ...]:
    value = item.get("keyword")
    words: list[str] = []
    if isinstance(value, str):
        words = split_keywords(value)
    elif isinstance(value, list):
        words = [w.strip() for w in value if isinstance(w, str) and w.strip()]
    tags = (clean_plain(word) for word in words)
    return tuple(dict.fromkeys(tag for tag in tags if tag))


def _arxiv(item: dict[str, Any], warn: list[str]) -> str | None:
    for name in ("number", "URL", "DOI", "note", "archive_location", "container-title"):
        value = _string(item, name, warn)
        found = arxiv_in_text(value) if value else None
        if found:
            return found
    return None


def _entry(item: Any, ref: SourceRef, problems: list[Problem]) -> SourceEntry | None:
    if not isinstance(item, dict):
        problems.append(skipped(ref.file, ref.line, "expected a CSL-JSON item (a JSON object)"))
        return None
    warn: list[str] = []
    label = f"item {item.get('id')!r}" if isinstance(item.get("id"), (str, int)) else "item"
    title = _rich(_string(item, "title", warn)) or None
    abstract = _rich(_string(item, "abstract", warn))
    doi_text = _string(item, "DOI", warn) or _string(item, "doi", warn)
    url = _string(item, "URL", warn) or None
    arxiv = _arxiv(item, warn)
    venue = _string(item, "container-title", warn) or _string(item, "publisher", warn)
    entry = SourceEntry(
        ref=ref,
        format=NAME,
        title=title,
        abstract=abstract,
        authors=_authors(item, warn),
        year=_year(item),
        venue=clean_plain(_rich(venue)) or None,
        doi=clean_doi(doi_text) if doi_text else None,
        arxiv=arxiv,
        url=url if url and url.startswith(("http://", "https://")) else None,
        tags=_tags(item),
    )
    problems.extend(
        Problem(ref.file, ref.line, f"{label}: {w}", Severity.WARNING) for w in dict.fromkeys(warn)
    )
    if title is None and not abstract:
        problems.append(skipped(ref.file, ref.line, f"{label} has neither title nor abstract"))
        return None
    return entry


def parse(text: str, display: str) -> tuple[list[SourceEntry], list[Problem]]:
    """One entry per CSL item; invalid JSON is one problem at the line where it breaks."""
    try:
        data = _DECODER.decode(text)
    except json.JSONDecodeError as exc:
        return [], [Problem(display, exc.lineno, f"invalid JSON: {exc.msg} (column {exc.colno})")]
    except (ValueError, RecursionError) as exc:  # numbers too long, nesting too deep
        return [], [Problem(display, first_line(text), f"invalid JSON: {exc}")]
    items = _items_of(data)
    if not isinstance(items, list):
        expected = 'a JSON array of CSL items, or an object with an "items" array'
        return [], [Problem(display, 1, f"expected {expected}")]
    line_starts = [match.end() for match in re.finditer("\n", text)]  # of lines 2, 3, ...
    offsets = _item_offsets(text)
    if len(offsets) != len(items):  # cannot happen for valid JSON; never guess a wrong line
        offsets = [0] * len(items)
    problems: list[Problem] = []
    entries: list[SourceEntry] = []
    for item, offset in zip(items, offsets):
        line = bisect.bisect_right(line_starts, offset) + 1
        entry = _entry(item, SourceRef(display, line), problems)
        if entry is not None:
            entries.append(entry)
    return entries, problems
