"""A CSL style whose style-only answers citeproc-py looks up once, not once a reference.

citeproc-py (0.11.1) asks the style the same questions for every reference it formats,
and each answer walks the style's XML again: ``calls_variable`` (does this ``cs:group``
child show a variable? ``Parent.calls_variable`` asks every child, ``Text.calls_variable``
follows a ``macro=`` through ``get_macro``), ``get_macro`` (an XPath
``cs:macro[@name='...'][1]`` evaluated from the root each call) and ``get_term`` (an XPath
over each locale's terms, in order). Their answers depend on the style's XML and its
locales alone, never on the reference; yet with APA about 42% of a reference's CPU went
to ``calls_variable`` and 8% to ``get_term``. Answered once per style, a reference takes
about two thirds less CPU with APA or Chicago (sample site: ~12 -> ~4 ms) and a third less
with IEEE (~0.9 -> ~0.6 ms; benchmarks/RESULTS.md), byte for byte the same text. What is
left is mostly citeproc reading the reference's fields; the structural XPaths still
evaluated each time (``get_layout``, ``Names.substitute``) were ~5% of APA's profile, not
worth more code.

How: the style is parsed by a parser of our own whose lxml element-class lookup
(lxml's documented way to choose a node's Python class) gives each CSL element a
subclass of citeproc's class for its tag that adds the memo. citeproc's module is not
changed: its own lookup, built from ``CitationStylesElement.__subclasses__()`` for every
style it parses, never sees these classes (they subclass its subclasses, and unknown tags
map to ``CitationStylesElement`` itself), so a plain ``CitationStylesStyle`` elsewhere in
the process works as before. The answers are kept on the style's root element, where
citeproc keeps its own per-style state (``formatter``, ``locales``); holding an element
as a key keeps its lxml proxy alive, so the same node is always the same key.

What this depends on in citeproc (check on an upgrade; tests/test_csl_memo.py compares
the output with citeproc's own for several styles): the element classes are the direct
subclasses of ``citeproc.model.CitationStylesElement`` named after their tag (``Else_If``
for ``else-if``), as ``citeproc.frontend.CitationStylesXML`` maps them; ``get_macro(name)``,
``calls_variable()`` and ``get_term(name, form, fallback_locale, zero_padded)`` are
methods of those elements whose answers depend only on the style (the tree is changed
during rendering only by a ``cs:name`` added under a ``cs:names``, whose
``calls_variable`` is always true); ``Style.set_locale_list`` sets ``locales`` once.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from citeproc import CitationStylesStyle, model
from lxml import etree

CSL_NAMESPACE = "http://purl.org/net/xbiblio/csl"
_ANSWERS = "_sitegen_answers"
_MISSING = object()


class _StyleAnswers:
    """The style-only answers of one parsed style, kept on its root element."""

    def __init__(self, root: Any) -> None:
        self.macros: dict[str, Any] = {}
        """Macro name → its first ``cs:macro`` (the one citeproc's XPath finds)."""
        for macro in root.iterfind("cs:macro", {"cs": CSL_NAMESPACE}):
            self.macros.setdefault(macro.get("name"), macro)
        self.calls_variable: dict[Any, Any] = {}
        """Element → what its ``calls_variable`` answered."""
        self.locales: Any = root.locales
        """The locales ``terms`` were found in (another list makes them stale)."""
        self.terms: dict[tuple[str, str | None, bool, bool], Any] = {}
        """``get_term``'s arguments → the term it found (or None)."""


def _answers(element: Any) -> tuple[Any, _StyleAnswers | None]:
    """The root of ``element`` and the answers kept on it, if any."""
    root = element.get_root()
    found = root.__dict__.get(_ANSWERS)
    return root, found if isinstance(found, _StyleAnswers) else None


class _MacroMemo:
    """``get_macro`` from the style's table of macros."""

    def get_macro(self: Any, name: str) -> Any:
        _, answers = _answers(self)
        macro = None if answers is None else answers.macros.get(name)
        if macro is None:  # no such macro: citeproc's own lookup says so as it does
            return super().get_macro(name)  # type: ignore[misc]
        return macro


class _CallsMemo:
    """``calls_variable`` answered once per element."""

    def calls_variable(self: Any) -> Any:
        _, answers = _answers(self)
        if answers is None:
            return super().calls_variable()  # type: ignore[misc]
        known = answers.calls_variable
        if self not in known:
            known[self] = super().calls_variable()  # type: ignore[misc]
        return known[self]


class _TermMemo:
    """The style element's ``get_term`` answered once per set of arguments."""

    def get_term(
        self: Any,
        name: str,
        form: str | None = None,
        fallback_locale: bool = True,
        zero_padded: bool = False,
    ) -> Any:
        root, answers = _answers(self)
        if answers is None or answers.locales is not root.locales:
            return super().get_term(name, form, fallback_locale, zero_padded)  # type: ignore[misc]
        key = (name, form, fallback_locale, zero_padded)
        if key not in answers.terms:
            answers.terms[key] = super().get_term(  # type: ignore[misc]
                name, form, fallback_locale, zero_padded
            )
        return answers.terms[key]


def _memo_class(base: type) -> type:
    """A subclass of citeproc's class ``base`` with the memos that apply to it."""
    mixins: list[type] = [_MacroMemo]
    if hasattr(base, "calls_variable"):
        mixins.append(_CallsMemo)
    if base.get_term is model.CitationStylesElement.get_term:  # type: ignore[attr-defined]
        mixins.append(_TermMemo)  # not Locale's own get_term
    return type(base.__name__, (*mixins, base), {"__module__": __name__})


@functools.cache
def _class_lookup() -> etree.ElementNamespaceClassLookup:
    """CSL tag → a memo subclass of the class citeproc gives that tag (made once)."""
    lookup = etree.ElementNamespaceClassLookup()
    namespace = lookup.get_namespace(CSL_NAMESPACE)
    # citeproc's own lookup is made from its base class's direct subclasses: these are
    # read before any memo class exists, and unknown tags get the base class itself.
    citeproc_classes = model.CitationStylesElement.__subclasses__()
    namespace[None] = model.CitationStylesElement
    for base in citeproc_classes:
        namespace[base.__name__.replace("_", "-").lower()] = _memo_class(base)
    return lookup


class MemoStyle(CitationStylesStyle):  # type: ignore[misc]
    """A CSL style file, parsed as citeproc's ``CitationStylesStyle(path, validate=False)``
    parses it, whose elements answer style-only questions once."""

    def __init__(self, path: Path) -> None:
        # As citeproc's CitationStylesXML, with our lookup; no schema validation.
        parser = etree.XMLParser(remove_comments=True, encoding="UTF-8", no_network=True)
        parser.set_element_class_lookup(_class_lookup())
        try:
            self.xml = etree.parse(str(path), parser)
        except OSError:
            raise ValueError(f"'{path}' is not a known style") from None
        self.root = self.xml.getroot()
        self.root.set_locale_list(self.root.get("default-locale", "en-US"), validate=False)
        self.root.__dict__[_ANSWERS] = _StyleAnswers(self.root)
