"""Validating one annotation: each field's checks and the problems they report.

``validate_annotation`` turns one paper's YAML fields into an ``Annotation`` that
keeps every valid field; each mistake becomes a ``Problem`` at its own line.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from sitegen.model import STATUSES, Annotation, Problem, Quote, Severity, SourceRef
from sitegen.sources.identifiers import clean_doi
from sitegen.yamlfile import (
    YamlDoc,
    describe_value,
    lookalike,
    quote_hint,
    suggest,
)

_NEW_ARXIV = re.compile(r"\d{4}\.\d{4,5}(v\d+)?")
_OLD_ARXIV = re.compile(r"[a-z][a-z-]*(\.[A-Z]{2})?/\d{7}(v\d+)?")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_QUOTE_FIELDS = ("text", "page")


@dataclass(frozen=True)
class Known:
    """What annotations may refer to: paper keys and topic slugs."""

    keys: frozenset[str]
    key_list: tuple[str, ...]
    topics: frozenset[str]


@dataclass
class _Field:
    """One field being checked: its place in the document and where problems go."""

    name: str
    path: tuple[Any, ...]
    """Path of the field's value in the document."""
    paper: str
    doc: YamlDoc
    display: str
    known: Known
    problems: list[Problem]

    def report(self, message: str, *sub: Any, severity: Severity = Severity.ERROR) -> None:
        label = self.name + "".join(f"[{s}]" if isinstance(s, int) else f".{s}" for s in sub)
        line = self.doc.line(*self.path, *sub)
        self.problems.append(Problem(self.display, line, f"{label}: {message}", severity))


def _text(f: _Field, value: Any, *sub: Any) -> str | None:
    if isinstance(value, str):
        return value.strip() or None
    f.report(f"expected text, got {describe_value(value)}{quote_hint(value)}", *sub)
    return None


def _texts(f: _Field, value: Any) -> Iterator[tuple[int | None, str]]:
    """Items of a list-of-text field; a single text counts as a one-item list."""
    if isinstance(value, str):
        if value.strip():
            yield None, value.strip()
        return
    if not isinstance(value, list):
        f.report(f"expected a list of text, got {describe_value(value)}")
        return
    for index, item in enumerate(value):
        text = _text(f, item, index) if item is not None else None
        if text is not None:
            yield index, text


