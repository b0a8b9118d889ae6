"""Turn the LaTeX remnants in titles and abstracts into text a person would read.

Seed text is mostly plain prose with stray LaTeX: accents (``T\\"ULU``), escapes
(``10\\%``), ties (``w.r.t.~the``), lost braces and backslashes (``{varphi}``) and
now and then real math. pylatexenc renders the prose and latex2mathml the math;
the work here is deciding which parts of the text are LaTeX at all, since most
``%``, ``&`` and ``~`` characters in abstracts are meant literally.
"""

from __future__ import annotations

import functools
import html
import re
import unicodedata
from collections.abc import Iterator
from types import MappingProxyType
from typing import TYPE_CHECKING, Any
from xml.etree import ElementTree

from sitegen.model import RichText

if TYPE_CHECKING:
    from pylatexenc.latex2text import LatexNodes2Text

# pylatexenc and latex2mathml are imported, and pylatexenc's contexts made, when LaTeX is
# first met: most builds take cleaned seeds from the stage cache and never do (~45 ms).

MATHML_NS = "http://www.w3.org/1998/Math/MathML"
_MATHML_TAG_NAMES = (
    "math mrow mi mn mo ms mtext mspace msup msub msubsup mfrac msqrt mroot mstyle mover "
    "munder munderover mtable mtr mtd mlabeledtr mpadded mphantom menclose merror "
    "mmultiscripts mprescripts none semantics annotation mfenced maligngroup malignmark"
)
MATHML_TAGS = frozenset(_MATHML_TAG_NAMES.split())
"""Elements latex2mathml may emit that carry no script, links or styles."""

_LATEX_HINT = re.compile(r"[\\{}$~^]")
# Code points HTML forbids (controls other than whitespace, noncharacters): scraped seeds
# and YAML escapes ("\e") can hold them, and one makes a whole page invalid.
_FORBIDDEN = re.compile(
    "[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f\ufdd0-\ufdef"
    + "".join(f"{chr(plane << 16 | 0xFFFE)}{chr(plane << 16 | 0xFFFF)}" for plane in range(17))
    + "]"
)
MAX_LATEX_CHARS = 100_000
"""Longer text (a whole paper pasted as an abstract) is shown as it is: LaTeX parsing
takes about 10 µs a character, so megabytes of it would stall the build for minutes."""
_TEX_QUOTES = re.compile(r"``([^`]{1,300}?)''")
"""A quotation in TeX's quotes; bounded, so a text of thousands of unpaired `` stays fast."""
_SPACES = re.compile(r"[^\S\xa0]+")  # every whitespace run except the non-breaking spaces we made
_HREF_ECHO = re.compile(r"(https?://[^\s{}]+)\{\1\}")
_SEGMENT = re.compile(
    r"(?<!\\)\$\$(?P<display>.+?)(?<!\\)\$\$"
    r"|\\\[(?P<display2>.+?)\\\]"
    r"|\\\((?P<inline2>.+?)\\\)"
    # A short spaceless span not starting with a digit is math even with a digit after:
    # "$\pm$0.1", "$-$50" (a price never looks like that).
    r"|(?<!\\)\$(?P<tight>[^\s$\d](?:[^\s$]{0,30}[^\s$\\])?)\$(?=\d)"
    # Pandoc's rule: no space inside the dollars and no digit after, so "$5 and $10" is prose.
    r"|(?<!\\)\$(?P<inline>[^\s$](?:[^$]*?[^\s$\\])?)\$(?!\d)"
    # BibTeX titles space their math ("$ 2^{nd} $"): spaced dollars around a script or a
    # command are math all the same.
    r"|(?<!\\)\$(?P<spaced>\s[^$]{0,200}?[\\^_][^$]{0,200}?\s)\$"
    r"|\\href\{(?P<href>https?://[^\s{}]+)\}\{(?P<label>[^{}]*)\}"
    r"|\\url\{(?P<url>https?://[^\s{}]+)\}"
    r"|(?P<bare>https?://[^\s{}\\$]+)"
    # Math whose dollars a scraper dropped: "From r to Q^*" (a letter with a superscript).
    r"|(?<![\w\\^])(?P<loose>[A-Za-z]\^(?:\*|\{[^{}\s]{1,8}\}|[0-9]))(?![\w^])",
    re.DOTALL,
)
_NUMBER = re.compile(r"\s*[-+]?\d+(?:[.,]\d+)*\s*(?:\\?%)?\s*")
# A backslash pair is consumed whole so escaped characters are left as they are.
_LITERAL = re.compile(r"\\.|(?:^|(?<=[\s(\[]))~|[%&$#]", re.DOTALL)
_BRACED_WORD = re.compile(r"(?<![\w\\])\{([A-Za-z]{2,})\}")
_SAFE_ESCAPE = re.compile(r"\\([%&$#_{}])")
_GLUED_TILDE = re.compile(r"(?<=[^\s(\[])~")
_WORDS = re.compile(r"(\s+)")
_PROSE_LATEX = re.compile(r"[\\{}~]")
_CONTROL_WORD_END = re.compile(r"(?<!\\)\\[A-Za-z]+$")
"""A word ending in a control word (``Berlin\\slash``), which eats the space after it."""
_OPEN = re.compile(r"(?<!\\)\{")
_CLOSE = re.compile(r"(?<!\\)\}")
_SAFE_ATTRIBUTE = re.compile(r"(?!on)[a-z]+")
_ATTRIBUTES_DENIED = frozenset({"href", "src", "style", "actiontype"})
# Layout commands and old-style font switches ({\em word}, {\sc NAME}) carry no words:
# unlike unknown name macros they are not kept as words.
_FONT_SWITCHES = (
    "em it bf sc tt rm sl sf up md itshape bfseries scshape ttfamily rmfamily sffamily "
    "upshape mdseries slshape normalfont tiny scriptsize footnotesize small normalsize "
    "large Large LARGE huge Huge boldmath unboldmath"
)
_LAYOUT_MACROS = MappingProxyType(
    dict.fromkeys(("par", "newline", "linebreak"), " ")
    | dict.fromkeys(("noindent", "centering", "relax", "xspace", "left", "right"), "")
    | dict.fromkeys(_FONT_SWITCHES.split(), "")
)


