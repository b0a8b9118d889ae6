"""``{% cache paper %}…{% endcache %}``: a template fragment made once per paper object.

A topic page lists thousands of papers, and after an edit ``sitegen serve`` renders
the edited paper's topic pages again, though every other row is as before. A block
in ``{% cache value, … %}`` is kept under its template, its line and the identity of
the values named (a list or tuple stands for its items, so a batch of rows can be
kept as one); while those are the very same objects, the kept text is used.
That is sound because:

- the catalogue hands back the same (immutable) ``Paper`` objects for papers an
  edit did not touch, and a changed paper is a new object;
- the renderer, and so this cache, is made anew whenever a template, the
  settings or a topic name changes (``sitegen.build``);
- a cached block must show only the values it names and site-wide values
  (``site``, ``topic_names``, filters): docs/templates.md says so to theme authors.

Only a long-lived renderer keeps fragments (``sitegen serve``); one-off builds and
render workers leave the cache off, so it costs them neither time nor memory.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Sequence
from typing import Any

from jinja2 import nodes
from jinja2.ext import Extension
from jinja2.parser import Parser
from markupsafe import Markup

_Key = tuple[str, int, tuple[int, ...]]


class Fragments:
    """Kept fragments: those used in the current build and in the one before."""

    def __init__(self) -> None:
        self.enabled = False
        self._current: dict[_Key, tuple[Sequence[object], str]] = {}
        self._previous: dict[_Key, tuple[Sequence[object], str]] = {}

    def new_build(self) -> None:
        """Start a build: fragments the last build did not use are let go after this one."""
        self._previous, self._current = self._current, {}

    def text(
        self, template: str, line: int, values: Sequence[object], make: Callable[[], str]
    ) -> str:
        """The block's text for these values: kept, or made now (and kept)."""
        if not self.enabled:
            return make()
        # A list or tuple named in the tag stands for its items (a batch of rows).
        if len(values) == 1 and isinstance(values[0], (list, tuple)):
            values = tuple(values[0])
        else:
            values = tuple(
                item
                for value in values
                for item in (value if isinstance(value, (list, tuple)) else (value,))
            )
        key = (template, line, tuple(map(id, values)))
        held = self._current.get(key) or self._previous.get(key)
        # The values are held with the text, so their identities cannot be reused.
        if held is None or not all(map(operator.is_, held[0], values)):
            held = (values, make())
        self._current[key] = held
        return held[1]


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
