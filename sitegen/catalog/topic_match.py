"""Assign papers to topics by their keywords and patterns, with a time budget per pattern.

All keywords of all topics compile into one regular expression shaped as a
character trie, so a paper's text is scanned once whatever the number of topics,
and matching 100,000 papers stays a matter of seconds.

Matches are leftmost-longest and do not overlap: in "reinforcement learning from
human feedback" the whole phrase is one mention, so a topic listing the phrase
gets it and a topic listing only "reinforcement learning" does not. The title
says what a paper is about, so one mention there assigns a topic; an abstract
mentions many things in passing, so it takes ``ABSTRACT_HITS`` mentions.

A topic's own ``patterns`` are the user's regular expressions, and one such as
``(a+)+$`` backtracks for ever on the wrong text. They run on the ``regex``
package (the same syntax as ``re``) with a ``timeout``, and with the GIL released
so a server in the same process keeps answering: a pattern that takes longer
than ``PATTERN_SECONDS`` on one paper stops the build with an error naming it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

import regex

from sitegen.model import Problem, Topic

ABSTRACT_HITS = 2
"""Mentions an abstract needs to assign a topic (a title needs one)."""
PATTERN_SECONDS = 0.5
"""Longest a topic pattern may take on one paper's title or abstract."""

_SEPARATOR = r"[\s\-]+"
_WORD_TAIL = r"\w*"
_SPLIT = re.compile(r"[\s\-]+")


class PatternTimeout(Exception):
    """A topic pattern took longer than ``PATTERN_SECONDS`` on one paper."""

    def __init__(self, topic: Topic, pattern: str, key: str) -> None:
        super().__init__(pattern)
        self.topic = topic
        self.pattern = pattern
        self.key = key

    def problem(self) -> Problem:
        """The error, at the topic's line in ``topics.yaml``."""
        ref = self.topic.ref
        return Problem(
            ref.file if ref else "content/topics.yaml",
            ref.line if ref else None,
            f"pattern {self.pattern!r} of topic {self.topic.slug!r} took longer than "
            f"{PATTERN_SECONDS:g} s on paper {self.key!r}: it backtracks (nested repeats such as "
            "`(a+)+` or `(\\w+\\s?)+`); write it without a repeat inside a repeat",
        )


def pattern_problem(pattern: str) -> str | None:
    """Why the ``regex`` package cannot compile a pattern that ``re`` can, if it cannot."""
    try:
        regex.compile(pattern, regex.IGNORECASE)
    except regex.error as exc:
        return f"invalid regular expression {pattern!r}: {exc}"
    return None


class TopicMatcher:
    """Assigns topics to papers by their keywords and patterns; build once, match often."""

    def __init__(self, topics: Sequence[Topic]) -> None:
        self.slugs: tuple[str, ...] = tuple(t.slug for t in topics)
        self._lineage = _lineage(topics)
        owners: dict[str, list[int]] = {}
        for number, topic in enumerate(topics):
            for keyword in topic.keywords:
                numbers = owners.setdefault(_normalise(keyword), [])
                if number not in numbers:
                    numbers.append(number)
        self._keywords: list[tuple[re.Pattern[str], tuple[int, ...]]] = [
            (re.compile("".join(_atoms(k))), tuple(n)) for k, n in owners.items()
        ]
        self._scanner = _trie_regex(owners) if owners else None
        self._topics = tuple(topics)
        self._patterns: list[tuple[int, regex.Pattern[str]]] = [
            (number, regex.compile(p, regex.IGNORECASE))
            for number, topic in enumerate(topics)
            for p in topic.patterns
        ]
        # Matched text -> topics it mentions; distinct matched phrases are few.
        self._owners_of: dict[str, tuple[int, ...]] = {}

    def match(self, title: str, abstract: str, key: str = "") -> tuple[str, ...]:
        """Slugs of the topics a paper belongs to, in topic-file order.

        A paper in a subtopic is also in the subtopic's ancestors, so a topic's
        page lists everything under it. Raises ``PatternTimeout`` when a pattern
        takes longer than ``PATTERN_SECONDS``.
        """
        in_title = self._mentions(title, key)
        in_abstract = self._mentions(abstract, key)
        found: set[int] = set()
        for number in range(len(self.slugs)):
            if in_title[number] >= 1 or in_abstract[number] >= ABSTRACT_HITS:
                found.update(self._lineage[number])
        return tuple(self.slugs[number] for number in sorted(found))

    def _mentions(self, text: str, key: str) -> list[int]:
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
            try:
                found = pattern.finditer(text, concurrent=True, timeout=PATTERN_SECONDS)
                counts[number] += sum(1 for m in found if m.group())
            except TimeoutError as exc:
                raise PatternTimeout(self._topics[number], pattern.pattern, key) from exc
        return counts

    def _identify(self, found: str) -> tuple[int, ...]:
        owners: list[int] = []
        for keyword, numbers in self._keywords:
            if keyword.fullmatch(found):
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
