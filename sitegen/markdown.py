"""Markdown for notes, descriptions and comments: safe by construction.

Raw HTML is off, so ``<script>`` in a note prints as text; only http, https,
mailto and relative links survive (``javascript:`` and ``data:`` links render
as plain text); footnotes and ``$math$`` (as MathML) are supported.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict
from mdit_py_plugins.dollarmath import dollarmath_plugin
from mdit_py_plugins.footnote import footnote_plugin

SAFE_SCHEMES = frozenset({"http", "https", "mailto", ""})
_SCHEME = re.compile(r"^\s*([a-zA-Z][a-zA-Z0-9+.-]*):")


def is_safe_link(url: str) -> bool:
    """Whether a link may appear in a page: http, https, mailto or relative."""
    cleaned = "".join(ch for ch in url if ch.isprintable() and not ch.isspace())
    match = _SCHEME.match(cleaned)
    if match is None:
        return not cleaned.startswith("//") or urlsplit("https:" + cleaned).netloc != ""
    return match.group(1).lower() in SAFE_SCHEMES


def _math(content: str, display: bool) -> str:
    import latex2mathml.converter  # ~13 ms, for notes with math only

    try:
        return str(
            latex2mathml.converter.convert(content, display="block" if display else "inline")
        )
    except Exception:  # latex2mathml raises many kinds of errors on odd input
        return f"<code>{html.escape(content)}</code>"


def _math_inline(self: RendererHTML, tokens: Sequence[Token], idx: int, *_: Any) -> str:
    return _math(tokens[idx].content, display=False)


def _math_block(self: RendererHTML, tokens: Sequence[Token], idx: int, *_: Any) -> str:
    return f'<div class="math">{_math(tokens[idx].content, display=True)}</div>\n'


def _link_open(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    token = tokens[idx]
    href = str(token.attrs.get("href", ""))
    if urlsplit(href).scheme in ("http", "https"):
        token.attrSet("rel", "noopener noreferrer")
    return self.renderToken(tokens, idx, options, env)


def make_markdown() -> MarkdownIt:
    """A configured Markdown renderer (one per process; rendering is stateless)."""
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": True})
    md.enable(["table", "strikethrough", "replacements", "smartquotes"])
    md.use(footnote_plugin)
    md.use(dollarmath_plugin, allow_space=True, allow_digits=False, double_inline=True)
    md.validateLink = is_safe_link  # type: ignore[method-assign]
    md.add_render_rule("math_inline", _math_inline)
    md.add_render_rule("math_inline_double", _math_block)
    md.add_render_rule("math_block", _math_block)
    md.add_render_rule("math_block_label", _math_block)
    md.add_render_rule("link_open", _link_open)
    return md


def render_markdown(md: MarkdownIt, text: str | None) -> str:
    """Markdown text as safe HTML."""
    if not text:
        return ""
    return str(md.render(text))


def render_inline(md: MarkdownIt, text: str | None) -> str:
    """One line of Markdown as safe HTML, without the wrapping paragraph."""
    if not text:
        return ""
    return str(md.renderInline(text))
