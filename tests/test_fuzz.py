"""Property tests beyond the per-module ones: structured inputs that get past the first check.

Random text mostly fails at the first line; these strategies build listings, YAML
and Markdown that look right, so the parsers' deeper paths meet odd values too.
Any input gives a result or a problem with a sensible line, never an exception,
and whatever reaches a page is inert.
"""

from __future__ import annotations

import re
import tempfile
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from sitegen.catalog import load
from sitegen.catalog.annotation_fields import ANNOTATION_FIELDS
from sitegen.catalog.annotations import load_annotations
from sitegen.catalog.keys import MAX_KEY_LENGTH, assign_keys
from sitegen.catalog.titles import infer_title
from sitegen.catalog.topics import load_topics
from sitegen.citations import citations
from sitegen.incremental import PlanMemory
from sitegen.markdown import is_safe_link, make_markdown, render_markdown
from sitegen.model import STATUSES, Problem
from sitegen.pages import plan_pages
from sitegen.render import renderer_for
from sitegen.settings import load_settings
from sitegen.sources import daily, parse_seed_text

KEYS = ["zebra-a-model-of-stripes", "another-paper-about-something-else"]
LINE_BREAK = re.compile(r"\r\n|\r|\n")
YAML_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")
SCRIPT_SCHEMES = ("javascript:", "vbscript:", "data:")

# Fragments that mean something to HTML, Markdown, YAML, LaTeX or a URL parser.
HOSTILE = [
    "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "\"'><b>", "&amp;", "&#0;",
    "javascript:alert(1)", "JaVaScRiPt:x", "data:text/html,x", "vbscript:x", "//evil.example",
    "[a](javascript:x)", "<javascript:x>", "![i](data:x)", "[r]: javascript:x", "[r]",
    "**", "`", "$x^2$", "$$", "\\alpha", "{", "}", "~", "%", "#", ": ", "- ", "? ", "&a", "*a",
    "!!python/object/apply:os.system ['true']", "<<: *a", "---", "...", "\t", "\\e", "\x1b",
    "\u202e", "\ufffe", "\x00", "\r", "\n", "\u2028", " ", "é", "𝔘", "https://example.org/",
]  # fmt: skip
FIELD_TEXT = st.lists(st.sampled_from(HOSTILE) | st.text(max_size=6), max_size=8).map("".join)
"""Short text full of markup, links and escapes."""


# --- Seeds ------------------------------------------------------------------------------

LINE_TEXT = st.text(
    st.characters(blacklist_categories=["Cs"], blacklist_characters="\r\n"), min_size=1
).filter(str.strip)
TITLES = LINE_TEXT.filter(lambda s: len(s.strip()) <= daily.MAX_TITLE).filter(
    lambda s: daily._listing_date(s.strip()) is None
)


@settings(max_examples=200, deadline=None)
@given(
    header=st.lists(st.sampled_from(sorted(daily.HEADER_LINES)), max_size=3),
    date=st.sampled_from(["Mar 17", "Dec 1", "Sept 30, 2024", "Jan. 2"]),
    pairs=st.lists(st.tuples(TITLES, LINE_TEXT), max_size=8),
    blank=st.sampled_from(["", "\n", "\n  \n"]),
    newline=st.sampled_from(["\n", "\r\n", "\r"]),
)
def test_a_daily_listing_gives_every_title_and_abstract_with_its_line(
    header: list[str],
    date: str,
    pairs: list[tuple[str, str]],
    blank: str,
    newline: str,
) -> None:
    lines = [*header, date]
    expected = []
    for title, abstract in pairs:
        lines.append(title)
        expected.append((len(lines), title.strip(), abstract.strip()))
        lines.append(abstract)
    text = newline.join(lines) + blank.replace("\n", newline)
    entries, problems = parse_seed_text(text, "seeds/day.txt", ".txt")
    assert problems == []
    assert [(e.ref.line, e.title, e.abstract) for e in entries] == expected
    assert all(e.listed_on is not None for e in entries)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(LINE_TEXT.map(lambda s: "Abstract:" + s), st.just("")), min_size=1))
def test_an_abstract_dump_gives_one_paper_a_line(lines: list[str]) -> None:
    text = "\n".join(lines)
    entries, problems = parse_seed_text(text, "seeds/dump.txt", ".txt")
    if not any(line.strip() for line in lines):
        assert entries == [] and len(problems) == 1  # no format: says what it expected
        return
    wanted = [
        (number, line.strip()[len("Abstract:") :].strip())
        for number, line in enumerate(lines, start=1)
        if line.strip()
    ]
    assert [(e.ref.line, e.abstract) for e in entries] == [w for w in wanted if w[1]]
    assert all(p.line is not None and 1 <= p.line <= len(lines) for p in problems)