_BIBLATEX_MACROS = MappingProxyType(
    {
        # name: (arguments, text); "%(n)s" is the n-th argument, a star or [option] counting.
        "mkbibemph": ("{", "%s"),
        "mkbibitalic": ("{", "%s"),
        "mkbibbold": ("{", "%s"),
        "mkbibacro": ("{", "%s"),
        "mkbibquote": ("{", "\u201c%s\u201d"),
        "mkbibparens": ("{", "(%s)"),
        "mkbibbrackets": ("{", "[%s]"),
        "mkbibsuperscript": ("{", "%s"),
        "mkbibsubscript": ("{", "%s"),
        "enquote": ("*{", "\u201c%(2)s\u201d"),
        "textquote": ("[[{", "\u201c%(3)s\u201d"),
        "foreignlanguage": ("[{{", "%(3)s"),
        "textsubscript": ("{", "%s"),
        "textsuperscript": ("{", "%s"),
        "textnormal": ("{", "%s"),
        "NoCaseChange": ("{", "%s"),
        "nocase": ("{", "%s"),
        "vphantom": ("{", ""),
        "phantom": ("{", ""),
        "textless": ("", "<"),
        "textgreater": ("", ">"),
        # Better BibTeX's escapes for characters BibTeX would otherwise read as markup.
        "textbar": ("", "|"),
        "textunderscore": ("", "_"),
        "textbraceleft": ("", "{"),
        "textbraceright": ("", "}"),
        "textquotedbl": ("", '"'),
        "textminus": ("", "\u2212"),
        "ignorespaces": ("", ""),
        # LaTeX's own text symbols that pylatexenc 2 has no text for (it would keep the
        # name as a word: "Berlin\\slash Heidelberg" read "Berlinslash Heidelberg").
        "slash": ("", "/"),
        "S": ("", "\u00a7"),
        "P": ("", "\u00b6"),
        "copyright": ("", "\u00a9"),
        "pounds": ("", "\u00a3"),
        "ddag": ("", "\u2021"),
    }
)
"""BibLaTeX's and Better BibTeX's markup in titles, and LaTeX symbols pylatexenc lacks, as
pylatexenc macro definitions."""


@functools.cache
def _walker_context() -> Any:
    """Parser context: pylatexenc's, without ligatures, with ``\\href`` taking two args and
    BibLaTeX's macros taking theirs."""
    from pylatexenc import latexwalker
    from pylatexenc.macrospec import MacroSpec, SpecialsSpec

    # Ligatures (--, ``, '') would make text render differently depending on whether some
    # other LaTeX happened to be in it; only the tie is kept.
    base = latexwalker.get_default_latex_context_db()
    context = base.filter_context(exclude_categories=["nonascii-specials"])
    biblatex = [MacroSpec(name, args) for name, (args, _) in _BIBLATEX_MACROS.items()]
    context.add_context_category(
        "sitegen",
        macros=[MacroSpec("href", "{{"), *biblatex],
        specials=[SpecialsSpec("~")],
        prepend=True,
    )
    return context


