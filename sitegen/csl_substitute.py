"""A variable a style shows in place of missing authors is not shown again.

CSL: "Substituted variables are considered empty for the remainder of the output."
citeproc-py (0.11.1) represses only a ``cs:text variable="..."`` written directly in
``cs:substitute``; most styles substitute a macro (APA's, Chicago's, MLA's and
Harvard's ``<text macro="title"/>``), so a paper without authors had its title twice:
"*Title*. (n.d.). *Title*." These mixins, given to citeproc's ``cs:substitute`` and
``cs:text`` elements by the class lookup of ``sitegen.csl_memo``, record the text
variables the chosen substitute shows and add them to citeproc's own list of
repressed variables (``Layout.repressed``, emptied for each reference).
"""

from __future__ import annotations

from typing import Any

_SHOWN = "_sitegen_substituted"
"""On the layout element: the text variables shown while a substitute renders."""


class SubstituteRepresses:
    """``cs:substitute``: what its chosen child shows is repressed afterwards."""

    def render(self: Any, item: Any, context: Any = None, **kwargs: Any) -> Any:
        layout = context.get_layout()
        outer = layout.__dict__.get(_SHOWN)
        shown: list[tuple[str, str]] = []
        layout.__dict__[_SHOWN] = shown
        try:
            text = super().render(item, context=context, **kwargs)  # type: ignore[misc]
        finally:
            layout.__dict__[_SHOWN] = outer
        if text:
            for tag, variable in shown:  # citeproc's own list: by tag (with its namespace)
                repressed = layout.repressed.setdefault(tag, [])
                if variable not in repressed:
                    repressed.append(variable)
            if outer is not None:  # a substitute within a substitute
                outer += shown
        return text


class TextRecords:
    """``cs:text variable=``: tells a substitute rendering it what it showed."""

    def _variable(self: Any, item: Any, context: Any) -> Any:
        text = super()._variable(item, context)  # type: ignore[misc]
        shown = context.get_layout().__dict__.get(_SHOWN)
        if text and shown is not None:
            shown.append((self.tag, self.get("variable")))
        return text
