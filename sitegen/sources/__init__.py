"""Seed readers: one module per format, chosen by a file's content, not its name.

Each format module offers ``NAME``, ``sniff(text, suffix) -> bool`` and
``parse(text, display) -> (entries, problems)``. ``read_seeds`` tries them in
order and reports a file no format recognises.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from sitegen.model import Problem, Severity, SourceEntry
from sitegen.sources import abstracts, bibtex, csljson, daily
from sitegen.sources.bibtex_records import without_comments
from sitegen.sources.encoding import read_seed_text
from sitegen.sources.folders import FOLLOWED_FOLDERS, LINKED_INPUT, folders_under
from sitegen.sources.skipped import first_line
from sitegen.yamlfile import NOT_REGULAR

LONG_ABSTRACT = 100_000
"""Characters past which an abstract is warned about (real ones run to a few thousand)."""


@dataclass(frozen=True, slots=True)
class SeedFormat:
    """A seed format: how to recognise it and how to read it."""

    name: str
    description: str
    """What a file of this format looks like, for the no-format-matched message."""
    sniff: Callable[[str, str], bool]
    parse: Callable[[str, str], tuple[list[SourceEntry], list[Problem]]]


FORMATS: tuple[SeedFormat, ...] = (
    SeedFormat(daily.NAME, daily.DESCRIPTION, daily.sniff, daily.parse),
    SeedFormat(abstracts.NAME, abstracts.DESCRIPTION, abstracts.sniff, abstracts.parse),
    SeedFormat(bibtex.NAME, bibtex.DESCRIPTION, bibtex.sniff, bibtex.parse),
    SeedFormat(csljson.NAME, csljson.DESCRIPTION, csljson.sniff, csljson.parse),
)


def detect_format(text: str, suffix: str = "") -> SeedFormat | None:
    """The format a seed file's text is written in, or None."""
    for fmt in FORMATS:
        if fmt.sniff(text, suffix):
            return fmt
    return None


def parse_seed_text(
    text: str, display: str, suffix: str = ""
) -> tuple[list[SourceEntry], list[Problem]]:
    """Parse one seed file's text, whatever its format (see ``parse_seed_texts``)."""
    return parse_seed_texts([(text, display, suffix)])[0]


def parse_seed_texts(
    files: Sequence[tuple[str, str, str]],
) -> list[tuple[list[SourceEntry], list[Problem]]]:
    """Parse seed files' texts (text, display name, suffix), each in its format.

    The BibTeX files are read together, as BibTeX reads the files of one
    ``\\bibliography``: one file's ``@string`` macros and crossref'd volumes serve the
    others. An empty file (or one of ``%`` comments only) is a warning, and so is a
    file whose every entry was skipped: neither stops a build. A BibTeX file of
    ``@string`` macros or volumes only gives no papers, silently.
    """
    results: list[tuple[list[SourceEntry], list[Problem]]] = [([], []) for _ in files]
    bib: list[int] = []
    for index, (text, display, suffix) in enumerate(files):
        if not without_comments(text).strip():
            said = "empty file: no papers in it"
            results[index] = [], [Problem(display, None, said, Severity.WARNING)]
            continue
        fmt = detect_format(text, suffix)
        if fmt is None:
            expected = "; ".join(f.description for f in FORMATS)
            said = f"no seed format matches this file; expected {expected}"
            results[index] = [], [Problem(display, first_line(text), said)]
        elif fmt.name == bibtex.NAME:
            bib.append(index)
        else:
            entries, problems = fmt.parse(text, display)
            results[index] = _checked(fmt.name, entries, problems, display, held=False)
    parsed = bibtex.parse_files([(files[index][0], files[index][1]) for index in bib])
    for index, (entries, problems, held) in zip(bib, parsed):
        results[index] = _checked(bibtex.NAME, entries, problems, files[index][1], held)
    return results


def _checked(
    name: str, entries: list[SourceEntry], problems: list[Problem], display: str, held: bool
) -> tuple[list[SourceEntry], list[Problem]]:
    """A file's entries and problems, with a warning when it gave no papers."""
    if not entries and not problems and not held and name in (bibtex.NAME, csljson.NAME):
        # An export of an empty collection, or of @comment blocks only.
        said = f"no papers in it: a {name} file with no entries"
        return [], [Problem(display, None, said, Severity.WARNING)]
    if (
        not entries
        and problems
        and not held
        and all(p.severity is Severity.WARNING for p in problems)
    ):
        said = "gave 0 papers: every entry was skipped or has neither title nor abstract"
        problems.append(Problem(display, None, said, Severity.WARNING))
    return entries, problems


def seed_files(seeds_dir: Path) -> list[Path]:
    """Seed files in name order (hidden files and editor backups skipped)."""
    if not seeds_dir.is_dir():
        return []
    return sorted(
        p
        for p in seeds_dir.iterdir()
        if p.is_file() and not p.name.startswith((".", "#")) and not p.name.endswith("~")
    )


def read_seed_file(path: Path, display: str) -> tuple[list[SourceEntry], list[Problem]]:
    """Read and parse one seed file."""
    text, problems = read_seed_text(path, display)
    if text is None:
        return [], problems
    entries, found = parse_seed_text(text, display, path.suffix.lower())
    return entries, problems + found


