"""A CSL style whose style-only answers citeproc-py looks up once, not once a reference,
and a citation item whose reference is looked up once.

citeproc-py (0.11.1) asks the style the same questions for every reference it formats,
and each answer walks the style's XML again: ``calls_variable`` (does this ``cs:group``
child show a variable? ``Parent.calls_variable`` asks every child, ``Text.calls_variable``
follows a ``macro=`` through ``get_macro``), ``get_macro`` (an XPath
``cs:macro[@name='...'][1]`` evaluated from the root each call), ``get_term`` (an XPath
over each locale's terms, in order), ``xpath_search`` (``get_layout``'s
``ancestor-or-self::cs:layout[1]``, ``Names.substitute``'s ``cs:substitute[1]``, the
``cs:bibliography`` whose options a ``cs:name`` inherits, ...) and ``If.render``, which
reads and splits a ``cs:if``'s attributes again each time (APA evaluates ~120 of them a
reference). Their answers depend on the style's XML and its locales alone, never on the
reference. Answered once per style, with APA a reference took about two thirds less CPU
(sample site: ~12 -> ~4 ms) and a third less with IEEE (~0.9 -> ~0.6 ms); the XPaths and
conditions kept too, and the item below, take it to ~1.6 ms with APA and ~0.45 ms with
IEEE (benchmarks/RESULTS.md), byte for byte the same text.

``KnownCitationItem``: citeproc's ``CitationItem.reference`` is
``self.citation.bibliography.source[self.key]``, three look-ups through
``CustomDict.__getattr__`` and ``__getitem__``, and APA reads it ~420 times a reference;
the item keeps it (``functools.cached_property``) once first read, after registration.

How: the style is parsed by a parser of our own whose lxml element-class lookup
(lxml's documented way to choose a node's Python class) gives each CSL element a
subclass of citeproc's class for its tag that adds the memo. citeproc's module is not
changed: its own lookup, built from ``CitationStylesElement.__subclasses__()`` for every
style it parses, never sees these classes (they subclass its subclasses, and unknown tags
map to ``CitationStylesElement`` itself), so a plain ``CitationStylesStyle`` elsewhere in
the process works as before. The style-wide answers are kept on the style's root element,
where citeproc keeps its own per-style state (``formatter``, ``locales``); an element's
own (its XPaths, its condition) in its ``__dict__``. The root holds every element of the
style, so their lxml proxies, and what they keep, live as long as the style.

What this depends on in citeproc (check on an upgrade; tests/test_csl_memo.py compares
the output with citeproc's own for several styles and every kind of condition): the
element classes are the direct subclasses of ``citeproc.model.CitationStylesElement``
named after their tag (``Else_If`` for ``else-if``), as
``citeproc.frontend.CitationStylesXML`` maps them; ``get_macro(name)``,
``calls_variable()``, ``get_term(name, form, fallback_locale, zero_padded)`` and
``xpath_search(expression)`` are methods of those elements whose answers depend only on
the style. The tree changes during rendering only by a ``Name()`` (no namespace, so no
``cs:`` XPath finds it) added under a ``cs:names`` lacking a ``cs:name``, and by
``Date_Part.process`` copying into a ``cs:date-part`` the attributes of the one of the
same name it overrides, which no kept answer reads. ``Style.set_locale_list`` sets
``locales`` once. ``If.render`` is ``Else_If``'s too, and tests ``type``, ``variable``
(``locator`` on the item), then ``_is_numeric``, ``_is_uncertain_date``, ``_locator`` and
``_position``, joined by ``match`` (any, none, else all), and raises ``ConditionFailed``
or renders its children with ``render_children``. ``CitationItem.reference`` is a
property; citeproc reads it only while rendering, after ``register``.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from citeproc import CitationItem, CitationStylesStyle, model
from lxml import etree

from sitegen.csl_substitute import SubstituteRepresses, TextRecords

CSL_NAMESPACE = "http://purl.org/net/xbiblio/csl"
_ANSWERS = "_sitegen_answers"
_PATHS = "_sitegen_paths"
_CONDITION = "_sitegen_condition"


class _StyleAnswers:
    """The style-only answers of one parsed style, kept on its root element."""

    def __init__(self, root: Any) -> None:
        self.elements = list(root.iter())
        """Every element of the style: their proxies, and the memos they keep in their
        ``__dict__``, live as long as the style."""
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


class _PathMemo:
    """``xpath_search`` answered once per element and expression."""

    def xpath_search(self: Any, expression: str) -> Any:
        known = self.__dict__.setdefault(_PATHS, {})
        found = known.get(expression)
        if found is None:
            found = known[expression] = super().xpath_search(expression)  # type: ignore[misc]
        return found


class _Condition:
    """What ``If.render`` reads from a ``cs:if``'s or ``cs:else-if``'s attributes."""

    def __init__(self, element: Any) -> None:
        attributes = element.attrib
        self.types = [kind.lower() for kind in attributes.get("type", "").split()]
        self.variables = [name.replace("-", "_") for name in attributes.get("variable", "").split()]
        tests = ("is-numeric", "is-uncertain-date", "locator")
        self.tests = [
            getattr(type(element), "_" + test.replace("-", "_"))
            for test in tests
            if test in attributes
        ]
        self.position = "position" in attributes
        self.match = {"any": any, "none": _none}.get(attributes.get("match"), all)

    def holds(self, element: Any, item: Any, context: Any) -> bool:
        """``If.render``'s test, in its order (``match`` over the attributes' results)."""
        results: list[Any] = []
        if self.types:
            kind = item.reference.type
            results += [name == kind for name in self.types]
        for name in self.variables:
            results.append("locator" in item if name == "locator" else name in item.reference)
        for test in self.tests:
            results += test(element, item)
        if self.position:
            results += element._position(item, context)
        return bool(self.match(results))


def _none(results: list[Any]) -> bool:
    return not any(results)


class _ConditionMemo:
    """``If.render`` with the element's attributes read once."""

    def render(
        self: Any, item: Any, context: Any = None, delimiter: str = "", **kwargs: Any
    ) -> Any:
        condition = self.__dict__.get(_CONDITION)
        if condition is None:
            condition = self.__dict__[_CONDITION] = _Condition(self)
        if not condition.holds(self, item, context):
            raise model.ConditionFailed
        return self.render_children(item, context=context, delimiter=delimiter, **kwargs)


def _memo_class(base: type) -> type:
    """A subclass of citeproc's class ``base`` with the memos that apply to it."""
    mixins: list[type] = [_MacroMemo, _PathMemo]
    if issubclass(base, model.If):
        mixins.append(_ConditionMemo)
    if hasattr(base, "calls_variable"):
        mixins.append(_CallsMemo)
    if base.get_term is model.CitationStylesElement.get_term:  # type: ignore[attr-defined]
        mixins.append(_TermMemo)  # not Locale's own get_term
    if base is model.Substitute:  # not a memo: what citeproc-py leaves out of CSL
        mixins.append(SubstituteRepresses)
    if base is model.Text:
        mixins.append(TextRecords)
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


class KnownCitationItem(CitationItem):  # type: ignore[misc]
    """citeproc's ``CitationItem`` whose ``reference`` is looked up once."""

    reference = functools.cached_property(CitationItem.reference.fget)
