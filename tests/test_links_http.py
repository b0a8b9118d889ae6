"""Crawl the sample site over HTTP under ``/reading-list/``, as a visitor's browser would.

Every page reachable from home is fetched; every internal link, anchor and asset it
refers to (``href``, ``src``, ``srcset`` and the stylesheets' ``url()``) must answer
200, and every ``#fragment`` must name an element of its target page.
"""

from __future__ import annotations

import re
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urldefrag, urljoin, urlsplit

import pytest

from .conftest import BASE, QuietHandler, serve_folder

CSS_URL = re.compile(r"""url\(\s*(['"]?)(.*?)\1\s*\)""")


class GitHubPagesHandler(QuietHandler):
    """A static server that, like GitHub Pages, answers a missing address with 404.html."""

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        page = Path(self.directory) / BASE.strip("/") / "404.html"
        if code != 404 or not page.is_file():
            super().send_error(code, message, explain)
            return
        body = page.read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


@pytest.fixture(scope="module")
def site_url(
    sample_site_under_base: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """The sample site built for ``/reading-list/``, served from ``www/reading-list/``."""
    www = tmp_path_factory.mktemp("www")
    (www / BASE.strip("/")).symlink_to(sample_site_under_base, target_is_directory=True)
    with serve_folder(www, GitHubPagesHandler) as origin:
        yield origin + BASE


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.assets: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value for name, value in attrs if value is not None}
        if "id" in values:
            self.ids.add(values["id"])
        if tag == "a" and "name" in values:
            self.ids.add(values["name"])
        if "href" in values:
            (self.links if tag == "a" else self.assets).append(values["href"])
        if "src" in values:
            self.assets.append(values["src"])
        for candidate in values.get("srcset", "").split(","):
            if candidate.strip():
                self.assets.append(candidate.split()[0])


@dataclass
class Response:
    status: int
    content_type: str
    body: bytes


@dataclass
class Crawl:
    """What a crawl found: every fetched URL's answer and every broken reference."""

    root: str
    responses: dict[str, Response] = field(default_factory=dict)
    ids: dict[str, set[str]] = field(default_factory=dict)
    broken: list[str] = field(default_factory=list)

    def fetch(self, url: str) -> Response:
        if url not in self.responses:
            try:
                with urllib.request.urlopen(url, timeout=10) as answer:
                    self.responses[url] = Response(
                        answer.status, answer.headers.get_content_type(), answer.read()
                    )
            except urllib.error.HTTPError as error:
                with error:
                    self.responses[url] = Response(
                        error.code, error.headers.get_content_type(), error.read()
                    )
        return self.responses[url]

    def internal(self, url: str) -> bool:
        return urlsplit(url).netloc == urlsplit(self.root).netloc

    def check(self, page: str, reference: str, *, follow: list[str]) -> None:
        """Fetch what ``reference`` (seen on ``page``) points at; queue pages to crawl."""
        if reference.startswith(("mailto:", "tel:")):
            return
        target, fragment = urldefrag(urljoin(page, reference))
        if target == urldefrag(page)[0] and page in self.ids:  # the page itself
            if fragment and fragment not in self.ids[page]:
                self.broken.append(f"{page}: {reference} (no such id on the page)")
            return
        if not self.internal(target):
            return
        if not urlsplit(target).path.startswith(BASE):
            self.broken.append(f"{page}: {reference} escapes the base path {BASE}")
            return
        answer = self.fetch(target)
        if answer.status != 200:
            self.broken.append(f"{page}: {reference} answers {answer.status}")
            return
        if answer.content_type == "text/html":
            if target not in self.ids:
                self.ids[target] = parse(answer).ids
                follow.append(target)
            if fragment and fragment not in self.ids[target]:
                self.broken.append(f"{page}: {reference} (no #{fragment} in {target})")
        elif answer.content_type == "text/css" and target not in self.ids:
            self.ids[target] = set()  # read each stylesheet once
            for _, inner in CSS_URL.findall(answer.body.decode("utf-8")):
                if not inner.startswith("data:"):
                    self.check(target, inner, follow=follow)

    def run(self, starts: list[str]) -> None:
        queue = list(starts)
        done: set[str] = set()
        while queue:
            url = queue.pop()
            if url in done:
                continue
            done.add(url)
            parsed = parse(self.fetch(url))
            self.ids[url] = parsed.ids
            for reference in parsed.links + parsed.assets:
                self.check(url, reference, follow=queue)


def parse(answer: Response) -> _Page:
    parsed = _Page()
    parsed.feed(answer.body.decode("utf-8"))
    return parsed


@pytest.fixture(scope="module")
def crawl(site_url: str) -> Crawl:
    crawl = Crawl(site_url)
    # A missing address shows 404.html there, so its links must work from any depth.
    crawl.run([site_url, site_url + "papers/no-such-paper/deeper/"])
    return crawl


def test_every_link_anchor_and_asset_answers(crawl: Crawl) -> None:
    assert crawl.broken == []


def test_the_crawl_reaches_every_page(crawl: Crawl, sample_site_under_base: Path) -> None:
    folders = (
        p.parent.relative_to(sample_site_under_base).as_posix()
        for p in sample_site_under_base.rglob("index.html")
    )
    pages = {crawl.root + ("" if f == "." else f + "/") for f in folders}
    fetched = {url for url, r in crawl.responses.items() if r.content_type == "text/html"}
    assert pages - fetched == set()
    assert len(pages) > 200
    assets = {urlsplit(url).path for url in crawl.responses}
    assert {f"{BASE}static/css/site.css", f"{BASE}static/js/site.js", f"{BASE}feed.xml"} <= assets


def test_a_missing_address_serves_the_404_page(crawl: Crawl) -> None:
    missing = crawl.responses[crawl.root + "papers/no-such-paper/deeper/"]
    assert missing.status == 404
    assert b"<h1" in missing.body and f'href="{BASE}"'.encode() in missing.body
