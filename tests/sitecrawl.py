"""Read a built site the way a browser would: the links and assets each page refers to."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.urls: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if value is None:
                continue
            if name in ("href", "src") or (
                name == "content" and tag == "meta" and value.startswith("/")
            ):
                self.urls.append(value)
            if name == "id":
                self.ids.add(value)


def links_and_ids(html: str) -> tuple[list[str], set[str]]:
    """Every href/src in a page, and every id it defines."""
    parser = _Links()
    parser.feed(html)
    return parser.urls, parser.ids


def resolve(site: Path, base_path: str, page: Path, url: str) -> Path | None:
    """The output file an internal URL points at, or None for external links."""
    parts = urlsplit(url)
    if parts.scheme or parts.netloc or url.startswith(("mailto:", "#")):
        return None
    path = unquote(parts.path)
    if path.startswith("/"):
        assert path.startswith(base_path), f"{url} escapes the base path {base_path}"
        target = site / path[len(base_path) :]
    else:
        target = page.parent / path
    if url.endswith("/") or target.is_dir():
        target = target / "index.html"
    return target


def broken_links(site: Path, base_path: str) -> list[str]:
    """``page: url`` for every internal link or asset that resolves to no file or anchor."""
    broken = []
    pages = sorted(site.rglob("*.html"))
    ids = {}
    for page in pages:
        urls, found = links_and_ids(page.read_text(encoding="utf-8"))
        ids[page.resolve()] = (urls, found)
    for page, (urls, _) in ids.items():
        for url in urls:
            target = resolve(site, base_path, page, url)
            if target is None:
                if url.startswith("#") and len(url) > 1 and url[1:] not in ids[page][1]:
                    broken.append(f"{page.relative_to(site.resolve())}: {url}")
                continue
            if not target.resolve().is_file():
                broken.append(f"{page.relative_to(site.resolve())}: {url}")
                continue
            fragment = urlsplit(url).fragment
            if fragment and target.suffix == ".html":
                target_ids = ids.get(target.resolve(), ([], set()))[1]
                if fragment not in target_ids:
                    broken.append(f"{page.relative_to(site.resolve())}: {url} (no #{fragment})")
    return broken