def _unique(items: Iterator[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


def _status(f: _Field, value: Any) -> str | None:
    allowed = ", ".join(STATUSES)
    if not isinstance(value, str):
        f.report(f"expected one of {allowed}; got {describe_value(value)}")
        return None
    status = value.strip().lower()
    if status in STATUSES:
        return status
    f.report(f"{value!r} is not a status; use one of {allowed}" + _closest(status, STATUSES))
    return None


def _rating(f: _Field, value: Any) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 5:
        return value
    f.report(f"expected a whole number from 1 to 5, got {describe_value(value)}")
    return None


def _year(f: _Field, value: Any) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool) and 1000 <= value <= 9999:
        return value
    hint = "; remove the quotes" if isinstance(value, str) and value.strip().isdigit() else ""
    f.report(f"expected a four-digit year such as 2024, got {describe_value(value)}{hint}")
    return None


def _tags(f: _Field, value: Any) -> tuple[str, ...]:
    return _unique(text for _, text in _texts(f, value))


def _topics(f: _Field, value: Any) -> tuple[tuple[str, ...], tuple[str, ...]]:
    added: list[str] = []
    removed: list[str] = []
    for index, text in _texts(f, value):
        remove = text.startswith("-")
        slug = text[1:].strip() if remove else text
        if slug not in f.known.topics:
            where = () if index is None else (index,)
            hint = suggest(slug, sorted(f.known.topics)) or "; topics are in content/topics.yaml"
            f.report(f"unknown topic {slug!r}{hint}", *where)
            continue
        (removed if remove else added).append(slug)
    return _unique(iter(added)), _unique(iter(removed))


def _quotes(f: _Field, value: Any) -> tuple[Quote, ...]:
    items = value if isinstance(value, list) else [value]
    if not isinstance(value, (list, str, dict)):
        f.report(f"expected a list of quotes (text, or text and page), got {describe_value(value)}")
        return ()
    quotes: list[Quote] = []
    for index, item in enumerate(items):
        sub = (index,) if isinstance(value, list) else ()
        if isinstance(item, str):
            if item.strip():
                quotes.append(Quote(item.strip()))
        elif isinstance(item, dict):
            quote = _quote_mapping(f, item, sub)
            if quote is not None:
                quotes.append(quote)
        elif item is not None:
            f.report(
                f"expected a quote as text or {{text, page}}, got {describe_value(item)}", *sub
            )
    return tuple(quotes)


def _quote_mapping(f: _Field, item: dict[Any, Any], sub: tuple[Any, ...]) -> Quote | None:
    for name in item:
        if name not in _QUOTE_FIELDS:
            hint = _closest(str(name), _QUOTE_FIELDS) or "; a quote has text and page"
            f.report(f"unknown quote field {name!r}{hint}", *sub, name, severity=Severity.WARNING)
    text = _text(f, item["text"], *sub, "text") if "text" in item else None
    if "text" not in item:
        f.report("a quote needs text: the passage itself", *sub)
    page = item.get("page")
    if isinstance(page, int) and not isinstance(page, bool):
        page = str(page)
    elif page is not None:
        page = _text(f, page, *sub, "page")
    return Quote(text, page) if text else None


def _links(f: _Field, value: Any) -> tuple[tuple[str, str], ...]:
    if not isinstance(value, dict):
        f.report(
            f"expected a mapping of name: URL (code: https://...), got {describe_value(value)}"
        )
        return ()
    links: list[tuple[str, str]] = []
    for name, url in value.items():
        if url is None:
            continue
        text = _text(f, url, name)
        if text is None:
            continue
        if not _is_web_url(text):
            shown = describe_value(text).removeprefix("text ")
            f.report(f"{shown} is not a web address; only http/https links are allowed", name)
            continue
        links.append((str(name).strip(), text))
    return tuple(links)


def _is_web_url(url: str) -> bool:
    if any(ch.isspace() or not ch.isprintable() for ch in url):
        return False
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(host)


def _as_written(value: float) -> str:
    """An arXiv id that YAML read as a number, as it was written: ``2406.01230`` reads as
    2406.0123, and ids from January 2015 on have five digits after the point, four before."""
    if isinstance(value, float) and 0 < value < 10_000:
        return f"{value:.{5 if value >= 1501 else 4}f}"
    return str(value)


def _arxiv(f: _Field, value: Any) -> str | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        shown = _as_written(value)
        f.report(f"write the identifier in quotes, e.g. '{shown}'; YAML reads it as a number")
        return None
    text = _text(f, value)
    if text is None:
        return None
    ident = re.sub(r"^(arxiv:|https?://arxiv\.org/(abs|pdf)/)", "", text, flags=re.IGNORECASE)
    ident = ident.removesuffix(".pdf")
    if _NEW_ARXIV.fullmatch(ident) or _OLD_ARXIV.fullmatch(ident):
        return ident
    f.report(f"{text!r} is not an arXiv identifier such as 2406.01234 or cs/0101001")
    return None


def _doi(f: _Field, value: Any) -> str | None:
    text = _text(f, value)
    if text is None:
        return None
    doi = clean_doi(text)
    if doi is not None:
        return doi
    f.report(f"{text!r} is not a DOI; expected one such as 10.1145/3290605.3300857")
    return None


def _read_on(f: _Field, value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and _ISO_DATE.fullmatch(value.strip()):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    f.report(f"expected a date written YYYY-MM-DD, got {describe_value(value)}")
    return None


def _related(f: _Field, value: Any) -> tuple[str, ...]:
    related: list[str] = []
    for index, key in _texts(f, value):
        where = () if index is None else (index,)
        if key == f.paper:
            f.report("a paper cannot be related to itself", *where, severity=Severity.WARNING)
        elif key in f.known.keys:
            related.append(key)
        else:
            f.report(unknown_key(key, f.known), *where)
    return _unique(iter(related))


def _hidden(f: _Field, value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    f.report(f"expected true or false, got {describe_value(value)}")
    return None


_FIELDS: dict[str, Callable[[_Field, Any], Any]] = {
    "title": _text,
    "status": _status,
    "rating": _rating,
    "tags": _tags,
    "topics": _topics,
    "summary": _text,
    "notes": _text,
    "quotes": _quotes,
    "authors": _tags,
    "year": _year,
    "venue": _text,
    "links": _links,
    "arxiv": _arxiv,
    "doi": _doi,
    "read_on": _read_on,
    "related": _related,
    "hidden": _hidden,
}

ANNOTATION_FIELDS: tuple[str, ...] = tuple(_FIELDS)
"""Every field an annotation may set, in the order SPEC §3 lists them."""


def _closest(word: str, choices: Sequence[str]) -> str:
    """A did-you-mean naming only the best match, for short fixed vocabularies."""
    return suggest(word, difflib.get_close_matches(word, choices, n=1, cutoff=0.6))


def unknown_key(key: str, known: Known) -> str:
    hint = (
        suggest(key, known.key_list) or "; a key is the last part of a paper's URL, /papers/<key>/"
    )
    return f"unknown paper key {key!r}{hint}"


def validate_annotation(
    key: str,
    fields: Any,
    path: tuple[Any, ...],
    doc: YamlDoc,
    display: str,
    known: Known,
    problems: list[Problem],
) -> Annotation | None:
    """Validate one paper's fields; the annotation keeps every valid field."""
    ref = SourceRef(display, doc.line(*path) or 1)
    if fields is None:
        return Annotation(key=key, ref=ref)
    if not isinstance(fields, dict):
        problems.append(
            Problem(
                display,
                ref.line,
                f"expected the fields of {key!r} as a mapping (status: read, ...), "
                f"got {describe_value(fields)}",
            )
        )
        return None
    values: dict[str, Any] = {}
    for name, value in fields.items():
        check = _FIELDS.get(name) if isinstance(name, str) else None
        if check is None and (confusable := lookalike(str(name), ANNOTATION_FIELDS)):
            problems.append(Problem(display, doc.line(*path, name), confusable))
            continue
        if check is None:
            hint = _closest(str(name), ANNOTATION_FIELDS) or "; fields are " + ", ".join(
                ANNOTATION_FIELDS
            )
            line = doc.line(*path, name)
            problems.append(
                Problem(display, line, f"unknown field {name!r}{hint}", Severity.WARNING)
            )
            continue
        if value is None:
            continue
        field = _Field(name, (*path, name), key, doc, display, known, problems)
        result = check(field, value)
        if name == "topics":
            values["topics_add"], values["topics_remove"] = result
        elif result is not None:
            values[name] = result
    return Annotation(key=key, ref=ref, **values)
