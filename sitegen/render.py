"""Turn planned pages into bytes with Jinja; track which templates each page uses.

The site's own ``templates/`` folder overrides the default theme file by file
(a ``ChoiceLoader``). A template's dependencies (``extends``, ``include``,
``import``) are found from its source, so a page is re-rendered only when its
context or one of those templates changed.

A data page (no template) is its ``context["body"]``: a str, or a function
returning a str or an iterable of chunks (str, or bytes already UTF-8), called
when the page is written.
The big exports (``papers.json``, ``papers.bib``, ``papers.csl.json``) return
chunks, so ``Renderer.chunks`` can stream them to disk: at 100,000 papers each
is 150-200 MB of text that no process ever holds whole.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import Any

import jinja2
import jinja2.meta
from markupsafe import Markup

import sitegen
from sitegen.browse_pages import Browse, author_url, browse_links
from sitegen.cache import CACHE_DIR
from sitegen.catalog.keys import tag_slug
from sitegen.citation_meta import highwire_tags, json_for_script, scholarly_article
from sitegen.citation_styles import DEFAULT_STYLE, style_path
from sitegen.clean import drop_forbidden
from sitegen.digest import blake, code_signature
from sitegen.fragments import FragmentCache, Fragments
from sitegen.markdown import make_markdown, render_inline, render_markdown
from sitegen.model import STATUSES, Catalog, InputError, Problem
from sitegen.pages import Page
from sitegen.references import ReferenceFormatter, page_bibtex
from sitegen.settings import Settings
from sitegen.streams import slices
from sitegen.yamlfile import read_text

CHUNK_BYTES = 1 << 16
"""Bytes gathered from a streamed body before they are handed on as one chunk."""


def _printable(value: Any) -> Any:
    """Jinja's ``finalize``: no code point HTML forbids gets into a page.

    Markup is left alone: it is built from values that passed here (macros) or made
    safe where it was made (``clean_text``, Markdown), and scanning it again would
    double the time pages take to render. ``isprintable`` spares the scan for most text.
    """
    if type(value) is str and not value.isprintable():
        return drop_forbidden(value)
    return value


def theme_dir() -> Path:
    """The default theme: inside the installed wheel, or the repository's top level."""
    package = Path(sitegen.__file__).parent
    installed = package / "_theme"
    if installed.is_dir():
        return installed
    return package.parent


@dataclass(frozen=True)
class SiteInfo:
    """Site-wide values every template sees as ``site``."""

    title: str
    description: str
    author: str
    language: str
    base_path: str
    absolute_base: str | None


@dataclass(frozen=True)
class PageInfo:
    """Per-page values every template sees as ``page``."""

    url: str
    title: str
    description: str
    kind: str
    feeds: tuple[tuple[str, str], ...]
    canonical: str | None


