"""Paper keys and inferred titles.

A key is the paper's URL and the handle annotations use, so it must be stable:
it is derived from the source title only (never from an annotation), and
collisions are numbered in source order.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable

MAX_KEY_LENGTH = 60
"""Longest key, suffix included."""

_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_SENTENCE_END = re.compile(r"(?<=[a-z0-9)\]])[.!?](?=\s+[A-Z(]|$)")
_WORD = re.compile(r"\S+")

# "We introduce Mirage, an audio-to-video foundation model that ..."
# "we propose Contrastive BERT for RL (CoBERL), an agent that ..."
_NAMED_METHOD = re.compile(
    r"\b(?:[Ww]e|[Tt]his (?:paper|work)|[Hh]ere,? we)\s+"
    r"(?:introduce|propose|present|develop|release|call|dub|name)s?\s+"
    r"(?:a\s+(?:new|novel)\s+\w+(?:\s+\w+)?,?\s+(?:called|named|dubbed)\s+)?"
    r"(?P<name>(?:[A-Z][\w\-+.]*[A-Za-z0-9+](?:\s+(?:for|of|to|in|and|[A-Z][\w\-+.]*))*?)"
    r"(?:\s*\((?P<acronym>[A-Z][\w\-+.]*)\))?)"
    r"\s*(?:,|:|\s+--|\s+—)\s*"
    r"(?P<what>(?:a|an|the)\s+[^.;:]+)",
)
_CLAUSE_BREAK = re.compile(r",|;|\s+(?:which|that|where|whose|to|by|with)\s+|\s+--\s+")
_DESCRIPTION_WORDS = 10
_HEAD_WORDS = 10
_DANGLING = frozenset(
    "a an the and or of to for with in on by from as at is are that which its their".split()
)


def slugify(text: str) -> str:
    """Lowercase ASCII slug: accents folded, everything else non-alphanumeric to hyphens."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return _NON_ALNUM.sub("-", ascii_text.lower()).strip("-")


_TAG_SYMBOLS = (("++", "-plus-plus"), ("+", "-plus"), ("#", "-sharp"))


def tag_slug(tag: str) -> str:
    """URL slug of a tag; tags with no ASCII letters (``强化学习``) get a short stable hash."""
    text = tag.strip()
    for symbol, word in _TAG_SYMBOLS:
        text = text.replace(symbol, word)
    slug = slugify(text)
    if slug:
        return slug
    return "tag-" + hashlib.sha256(tag.strip().casefold().encode("utf-8")).hexdigest()[:10]


def cut_slug(slug: str, limit: int) -> str:
    """Cut a slug at a hyphen so it is at most ``limit`` characters."""
    if len(slug) <= limit:
        return slug
    head = slug[: limit + 1]
    cut = head.rfind("-")
    return (head[:cut] if cut > 0 else slug[:limit]).strip("-")


def assign_keys(titles: Iterable[str]) -> list[str]:
    """Unique keys for titles in source order: slug cut to 60 chars, ``-2``, ``-3`` on collision."""
    keys: list[str] = []
    taken: set[str] = set()
    for title in titles:
        base = cut_slug(slugify(title), MAX_KEY_LENGTH) or "paper"
        key = base
        number = 1
        while key in taken:
            number += 1
            suffix = f"-{number}"
            key = cut_slug(base, MAX_KEY_LENGTH - len(suffix)) + suffix
        taken.add(key)
        keys.append(key)
    return keys


def _words(text: str, limit: int) -> tuple[str, bool]:
    """The first ``limit`` words, without dangling function words at the cut."""
    words = _WORD.findall(text)
    head = words[:limit]
    cut = len(words) > limit
    while cut and len(head) > 1 and head[-1].lower().strip(",;:") in _DANGLING:
        head.pop()
    return " ".join(head), cut


def _describe(what: str) -> str:
    """The appositive after a method name, cut at its first clause break if long enough."""
    what = what.strip()
    for match in _CLAUSE_BREAK.finditer(what):
        head = what[: match.start()].strip()
        if len(head.split()) >= 3:
            what = head
            break
    phrase, _ = _words(what, _DESCRIPTION_WORDS)
    return phrase.rstrip(",;: ")


def first_sentence(text: str) -> str:
    """The abstract's first sentence (or all of it when no sentence end is found)."""
    match = _SENTENCE_END.search(text)
    return text[: match.start()].strip() if match else text.strip()


def infer_title(abstract: str) -> str:
    """A title for an untitled abstract: ``Name: what it is`` when named, else a short head."""
    text = " ".join(abstract.split())
    match = _NAMED_METHOD.search(text)
    if match:
        name = match["name"].strip()
        description = _describe(match["what"])
        if description:
            return f"{name}: {description}"
    head, cut = _words(first_sentence(text), _HEAD_WORDS)
    head = head.rstrip(",;: ")
    if not head:
        return "Untitled paper"
    return head + "…" if cut else head
