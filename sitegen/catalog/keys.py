"""Paper keys (inferred titles: ``sitegen.catalog.titles``).

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
