"""Topics: load and validate ``content/topics.yaml``; apply an annotation's topic changes.

A topic's ``keywords`` are case-insensitive whole-word phrases (``agent*`` also
matches ``agents`` and ``agentic``); its ``patterns`` are regular expressions.
Assigning papers to topics by those rules is ``sitegen.catalog.topic_match``'s.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path
from typing import Any

from sitegen.catalog.topic_match import pattern_problem
from sitegen.model import UNSORTED, Problem, Severity, SourceRef, Topic
from sitegen.yamlfile import YamlDoc, load_yaml, suggest

FIELDS: tuple[str, ...] = ("slug", "name", "description", "keywords", "patterns", "parent")
"""Fields a topic may have, in the order the documentation lists them."""

SLUG_RE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
"""A topic slug: lowercase ASCII words of letters and digits joined by hyphens."""


def load_topics(path: Path, display: str) -> tuple[list[Topic], list[Problem]]:
    """Read and validate a topics file; a missing file means no topics. Never raises."""
    if not path.exists():
        return [], []
    doc, problems = load_yaml(path, display)
    if doc is None or doc.data is None:
        return [], problems
    loader = _TopicLoader(doc, display)
    loader.load()
    problems.extend(loader.problems)
    problems.sort(key=lambda p: (p.line or 0, p.severity != Severity.ERROR))
    return loader.topics, problems


class _TopicLoader:
    """Validates one parsed topics file, collecting every problem."""

    def __init__(self, doc: YamlDoc, display: str) -> None:
        self.doc = doc
        self.display = display
        self.topics: list[Topic] = []
        self.problems: list[Problem] = []
        self.slug_lines: dict[str, int | None] = {}
        self.parent_lines: dict[str, int | None] = {}

    def error(self, path: tuple[Any, ...], message: str) -> None:
        self.problems.append(Problem(self.display, self.doc.line(*path), message))

    def warn(self, path: tuple[Any, ...], message: str) -> None:
        self.problems.append(Problem(self.display, self.doc.line(*path), message, Severity.WARNING))

    def load(self) -> None:
        data = self.doc.data
        base: tuple[Any, ...] = ()
        if isinstance(data, dict):
            for key in data:
                if key != "topics":
                    self.warn(
                        (key,), f"unknown top-level key {key!r}{suggest(str(key), ['topics'])}"
                    )
            if "topics" not in data:
                self.error((), "expected a list of topics, or a mapping with a `topics:` list")
                return
            data, base = data["topics"], ("topics",)
            if data is None:
                return
        if not isinstance(data, list):
            self.error(base, "expected a list of topics, each a mapping with `slug:` and `name:`")
            return
        for index, item in enumerate(data):
            topic = self.topic((*base, index), item)
            if topic is not None:
                self.topics.append(topic)
        self.check_parents()

    def topic(self, path: tuple[Any, ...], item: Any) -> Topic | None:
        if not isinstance(item, dict):
            self.error(path, "expected a topic: a mapping with `slug:`, `name:` and rules")
            return None
        for key in item:
            if key not in FIELDS:
                hint = suggest(str(key), FIELDS) or f"; known fields: {', '.join(FIELDS)}"
                self.warn((*path, key), f"unknown topic field {key!r}{hint}")
        slug = self.slug(path, item.get("slug"))
        name = self.text(path, item, "name")
        description = self.text(path, item, "description")
        keywords = self.keywords(path, item.get("keywords"))
        patterns = self.patterns(path, item.get("patterns"))
        parent = item.get("parent")
        if parent is not None and not isinstance(parent, str):
            self.error((*path, "parent"), "`parent` must be the slug of another topic")
            parent = None
        if slug is None:
            return None
        if parent is not None:
            self.parent_lines[slug] = self.doc.line(*path, "parent")
        return Topic(
            slug=slug,
            name=name or slug.replace("-", " ").capitalize(),
            description=description or "",
            keywords=keywords,
            patterns=patterns,
            parent=parent,
            ref=SourceRef(self.display, self.doc.line(*path) or 1),
        )

    def slug(self, path: tuple[Any, ...], slug: Any) -> str | None:
        if slug is None:
            self.error(path, "topic has no `slug:` (its URL name, e.g. `video-generation`)")
            return None
        where = (*path, "slug")
        if not isinstance(slug, str) or not SLUG_RE.fullmatch(slug):
            self.error(
                where,
                f"bad topic slug {slug!r}: use lowercase ASCII letters, digits and hyphens, "
                "e.g. `video-generation`",
            )
            return None
        if slug == UNSORTED.slug:
            self.error(where, f"topic slug {slug!r} is reserved for papers no topic fits")
            return None
        if slug in self.slug_lines:
            first = self.slug_lines[slug]
            at = f" at line {first}" if first is not None else ""
            self.error(where, f"duplicate topic slug {slug!r}: already defined{at}")
            return None
        self.slug_lines[slug] = self.doc.line(*where)
        return slug

    def text(self, path: tuple[Any, ...], item: dict[Any, Any], key: str) -> str | None:
        value = item.get(key)
        if value is None:
            return None
        if not isinstance(value, str):
            self.error((*path, key), f"`{key}` must be text")
            return None
        return value.strip()

    def strings(self, path: tuple[Any, ...], value: Any, key: str) -> list[tuple[int, str]]:
        if value is None:
            return []
        if not isinstance(value, list):
            self.error((*path, key), f"`{key}` must be a list, one entry a line starting with `- `")
            return []
        found: list[tuple[int, str]] = []
        for index, entry in enumerate(value):
            if not isinstance(entry, str) or not entry.strip():
                self.error((*path, key, index), f"each entry of `{key}` must be non-empty text")
                continue
            found.append((index, entry.strip()))
        return found

    def keywords(self, path: tuple[Any, ...], value: Any) -> tuple[str, ...]:
        keywords: list[str] = []
        for index, keyword in self.strings(path, value, "keywords"):
            stem = keyword[:-1] if keyword.endswith("*") else keyword
            if (
                "*" in stem
                or not re.search(r"\w", stem)
                or (stem != keyword and not stem[-1:].isalnum())
            ):
                self.error(
                    (*path, "keywords", index),
                    f"bad keyword {keyword!r}: `*` may only end a word, as in `agent*`",
                )
                continue
            keywords.append(keyword)
        return tuple(keywords)

    def patterns(self, path: tuple[Any, ...], value: Any) -> tuple[str, ...]:
        patterns: list[str] = []
        for index, pattern in self.strings(path, value, "patterns"):
            where = (*path, "patterns", index)
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("error", FutureWarning)
                    compiled = re.compile(pattern, re.IGNORECASE)
            except re.error as exc:
                self.error(
                    where,
                    f"invalid regular expression {pattern!r}: {exc.msg} at position {exc.pos}",
                )
                continue
            except FutureWarning as exc:  # "[[" and the like: Python will read them differently
                self.error(
                    where,
                    f"ambiguous regular expression {pattern!r}: {exc}; "
                    "inside [...] escape a literal [, -, &, ~ or | with a backslash",
                )
                continue
            unusable = pattern_problem(pattern)
            if unusable is not None:
                self.error(where, unusable)
                continue
            if compiled.search("") is not None:
                self.error(
                    where, f"pattern {pattern!r} matches empty text, so it would match every paper"
                )
                continue
            patterns.append(pattern)
        return tuple(patterns)

    def check_parents(self) -> None:
        slugs = [t.slug for t in self.topics]
        parents = {t.slug: t.parent for t in self.topics if t.parent is not None}
        broken: set[str] = set()
        for slug, parent in parents.items():
            if parent not in self.slug_lines:
                hint = suggest(parent, slugs)
                self.problems.append(
                    Problem(
                        self.display,
                        self.parent_lines[slug],
                        f"unknown parent topic {parent!r}{hint}",
                    )
                )
                broken.add(slug)
        reported: set[str] = set()
        for slug in parents:
            chain = [slug]
            current = parents.get(slug)
            while current is not None and current not in chain and current not in reported:
                chain.append(current)
                current = parents.get(current)
            if current is None or current in reported or current != slug:
                continue
            reported.update(chain)
            broken.update(chain)
            loop = " → ".join([*chain, slug])
            self.problems.append(
                Problem(
                    self.display,
                    self.parent_lines[slug],
                    f"topic parents form a cycle: {loop}; remove one of these `parent:` lines",
                )
            )
        if broken:
            self.topics = [replace(t, parent=None) if t.slug in broken else t for t in self.topics]


def apply_topic_changes(
    assigned: Iterable[str], add: Iterable[str] = (), remove: Iterable[str] = ()
) -> tuple[str, ...]:
    """Rule-assigned topics plus an annotation's additions, minus its removals, in order.

    A paper left with no topic is in Unsorted.
    """
    removed = set(remove) | {UNSORTED.slug}
    result: list[str] = []
    for slug in (*assigned, *add):
        if slug not in removed and slug not in result:
            result.append(slug)
    return tuple(result) if result else (UNSORTED.slug,)
