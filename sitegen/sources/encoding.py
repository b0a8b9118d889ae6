"""A seed file's text, whatever encoding its exporter wrote it in.

Most exports are UTF-8 (with or without a BOM), but JabRef saves in the encoding its
preferences name and says so on the first line (``% Encoding: ISO-8859-1``), BibDesk
writes ``%% Saved with string encoding Western (Mac OS Roman)``, and EndNote and
Windows tools save UTF-16 with a BOM or Windows-1252. A file that is not UTF-8 is read
in its declared encoding, else line by line, each line that is not UTF-8 as Windows-1252,
with a warning at the first: its papers are kept, a file pasted together from a UTF-8 and
a Latin-1 export keeps both right, and an accent read wrongly is easy to see and fix.
"""

from __future__ import annotations

import codecs
import re
from pathlib import Path

from sitegen.model import Problem, Severity
from sitegen.yamlfile import read_regular

_DECLARED = re.compile(
    rb"^[ \t]*%+[ \t]*(?:Encoding:|Saved with string encoding)[ \t]*([^\r\n]+)",
    re.IGNORECASE | re.MULTILINE,
)
"""JabRef's ``% Encoding: windows-1252`` and BibDesk's ``%% Saved with string encoding ...``."""
_BIBDESK_NAMES = {
    "unicode (utf-8)": "utf-8",
    "western (iso latin 1)": "latin-1",
    "western (windows latin 1)": "cp1252",
    "western (mac os roman)": "mac_roman",
    "central european (iso latin 2)": "iso8859-2",
    "central european (windows latin 2)": "cp1250",
}
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_FALLBACK = "cp1252"
"""Windows-1252 is ISO-8859-1 with printable characters (curly quotes, dashes) where
Latin-1 has control codes: the legacy encoding a non-UTF-8 export is most likely in."""


def _declared(raw: bytes) -> str | None:
    """The Python codec a file's header names, or None (unknown names are ignored)."""
    match = _DECLARED.search(raw[:4096])
    if match is None:
        return None
    name = match.group(1).decode("ascii", "replace").strip().rstrip(";").strip()
    name = _BIBDESK_NAMES.get(name.casefold(), name)
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def _utf16_without_bom(raw: bytes) -> str | None:
    """The codec of UTF-16 text saved without a BOM: ASCII with a NUL after (or before)
    every character."""
    sample = raw[:4096]
    if len(sample) < 4 or len(sample) % 2:
        return None
    if sample[1::2].count(0) == len(sample) // 2 and 0 not in sample[0::2]:
        return "utf-16-le"
    if sample[0::2].count(0) == len(sample) // 2 and 0 not in sample[1::2]:
        return "utf-16-be"
    return None


def decode_seed(raw: bytes, display: str) -> tuple[str | None, list[Problem]]:
    """The text of a seed file's bytes, and a warning when its encoding had to be guessed."""
    utf16 = _utf16_without_bom(raw)
    if utf16 is not None:
        try:
            return _text(raw.decode(utf16), display)
        except UnicodeDecodeError:
            pass
    for bom, codec in _BOMS:
        if raw.startswith(bom):
            try:
                return _text(raw.decode(codec), display)
            except UnicodeDecodeError:
                break
    try:
        return _text(raw.decode("utf-8-sig"), display)
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
    declared = _declared(raw)
    if declared is not None and declared != "utf-8":
        try:
            return _text(raw.decode(declared), display)
        except UnicodeDecodeError:
            pass
    decoded, legacy, mixed = _line_by_line(raw)
    text, problems = _text(decoded, display)
    if text is not None:
        message = (
            f"mixes encodings: read as UTF-8 but for {legacy:,} "
            f"line{'s' if legacy > 1 else ''} (the first here) read as Windows-1252: check "
            "the accents there, or save the file as UTF-8"
            if mixed
            else "not valid UTF-8 text; read as Windows-1252 (Latin-1): check its accents, "
            "or save it as UTF-8"
        )
        problems.insert(0, Problem(display, line, message, Severity.WARNING))
    return text, problems


def _line_by_line(raw: bytes) -> tuple[str, int, bool]:
    """Each line of ``raw`` as UTF-8 when it is, else as Windows-1252: files pasted together
    from a UTF-8 export and a Latin-1 one keep both right. Also the number of lines read
    as Windows-1252, and whether any line held UTF-8 beyond ASCII (the file mixes)."""
    texts: list[str] = []
    legacy = 0
    mixed = False
    for line in raw.removeprefix(codecs.BOM_UTF8).split(b"\n"):
        try:
            texts.append(line.decode("utf-8"))
        except UnicodeDecodeError:
            legacy += 1
            try:
                texts.append(line.decode(_FALLBACK))
            except UnicodeDecodeError:  # the five bytes Windows-1252 leaves undefined
                texts.append(line.decode("latin-1"))
        else:
            mixed = mixed or not line.isascii()
    return "\n".join(texts), legacy, mixed


def _text(text: str, display: str) -> tuple[str | None, list[Problem]]:
    """Text with one kind of line end; a few stray NULs (text pasted from a PDF) are dropped
    with a warning, while a file full of them is binary, not text."""
    if "\r" in text:  # Windows' CRLF, and the lone CR of classic Mac OS exports
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "\x00" not in text:
        return text, []
    line = text[: text.index("\x00")].count("\n") + 1
    if text.count("\x00") > max(_FEW_NULS, len(text) // 1000):
        return None, [Problem(display, line, "file holds binary data (NUL bytes), not text")]
    message = "NUL characters (binary data) in the text were dropped"
    return text.replace("\x00", ""), [Problem(display, line, message, Severity.WARNING)]


_FEW_NULS = 8
"""More NULs than this, and more than one in a thousand characters, make a file binary."""


def read_seed_text(path: Path, display: str) -> tuple[str | None, list[Problem]]:
    """Read a seed file as text; an unreadable or binary file is a problem, not a crash."""
    try:
        raw = read_regular(path)  # never a FIFO's endless wait
    except OSError as exc:
        return None, [Problem(display, None, f"cannot read file: {exc.strerror or exc}")]
    return decode_seed(raw, display)
