"""Hostile and broken input: a correct, inert site or a clear ``file:line`` error.

Never a traceback, a hang, a write outside the output folder or a damaged previous
build. The error cases go through the command line, as a user meets them.
"""

from __future__ import annotations

import json
import re
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import Result

from .conftest import ZEBRA, ZEBRA_KEY, build, build_within, tree

Project = Callable[..., Path]

XSS = "<script>alert(1)</script><img src=x onerror=alert(2)>\"'><svg onload=alert(3)>"
"""Markup that runs script wherever a value lands unescaped, in text or in an attribute."""
QUOTE_BREAK = "https://example.org/?q=\"><script>alert(5)</script>&x='onmouseover=alert(6)//"
"""A valid web address that breaks out of an unescaped href attribute."""


def assert_error(result: Result, where: str, *words: str) -> None:
    """The build failed with an error at ``where`` (``file:line``) saying ``words``."""
    assert result.exit_code == 1, result.output
    lines = [line for line in result.output.splitlines() if line.startswith(f"{where}: error:")]
    assert lines, f"no error at {where}:\n{result.output}"
    for word in words:
        assert any(word in line for line in lines), f"{word!r} not in {lines}"


def all_paths(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*")}


class _Inert(HTMLParser):
    """Collects whatever in a page could run script."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.active: list[str] = []
        self.in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "script":
            kind = values.get("type") or "text/javascript"
            src = values.get("src") or ""
            self.in_script = kind == "text/javascript" and not src
            if kind == "text/javascript" and src and "/static/js/" not in src:
                self.active.append(f"<script src={src!r}>")
        if tag in ("iframe", "frame", "object", "embed", "base"):
            self.active.append(f"<{tag}>")
        for name, value in attrs:
            if name.startswith("on"):
                self.active.append(f"<{tag} {name}={value!r}>")
            if name in ("href", "src", "action", "formaction", "xlink:href") and value:
                scheme = re.sub(r"[\s\x00-\x1f]", "", value).lower()
                if scheme.startswith(("javascript:", "data:", "vbscript:")):
                    self.active.append(f"<{tag} {name}={value!r}>")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self.in_script = False

    def handle_data(self, data: str) -> None:
        if self.in_script and "alert" in data:
            self.active.append(f"inline script: {data[:80]!r}")


def active_content(site: Path) -> list[str]:
    """Everything in the site's pages and feeds that could run an attacker's script."""
    found = []
    for page in sorted(site.rglob("*.html")):
        parser = _Inert()
        parser.feed(page.read_text(encoding="utf-8"))
        found.extend(f"{page.relative_to(site)}: {item}" for item in parser.active)
    for feed in site.rglob("*.xml"):
        ET.parse(feed)  # well-formed, so the hostile text is escaped
        assert "<script" not in feed.read_text(encoding="utf-8"), feed
    json.loads((site / "papers.json").read_text(encoding="utf-8"))
    return found


# --- Script injection -------------------------------------------------------------------


def yaml_str(text: str) -> str:
    return json.dumps(text)  # a JSON string is a valid YAML double-quoted scalar


def test_script_in_every_field_and_seed_renders_as_text(make_project: Project) -> None:
    listing = (
        "Mar 17\n"
        f"{XSS} Striped diffusion\n"
        f"We introduce striped diffusion. {XSS} It draws stripes.\n"
    )
    hostile_key = "script-alert-1-script-img-src-x-onerror-alert-2-svg-onload"
    fields = "\n".join(
        [
            f"  title: {yaml_str(XSS + ' Zebra')}",
            f"  summary: {yaml_str(XSS)}",
            "  notes: |",
            f"    {XSS}",
            f"    [click]({XSS}) <a href='javascript:alert(4)'>x</a>",
            f"  tags: [{yaml_str(XSS)}, {yaml_str('<b>bold</b>')}]",
            f"  quotes: [{yaml_str(XSS)}, {{text: {yaml_str(XSS)}, page: 3}}]",
            f"  venue: {yaml_str(XSS)}",
            f"  authors: [{yaml_str(XSS)}, Ada Lovelace]",
            f"  links: {{{yaml_str(XSS)}: {yaml_str(QUOTE_BREAK)}}}",
            "  status: read",
            "  rating: 5",
        ]
    )
    root = make_project(
        {
            "seeds/a.txt": ZEBRA,
            "seeds/listing.txt": listing,
            "content/annotations/evil.yaml": f"{ZEBRA_KEY}:\n{fields}\n",
            "content/topics.yaml": (
                f"- slug: stripes\n  name: {yaml_str(XSS)}\n  description: {yaml_str(XSS)}\n"
                "  keywords: [stripes]\n"
            ),
            "content/lists/evil.yaml": (
                f"title: {yaml_str(XSS)}\nintro: {yaml_str(XSS)}\n"
                f"papers:\n  - key: {ZEBRA_KEY}\n    comment: {yaml_str(XSS)}\n"
            ),
            "sitegen.yaml": f"title: {yaml_str(XSS)}\nauthor: {yaml_str(XSS)}\n",
        }
    )
    result = build(root)
    assert result.exit_code == 0, result.output
    site = root / "_site"
    assert active_content(site) == []
    zebra = (site / "papers" / ZEBRA_KEY / "index.html").read_text(encoding="utf-8")
    shown = "&lt;script&gt;alert(1)&lt;/script&gt;"  # as text the reader sees
    # title, summary, notes, a tag, two quotes, venue, an author, a link name at least
    assert zebra.count(shown) >= 9
    seeded = (site / "papers" / hostile_key / "index.html").read_text(encoding="utf-8")
    assert seeded.count(shown) >= 2  # the listing's title and abstract


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        " javascript:alert(1)",
        "java\tscript:alert(1)",
        "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
        "vbscript:msgbox(1)",
        "//evil.example/x",
    ],
)
def test_a_link_field_that_is_not_http_is_an_error(make_project: Project, url: str) -> None:
    root = make_project(
        {
            "seeds/a.txt": ZEBRA,
            "content/annotations/a.yaml": (
                f"{ZEBRA_KEY}:\n  status: read\n  links:\n    code: {yaml_str(url)}\n"
            ),
        }
    )
    assert_error(build(root), "content/annotations/a.yaml:4")
    assert not (root / "_site").exists()


def test_script_links_in_markdown_notes_render_as_text(make_project: Project) -> None:
    notes = [
        "[a](javascript:alert(1))",
        "[b](JAVASCRIPT:alert(1))",
        "[c](&#106;avascript:alert(1))",
        "[d](java%0ascript:alert(1))",
        "[e](data:text/html;base64,PHNjcmlwdD4=)",
        "[f](vbscript:msgbox(1))",
        "<javascript:alert(1)>",
        "[g][ref]",
        "![h](javascript:alert(1))",
        "[ref]: javascript:alert(1)",
        "[ok](https://example.org/fine)",
    ]
    body = "".join(f"    {line}\n\n" for line in notes)
    root = make_project(
        {
            "seeds/a.txt": ZEBRA,
            "content/annotations/a.yaml": f"{ZEBRA_KEY}:\n  notes: |\n{body}",
        }
    )
    assert build(root).exit_code == 0
    page = (root / "_site" / "papers" / ZEBRA_KEY / "index.html").read_text(encoding="utf-8")
    assert active_content(root / "_site") == []
    assert 'href="https://example.org/fine"' in page
    assert "[a](javascript:alert(1))" in page  # kept as text, visible to the reader


def test_a_language_that_is_not_a_tag_is_an_error(make_project: Project) -> None:
    root = make_project({"seeds/a.txt": ZEBRA, "sitegen.yaml": f"language: {yaml_str(XSS)}\n"})
    assert_error(build(root), "sitegen.yaml:1", "language tag")


def test_a_script_base_url_on_the_command_line_is_refused(make_project: Project) -> None:
    root = make_project({"seeds/a.txt": ZEBRA})
    result = build(root, "--base-url", "javascript:alert(1)//")
    assert result.exit_code == 2
    assert "--base-url" in result.output
    assert not (root / "_site").exists()


# --- Path traversal ---------------------------------------------------------------------


def test_a_seed_title_like_a_path_gets_a_key_inside_papers(
    make_project: Project, tmp_path: Path
) -> None:
    root = make_project(
        {
            "seeds/listing.txt": (
                "Mar 17\n"
                "../../etc/passwd\nAn abstract about passwords.\n"
                "..\\..\\windows\\system32\nAn abstract about Windows.\n"
                "/\nAn abstract whose title is a slash.\n"
                "..\nAn abstract whose title is two dots.\n"
            ),
            "content/annotations/a.yaml": (
                "etc-passwd:\n  tags: ['../../x', '..', '/', '%2e%2e%2fx', '../../../tmp/evil']\n"
            ),
        }
    )
    before = all_paths(tmp_path)
    assert build(root).exit_code == 0
    site = root / "_site"
    new = all_paths(tmp_path) - before
    outside = sorted(p for p in new if not p.startswith(("project/_site", "project/.sitegen")))
    assert outside == []
    keys = [p["key"] for p in json.loads((site / "papers.json").read_text())["papers"]]
    assert len(keys) == 4 and "etc-passwd" in keys
    for key in keys:
        assert (site / "papers" / key / "index.html").is_file()
    tags = sorted(p.name for p in (site / "tags").iterdir() if p.is_dir())
    assert all(re.fullmatch(r"[a-z0-9-]+", key) for key in keys), keys
    assert all(re.fullmatch(r"[a-z0-9-]+", tag) for tag in tags), tags
    assert "x" in tags and "tmp-evil" in tags


def test_a_topic_slug_with_dots_is_an_error(make_project: Project) -> None:
    root = make_project(
        {
            "seeds/a.txt": ZEBRA,
            "content/topics.yaml": (
                "- slug: stripes\n  keywords: [stripes]\n"
                "- slug: ../../outside\n  name: Escape\n  keywords: [zebra]\n"
            ),
        }
    )
    assert_error(build(root), "content/topics.yaml:3", "../../outside")
    assert not (root.parent / "outside").exists()


def test_a_topic_parent_with_dots_is_an_error(make_project: Project) -> None:
    root = make_project(
        {
            "seeds/a.txt": ZEBRA,
            "content/topics.yaml": "- slug: stripes\n  parent: ../..\n  keywords: [stripes]\n",
        }
    )
    assert_error(build(root), "content/topics.yaml:2", "../..")


@pytest.mark.parametrize("name", ["..x.yaml", "a..b.yaml", "Week 1.yaml", "%2e%2e.yaml"])
def test_a_list_file_name_that_is_not_a_slug_is_an_error(make_project: Project, name: str) -> None:
    root = make_project(
        {
            "seeds/a.txt": ZEBRA,
            f"content/lists/{name}": f"title: A list\npapers: [{ZEBRA_KEY}]\n",
        }
    )
    result = build(root)
    if name.startswith("."):  # a hidden file, like an editor's, is not read at all
        assert result.exit_code == 0, result.output
        assert not (root / "_site" / "lists" / name.removesuffix(".yaml")).exists()
        return
    assert result.exit_code == 1, result.output
    assert f"content/lists/{name}: error:" in result.output and "rename it to" in result.output


def test_an_annotation_key_like_a_path_is_unknown(make_project: Project) -> None:
    root = make_project(
        {
            "seeds/a.txt": ZEBRA,
            "content/annotations/a.yaml": "../../zebra:\n  status: read\n",
        }
    )
    assert_error(build(root), "content/annotations/a.yaml:1", "unknown paper key")


@pytest.mark.parametrize(
    "name, text, line",
    [
        ("content/lists/a.yaml", "title: A list\npapers:\n  - ../../zebra\n", 3),
        ("content/annotations/a.yaml", f"{ZEBRA_KEY}:\n  topics: [../../x]\n", 2),
        ("content/annotations/a.yaml", f"{ZEBRA_KEY}:\n  related: [../{ZEBRA_KEY}]\n", 2),
    ],
)
def test_a_reference_like_a_path_is_unknown(
    make_project: Project, name: str, text: str, line: int
) -> None:
    root = make_project({"seeds/a.txt": ZEBRA, name: text})
    assert_error(build(root), f"{name}:{line}", "unknown")


def test_an_output_folder_that_is_a_symlink_to_a_foreign_folder_is_refused(
    make_project: Project, tmp_path: Path
) -> None:
    root = make_project({"seeds/a.txt": ZEBRA})
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "thesis.tex").write_text("years of work")
    (root / "_site").symlink_to(precious, target_is_directory=True)
    result = build(root, "--clean")
    assert result.exit_code == 1
    assert "did not create" in result.output
    assert tree(precious) == {"thesis.tex": b"years of work"}


def test_symlinks_out_of_the_project_and_loops_neither_hang_nor_hide_the_name(
    make_project: Project, tmp_path: Path
) -> None:
    root = make_project({"seeds/a.txt": ZEBRA})
    secret = tmp_path / "secret.txt"
    secret.write_text("root:x:0:0:root:/root:/bin/bash\n")
    (root / "seeds" / "passwd.txt").symlink_to(secret)
    (root / "content" / "annotations" / "up").symlink_to("..", target_is_directory=True)
    result = build_within(60, root)
    assert_error(result, "seeds/passwd.txt:1", "no seed format")


# --- Size, bytes and encodings ----------------------------------------------------------


def test_a_five_megabyte_abstract_builds_in_reasonable_time(make_project: Project) -> None:
    # LaTeX throughout: parsing it all would take minutes.
    words = "We introduce Zebra, a model of stripes. " + "stripes \\alpha and $x^2$ more " * 170_000
    assert len(words) > 5_000_000
    root = make_project({"seeds/a.txt": f"Abstract:{words}\n", "seeds/b.txt": ZEBRA})
    start = time.monotonic()
    result = build(root)
    elapsed = time.monotonic() - start
    assert result.exit_code == 0, result.output
    assert elapsed < 60, f"took {elapsed:.0f} s"
    pages = list((root / "_site" / "papers").glob("*/index.html"))
    assert len(pages) == 2


def test_a_latin1_seed_keeps_its_papers_with_a_warning_naming_the_file_and_line(
    make_project: Project,
) -> None:
    root = make_project()
    (root / "seeds" / "latin1.txt").write_bytes(
        "Abstract:We introduce Zebra.\nAbstract:We study caf\xe9 stripes.\n".encode("latin-1")
    )
    result = build(root)
    assert result.exit_code == 0, result.output
    assert re.search(r"^seeds/latin1\.txt:2: warning: not valid UTF-8", result.output, re.M)
    papers = json.loads((root / "_site" / "papers.json").read_text(encoding="utf-8"))["papers"]
    assert any("café stripes" in paper["abstract"] for paper in papers)


def test_a_png_renamed_txt_is_an_error_naming_the_file(make_project: Project) -> None:
    root = make_project()
    png = (
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00"
        b"\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N"
        b"\x00\x00\x00\x00IEND\xaeB`\x82"
    )
    (root / "seeds" / "figure.txt").write_bytes(png)
    result = build(root)
    assert result.exit_code == 1, result.output
    assert re.search(r"^seeds/figure\.txt(:\d+)?: error: .*(UTF-8|binary)", result.output, re.M)


def test_binary_bytes_in_an_annotation_file_are_an_error(make_project: Project) -> None:
    root = make_project({"seeds/a.txt": ZEBRA})
    (root / "content/annotations/a.yaml").write_bytes(f"{ZEBRA_KEY}:\n  notes: a\x00b\n".encode())
    assert_error(build(root), "content/annotations/a.yaml:2")


FORBIDDEN = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f\ufdd0-\ufdef\ufffe\uffff]")
"""Code points no HTML page may hold (the Nu checker's "Forbidden code point")."""


def test_control_characters_never_reach_a_page(make_project: Project) -> None:
    root = make_project(
        {
            "seeds/listing.txt": (
                "Mar 17\n"
                "Zebra\x0bstripes \x1b[31mred\x1b[0m \x01\x7f\x85 \ufffe end\n"
                "An abstract with a \x0c form feed, an \x1b escape and a \u202e bidi override.\n"
            ),
            "content/annotations/a.yaml": (
                "zebra-stripes-31mred-0m-end:\n"
                '  summary: "bell\\a escape\\e[31m next-line\\N delete\\x7f nonchar\\uFFFE end"\n'
                '  tags: ["tag\\e"]\n'
            ),
        }
    )
    result = build(root)
    assert result.exit_code == 0, result.output
    site = root / "_site"
    for page in site.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert not FORBIDDEN.search(text), (page, FORBIDDEN.findall(text))
    active_content(site)  # the feeds still parse as XML
    page = (site / "papers/zebra-stripes-31mred-0m-end/index.html").read_text(encoding="utf-8")
    assert re.search(r"bell escape\[31m next-line +delete nonchar end", page)


def test_an_empty_seeds_folder_builds_an_empty_site(make_project: Project) -> None:
    root = make_project()
    result = build(root)
    assert result.exit_code == 0, result.output
    site = root / "_site"
    assert json.loads((site / "papers.json").read_text()) == {"papers": []}
    home = (site / "index.html").read_text(encoding="utf-8")
    assert "<h1" in home and "0" in home
    assert active_content(site) == []


def test_a_missing_seeds_folder_is_a_clear_error(make_project: Project) -> None:
    root = make_project()
    (root / "seeds").rmdir()
    result = build(root)
    assert result.exit_code == 1
    assert "seeds: error: no seeds/ folder" in result.output


# --- YAML: bombs, depth, duplicate keys, tags -------------------------------------------


BOMB = (
    'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    "b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
    "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
    "d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
    "e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n"
    "f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n"
    "g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\n"
    "h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]\n"
    "i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]\n"
)


def bomb_in(kind: str) -> tuple[str, str]:
    """A billion-laughs document shaped like an annotation, topics or list file."""
    if kind == "annotation":
        return "content/annotations/bomb.yaml", BOMB + f"{ZEBRA_KEY}:\n  tags: *i\n"
    if kind == "topics":
        return "content/topics.yaml", "- slug: bomb\n  x: &x\n" + "".join(
            "    " + line + "\n" for line in BOMB.splitlines()
        ) + "  keywords: *x\n"
    if kind == "list":
        return "content/lists/bomb.yaml", BOMB + "title: Bomb\npapers: *i\n"
    return "sitegen.yaml", BOMB + "title: *i\n"


@pytest.mark.parametrize("kind", ["annotation", "topics", "list", "settings"])
def test_a_yaml_bomb_is_an_error_not_a_hang(make_project: Project, kind: str) -> None:
    name, text = bomb_in(kind)
    root = make_project({"seeds/a.txt": ZEBRA, name: text})
    result = build_within(30, root)
    assert result.exit_code == 1, result.output
    assert re.search(rf"^{re.escape(name)}:\d+: error: ", result.output, re.M), result.output


@pytest.mark.parametrize(
    "text",
    [
        f"{ZEBRA_KEY}:\n  tags: " + "[" * 5000 + "]" * 5000 + "\n",
        f"{ZEBRA_KEY}:\n  notes: " + "{a: " * 5000 + "1" + "}" * 5000 + "\n",
    ],
)
def test_yaml_nested_thousands_deep_is_an_error(make_project: Project, text: str) -> None:
    root = make_project({"seeds/a.txt": ZEBRA, "content/annotations/a.yaml": text})
    assert_error(build_within(60, root), "content/annotations/a.yaml:2", "nesting deeper")


@pytest.mark.parametrize(
    "name, text, line",
    [
        (
            "content/annotations/a.yaml",
            f"{ZEBRA_KEY}:\n  status: read\n  rating: 3\n  status: dropped\n",
            4,
        ),
        (
            "content/annotations/a.yaml",
            f"{ZEBRA_KEY}:\n  rating: 3\n{ZEBRA_KEY}:\n  rating: 4\n",
            3,
        ),
        ("content/topics.yaml", "- slug: stripes\n  keywords: [stripes]\n  slug: zebra\n", 3),
        ("content/lists/a.yaml", f"title: A\npapers: [{ZEBRA_KEY}]\ntitle: B\n", 3),
        ("sitegen.yaml", "title: A\nbase_url: /\ntitle: B\n", 3),
    ],
)
def test_a_duplicate_key_is_an_error_naming_its_line(
    make_project: Project, name: str, text: str, line: int
) -> None:
    root = make_project({"seeds/a.txt": ZEBRA, name: text})
    assert_error(build(root), f"{name}:{line}")


@pytest.mark.parametrize(
    "value",
    ["!!int", "!!float ''", "!!bool maybe", "!!timestamp soon", "!!python/object:os.system"],
)
def test_a_yaml_tag_that_cannot_hold_its_value_is_an_error(
    make_project: Project, value: str
) -> None:
    root = make_project(
        {"seeds/a.txt": ZEBRA, "content/annotations/a.yaml": f"{ZEBRA_KEY}:\n  rating: {value}\n"}
    )
    assert_error(build(root), "content/annotations/a.yaml:2")


# --- Broken templates -------------------------------------------------------------------


@pytest.mark.parametrize(
    "template, line, words",
    [
        ("{% extends 'base.html' %}\n{% block content %}\n{{ paper.key }\n{% endblock %}\n", 3, ""),
        ("{% extends 'base.html' %}\n{% block content %}\n{% for x in %}{% endfor %}\n", 3, ""),
        (
            "{% extends 'base.html' %}\n{% block content %}\n{% include 'nope.html' %}\n"
            "{% endblock %}\n",
            3,
            "nope.html",
        ),
        ("{% extends 'base.html' %}\n{% block content %}\n{{ paper.title.nope.deeper }}\n", 3, ""),
        ("{% extends 'no-such-base.html' %}\n", 1, "no-such-base.html"),
    ],
)
def test_a_broken_template_is_an_error_and_the_last_site_stays(
    make_project: Project, template: str, line: int, words: str
) -> None:
    root = make_project({"seeds/a.txt": ZEBRA})
    assert build(root).exit_code == 0
    before = tree(root / "_site")
    (root / "templates").mkdir()
    (root / "templates" / "paper.html").write_text(template)
    result = build(root)
    assert_error(result, f"templates/paper.html:{line}", *([words] if words else []))
    assert "untouched" in result.output
    assert tree(root / "_site") == before


def test_long_runs_of_spaces_in_a_bibliography_read_at_once(
    make_project: Callable[..., Path],
) -> None:
    # Patterns over names that start with a run of spaces took time in the square of
    # the run: an author list padded with 200,000 spaces held a build for many minutes.
    spaces = " " * 200_000
    bib = (
        "@article{padded,\n"
        f"  title = {{Padded{spaces}title}},\n"
        f"  author = {{Doe, Jane{spaces}and{spaces}Roe, Joe{spaces}}},\n"
        "  year = 2021,\n"
        "}\n"
    )
    root = make_project({"seeds/padded.bib": bib})
    result = build_within(60, root)
    assert result.exit_code == 0, result.output
    papers = json.loads((root / "_site" / "papers.json").read_text(encoding="utf-8"))
    (paper,) = papers["papers"] if isinstance(papers, dict) else papers
    assert paper["title"] == "Padded title"
    assert paper["authors"] == ["Jane Doe", "Joe Roe"]