def _unknown_macro(n: Any, l2tobj: Any = None) -> str:
    """Text for a macro pylatexenc has no rendering for."""
    # An unknown letter macro in an abstract is the paper's own name macro (\collabvoyager):
    # dropping it would leave a hole in the sentence, so keep the name as a word.
    name = str(n.macroname)
    if name in _LAYOUT_MACROS:
        return _LAYOUT_MACROS[name]
    arguments = [a for a in getattr(getattr(n, "nodeargd", None), "argnlist", None) or () if a]
    if arguments and l2tobj is not None:
        # A formatting macro the parser knows but has no text for (\texttt{BERT},
        # \mbox{GaAs}): its words are in its last argument, never to be dropped.
        return str(l2tobj.nodelist_to_text([arguments[-1]]))
    if not name.isalpha() or _walker_context().get_macro_spec(name) is not None:
        return ""
    # A macro applied to a braced argument (\mkbibfoo{Physics}) is markup: keep the
    # argument only. ``\collabvoyager{}`` is the name followed by an empty group.
    source = getattr(n.parsing_state, "s", "")
    after = source[n.pos + n.len : n.pos + n.len + 2]
    if not n.macro_post_space and after.startswith("{") and after != "{}":
        return ""
    return name + str(n.macro_post_space)


@functools.cache
def _text_converter() -> LatexNodes2Text:
    """A LatexNodes2Text that keeps no state between calls, so one instance serves all."""
    from pylatexenc.latex2text import LatexNodes2Text, MacroTextSpec, get_default_latex_context_db

    context = get_default_latex_context_db()
    # The default \title, \author and \date store their text on the converter for
    # \maketitle; rendering them in place keeps the shared instance stateless.
    stateless = [MacroTextSpec(name, simplify_repl="%s") for name in ("title", "author", "date")]
    context.add_context_category(
        "sitegen",
        macros=[
            *stateless,
            MacroTextSpec("maketitle", ""),
            MacroTextSpec("url", "%s"),
            *(MacroTextSpec(name, text) for name, (_, text) in _BIBLATEX_MACROS.items()),
        ],
        prepend=True,
    )
    context.set_unknown_macro_spec(MacroTextSpec("", simplify_repl=_unknown_macro))
    return LatexNodes2Text(latex_context=context, math_mode="text")


def _greek(match: re.Match[str]) -> str:
    """``{varphi}`` -> ``φ`` when the word is a Greek-letter macro that lost its backslash."""
    spec = _text_converter().latex_context.get_macro_spec(match[1])
    letter = getattr(spec, "simplify_repl", None)
    if not isinstance(letter, str) or len(letter) != 1:
        return match[0]
    return letter if unicodedata.name(letter, "").startswith("GREEK") else match[0]


def _escape_literal(match: re.Match[str]) -> str:
    """Escape a character meant literally so pylatexenc prints it instead of parsing it."""
    found = match[0]
    if found.startswith("\\"):
        return found
    if found == "~":
        # A tilde after a space means "approximately" (by ~3%), not a tie.
        return r"\textasciitilde{}"
    return "\\" + found


def _safe_text(raw: str) -> str:
    """The few replacements that are right whatever pylatexenc would have made of the text."""
    text = _CLOSE.sub("", _OPEN.sub("", raw))  # grouping braces hold no words
    return _GLUED_TILDE.sub("\xa0", _SAFE_ESCAPE.sub(r"\1", text))


def _convert(raw: str) -> str:
    """LaTeX to plain text with pylatexenc; never raises."""
    prepared = _LITERAL.sub(_escape_literal, _BRACED_WORD.sub(_greek, raw))
    try:
        converter, context = _text_converter(), _walker_context()
        return str(converter.latex_to_text(prepared, latex_context=context))
    except Exception:  # a third-party parser on arbitrary input: fall back, never fail a build
        return _safe_text(raw)


def _latex_text(raw: str) -> str:
    """Prose with LaTeX remnants as plain text; only the words holding LaTeX are parsed."""
    if not _PROSE_LATEX.search(raw):
        return raw
    # pylatexenc takes milliseconds on a whole abstract; a remnant is a word or a braced group.
    out: list[str] = []
    chunk: list[str] = []
    depth = 0
    glued = False  # the chunk ends in a control word: the space after it is LaTeX's to read
    for token in _WORDS.split(raw):
        if depth == 0 and not glued and not _PROSE_LATEX.search(token):
            if chunk:
                out.append(_convert("".join(chunk)))
                chunk = []
            out.append(token)
            continue
        chunk.append(token)
        depth = max(0, depth + len(_OPEN.findall(token)) - len(_CLOSE.findall(token)))
        if token and not token.isspace():
            glued = _CONTROL_WORD_END.search(token) is not None
    if chunk:
        out.append(_convert("".join(chunk)))
    return "".join(out)


