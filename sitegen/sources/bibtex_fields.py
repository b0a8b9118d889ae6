"""A BibTeX record's fields as a paper's: authors, venue, year, arXiv id and URL.

Titles and abstracts stay raw (the catalogue cleans them); names, venues and
keywords are decoded from LaTeX here, since nothing downstream does.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

from bibtexparser.middlewares.names import InvalidNameError, parse_single_name_into_parts

from sitegen.sources.identifiers import arxiv_id, arxiv_in_text, arxiv_in_volume, year_in

_URL_COMMAND = re.compile(r"^\\url\{(.*)\}$", re.DOTALL)
_URL_TILDE = re.compile(r"\{\\textasciitilde\}|\\textasciitilde(?:\{\})?|\\~(?:\{\})?")
_URL_ESCAPE = re.compile(r"\\([_%#&$])")
_DBLP_HOMONYM = re.compile(r"\s+\d{4}$")
_OTHERS = re.compile(r"[\s{}]*others[\s{}]*", re.IGNORECASE)
"""``and others`` (or ``{Others}``) is BibTeX's "et al.", not a person."""
_SCOPUS_SEPARATOR = re.compile(r"\s+,\s+")
_SCOPUS_AFFILIATION = re.compile(r"(\b[A-Z]\.)[a-z]{1,2}\b")
_AND = re.compile(r"\s(?:and|AND)\s")
_DOUBLE_AND = re.compile(r"\s+and\s+and\s+")
_STRAY_AND = re.compile(r"^\s*and\s+|\s+and\s*$")
"""An ``and`` with no name on one side, as hand-edited and EndNote exports leave."""
_NAME_TOKENS = re.compile(r"\\.|[{}]|\s+and\s+", re.IGNORECASE | re.DOTALL)
"""What splits a name list: ``and`` outside braces, braces, and escapes (``\\{``)."""
_VANCOUVER = re.compile(r"([^\s,;{}]+(?:[ -][^\s,;{}]+)*)\s+([A-Z]{1,3})")
_WIDE_SEPARATORS = re.compile("[\uff0c\u3001\uff1b]")
"""The full-width comma, ideographic comma and full-width semicolon of a CJK name list."""
_JUNIOR = re.compile(r"(?:jr|sr|[ivx]+)\.?", re.IGNORECASE)
_ET_AL = re.compile(r",?\s+et\.?\s*al\.?\s*$")
_TOP_COMMAS = re.compile(r"\\.|[{},]", re.DOTALL)
_EMPHASIS = re.compile(
    r"\\(?:textbf|textit|textsl|textsc|emph|underline|uline|mbox)\s*\{(.*)\}"
    r"|\{\\(?:bf|it|em|sl|sc|bfseries|itshape)\s+(?=\S)(.*)\}",
    re.DOTALL,
)
_BRACES = re.compile(r"(?<!\\)[{}]")
_EXTENDED = re.compile(r"(?:^|,)\s*(?:family|given)\s*=", re.IGNORECASE)
"""biblatex's extended name format (``family=Doorn, given=Jan, prefix=van``), which Better
BibTeX writes for names with particles."""
_EXTENDED_PART = re.compile(r"([A-Za-z-]+)\s*=\s*(.*)", re.DOTALL)


Decoder = Callable[[str], str]
"""LaTeX to plain text for names, venues and keywords: ``clean_plain``, each distinct text
decoded once per file (``functools.cache``). pylatexenc takes about a millisecond a name,
and a bibliography repeats its authors and venues."""


def _balanced(text: str) -> bool:
    """Whether every brace in ``text`` closes one opened before it in ``text``."""
    depth = 0
    for brace in _BRACES.findall(text):
        depth += 1 if brace == "{" else -1
        if depth < 0:  # "A} and {B": the outer braces were not one group
            return False
    return depth == 0


def _unwrapped(raw: str) -> str:
    """A name without the emphasis a CV puts around its owner's (``\\textbf{Curie, M.T.}``,
    ``{\\bf Hu, Hai}``): inside those braces its comma would be no name's comma."""
    match = _EMPHASIS.fullmatch(raw)
    if match is None:
        return raw
    inner = match.group(1) if match.group(1) is not None else match.group(2)
    return inner if _balanced(inner) else raw


def _extended_name(raw: str) -> str | None:
    """A name in biblatex's extended format as ``Given prefix Family, Suffix``; None when
    ``raw`` is not one."""
    if not _EXTENDED.search(raw):
        return None
    parts: dict[str, str] = {}
    for piece in _comma_pieces(raw):
        match = _EXTENDED_PART.fullmatch(piece)
        if match is None:
            return None
        value = match.group(2).strip()
        if value[:1] == "{" and value[-1:] == "}" and _balanced(value[1:-1]):
            value = value[1:-1]  # family={De La Cruz}
        parts[match.group(1).lower()] = value
    name = " ".join(parts[part] for part in ("given", "prefix", "family") if parts.get(part))
    return name + (f", {parts['suffix']}" if parts.get("suffix") else "")