class TemplateError(Exception):
    """A template failed to load or render; carries a ``file:line`` problem."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem


class CompiledTemplates(jinja2.FileSystemBytecodeCache):
    """Templates compiled by the last build, in ``.sitegen-cache/templates/``: compiling
    the default theme's took 0.07-0.19 s of each ``sitegen build`` after an edit (10,000
    papers, loaded machine), loading them ~5 ms. Jinja checks each against the source
    of its template; sitegen's code (Jinja's options, the ``{% cache %}`` extension)
    names the files. One that cannot be read or written is compiled again."""

    @classmethod
    def for_project(cls, root: Path) -> CompiledTemplates:
        """The compiled templates of the project at ``root``."""
        folder = root / CACHE_DIR / "templates"
        return cls(str(folder), f"{code_signature()[:16]}-%s.cache")

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except Exception:  # a damaged file: compile the template again
            bucket.reset()

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        with contextlib.suppress(OSError):
            os.makedirs(self.directory, exist_ok=True)
            super().dump_bytecode(bucket)


@dataclass
class Renderer:
    """Renders pages for one site: its settings, templates and topic names."""

    settings: Settings
    topic_names: Mapping[str, str]
    browse: Browse = field(default_factory=Browse)
    """Author links and which browse pages (authors, years) exist, for the navigation."""
    _digests: dict[str, str] = field(default_factory=dict, repr=False)

    def __getstate__(self) -> dict[str, Any]:
        """What a render worker started afresh gets (``sitegen.workers``): not the Jinja
        environment (remade there) nor the parsed citation style (parsed again)."""
        state = dict(self.__dict__)
        state.pop("env", None)
        if "references" in state:
            state["references"] = replace(state["references"])
        return state

    @cached_property
    def template_dirs(self) -> list[Path]:
        """Site templates first, then the default theme."""
        dirs = [self.settings.root / "templates", theme_dir() / "templates"]
        unique: list[Path] = []
        for folder in dirs:
            if folder.is_dir() and folder.resolve() not in [u.resolve() for u in unique]:
                unique.append(folder)
        return unique

    @cached_property
    def sources(self) -> bytes:
        """Digest of every template file's path and bytes: what the templates' digests are
        made from. Contents, not modification times: a template saved twice within the
        file system's timestamp resolution must not leave the first version in use."""
        return blake(
            *(
                part
                for folder in self.template_dirs
                for path in sorted(folder.rglob("*"))
                if path.is_file()
                for part in (os.fsencode(path), path.read_bytes())
            )
        )

    @cached_property
    def env(self) -> jinja2.Environment:
        """The Jinja environment with sitegen's filters."""
        env = jinja2.Environment(
            loader=jinja2.FileSystemLoader([str(d) for d in self.template_dirs]),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
            finalize=_printable,
            extensions=[FragmentCache],
            bytecode_cache=CompiledTemplates.for_project(self.settings.root),
        )
        md = make_markdown()
        base = self.settings.base_path
        # Filters whose result depends on the settings or the catalogue take the context:
        # Jinja calls others at compile time on constants ('search/'|url), and compiled
        # templates are kept between builds (CompiledTemplates) whatever the base path.
        env.filters["url"] = jinja2.pass_context(lambda _, path: base + str(path).lstrip("/"))
        env.filters["markdown"] = lambda text: Markup(
            render_markdown(md, drop_forbidden(text) if text else text)
        )
        env.filters["markdown_inline"] = lambda text: Markup(
            render_inline(md, drop_forbidden(text) if text else text)
        )
        env.filters["tag_slug"] = lambda tag: tag_slug(str(tag))
        env.filters["slices"] = slices
        env.filters["highwire_tags"] = highwire_tags
        env.filters["reference"] = self.references.html
        env.filters["page_bibtex"] = page_bibtex
        env.filters["json_ld"] = lambda paper, url=None: json_for_script(
            scholarly_article(paper, url)
        )
        links = self.browse.authors
        env.filters["author_url"] = jinja2.pass_context(
            lambda _, name: base + author_url(links.slug(str(name)))
        )
        env.globals["nav"] = {"authors": links.any, "years": self.browse.years}
        env.globals["site"] = SiteInfo(
            title=self.settings.title,
            description=self.settings.description,
            author=self.settings.author,
            language=self.settings.language,
            base_path=base,
            absolute_base=self.settings.absolute_base,
        )
        env.globals["topic_names"] = dict(self.topic_names)
        env.globals["statuses"] = STATUSES
        # A site's own templates are never cached: caching is not a theme author's concern.
        own = self.settings.root / "templates"
        if own.is_dir() and own.resolve() != (theme_dir() / "templates").resolve():
            names = (path.relative_to(own).as_posix() for path in own.rglob("*"))
            env.fragments.uncached = frozenset(names)  # type: ignore[attr-defined]
        return env

    @cached_property
    def references(self) -> ReferenceFormatter:
        """Formatted references in the site's citation style (the ``reference`` filter)."""
        return ReferenceFormatter(
            style_path(self.settings.citation_style, self.settings.root)
            or style_path(DEFAULT_STYLE, self.settings.root)
            or Path(self.settings.citation_style)
        )

    @property
    def fragments(self) -> Fragments:
        """Fragments kept by ``{% cache %}`` blocks (off unless a build turns them on)."""
        return self.env.fragments  # type: ignore[attr-defined,no-any-return]

    def template_file(self, name: str) -> Path | None:
        """Which file a template name resolves to (site override or theme)."""
        for folder in self.template_dirs:
            candidate = folder / name
            if candidate.is_file():
                return candidate
        return None

    def _dependencies(self, name: str, seen: set[str]) -> None:
        if name in seen:
            return
        seen.add(name)
        path = self.template_file(name)
        if path is None:
            return
        text, problems = read_text(path, self._display(str(path), name))
        if text is None:  # not UTF-8, or binary: Jinja would fail on it with no file named
            raise InputError(problems)
        try:
            ast = self.env.parse(text)
        except jinja2.TemplateSyntaxError:
            return
        for child in jinja2.meta.find_referenced_templates(ast):
            if child is not None:
                self._dependencies(child, seen)

    def template_digest(self, name: str) -> str:
        """Hash of a template and every template it extends, includes or imports."""
        if name not in self._digests:
            names: set[str] = set()
            self._dependencies(name, names)
            digest = hashlib.sha256()
            for dep in sorted(names):
                path = self.template_file(dep)
                digest.update(dep.encode() + b"\0")
                digest.update(path.read_bytes() if path else b"<missing>")
            self._digests[name] = digest.hexdigest()
        return self._digests[name]

    def page_info(self, page: Page) -> PageInfo:
        """The ``page`` value a template sees."""
        absolute = self.settings.absolute_base
        return PageInfo(
            url=page.url,
            title=page.title,
            description=page.description,
            kind=page.kind,
            feeds=page.feeds,
            canonical=absolute + page.url if absolute else None,
        )

    def render(self, page: Page) -> bytes:
        """A page's bytes; raises ``TemplateError`` naming the template file and line."""
        return b"".join(self.chunks(page))

    def chunks(self, page: Page) -> Iterator[bytes]:
        """A page's bytes in order, in chunks of about ``CHUNK_BYTES``.

        A template is rendered before this returns, so a template error raises
        ``TemplateError`` here, not while the chunks are read. A data page's body
        function is called here too, but the chunks it yields are made as they are read.
        """
        if page.template is None:
            body = page.context.get("body", "")
            text = body() if callable(body) else body
            return _encoded((text,) if isinstance(text, str) else text)
        return iter((self._render_template(page, page.template),))

    def _render_template(self, page: Page, name: str) -> bytes:
        try:
            template = self.env.get_template(name)
            text = template.render({**page.context, "page": self.page_info(page)})
        except jinja2.TemplateSyntaxError as exc:
            raise TemplateError(
                Problem(self._display(exc.filename, exc.name), exc.lineno, exc.message or str(exc))
            ) from exc
        except jinja2.TemplateNotFound as exc:
            file, line = _template_frame(exc)  # the extends/include naming the missing one
            raise TemplateError(
                Problem(self._display(file, name), line, f"template not found: {exc.name}")
            ) from exc
        except Exception as exc:  # a template bug: report it where it happened
            file, line = _template_frame(exc)
            raise TemplateError(
                Problem(self._display(file, name), line, str(exc), pages=(page.url,))
            ) from exc
        return text.encode("utf-8")

    def _display(self, filename: str | None, name: str | None) -> str:
        if filename:
            path = Path(filename)
            for base in (self.settings.root, theme_dir()):
                try:
                    return path.resolve().relative_to(base.resolve()).as_posix()
                except ValueError:
                    continue
            return path.as_posix()
        return f"templates/{name}"