# --- Keys -------------------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.text(), FIELD_TEXT, st.sampled_from(["../../etc/passwd", ".."]))))
def test_keys_are_unique_url_safe_slugs(titles: list[str]) -> None:
    keys = assign_keys(titles)
    assert len(keys) == len(titles) == len(set(keys))
    for key in keys:
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", key), key
        assert len(key) <= MAX_KEY_LENGTH


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(), FIELD_TEXT))
def test_an_inferred_title_is_one_non_empty_line(abstract: str) -> None:
    title = infer_title(abstract)
    assert title.strip() == title and title
    assert not LINE_BREAK.search(title)


# --- Markdown ---------------------------------------------------------------------------

MARKDOWN_TAGS = frozenset(
    "p a em strong code pre ul ol li blockquote h1 h2 h3 h4 h5 h6 hr br img table thead tbody "
    "tr th td s del sup sub section div span math semantics annotation mrow mi mn mo msup msub "
    "msubsup mfrac msqrt mroot mtext mspace mover munder munderover mstyle mtable mtr mtd "
    "mpadded mphantom menclose merror mmultiscripts mprescripts none".split()
)


class _Markup(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: set[str] = set()
        self.bad: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        for name, value in attrs:
            if name.startswith("on") or name in ("style", "srcdoc"):
                self.bad.append(f"<{tag} {name}>")
            if name in ("href", "src") and value is not None:
                squeezed = re.sub(r"[\x00-\x20]", "", value).lower()
                if squeezed.startswith(SCRIPT_SCHEMES):
                    self.bad.append(f"<{tag} {name}={value!r}>")


MARKDOWN = st.lists(
    st.sampled_from([*HOSTILE, "\n\n", "[", "](", ")", "<", ">", "[^1]", "[^1]: note", "> "])
    | st.text(max_size=5),
    max_size=25,
).map("".join)


@settings(max_examples=400, deadline=None)
@given(MARKDOWN)
def test_markdown_renders_only_inert_markup(text: str) -> None:
    html = render_markdown(make_markdown(), text)
    parser = _Markup()
    parser.feed(html)
    parser.close()
    assert parser.tags <= MARKDOWN_TAGS, parser.tags - MARKDOWN_TAGS
    assert parser.bad == []


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(["javascript", "vbscript", "data"]),
    st.lists(st.sampled_from(["", "\t", "\n", " ", "\x00", "\x0b", "\u200b"]), max_size=3),
    st.booleans(),
)
def test_a_script_scheme_is_never_a_safe_link(scheme: str, noise: list[str], upper: bool) -> None:
    spelled = scheme.upper() if upper else scheme
    cut = len(spelled) // 2
    url = "".join(noise) + spelled[:cut] + "".join(noise) + spelled[cut:] + ":alert(1)"
    assert not is_safe_link(url)


# --- YAML inputs ------------------------------------------------------------------------

YAML_TOKENS = st.sampled_from(
    [
        *KEYS, *ANNOTATION_FIELDS, *STATUSES, "slug", "name", "keywords", "patterns", "parent",
        "title", "base_url", "language", "text", "page",
        ":", ": ", "- ", "\n", "\n  ", "\n    ", "\n- ", "  ", "\t", "[", "]", "{", "}", ",",
        "&a ", "*a", "<<: *a", "!!str ", "!!int ", "!!binary ", "!!python/object:os.system ",
        "!!set ", "? ", "|", ">-", '"', "'", "#", "---\n", "...\n", "%YAML 1.1\n", "~", "null",
        "1e400", "2024-02-30", "0x1F", "0o17", ".inf", "yes", "5", "-1", "é", "\\x",
        "\ufeff", "\x85", "\u2028",
    ]
)  # fmt: skip
YAMLISH = st.lists(YAML_TOKENS | FIELD_TEXT, max_size=40).map("".join)
"""Text in YAML's vocabulary: anchors, aliases, tags, merges, flow and block styles."""

_settings = settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def _lines_ok(problems: list[Problem], text: str) -> bool:
    count = len(YAML_BREAK.split(text)) + 1  # YAML counts NEL, U+2028 and U+2029 as breaks
    return all(
        isinstance(p, Problem) and (p.line is None or 1 <= p.line <= count) for p in problems
    )


@_settings
@given(YAMLISH)
def test_yaml_ish_annotation_text_loads_or_reports(tmp_path: Path, text: str) -> None:
    folder = tmp_path / "content" / "annotations"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "a.yaml").write_text(text, encoding="utf-8", newline="")
    annotations, problems = load_annotations(tmp_path / "content", tmp_path, KEYS, ["rlhf"])
    assert set(annotations) <= set(KEYS)
    assert _lines_ok(problems, text)