def _person(raw: str, decode: Decoder) -> str | None:
    """One author as ``Given von Family, Jr.``, decoded from LaTeX; None for ``others``."""
    if _OTHERS.fullmatch(raw):
        return None
    raw = _unwrapped(raw)
    name = _extended_name(raw)
    if name is None:
        try:
            parts = parse_single_name_into_parts(raw, strict=False)
            words = [*parts.first, *parts.von, *parts.last]
            name = " ".join(words) + (", " + " ".join(parts.jr) if parts.jr else "")
        except InvalidNameError:
            name = raw
    name = _DBLP_HOMONYM.sub("", decode(name))
    return name or None


def _scopus_names(value: str) -> list[str] | None:
    """Older Scopus exports list authors as ``Aria, M.a , Iorio, C.b`` (affiliation letters
    after the initials, `` , `` between people) instead of joining them with ``and``."""
    if _SCOPUS_SEPARATOR.search(value) is None or _AND.search(value):
        return None
    names = (
        _SCOPUS_AFFILIATION.sub(r"\1", name).strip() for name in _SCOPUS_SEPARATOR.split(value)
    )
    return [name for name in names if name]


def _listed_names(value: str) -> list[str] | None:
    """Names listed without ``and``: ``Smith, J.; Doe, A.`` (semicolons, or a CJK list's
    full-width commas), Vancouver style ``Smith J, Doe AB`` (PubMed), or names a person
    would read between commas where BibTeX would read one garbled name."""
    if _AND.search(value) or _EXTENDED.search(value):
        return None
    if ";" in value:
        return [name.strip() for name in value.split(";") if name.strip()]
    if _WIDE_SEPARATORS.search(value):  # 王琦，杨毅远，江季
        return [name.strip() for name in _WIDE_SEPARATORS.split(value) if name.strip()]
    pieces = _comma_pieces(value)
    if len(pieces) >= 2 and all(_VANCOUVER.fullmatch(piece) for piece in pieces):
        return [_VANCOUVER.sub(r"\1, \2", piece) for piece in pieces]
    if len(pieces) >= 3 and all(" " in piece and not _JUNIOR.fullmatch(piece) for piece in pieces):
        return pieces  # "Qi Wang, Yiyuan Yang, Ji Jiang": a "Given Family" name a piece
    if len(pieces) >= 4 and len(pieces) % 2 == 0:
        # "Kim, J., Lee, S., Park, H.": more commas than one BibTeX name can hold, so
        # "Family, Given" pairs.
        return [f"{family}, {given}" for family, given in zip(pieces[::2], pieces[1::2])]
    return None


def _comma_pieces(value: str) -> list[str]:
    """``value`` split at its commas outside braces, each piece stripped."""
    pieces: list[str] = []
    depth = start = 0
    for match in _TOP_COMMAS.finditer(value):
        token = match.group()
        if token == "{":
            depth += 1
        elif token == "}":
            depth = max(depth - 1, 0)
        elif token == "," and not depth:
            pieces.append(value[start : match.start()].strip())
            start = match.end()
    pieces.append(value[start:].strip())
    return pieces


def split_names(value: str) -> list[str]:
    """A BibTeX name list split at each ``and`` outside braces, as BibTeX splits it.

    bibtexparser's ``split_multiple_persons_names`` starts a name after an ``and`` at
    its first character that is not part of a backslash escape, so
    ``... and \\'{E}ric Tanter`` gave ``{E}ric Tanter`` and ``\\L{}ukasz`` lost its Ł.
    """
    names: list[str] = []
    depth = start = 0
    for match in _NAME_TOKENS.finditer(value):
        token = match.group()
        if token == "{":
            depth += 1
        elif token == "}":
            depth = max(depth - 1, 0)
        elif not depth and not token.startswith("\\"):
            names.append(value[start : match.start()])
            start = match.end()
    names.append(value[start:])
    return [name.strip() for name in names if name.strip()]


def authors(value: str, decode: Decoder) -> tuple[str, ...]:
    """Every author in order; two people of the same short name are both kept."""
    # one space for each run, as BibTeX reads names: the patterns below, which start
    # with a run of spaces, took time in the square of a run's length
    value = " ".join(value.split())
    value = _STRAY_AND.sub("", _DOUBLE_AND.sub(" and ", _ET_AL.sub("", value)))
    try:
        names = _scopus_names(value) or _listed_names(value) or split_names(value)
    except InvalidNameError:
        names = [value]
    found = (_person(name, decode) for name in names)
    return tuple(name for name in found if name)


def text(fields: Mapping[str, str], decode: Decoder, *names: str) -> str | None:
    """The first non-empty field among ``names``, decoded to plain text."""
    for name in names:
        value = fields.get(name, "")
        if value.strip():
            return decode(value) or None
    return None


