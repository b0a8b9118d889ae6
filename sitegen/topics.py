"""Topics: load ``content/topics.yaml`` and assign papers to topics by rule.

A topic's ``keywords`` are case-insensitive whole-word phrases (``agent*`` also
matches ``agents`` and ``agentic``); its ``patterns`` are regular expressions.
All keywords of all topics compile into one regular expression shaped as a
character trie, so a paper's text is scanned once whatever the number of topics,
and matching 100,000 papers stays a matter of seconds.

Matches are leftmost-longest and do not overlap: in "reinforcement learning from
human feedback" the whole phrase is one mention, so a topic listing the phrase
gets it and a topic listing only "reinforcement learning" does not. The title
says what a paper is about, so one mention there assigns a topic; an abstract
mentions many things in passing, so it takes ``abstract_hits`` mentions.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from sitegen.model import UNSORTED, Problem, Severity, SourceRef, Topic
from sitegen.yamlfile import YamlDoc, load_yaml, suggest

FIELDS: tuple[str, ...] = ("slug", "name", "description", "keywords", "patterns", "parent")
"""Fields a topic may have, in the order the documentation lists them."""

SLUG_RE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
"""A topic slug: lowercase ASCII words of letters and digits joined by hyphens."""

ABSTRACT_HITS = 2
"""Mentions an abstract needs to assign a topic (a title needs one)."""

_SEPARATOR = r"[\s\-]+"
_WORD_TAIL = r"\w*"
_SPLIT = re.compile(r"[\s\-]+")


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


class TopicMatcher:
    """Assigns topics to papers by their keywords and patterns; build once, match often."""

    def __init__(self, topics: Sequence[Topic], abstract_hits: int = ABSTRACT_HITS) -> None:
        self.slugs: tuple[str, ...] = tuple(t.slug for t in topics)
        self.abstract_hits = abstract_hits
        self._lineage = _lineage(topics)
        owners: dict[str, list[int]] = {}
        for number, topic in enumerate(topics):
            for keyword in topic.keywords:
                numbers = owners.setdefault(_normalise(keyword), [])
                if number not in numbers:
                    numbers.append(number)
        self._keywords: list[tuple[re.Pattern[str], tuple[int, ...]]] = [
            (re.compile(_keyword_regex(k)), tuple(n)) for k, n in owners.items()
        ]
        self._scanner = _trie_regex(owners) if owners else None
        self._patterns: list[tuple[int, re.Pattern[str]]] = [
            (number, re.compile(p, re.IGNORECASE))
            for number, topic in enumerate(topics)
            for p in topic.patterns
        ]
        # Matched text -> topics it mentions; distinct matched phrases are few.
        self._owners_of: dict[str, tuple[int, ...]] = {}

    def match(self, title: str, abstract: str) -> tuple[str, ...]:
        """Slugs of the topics a paper belongs to, in topic-file order.

        A paper in a subtopic is also in the subtopic's ancestors, so a topic's
        page lists everything under it.
        """
        in_title = self._mentions(title)
        in_abstract = self._mentions(abstract)
        found: set[int] = set()
        for number in range(len(self.slugs)):
            if in_title[number] >= 1 or in_abstract[number] >= self.abstract_hits:
                found.update(self._lineage[number])
        return tuple(self.slugs[number] for number in sorted(found))

    def _mentions(self, text: str) -> list[int]:
        """How many times each topic is mentioned in a text."""
        counts = [0] * len(self.slugs)
        if not text:
            return counts
        if self._scanner is not None:
            for found in self._scanner.findall(text.lower()):
                owners = self._owners_of.get(found)
                if owners is None:
                    owners = self._identify(found)
                for number in owners:
                    counts[number] += 1
        for number, pattern in self._patterns:
            counts[number] += sum(1 for m in pattern.finditer(text) if m.group())
        return counts

    def _identify(self, found: str) -> tuple[int, ...]:
        owners: list[int] = []
        for regex, numbers in self._keywords:
            if regex.fullmatch(found):
                owners.extend(n for n in numbers if n not in owners)
        result = tuple(sorted(owners))
        if len(self._owners_of) < 100_000:
            self._owners_of[found] = result
        return result


def _lineage(topics: Sequence[Topic]) -> list[tuple[int, ...]]:
    """Each topic's number with its ancestors' numbers (a cycle stops the walk)."""
    number_of = {topic.slug: number for number, topic in enumerate(topics)}
    lineage: list[tuple[int, ...]] = []
    for number, topic in enumerate(topics):
        chain = [number]
        parent = number_of.get(topic.parent) if topic.parent else None
        while parent is not None and parent not in chain:
            chain.append(parent)
            up = topics[parent].parent
            parent = number_of.get(up) if up else None
        lineage.append(tuple(chain))
    return lineage


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


def _normalise(keyword: str) -> str:
    return _SPLIT.sub(" ", keyword.strip().lower())


def _atoms(keyword: str) -> list[str]:
    """A keyword as regex atoms: escaped characters, word separators, a prefix tail."""
    prefix = keyword.endswith("*")
    words = _SPLIT.split(_normalise(keyword.rstrip("*") if prefix else keyword))
    atoms: list[str] = []
    for index, word in enumerate(words):
        if index:
            atoms.append(_SEPARATOR)
        atoms.extend(re.escape(char) for char in word)
    if prefix:
        atoms.append(_WORD_TAIL)
    return atoms


def _keyword_regex(keyword: str) -> str:
    return "".join(_atoms(keyword))


class _Node:
    __slots__ = ("children", "end")

    def __init__(self) -> None:
        self.children: dict[str, _Node] = {}
        self.end = False


def _trie_regex(keywords: Iterable[str]) -> re.Pattern[str]:
    """One regex finding every keyword as a whole word, longest first, for lowercased text."""
    root = _Node()
    for keyword in keywords:
        node = root
        for atom in _atoms(keyword):
            node = node.children.setdefault(atom, _Node())
        node.end = True
    return re.compile(r"(?<!\w)" + _emit(root))


def _emit(node: _Node) -> str:
    # Continuations come before the end of a keyword so the longest keyword wins;
    # plain characters come before separators and prefix tails for the same reason.
    def order(atom: str) -> tuple[int, str]:
        return (atom in (_SEPARATOR, _WORD_TAIL), atom)

    branches = [atom + _emit(node.children[atom]) for atom in sorted(node.children, key=order)]
    if node.end:
        branches.append(r"(?!\w)")
    if len(branches) == 1:
        return branches[0]
    return "(?:" + "|".join(branches) + ")"