@_settings
@given(YAMLISH)
def test_yaml_ish_topics_and_settings_load_or_report(tmp_path: Path, text: str) -> None:
    (tmp_path / "topics.yaml").write_text(text, encoding="utf-8", newline="")
    topics, problems = load_topics(tmp_path / "topics.yaml", "content/topics.yaml")
    assert all(re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", t.slug) for t in topics)
    assert _lines_ok(problems, text)
    (tmp_path / "sitegen.yaml").write_text(text, encoding="utf-8", newline="")
    site, problems = load_settings(tmp_path)
    assert site.base_path.startswith("/") and site.base_path.endswith("/")
    assert _lines_ok(problems, text)


REGEXES = st.lists(st.sampled_from(["a", "b", "(", ")", "[", "]", "*", "+", "?", "{2}", "\\", "|"]))
TOPIC_VALUES = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), FIELD_TEXT, st.sampled_from(["rlhf", ""])),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(FIELD_TEXT, inner, max_size=3),
    max_leaves=8,
)
TOPIC = st.fixed_dictionaries(
    {"slug": st.sampled_from(["rlhf", "video", "video", "Bad Slug", "../x", ""]) | FIELD_TEXT},
    optional={
        "name": FIELD_TEXT | TOPIC_VALUES,
        "description": FIELD_TEXT | TOPIC_VALUES,
        "keywords": st.lists(FIELD_TEXT | st.sampled_from(["agent*", "*", "a b", "rl"]))
        | TOPIC_VALUES,
        "patterns": st.lists(REGEXES.map("".join), max_size=3) | TOPIC_VALUES,
        "parent": st.sampled_from(["rlhf", "video", "nope", "../.."]) | TOPIC_VALUES,
    },
)


@_settings
@given(st.lists(TOPIC, max_size=4))
def test_topics_shaped_documents_load_or_report(
    tmp_path: Path, topics: list[dict[str, Any]]
) -> None:
    text = yaml.safe_dump(topics, allow_unicode=True)
    (tmp_path / "topics.yaml").write_text(text, encoding="utf-8")
    loaded, problems = load_topics(tmp_path / "topics.yaml", "content/topics.yaml")
    slugs = [t.slug for t in loaded]
    assert len(slugs) == len(set(slugs))
    assert all(re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", slug) for slug in slugs)
    assert _lines_ok(problems, text)


# --- From annotation to page ------------------------------------------------------------

URLS = [
    "https://example.org/a?b=\"'<>&c=<script>",
    'http://example.org/#"onmouseover=alert(1)',
    "https://xn--e1afmkfd.xn--p1ai/",
]
ANNOTATION = st.fixed_dictionaries(
    {},
    optional={
        "title": FIELD_TEXT,
        "summary": FIELD_TEXT,
        "notes": MARKDOWN,
        "tags": st.lists(FIELD_TEXT, max_size=3),
        "authors": st.lists(FIELD_TEXT, max_size=3),
        "venue": FIELD_TEXT,
        "quotes": st.lists(
            FIELD_TEXT | st.fixed_dictionaries({"text": FIELD_TEXT, "page": st.integers(-1, 9)}),
            max_size=2,
        ),
        # Mostly valid values, so most examples get as far as a page; now and then not.
        "links": st.dictionaries(
            FIELD_TEXT.filter(str.strip),
            st.sampled_from([*URLS, *URLS, "javascript:x", "ftp://x"]),
            max_size=2,
        ),
        "status": st.sampled_from([*STATUSES, *STATUSES, "finished"]),
        "rating": st.sampled_from([1, 2, 3, 4, 5, 1, 2, 3, 4, 5, 0, 6]),
        "related": st.lists(st.sampled_from([KEYS[1], KEYS[1], "../x"]), max_size=2),
    },
)


class _Active(_Markup):
    def __init__(self) -> None:
        super().__init__()
        self.inline: list[str] = []
        self._script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        super().handle_starttag(tag, attrs)
        kind = dict(attrs).get("type")
        self._script = tag == "script" and kind in (None, "text/javascript")

    def handle_data(self, data: str) -> None:
        if self._script and "alert" in data:
            self.inline.append(data)


@settings(max_examples=60, deadline=None)
@given(ANNOTATION)
def test_any_annotation_renders_an_inert_paper_page_or_reports(fields: dict[str, Any]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / "seeds").mkdir()
        (root / "seeds" / "a.txt").write_text(
            "Abstract:We introduce Zebra, a model of stripes.\n"
            "Abstract:Another paper, about something else.\n",
            encoding="utf-8",
        )
        notes = root / "content" / "annotations"
        notes.mkdir(parents=True)
        text = yaml.safe_dump({KEYS[0]: fields}, allow_unicode=True)
        (notes / "a.yaml").write_text(text, encoding="utf-8")
        site, _ = load_settings(root)
        loaded = load(site)
        assert _lines_ok(loaded.problems, text)
        event("an error" if loaded.errors else "a page")
        if loaded.errors or loaded.catalog is None:
            assert all(p.file == "content/annotations/a.yaml" for p in loaded.errors)
            return
        memory = PlanMemory()
        cited = citations(loaded.catalog, site, memory)
        planned = plan_pages(loaded.catalog, site, memory, cited=cited)
        pages = [p for p in planned if p.url == f"papers/{KEYS[0]}/"]
        html = renderer_for(loaded.catalog, site).render(pages[0]).decode("utf-8")
    parser = _Active()
    parser.feed(html)
    parser.close()
    assert parser.bad == [] and parser.inline == []
    assert not re.search("[\x00-\x08\x0b\x0e-\x1f\x7f\ufffe]", html)