def arxiv(fields: Mapping[str, str]) -> str | None:
    """The arXiv id from ``eprint``, ``arxiv``, a URL, a DOI, a note or DBLP's volume."""
    prefix = (fields.get("archiveprefix") or fields.get("eprinttype") or "").strip().casefold()
    eprint = fields.get("eprint", "")
    if eprint and prefix in ("arxiv", ""):
        found = arxiv_id(eprint)
        if found:
            return found
    for name in ("arxiv", "arxivid"):
        found = arxiv_id(fields.get(name, ""))
        if found:
            return found
    # Zotero writes a preprint's id as number = {arXiv:2406.01234} too.
    # al-folio's CV pages link a paper by "pdf" and "html" fields.
    for name in (
        "url",
        "doi",
        "journal",
        "note",
        "howpublished",
        "eprint",
        "number",
        "pdf",
        "html",
    ):
        found = arxiv_in_text(fields.get(name, ""))
        if found:
            return found
    return arxiv_in_volume(fields.get("volume", ""))


_AAS_JOURNALS = {
    "aj": "Astronomical Journal",
    "araa": "Annual Review of Astronomy and Astrophysics",
    "apj": "Astrophysical Journal",
    "apjl": "Astrophysical Journal Letters",
    "apjs": "Astrophysical Journal Supplement",
    "ao": "Applied Optics",
    "apss": "Astrophysics and Space Science",
    "aap": "Astronomy and Astrophysics",
    "aapr": "Astronomy and Astrophysics Reviews",
    "aaps": "Astronomy and Astrophysics Supplement",
    "baas": "Bulletin of the American Astronomical Society",
    "icarus": "Icarus",
    "jcap": "Journal of Cosmology and Astroparticle Physics",
    "mnras": "Monthly Notices of the Royal Astronomical Society",
    "na": "New Astronomy",
    "nar": "New Astronomy Reviews",
    "nat": "Nature",
    "pra": "Physical Review A",
    "prb": "Physical Review B",
    "prc": "Physical Review C",
    "prd": "Physical Review D",
    "pre": "Physical Review E",
    "prl": "Physical Review Letters",
    "pasa": "Publications of the Astronomical Society of Australia",
    "pasp": "Publications of the Astronomical Society of the Pacific",
    "pasj": "Publications of the Astronomical Society of Japan",
    "physrep": "Physics Reports",
    "procspie": "Proceedings of the SPIE",
    "solphys": "Solar Physics",
    "ssr": "Space Science Reviews",
    "grl": "Geophysical Research Letters",
    "jgr": "Journal of Geophysical Research",
}
"""NASA ADS exports name journals by the AAS macros (``journal = {\\apj}``) that
``aas_macros.sty`` defines; no LaTeX library knows them, so their names are listed here."""
_MACRO_ONLY = re.compile(r"\\([A-Za-z]+)\s*")


def venue(fields: Mapping[str, str], decode: Decoder) -> str | None:
    """Journal, else book title, else arXiv for preprints, else publisher or institution."""
    macro = _MACRO_ONLY.fullmatch(fields.get("journal", "").strip())
    if macro and macro.group(1) in _AAS_JOURNALS:
        return _AAS_JOURNALS[macro.group(1)]
    journal = text(fields, decode, "journal", "journaltitle")
    if journal and arxiv_in_text(journal):
        # Google Scholar's "arXiv preprint arXiv:2406.01234" names the archive, not a journal.
        return "arXiv"
    found = journal or text(fields, decode, "booktitle")
    if found:
        return found
    prefix = (fields.get("archiveprefix") or fields.get("eprinttype") or "").strip().casefold()
    if prefix == "arxiv":
        return "arXiv"
    return text(fields, decode, "publisher", "institution", "school")


def _address(value: str) -> str:
    """A URL as LaTeX would print it: without protective braces or ``\\url{}``, and with
    ``\\_``, ``\\%``, ``\\#``, ``\\&`` and ``{\\textasciitilde}`` as the characters they
    escape (hand-kept files escape them so that LaTeX without the url package accepts them)."""
    value = value.strip()
    while True:
        match = _URL_COMMAND.match(value)
        if match is not None:
            value = match.group(1).strip()
        elif value[:1] == "{" and value[-1:] == "}" and _balanced(value[1:-1]):
            value = value[1:-1].strip()
        else:
            break
    if "\\" in value:
        value = _URL_TILDE.sub("~", value)
        value = _URL_ESCAPE.sub(r"\1", value)
    return value


def url(fields: Mapping[str, str]) -> str | None:
    """The ``url`` (or ``howpublished = {\\url{...}}``, or al-folio's ``html``) when it is a
    web address."""
    for name in ("url", "howpublished", "html"):
        value = _address(fields.get(name, ""))
        if value.startswith(("http://", "https://")):
            return value
    return None


def year(fields: Mapping[str, str]) -> int | None:
    """The year from ``year``, else biblatex's ``date``."""
    for name in ("year", "date", "issued"):
        found = year_in(fields.get(name, ""))
        if found:
            return found
    return None