def _encoded(pieces: Iterable[str | bytes]) -> Iterator[bytes]:
    """UTF-8 chunks of a body's pieces (text, or bytes already encoded), small pieces
    gathered up to ``CHUNK_BYTES``."""
    held: list[bytes] = []
    size = 0
    for piece in pieces:
        data = piece.encode("utf-8") if isinstance(piece, str) else piece
        held.append(data)
        size += len(data)
        if size >= CHUNK_BYTES:
            yield b"".join(held)
            held.clear()
            size = 0
    if held:
        yield b"".join(held)


def _template_frame(exc: BaseException) -> tuple[str | None, int | None]:
    """The innermost template file and line in a traceback."""
    found: tuple[str | None, int | None] = (None, None)
    tb = exc.__traceback__
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename.endswith((".html", ".xml", ".txt")) or "<template>" in filename:
            found = (filename if filename != "<template>" else None, tb.tb_lineno)
        tb = tb.tb_next
    return found


def renderer_for(catalog: Catalog, settings: Settings) -> Renderer:
    """A renderer for this catalogue's site."""
    topic_names = {t.slug: t.name for t in catalog.topics}
    return Renderer(settings, topic_names, browse_links(catalog))


def kept_renderer(
    catalog: Catalog, settings: Settings, held: tuple[object, Renderer] | None
) -> tuple[object, Renderer]:
    """``held``'s renderer (templates compiled, digests taken) if it was made for the same
    templates, settings, topic names and author links, else a new one; with what it is for."""
    fresh = renderer_for(catalog, settings)
    made_for = (fresh.sources, settings, dict(fresh.topic_names), fresh.browse)
    if held is not None and held[0] == made_for:
        return held
    return made_for, fresh
