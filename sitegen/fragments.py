"""``{% cache paper %}…{% endcache %}``: a template fragment made once per paper content.

A topic page lists thousands of papers, and after an edit ``sitegen serve`` renders
the edited paper's topic pages again, though every other row is as before. A block
in ``{% cache value, … %}`` is kept under its template, its line and the content
digests of the values named (``Paper.digest``; a list or tuple stands for its items,
so a batch of rows can be kept as one; numbers, texts and None stand for themselves).
A block naming any other value is not kept. While the digests are the same, the kept
text is used. That is sound because:

- a paper's digest covers every field of it (``sitegen.incremental``);
- the renderer, and so this cache, is made anew whenever a template, the
  settings or a topic name changes (``sitegen.build``);
- the default theme's cached blocks show only the values they name and site-wide
  values (``site``, ``topic_names``, filters); a site's own templates (which may
  override the theme's) are never cached, so their authors need not know the tag.

A long-lived renderer keeps fragments (``sitegen serve``), and so does a render
worker, for the one build it renders, up to ``Fragments.room`` characters: a paper
page shows five related papers' cards, so at 10,000 papers a card is made once instead
of ~5 times (a third of the worker's template time). A one-off build rendering in its
own process (small sites) leaves the cache off.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from jinja2 import nodes
from jinja2.ext import Extension
from jinja2.parser import Parser
from markupsafe import Markup

_Key = tuple[str, int, tuple[object, ...]]
_PLAIN = (int, str, type(None))


def _digest(value: object) -> object:
    """What stands for a named value in a fragment's key; None when it cannot be known."""
    own = getattr(value, "digest", None)
    if type(own) is str and own:
        return own
    if type(value) in _PLAIN:  # not bool: True == 1 would share a key
        return (type(value).__name__, value)
    return None


class Fragments:
    """Kept fragments: those used in the current build and in the one before."""

    def __init__(self) -> None:
        self.enabled = False
        self.room: int | None = None
        """Characters of fragments still to keep, None for no bound; once none are left,
        blocks not kept are made each time (a render worker's memory stays bounded)."""
        self.uncached: frozenset[str] = frozenset()
        """Templates whose blocks are never kept: the site's own (a theme author need not
        know the tag; only the default theme's templates use it)."""
        self._current: dict[_Key, str] = {}
        self._previous: dict[_Key, str] = {}

    def new_build(self) -> None:
        """Start a build: fragments the last build did not use are let go after this one."""
        self._previous, self._current = self._current, {}

    def text(
        self, template: str, line: int, values: Sequence[object], make: Callable[[], str]
    ) -> str:
        """The block's text for these values: kept, or made now (and kept)."""
        if not self.enabled or template in self.uncached:
            return make()
        # A list or tuple named in the tag stands for its items (a batch of rows).
        items = [
            item
            for value in values
            for item in (value if isinstance(value, (list, tuple)) else (value,))
        ]
        digests = tuple(map(_digest, items))
        if None in digests:
            return make()
        key = (template, line, digests)
        text = self._current.get(key) or self._previous.get(key)
        if text is None:
            text = make()
            if self.room is not None:
                if len(text) > self.room:
                    return text
                self.room -= len(text)
        self._current[key] = text
        return text


class FragmentCache(Extension):
    """The ``cache`` tag; its store is ``environment.fragments``."""

    tags = {"cache"}  # noqa: RUF012 -- the attribute Jinja reads

    def __init__(self, environment: Any) -> None:
        super().__init__(environment)
        environment.extend(fragments=Fragments())

    def parse(self, parser: Parser) -> nodes.Node:
        """``{% cache a, b %}body{% endcache %}``."""
        line = next(parser.stream).lineno
        values = [parser.parse_expression()]
        while parser.stream.skip_if("comma"):
            values.append(parser.parse_expression())
        body = parser.parse_statements(("name:endcache",), drop_needle=True)
        call = self.call_method(
            "_fragment",
            [nodes.Const(parser.name or ""), nodes.Const(line), nodes.List(values)],
        )
        return nodes.CallBlock(call, [], [], body).set_lineno(line)

    def _fragment(
        self, template: str, line: int, values: list[object], caller: Callable[[], str]
    ) -> Markup:
        fragments: Fragments = self.environment.fragments  # type: ignore[attr-defined]
        text = fragments.text(template, line, values, caller)
        # The block's own output is Markup already: wrapping it again copies the text.
        return text if isinstance(text, Markup) else Markup(text)