def _is_safe_mathml(markup: str) -> bool:
    """Whether latex2mathml's output is only MathML (it copies ``\\text{...}`` unescaped)."""
    if "<!" in markup or "<?" in markup:
        return False
    try:
        root = ElementTree.fromstring(markup)
    except (ElementTree.ParseError, ValueError):  # ValueError: lone surrogates
        return False
    for element in root.iter():
        namespace, _, tag = element.tag.rpartition("}")
        if namespace != "{" + MATHML_NS or tag not in MATHML_TAGS:
            return False
        for name in element.attrib:
            if not _SAFE_ATTRIBUTE.fullmatch(name) or name in _ATTRIBUTES_DENIED:
                return False
    return True


def _math(source: str, content: str, display: bool) -> tuple[str, str]:
    """Plain and HTML renderings of one math span."""
    if _NUMBER.fullmatch(content):
        # "$51$" is a number someone typeset, not math worth MathML.
        number = _convert(content).strip()
        return number, html.escape(number)
    # A starred superscript reads as Q*, the way authors write it in prose.
    plain = _convert(r"\(" + content + r"\)").replace("^*", "*")
    from latex2mathml.converter import convert as latex_to_mathml

    try:
        markup = latex_to_mathml(content, display="block" if display else "inline")
    except Exception:  # latex2mathml rejects much real-world LaTeX; show the source instead
        return plain, html.escape(source)
    if not _is_safe_mathml(markup):
        return plain, html.escape(source)
    return plain, markup


def _prose(raw: str) -> tuple[str, str]:
    """Plain and HTML renderings of text outside math."""
    text = _latex_text(raw)
    return text, html.escape(text)


def _parts(raw: str) -> Iterator[tuple[str, str]]:
    """(plain, html) pieces of the text: prose, math and URLs, in order."""
    # "url{url}" is what a scraper leaves of \href{url}{url}: show the address once.
    raw = _HREF_ECHO.sub(r"\1", raw)
    position = 0
    for match in _SEGMENT.finditer(raw):
        if match.start() > position:
            yield _prose(raw[position : match.start()])
        position = match.end()
        groups = match.groupdict()
        math = (
            groups["display"]
            or groups["display2"]
            or groups["inline2"]
            or groups["inline"]
            or groups["spaced"]
            or groups["tight"]
            or groups["loose"]
        )
        if math is not None:
            yield _math(match[0], math, display=match.lastgroup in ("display", "display2"))
        elif groups["href"] is not None:
            address = groups["href"]
            label = _latex_text(groups["label"]).strip()
            text = address if label in ("", address) else f"{label} ({address})"
            yield text, html.escape(text)
        else:
            # URLs are kept verbatim: their ~, % and _ are not LaTeX.
            address = groups["url"] or groups["bare"]
            yield address, html.escape(address)
    if position < len(raw):
        yield _prose(raw[position:])


def _squash(text: str) -> str:
    """Collapse whitespace runs to one space and strip the ends."""
    if "\xa0" not in text:  # what ``_SPACES`` matches is then what ``split`` splits on
        return " ".join(text.split())
    return _SPACES.sub(" ", text).strip()


def drop_forbidden(text: str) -> str:
    """``text`` without code points HTML forbids; the ones that are whitespace become spaces."""
    if text.isprintable() or not _FORBIDDEN.search(text):
        return text
    return _FORBIDDEN.sub(lambda match: " " if match[0].isspace() else "", text)


def clean_text(raw: str) -> RichText:
    """Render a raw title or abstract as plain text and as safe HTML with MathML."""
    raw = drop_forbidden(raw)
    if "``" in raw and len(raw) <= MAX_LATEX_CHARS:
        # TeX's quotes, paired the same way whether or not other LaTeX is around them.
        raw = _TEX_QUOTES.sub("\u201c\\1\u201d", raw)
    if len(raw) > MAX_LATEX_CHARS or not _LATEX_HINT.search(raw):
        # Most abstracts hold no LaTeX at all: skip the parsers entirely.
        plain = _squash(raw)
        return RichText(plain=plain, html=html.escape(plain))
    try:
        parts = list(_parts(raw))
    except Exception:  # belt and braces: any input must yield text, never a traceback
        plain = _squash(_safe_text(raw))
        return RichText(plain=plain, html=html.escape(plain))
    plain = _squash("".join(text for text, _ in parts))
    markup = _squash("".join(markup for _, markup in parts))
    return RichText(plain=plain, html=markup)


def clean_plain(raw: str) -> str:
    """Just the plain-text rendering of ``clean_text``."""
    return clean_text(raw).plain