def read_seeds(seeds_dir: Path, root: Path) -> tuple[list[SourceEntry], list[Problem]]:
    """Every entry of every seed file, in file then line order, and every problem."""
    texts: list[tuple[str, str, str]] = []
    unread: dict[str, list[Problem]] = {}
    for path in seed_files(seeds_dir):
        display = display_path(path, root)
        text, unreadable = read_seed_text(path, display)
        unread[display] = unreadable
        if text is not None:
            texts.append((text, display, path.suffix.lower()))
    parsed = dict(zip((display for _, display, _ in texts), parse_seed_texts(texts)))
    entries: list[SourceEntry] = []
    problems: list[Problem] = []
    for display, issues in unread.items():
        found, more = parsed.get(display, ([], []))
        entries.extend(found)
        problems.extend(issues + more)
        problems.extend(
            Problem(
                entry.ref.file,
                entry.ref.line,
                f"abstract of {len(entry.abstract):,} characters: it goes whole into the "
                "paper's page, papers.json and the exports; check the file, or shorten it",
                Severity.WARNING,
            )
            for entry in found
            if len(entry.abstract) > LONG_ABSTRACT
        )
    return entries, problems


def display_path(path: Path, root: Path) -> str:
    """A path as the user knows it: relative to the project, forward slashes, on one
    line (see ``printable``)."""
    try:
        return printable(path.relative_to(root).as_posix())  # a symlink keeps its name
    except ValueError:
        pass
    try:
        return printable(path.resolve().relative_to(root.resolve()).as_posix())
    except (ValueError, OSError, RuntimeError):
        return printable(path.as_posix())


def printable(name: str) -> str:
    """A file name as it can be printed on one line: bytes that are not UTF-8 as
    ``\\xff``, control characters (a newline in a name) as ``\\n`` or ``\\x1b``."""
    if name.isprintable():
        return name
    try:
        text = name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    except UnicodeEncodeError:
        text = name.encode("utf-8", "backslashreplace").decode("utf-8")
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode() for c in text)


def unreadable_names(root: Path, folders: Iterable[str]) -> list[Problem]:
    """An error for every file or folder under ``folders`` whose name is not UTF-8 (it
    could go into no page, feed or ``papers.json``), and for every symlink there that
    leads nowhere or back to itself (its file would be left out without a word).
    Hidden names are left alone (an editor's lock file is a dangling ``.#name`` link)."""
    problems: list[Problem] = []
    for folder in folders:
        top = root / folder
        if top.is_symlink() and not top.exists():
            problems.append(Problem(folder, None, _BROKEN_LINK))
        _check_names(top, root, problems, follow=folder == LINKED_INPUT)
    return problems


def unread_subfolders(root: Path, folders: Iterable[str]) -> list[Problem]:
    """A warning for each subfolder of ``folders`` (``seeds``, ``content/lists``), whose
    files sitegen does not read (only ``content/annotations`` is read in depth): seed
    files moved into ``seeds/2024/`` would otherwise be left out without a word."""
    problems: list[Problem] = []
    for folder in folders:
        try:
            with os.scandir(root / folder) as listing:
                inner = sorted(e.name for e in listing if _is_subfolder(e))
        except OSError:  # not a folder, or gone: the readers say so
            continue
        for name in inner:
            said = (
                f"a folder: only the files directly in {folder}/ are read, not those in its "
                "folders; move them up, or out of the project"
            )
            problems.append(
                Problem(display_path(root / folder / name, root), None, said, Severity.WARNING)
            )
    return problems


def _is_subfolder(entry: os.DirEntry[str]) -> bool:
    if entry.name.startswith((".", "#", "_")):
        return False  # .git, editors' and tools' own folders
    try:
        return entry.is_dir()
    except OSError:
        return False


def _check_names(folder: Path, root: Path, problems: list[Problem], *, follow: bool) -> None:
    """``unreadable_names`` of one folder and its subfolders, symlinked ones too when
    ``follow`` (``content/``, as ``content/annotations`` is read); a folder link back to
    a folder that holds it is then an error, as no reader enters it.

    The types ``scandir`` gives come with the folder's listing: only a symlink costs a
    ``stat``, so a project of 10,000 annotation files is checked in milliseconds.
    """
    loops: list[Path] = []
    cut: list[Path] = []
    found: list[Problem] = []
    for _, entries in folders_under(folder, loops, follow=follow, cut=cut):
        for entry in entries:
            try:
                entry.name.encode("utf-8")
            except UnicodeEncodeError:
                found.append(Problem(display_path(Path(entry.path), root), None, NOT_UTF8))
                continue
            if not entry.name.startswith((".", "#")):
                wrong = _not_a_file(entry)
                if wrong:
                    found.append(Problem(display_path(Path(entry.path), root), None, wrong))
    if cut:  # what was found on the way is not the user's to fix: the link is
        problems.append(Problem(display_path(folder, root), None, TOO_MANY_FOLDERS))
        return
    problems.extend(found)
    problems.extend(Problem(display_path(loop, root), None, _LOOP) for loop in loops)


def _not_a_file(entry: os.DirEntry[str]) -> str | None:
    """Why sitegen cannot read ``entry`` as an input file or folder, if it cannot."""
    try:
        if not entry.is_symlink():
            if entry.is_file(follow_symlinks=False) or entry.is_dir(follow_symlinks=False):
                return None
            return f"cannot read file: {NOT_REGULAR}"
        mode = os.stat(entry.path).st_mode
    except OSError:
        return _BROKEN_LINK if entry.is_symlink() else None
    if stat.S_ISREG(mode) or stat.S_ISDIR(mode):
        return None
    return f"cannot read file: {NOT_REGULAR}"


TOO_MANY_FOLDERS = (
    f"more than {FOLLOWED_FOLDERS:,} folders under it, through folder links (a link to / or "
    "to a home folder?): link only the folders of notes sitegen is to read"
)
NOT_UTF8 = "the name is not UTF-8: rename it"
"""The problem of a name no page can hold: nothing else is read while there is one."""
_BROKEN_LINK = "a symbolic link to nothing, or back to itself: fix it or remove it"
_LOOP = "a symbolic link to a folder that holds it (a loop): nothing in it is read; remove it"
